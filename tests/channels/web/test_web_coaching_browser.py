"""Review 3.0 and PDCA in Debian's chromium, against uvicorn with its bot on the fake Bot API.

A manager filters the sessions list, opens a rep's transcript, comments on a line and writes an
ASK review with a practice assignment; the rep sees the comment beside that line, gets the
assignment in the web chat and in Telegram, completes it, and the manager sees it passed with the
before/after scores, then the team analytics (the heatmap, the trend chart with its table).
Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from test_web_browser import ARTIFACTS, chromium  # noqa: F401 - the fixture is used by name
from web_support import add_user

from bot.config import Settings
from bot.services import RehearsalService
from bot.storage import Database, upgrade

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "telegram"))
from telegram_fakes import (
    WEBHOOK_SECRET,
    FakeBotAPI,
    Updates,
    UvicornServer,
    telegram_settings,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SCENARIO = "precision-parts-returns"
PASSWORD = "browser-pass-1"
SHORT = ["王总您好，我是李明，老周介绍我过来的，谢谢您抽时间。"]
DEEP = [
    *SHORT,
    "听说你们主要给新能源车做精密零件，对吧？",
    "看您有点疲惫，是刚从主机厂那边回来吗？最近他们的要求是不是又变了？",
    "退货为什么会翻倍呢？",
    "为什么会这样呢？",
    "除此之外还有别的困扰吗？",
]
CHAT = 9_700_001


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    bot = FakeBotAPI()
    bot.start()
    yield bot
    bot.stop()


def seed(database_url: str) -> dict[str, int]:
    """The team: a manager, the rep reviewed (one short visit) and a colleague (one deep visit)."""
    upgrade(database_url)
    db = Database(database_url)
    try:
        ids = {
            "boss": add_user(db, "boss", PASSWORD, role="manager", team="华东", display_name="陈经理"),
            "wang": add_user(db, "wang", PASSWORD, team="华东", display_name="王小明"),
            "zhao": add_user(db, "zhao", PASSWORD, team="华东", display_name="赵丽"),
        }
        service = RehearsalService(db, settings=Settings(database_url=database_url))
        scores = {}
        for who, lines in (("wang", SHORT), ("zhao", DEEP)):
            started = service.start(ids[who], SCENARIO, language="zh", mode="practice", channel="web")
            session_id = started.session_id
            for line in lines:
                service.send(session_id, line, user_id=ids[who], channel="web")
            card = service.end(session_id, user_id=ids[who], channel="web").scorecard
            assert card is not None
            scores[who] = int(card["score"])
        return {**ids, "before": scores["wang"]}
    finally:
        db.dispose()


def link_telegram(url: str, fake: FakeBotAPI) -> None:
    """wang links Telegram: a code from the web, then /start <code> to the bot's webhook."""
    with httpx.Client(base_url=url, timeout=20) as http:
        assert http.post("/api/auth/login", json={"login": "wang", "password": PASSWORD}).status_code == 200
        code = http.post("/api/telegram/link-code").json()["code"]
        update = Updates(user_id=CHAT, first_name="小王").text(f"/start {code}")
        headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        assert http.post("/telegram/webhook", json=update, headers=headers).status_code == 200
    fake.wait_for_texts(1, CHAT)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_review_assignment_and_pdca_in_the_browser(
    database_url: str,
    fake: FakeBotAPI,
    tmp_path: Path,
    chromium: object,  # noqa: F811 - the fixture imported above
) -> None:
    from playwright.sync_api import Browser, Page, expect

    assert isinstance(chromium, Browser)
    expect.set_options(timeout=20_000)
    people = seed(database_url)
    server = UvicornServer(
        telegram_settings(database_url, fake), workers=1, log_path=tmp_path / "uvicorn.log"
    )
    problems: list[str] = []

    def watch(page: Page) -> Page:
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on(
            "console",
            lambda m: problems.append(m.text) if m.type == "error" and "401" not in m.text else None,
        )
        return page

    def sign_in(page: Page, path: str, login: str) -> None:
        page.goto(f"{server.url}{path}")
        page.fill("#login", login)
        page.fill("#password", PASSWORD)
        page.press("#password", "Enter")

    try:
        server.wait_ready(fake, timeout=120)
        link_telegram(server.url, fake)
        ARTIFACTS.mkdir(exist_ok=True)

        # The manager filters the sessions list to wang's, opens his visit and comments on his
        # second line (seq 2: his greeting).
        boss = watch(chromium.new_page(viewport={"width": 1366, "height": 900}))
        sign_in(boss, "/manage", "boss")
        expect(boss.locator("#reps tr")).to_have_count(2)
        boss.click("#open-sessions")
        expect(boss.locator("#s-rows tr")).to_have_count(2)
        boss.select_option("#s-rep", str(people["wang"]))
        boss.click("#s-apply")
        expect(boss.locator("#s-rows tr")).to_have_count(1)
        boss.locator("#s-rows tr").first.click()
        expect(boss.locator("#rep-name")).to_have_text("王小明")
        greeting = boss.locator('#transcript li[data-seq="2"]')
        expect(greeting).to_contain_text(SHORT[0])
        expect(boss.locator("#trust-chart-table")).to_be_attached()  # the trust curve's table
        expect(boss.locator("#transcript .c-track").first).to_be_visible()  # the stage/step track
        greeting.locator(".c-comment-open").click()
        greeting.locator(".c-comment-form textarea").fill("先问对方的近况，再介绍自己。")
        greeting.locator(".c-comment-form button").click()
        expect(greeting.locator(".c-comment")).to_contain_text("先问对方的近况")

        # The ASK review: "why" is a gap pre-filled from the scorecard, zhao the colleague to learn from.
        boss.click("#review-start")
        why = boss.locator('fieldset[data-skill="why"]')
        expect(why.locator("#skill-why")).to_be_checked()
        expect(boss.locator("#plan-mate-why")).to_have_value(str(people["zhao"]))
        expect(why.locator(".c-mate-record")).to_contain_text("用对 2 次")
        boss.fill("#review-attitude", "愿意学，节奏偏急。")
        boss.fill("#skill-note-why", "客户提到退货后没有追问原因。")
        boss.fill("#plan-action-why", "读赵丽的记录，每个问题追问两次“为什么”。")
        boss.fill("#review-knowledge", "不熟悉客户的质检流程。")
        boss.fill("#review-improving", "先把客户的问题挖到根，再谈方案。")
        boss.select_option("#review-assign-scenario", SCENARIO)
        boss.fill("#review-assign-pass", str(people["before"] + 1))
        boss.screenshot(path=str(ARTIFACTS / "coaching-review-form.png"), full_page=True)
        boss.click("#review-send")
        expect(boss.locator("#review-ok")).to_be_visible()
        review = boss.locator("#rep-reviews .c-review").first
        expect(review.locator('[data-status="open"]')).to_be_visible()
        expect(review.locator(".c-before-after")).to_have_attribute("data-before", str(people["before"]))

        # Telegram: the assignment is announced in wang's chat through the outbox.
        texts = fake.wait_for_texts(2, CHAT)
        assert "新的练习任务" in texts[-1] and f"及格分：{people['before'] + 1}" in texts[-1]

        # The rep on a phone: the comment beside the line, the assignment in the chat; he completes it.
        rep = watch(chromium.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2))
        sign_in(rep, "/chat", "wang")
        assignment = rep.locator("#my-assignments li").first
        expect(assignment).to_have_attribute("data-status", "open")
        rep.locator("#history button").first.click()
        expect(rep.locator('#messages li[data-seq="2"] .c-comment')).to_contain_text("先问对方的近况")
        rep.screenshot(path=str(ARTIFACTS / "coaching-rep-comment-phone.png"))
        rep.click("#back")
        rep.locator("#my-assignments .c-start").first.click()
        messages = rep.locator("#messages")
        expect(messages.locator(".msg.customer")).to_have_count(1)
        for n, line in enumerate(DEEP, start=1):
            rep.fill("#text", line)
            rep.press("#text", "Enter")
            expect(messages.locator(".msg.customer:not(.typing)")).to_have_count(n + 1)
        rep.click("#end")
        rep.click("#end")  # the second press confirms
        scorecard = rep.locator("#scorecard")
        expect(scorecard).to_be_visible()
        after = int(scorecard.locator("[data-score]").get_attribute("data-score") or "-1")
        assert after > people["before"]
        rep.click("#back")
        expect(rep.locator("#my-assignments li").first).to_have_attribute("data-status", "passed")
        mine = rep.locator("#my-reviews .c-review").first
        expect(mine).to_contain_text(f"辅导前 {people['before']} → 辅导后 {after}")
        expect(mine).to_contain_text("赵丽")  # the colleague to learn from
        rep.screenshot(path=str(ARTIFACTS / "coaching-rep-assignments-phone.png"))

        # The manager sees it passed, with the scores before and after.
        boss.reload()
        review = boss.locator("#rep-reviews .c-review").first
        expect(review.locator('[data-status="passed"]')).to_be_visible()
        expect(review.locator(".c-before-after")).to_have_attribute("data-after", str(after))
        expect(review.locator(".c-before-after")).to_contain_text(
            f"辅导前 {people['before']} → 辅导后 {after}"
        )
        boss.screenshot(path=str(ARTIFACTS / "coaching-review-passed.png"), full_page=True)

        # The team page: the heatmap, the trend chart with its table, the assignments passed.
        boss.click("#back-team")
        heat = boss.locator("#heatmap tr", has_text="王小明").locator('[data-technique="why"]')
        expect(heat).to_have_attribute("data-count", "2")
        expect(boss.locator("#trend-chart")).to_be_visible()
        expect(boss.locator("#trend-chart-table tbody tr")).not_to_have_count(0)
        expect(boss.locator('#assignments-body [data-status="passed"]')).to_have_count(1)
        boss.screenshot(path=str(ARTIFACTS / "coaching-team-analytics.png"), full_page=True)
        boss.click('[data-set-lang="en"]')
        expect(boss.locator("#analytics-title")).to_have_text("Team analytics")
        expect(boss.locator('#assignments-body [data-status="passed"]')).to_have_text("Passed")
        boss.screenshot(path=str(ARTIFACTS / "coaching-team-analytics-en.png"), full_page=True)
    finally:
        server.stop()

    assert problems == [], problems
