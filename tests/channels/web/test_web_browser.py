"""The web chat in a real browser: Debian's chromium driven by Playwright, against uvicorn.

Never downloads a browser: it uses /usr/bin/chromium. Without it the test skips, except on CI
where it must run.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from web_support import LiveServer, make_settings

from bot.config import PROJECT_ROOT
from bot.i18n import translate
from bot.services import AccountService, RehearsalService
from bot.storage import Database, store, upgrade

CHROMIUM = Path("/usr/bin/chromium")
ON_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LINES = [
    "王总您好，我是李明，老周介绍我过来的，谢谢您抽时间。",
    "听说你们主要给新能源车做精密零件，对吧？",
    "看您有点疲惫，是刚从主机厂那边回来吗？最近他们的要求是不是又变了？",
    "退货为什么会翻倍呢？",
]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def chromium() -> Iterator[object]:
    if not CHROMIUM.exists():
        if ON_CI:
            pytest.fail(f"{CHROMIUM} is required on CI (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} not installed (Debian package 'chromium'); the browser test needs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_rehearsal_in_the_browser(
    database_url: str, live_server_factory: Callable[..., LiveServer], chromium: object
) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(chromium, Browser)
    expect.set_options(timeout=15_000)  # generous on a loaded CI machine; a pass is usually < 1 s
    upgrade(database_url)
    db = Database(database_url)
    try:
        created = AccountService(db).ensure_demo_accounts(make_settings(database_url, demo_accounts=True))
        (demo,) = [a for a in created if a.login == "demo"]
        server = live_server_factory(database_url)
        ARTIFACTS.mkdir(exist_ok=True)

        page = chromium.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on(
            "console",
            lambda m: problems.append(m.text) if m.type == "error" else None,
        )
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))

        page.goto(f"{server.url}/")  # redirects to /chat
        expect(page).to_have_url(re.compile(r"/chat$"))
        expect(page.locator("#login-title")).to_have_text("登录开始演练")
        page.fill("#login", "demo")
        page.fill("#password", "wrong-password")
        page.press("#password", "Enter")
        expect(page.locator("#login-error")).to_have_text("账号或密码不对。")
        # The wrong password's 401 is the one failed request the browser may log; opening the
        # page signed out logged none (auth state is a 200 either way).
        assert [p for p in problems if "401" not in p] == [] and len(problems) <= 1
        problems.clear()
        page.fill("#password", demo.password)
        page.press("#password", "Enter")

        # Pick the scenario, Chinese, practice mode.
        card = page.locator('[data-scenario="precision-parts-returns"]')
        expect(card).to_be_visible()
        expect(page.locator('label[for="lang-zh"]')).to_have_text("中文")
        page.click('label[for="mode-practice"]')
        expect(page.locator("#mode-practice")).to_be_checked()
        card.click()
        page.click("#start")

        messages = page.locator("#messages")
        expect(messages.locator(".msg.customer")).to_have_count(1)
        for n, line in enumerate(LINES, start=1):
            page.fill("#text", line)
            page.press("#text", "Enter")  # Enter sends
            expect(messages.locator(".msg.rep:not(.pending)")).to_have_count(n)
            expect(messages.locator(".msg.customer:not(.typing)")).to_have_count(n + 1)
            expect(messages.locator(".msg.coach")).to_have_count(n)
        expect(messages.locator(".msg.rep .bubble").last).to_have_text(LINES[-1])
        expect(messages.locator(".msg.rep .tech").first).to_be_visible()
        expect(page.locator("#chip-stage")).not_to_be_empty()

        # Live push: the same rep goes on in Telegram; the open page shows the turn by itself.
        with store(db) as s:
            demo = s.users.by_login("demo")
            assert demo is not None
            active = s.sessions.active_for_user(demo.id)
            assert active is not None
            user_id, session_id = demo.id, active.id
        RehearsalService(db, settings=make_settings(database_url)).send(
            session_id, "为什么要到终检才发现呢？", user_id=user_id, channel="telegram"
        )
        expect(messages.locator(".msg.rep .bubble").last).to_have_text(
            "为什么要到终检才发现呢？", timeout=10_000
        )
        expect(messages.locator(".msg.coach")).to_have_count(len(LINES) + 1)

        page.click("#hint")
        expect(messages.locator(".msg.coach")).to_have_count(len(LINES) + 2)
        page.screenshot(path=str(ARTIFACTS / "web-chat-phone.png"))

        page.click("#end")
        page.click("#end")  # the second press confirms
        scorecard = page.locator("#scorecard")
        expect(scorecard).to_be_visible()
        score = int(scorecard.locator("[data-score]").get_attribute("data-score") or "-1")
        assert 0 <= score <= 100
        expect(scorecard).to_contain_text("评分卡")
        expect(scorecard).to_contain_text(f"{translate('technique.why', 'zh')} ×2")  # 问“为什么”
        for kind in ("keep", "start", "stop"):
            expect(scorecard.locator(f'[data-point="{kind}"]')).to_be_visible()
        expect(page.locator("#composer")).to_be_hidden()
        page.screenshot(path=str(ARTIFACTS / "web-scorecard-phone.png"))

        # Desktop, English: reopen the finished visit from the history to read it.
        desktop = chromium.new_page(viewport={"width": 1280, "height": 860})
        desktop.context.add_cookies(page.context.cookies())
        desktop.goto(f"{server.url}/chat")
        desktop.click('[data-set-lang="en"]')
        expect(desktop.locator("#history-title")).to_have_text("Earlier sessions")
        desktop.click(f'#history [data-session="{session_id}"]')
        expect(desktop.locator("#messages .msg.rep")).to_have_count(len(LINES) + 1)
        expect(desktop.locator("#scorecard")).to_contain_text("Scorecard")
        expect(desktop.locator("#scorecard")).to_contain_text("Ask why ×2")
        expect(desktop.locator("#composer")).to_be_hidden()
        desktop.screenshot(path=str(ARTIFACTS / "web-chat-desktop.png"))

        assert problems == []
        assert all(url.startswith(server.url) for url in requests), "the page fetched from another host"
    finally:
        db.dispose()
