"""The team dashboard (/manage) in Debian's chromium, against uvicorn: a manager reads a rep's
rehearsal and writes a coaching note; the rep sees it unread on /chat and marks it read.

Screenshots go to test-artifacts/ (manage.png on a desktop, manage-phone.png on a phone).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from test_web_browser import ARTIFACTS, chromium  # noqa: F401 - the fixture is used by name
from web_support import LiveServer, add_user, make_settings

from bot.i18n import translate
from bot.services import AccountService, RehearsalService
from bot.storage import Database, store, upgrade

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SCENARIO = "precision-parts-returns"
VISITS = [
    ["王总您好，我是李明，老周介绍我过来的，谢谢您抽时间。"],
    ["王总您好，我是李明，老周介绍我过来的，谢谢您抽时间。", "听说你们主要给新能源车做精密零件，对吧？"],
    [
        "王总您好，我是李明，老周介绍我过来的，谢谢您抽时间。",
        "听说你们主要给新能源车做精密零件，对吧？",
        "看您有点疲惫，是刚从主机厂那边回来吗？最近他们的要求是不是又变了？",
        "退货为什么会翻倍呢？",
    ],
]


def seed(database_url: str) -> tuple[list[int], dict[str, str]]:
    """Demo accounts (returned with their random passwords), a second rep in the demo team, and
    three finished visits by the demo rep."""
    upgrade(database_url)
    db = Database(database_url)
    try:
        settings = make_settings(database_url, demo_accounts=True)
        passwords = {a.login: a.password for a in AccountService(db).ensure_demo_accounts(settings)}
        add_user(db, "lin", "lin-pass-1", team="Demo team", display_name="林晓 Lin")
        with store(db) as s:
            demo = s.users.by_login("demo")
            assert demo is not None
            demo_id = demo.id
        service = RehearsalService(db, settings=settings)
        scores = []
        for lines in VISITS:
            session_id = service.start(
                demo_id, SCENARIO, language="zh", mode="practice", channel="web"
            ).session_id
            for line in lines:
                service.send(session_id, line, user_id=demo_id, channel="web")
            scorecard = service.end(session_id, user_id=demo_id, channel="web").scorecard
            assert scorecard is not None
            scores.append(int(scorecard["score"]))
        return scores, passwords
    finally:
        db.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_team_dashboard_in_the_browser(
    database_url: str,
    live_server_factory: Callable[..., LiveServer],
    chromium: object,  # noqa: F811 - the fixture imported above
) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(chromium, Browser)
    expect.set_options(timeout=15_000)
    scores, passwords = seed(database_url)
    server = live_server_factory(database_url)
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    requests: list[str] = []

    def watch(page: object) -> None:
        from playwright.sync_api import Page

        assert isinstance(page, Page)
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on(
            "console",
            lambda m: problems.append(m.text) if m.type == "error" and "401" not in m.text else None,
        )
        page.on("request", lambda request: requests.append(request.url))

    # A rep who opens /manage is told it is for managers.
    rep_page = chromium.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    watch(rep_page)
    rep_page.goto(f"{server.url}/manage")
    expect(rep_page.locator("#login-title")).to_have_text("经理登录")
    rep_page.fill("#login", "demo")
    rep_page.fill("#password", passwords["demo"])
    rep_page.press("#password", "Enter")
    expect(rep_page.locator("#denied-title")).to_be_visible()

    # The manager signs in on a desktop: the team table, with sparklines.
    page = chromium.new_page(viewport={"width": 1280, "height": 860})
    watch(page)
    page.goto(f"{server.url}/chat")
    page.fill("#login", "manager")
    page.fill("#password", passwords["manager"])
    page.press("#password", "Enter")
    expect(page.locator("#manage-link")).to_be_visible()  # managers get a way to their page
    page.click("#manage-link")
    expect(page).to_have_url(re.compile(r"/manage$"))
    rows = page.locator("#reps tr")
    expect(rows).to_have_count(2)
    demo_row = page.locator("#reps tr", has_text="演示销售")
    expect(demo_row.locator("td").nth(0)).to_have_text("3")
    expect(demo_row.locator("td").nth(2).locator(".m-value")).to_have_text(str(round(sum(scores) / 3, 1)))
    expect(demo_row.locator("td").nth(2).locator(".m-outcomes")).to_contain_text("3")  # what it counts
    expect(demo_row.locator("svg.spark")).to_have_attribute("data-scores", ",".join(map(str, scores)))
    expect(page.locator("#reps tr", has_text="林晓").locator("td").nth(5)).to_have_text("从未练习")

    # The rep's page: sessions, the transcript with technique tags, the scorecard summary.
    demo_row.locator(".m-rep-link").click()
    expect(page.locator("#rep-name")).to_have_text("演示销售 Demo Rep")
    expect(page.locator("#sessions button")).to_have_count(3)
    page.locator("#sessions button").first.click()  # newest first: the longest visit
    transcript = page.locator("#transcript")
    expect(transcript.locator(".msg.rep")).to_have_count(len(VISITS[-1]))
    expect(transcript.locator(".msg.coach")).to_have_count(len(VISITS[-1]))
    why = transcript.locator('.msg.rep [data-technique="why"]')
    expect(why).to_have_text(translate("technique.why", "zh"))  # the catalogue's name, 问“为什么”
    expect(page.locator("#summary [data-score]")).to_have_attribute("data-score", str(scores[-1]))
    expect(page.locator('#summary [data-point="keep"]')).to_be_visible()

    # A note about this session.
    expect(page.locator("#note-about-wrap")).to_be_visible()
    page.fill("#note-text", "开场很好。下次在“为什么”之后再问一句“还有吗”。")
    page.click("#note-send")
    expect(page.locator("#note-ok")).to_be_visible()
    expect(page.locator("#rep-notes .note")).to_have_count(1)
    expect(page.locator("#rep-notes .note")).to_contain_text("未读")
    page.screenshot(path=str(ARTIFACTS / "manage.png"))

    # English, then back to the team: the unread count is there.
    page.click('[data-set-lang="en"]')
    expect(page.locator("#rep-notes .note")).to_contain_text("unread")
    page.click("#back-team")
    expect(page.locator("#team-title")).to_contain_text("Team progress")
    expect(demo_row.locator(".badge.unread")).to_have_text("1")
    page.screenshot(path=str(ARTIFACTS / "manage-team-en.png"))
    page.click('[data-set-lang="zh"]')

    # The browser's back button walks back: the transcript, the rep, the team; links can be shared.
    page.go_back()
    expect(page.locator("#reader-body")).to_be_visible()
    expect(page.locator("#transcript .msg.rep")).to_have_count(len(VISITS[-1]))
    shared = page.url
    assert re.search(r"#rep-\d+/session-\w+$", shared)
    page.go_back()
    expect(page.locator("#reader-empty")).to_be_visible()
    expect(page.locator("#rep-name")).to_have_text("演示销售 Demo Rep")
    page.go_back()
    expect(page.locator("#view-team")).to_be_visible()
    fresh = chromium.new_page(viewport={"width": 1280, "height": 860})
    watch(fresh)
    fresh.context.add_cookies(page.context.cookies())
    fresh.goto(shared)
    expect(fresh.locator("#transcript .msg.rep")).to_have_count(len(VISITS[-1]))
    expect(fresh.locator("#rep-name")).to_have_text("演示销售 Demo Rep")

    # On a phone the table becomes cards.
    phone = chromium.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    watch(phone)
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"{server.url}/manage")
    expect(phone.locator("#reps tr")).to_have_count(2)
    phone.screenshot(path=str(ARTIFACTS / "manage-phone.png"), full_page=True)
    phone.locator("#reps tr", has_text="演示销售").click()
    phone.locator("#sessions button").nth(1).click()
    expect(phone.locator("#transcript .msg.rep")).to_have_count(len(VISITS[1]))
    expect(phone.locator("#rep-notes .note")).to_have_count(1)
    phone.screenshot(path=str(ARTIFACTS / "manage-rep-phone.png"), full_page=True)
    phone.goto(f"{server.url}/chat")
    expect(phone.locator("#manage-link")).to_be_visible()
    phone.screenshot(path=str(ARTIFACTS / "chat-manager-phone.png"))

    # The rep sees the note unread on /chat and marks it read.
    rep_page.goto(f"{server.url}/chat")
    expect(rep_page.locator("#notes-pill")).to_have_text("✉ 1")
    note = rep_page.locator("#notes .note.unread")
    expect(note).to_contain_text("还有吗")
    expect(note).to_contain_text("演示经理")
    rep_page.click("#notes-pill")
    rep_page.screenshot(path=str(ARTIFACTS / "chat-notes-phone.png"))
    note.locator(".note-read").click()
    expect(rep_page.locator("#notes .note.unread")).to_have_count(0)
    expect(rep_page.locator("#notes-pill")).to_be_hidden()
    expect(rep_page.locator("#manage-link")).to_be_hidden()

    assert problems == []
    assert all(url.startswith(server.url) for url in requests), "a page fetched from another host"
