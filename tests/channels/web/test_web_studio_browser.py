"""The trainer studio (/studio) in Debian's chromium, against uvicorn: a trainer opens a scenario,
introduces an error (marked at its line, publishing refused), fixes it, runs its tests, tries it
in the preview and publishes; a rep's rehearsal started before keeps its version while the next
one starts on the new version.

Screenshots go to test-artifacts/ (studio-*.png, desktop and phone).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_web_browser import ARTIFACTS, chromium  # noqa: F401 - the fixture is used by name
from web_support import LiveServer, add_user

from bot.engine.library import ScenarioLibrary
from bot.storage import Database, upgrade

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "dialogues" / "precision_parts_returns.yaml"
SCENARIO = "precision-parts-returns"
PASSWORD = "studio-pass-1"
OLD_OPENINGS = [
    "请坐。我十点半还有个会，时间不多，你说吧。",
    "你好，坐吧。今天想聊什么？我一会儿还得去车间。",
]
NEW_OPENING = "请坐，欢迎。我十点半还有个会，我们抓紧时间。"


def line_of(text: str, start: str) -> int:
    """The 1-based number of the first line starting with ``start``."""
    return next(n for n, line in enumerate(text.splitlines(), start=1) if line.startswith(start))


def sessions(page: Any, url: str) -> list[dict[str, Any]]:
    response = page.request.get(f"{url}/api/sessions")
    assert response.ok, response.text()
    found: list[dict[str, Any]] = response.json()
    return found


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_trainer_edits_tests_tries_and_publishes_in_the_browser(
    database_url: str,
    tmp_path: Path,
    chromium: object,  # noqa: F811 - the fixture imported above
) -> None:
    server = LiveServer(database_url, log_path=tmp_path / "uvicorn.log")
    try:
        server.wait_ready(180.0)  # a loaded machine can take a while to import and seed
        _studio_in_the_browser(database_url, server, chromium)
    finally:
        server.stop()


def _studio_in_the_browser(database_url: str, server: LiveServer, browser: object) -> None:
    from playwright.sync_api import Browser, Page, expect

    assert isinstance(browser, Browser)
    expect.set_options(timeout=20_000)
    upgrade(database_url)
    db = Database(database_url)
    try:
        add_user(db, "trainer", PASSWORD, role="trainer", display_name="培训师 Trainer")
        add_user(db, "rep", PASSWORD, display_name="销售 Rep")
    finally:
        db.dispose()
    ARTIFACTS.mkdir(exist_ok=True)
    text = EXAMPLE.read_text("utf-8")
    shipped = ScenarioLibrary.from_paths([EXAMPLE]).latest(SCENARIO).version
    following = str(int(shipped) + 1)
    test_count = len(ScenarioLibrary.from_paths([EXAMPLE]).latest(SCENARIO).scenario.tests)
    problems: list[str] = []
    requests: list[str] = []

    def watch(page: Page) -> Page:
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        # Refused requests (a script with a problem) are part of the story; other errors are not.
        expected = "status of 4"
        page.on(
            "console",
            lambda m: problems.append(m.text) if m.type == "error" and expected not in m.text else None,
        )
        page.on("request", lambda request: requests.append(request.url))
        return page

    # A rep starts a rehearsal on the published version.
    rep = watch(browser.new_page(viewport={"width": 1100, "height": 800}))
    rep.goto(f"{server.url}/chat")
    rep.fill("#login", "rep")
    rep.fill("#password", PASSWORD)
    rep.press("#password", "Enter")
    expect(rep.locator("#studio-link")).to_be_hidden()
    rep.locator(f'[data-scenario="{SCENARIO}"]').click()
    rep.click("#start")
    expect(rep.locator("#messages .msg.customer")).to_have_count(1)
    assert rep.locator("#messages .msg.customer .bubble").first.inner_text() in OLD_OPENINGS
    (before,) = sessions(rep, server.url)
    assert before["scenario_version"] == shipped

    # The trainer finds the studio from the chat page and opens the scenario.
    page = watch(browser.new_page(viewport={"width": 1280, "height": 900}))
    page.goto(f"{server.url}/chat")
    page.fill("#login", "trainer")
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.click("#studio-link")
    row = page.locator(f'#scripts tr[data-script="{SCENARIO}"]')
    expect(row.locator("td").first).to_have_text(f"v{shipped}")
    page.screenshot(path=str(ARTIFACTS / "studio-list-desktop.png"))
    row.locator(".m-rep-link").click()
    expect(page.locator(".cm-content")).to_be_visible()
    expect(page.locator("#problems-none")).to_be_visible()
    expect(page.locator("#panel-reader h2")).not_to_be_empty()

    # An error, typed in: marked at its line as the trainer types, and publishing is refused.
    difficulty = line_of(text, "difficulty:")
    page.evaluate(f"state.editor.goToLine({difficulty})")
    page.keyboard.press("Shift+End")
    page.keyboard.insert_text("difficulty: impossible")
    expect(page.locator(f'#problems li[data-line="{difficulty}"]')).to_be_visible()
    expect(page.locator(".cm-lint-marker-error")).to_have_count(1)
    marked = page.locator(".cm-lintRange-error")
    expect(marked).to_have_count(1)
    page.fill("#publish-message", "try to publish a broken script")
    page.click("#publish")
    expect(page.locator("#publish-error")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "studio-error-desktop.png"))

    # Fixed, and a new opening written: no problems left.
    page.evaluate(f"state.editor.goToLine({difficulty})")
    page.keyboard.press("Shift+End")
    page.keyboard.insert_text("difficulty: medium")
    opening = line_of(text, "opening:") + 2  # the first Chinese opening line
    page.evaluate(f"state.editor.goToLine({opening})")
    page.keyboard.press("Shift+End")
    page.keyboard.insert_text(f"    - {NEW_OPENING}")
    page.evaluate(f"state.editor.goToLine({opening + 1})")  # the second one goes
    page.keyboard.press("Shift+End")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    expect(page.locator("#problems-none")).to_be_visible()
    expect(page.locator(".cm-lint-marker-error")).to_have_count(0)
    edited = page.evaluate("state.editor.text()")
    assert edited == text.replace(
        f"    - {OLD_OPENINGS[0]}\n    - {OLD_OPENINGS[1]}\n", f"    - {NEW_OPENING}\n", 1
    )

    # Its trainer tests pass.
    page.click("#run-tests")
    expect(page.locator("#tests-summary")).to_have_text(
        f"{test_count} 个测试中通过 {test_count} 个", timeout=120_000
    )
    expect(page.locator("#tests .s-fail")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "studio-tests-desktop.png"))

    # Tried in the preview: the new opening, a line, the customer's answer and the coach's note.
    page.click("#try-it")
    preview = page.locator("#preview-lines")
    expect(preview.locator(".msg.customer .bubble").first).to_have_text(NEW_OPENING)
    page.fill("#preview-line", "王总您好，我是李明，老周介绍我过来的，谢谢您抽时间。")
    page.press("#preview-line", "Enter")
    expect(preview.locator(".msg.customer")).to_have_count(2)
    expect(preview.locator(".msg.coach")).to_have_count(1)
    page.screenshot(path=str(ARTIFACTS / "studio-preview-desktop.png"))
    assert len(sessions(page, server.url)) == 0  # the preview stored no session

    # Published, with a message: the history shows it with its diff.
    page.fill("#publish-message", "更亲切的开场白")
    page.click("#publish")
    expect(page.locator("#publish-ok")).to_have_text(f"已发布为第 {following} 版。", timeout=120_000)
    page.click("#show-history")
    newest = page.locator("#versions .s-version").first
    expect(newest).to_have_attribute("data-version", following)
    expect(newest).to_contain_text("更亲切的开场白")
    newest.locator("summary").click()
    expect(newest.locator(".s-diff")).to_contain_text(f"+    - {NEW_OPENING}")
    page.screenshot(path=str(ARTIFACTS / "studio-history-desktop.png"))

    # A script pasted over the size limit: refused, said in the trainer's language with the limit.
    page.evaluate("state.editor.setText('id: x\\n# ' + 'x'.repeat(400000) + '\\n')")
    page.fill("#publish-message", "too big")
    page.click("#publish")
    expect(page.locator("#publish-error")).to_contain_text("未提交：文本超过 400,000 个字符")

    # The history panel follows a switch of language without a reload.
    page.click('[data-set-lang="en"]')
    expect(page.locator("#versions .s-current")).to_have_text("in use")
    page.click('[data-set-lang="zh"]')
    expect(page.locator("#versions .s-current")).to_have_text("使用中")

    # The rep's rehearsal started before goes on with its version ...
    rep.fill("#text", "王总您好，我是李明，谢谢您抽时间。")
    rep.press("#text", "Enter")
    expect(rep.locator("#messages .msg.customer:not(.typing)")).to_have_count(2)
    assert sessions(rep, server.url)[0]["scenario_version"] == shipped
    rep.click("#end")
    rep.click("#end")
    expect(rep.locator("#scorecard")).to_be_visible()
    # ... and the next one starts on the new version, without a restart.
    rep.click("#new-rehearsal")
    rep.locator(f'[data-scenario="{SCENARIO}"]').click()
    rep.click("#start")
    expect(rep.locator("#messages .msg.customer .bubble").first).to_have_text(NEW_OPENING)
    newest_session, older = sessions(rep, server.url)[:2]
    assert (newest_session["scenario_version"], older["scenario_version"]) == (following, shipped)
    rep.screenshot(path=str(ARTIFACTS / "studio-rep-new-version.png"))

    # The studio on a phone, in English.
    phone = watch(browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2))
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"{server.url}/studio#{SCENARIO}")
    phone.click('[data-set-lang="en"]')
    expect(phone.locator("#run-tests")).to_have_text("Run tests")
    expect(phone.locator(".cm-content")).to_be_visible()
    phone.screenshot(path=str(ARTIFACTS / "studio-editor-phone.png"))
    phone.click("#back-list")
    expect(phone.locator("#list-title")).to_have_text("Scenarios")
    expect(phone.locator(f'#scripts tr[data-script="{SCENARIO}"] td').first).to_have_text(f"v{following}")
    phone.screenshot(path=str(ARTIFACTS / "studio-list-phone.png"))

    assert problems == []
    assert all(url.startswith(server.url) for url in requests), "the page fetched from another host"
