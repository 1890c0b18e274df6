"""The question-bank half of the studio in Debian's chromium, against uvicorn: a trainer opens a
technique, introduces an error (marked at its line, publishing refused), fixes it and publishes;
accepts a line a rep flagged with a corrected technique in the review queue; reads a scenario's
statistics; starts a retrain of the real model and sees the job finish (a minute or two).

Screenshots go to test-artifacts/ (studio-bank-*.png, desktop and phone).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_web_browser import ARTIFACTS, chromium  # noqa: F401 - the fixture is used by name
from web_support import LiveServer, add_user

from bot.config import PROJECT_ROOT
from bot.storage import Database, upgrade

pytestmark = [pytest.mark.browser, pytest.mark.slow]
FILE = PROJECT_ROOT / "questionbank" / "why.yaml"
OLD = '    - "Answering the why yourself and robbing the customer of the discovery."'
NEW = '    - "Supplying the cause yourself, so the customer never finds it on their own."'
PASSWORD = "studio-pass-1"
SCENARIO = "precision-parts-returns"
FLAGGED = "退货为什么会翻倍呢？"


def line_of(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if line.startswith(start))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_trainer_edits_the_bank_reviews_a_flag_and_retrains_in_the_browser(
    database_url: str,
    tmp_path: Path,
    chromium: object,  # noqa: F811 - the fixture imported above
) -> None:
    server = LiveServer(database_url, log_path=tmp_path / "uvicorn.log")
    try:
        server.wait_ready(180.0)
        _bank_in_the_browser(database_url, server, chromium)
    finally:
        server.stop()


def _flag_a_line(browser: Any, url: str) -> None:
    """A rep plays a line and flags it as misjudged (the requests the chat page's button makes)."""
    context = browser.new_context()
    http = context.request
    assert http.post(f"{url}/api/auth/login", data={"login": "rep", "password": PASSWORD}).ok
    started = http.post(f"{url}/api/sessions", data={"scenario_id": SCENARIO, "language": "zh"})
    assert started.ok, started.text()
    session_id = started.json()["session_id"]
    said = http.post(
        f"{url}/api/sessions/{session_id}/messages", data={"text": FLAGGED, "client_message_id": "m1"}
    )
    assert said.ok, said.text()
    turns = http.get(f"{url}/api/sessions/{session_id}").json()["turns"]
    seq = next(t["seq"] for t in turns if t["text"] == FLAGGED)
    flagged = http.post(f"{url}/api/sessions/{session_id}/turns/{seq}/flag", data={"suggested": "what_else"})
    assert flagged.ok, flagged.text()
    context.close()


def _bank_in_the_browser(database_url: str, server: LiveServer, browser: object) -> None:
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
    _flag_a_line(browser, server.url)
    text = FILE.read_text("utf-8")
    problems: list[str] = []

    def watch(page: Page) -> Page:
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        expected = "status of 4"  # the refused publish is part of the story
        page.on(
            "console",
            lambda m: problems.append(m.text) if m.type == "error" and expected not in m.text else None,
        )
        return page

    page = watch(browser.new_page(viewport={"width": 1280, "height": 900}))
    page.goto(f"{server.url}/studio")
    page.fill("#login", "trainer")
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")

    # The bank: every technique with its version and who published it.
    page.click('[data-nav="bank"]')
    row = page.locator('#techniques tr[data-technique="why"]')
    expect(row.locator("td").first).to_have_text("v1")
    expect(page.locator("#techniques tr")).to_have_count(16)
    expect(page.locator("#bank-version")).to_contain_text("2.3.0")
    page.screenshot(path=str(ARTIFACTS / "studio-bank-list-desktop.png"))
    row.locator(".m-rep-link").click()
    expect(page.locator("#technique-editor .cm-content")).to_be_visible()
    expect(page.locator("#technique-problems-none")).to_be_visible()

    # An error typed in: marked at its line as the trainer types; publishing is refused.
    needs = line_of(text, "  needs_question:")
    page.evaluate(f"bankEditor.goToLine({needs})")
    page.keyboard.press("Shift+End")
    page.keyboard.insert_text("  needs_question: sometimes")
    expect(page.locator(f'#technique-problems li[data-line="{needs}"]')).to_be_visible()
    expect(page.locator("#technique-editor .cm-lint-marker-error")).to_have_count(1)
    page.fill("#technique-message", "try a broken one")
    page.click("#technique-publish")
    expect(page.locator("#technique-publish-error")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "studio-bank-error-desktop.png"))

    # Fixed, and a mistake reworded: no problems left; published as version 2.
    page.evaluate(f"bankEditor.goToLine({needs})")
    page.keyboard.press("Shift+End")
    page.keyboard.insert_text("  needs_question: true")
    old = line_of(text, OLD)
    page.evaluate(f"bankEditor.goToLine({old})")
    page.keyboard.press("Shift+End")
    page.keyboard.insert_text(NEW)
    expect(page.locator("#technique-problems-none")).to_be_visible()
    expect(page.locator("#technique-editor .cm-lint-marker-error")).to_have_count(0)
    assert page.evaluate("bankEditor.text()") == text.replace(OLD, NEW, 1)
    page.fill("#technique-message", "改写一条常见错误")
    page.click("#technique-publish")
    expect(page.locator("#technique-publish-ok")).to_have_text("已发布为第 2 版。")
    newest = page.locator("#technique-versions .s-version").first
    expect(newest).to_have_attribute("data-version", "2")
    expect(newest).to_contain_text("改写一条常见错误")
    newest.locator("summary").click()
    expect(newest.locator(".s-diff")).to_contain_text(f"+{NEW}")
    page.screenshot(path=str(ARTIFACTS / "studio-bank-published-desktop.png"))
    explained = page.request.get(f"{server.url}/api/techniques/why?lang=en").json()
    assert NEW.strip()[3:-1] in explained["mistakes"]  # the coach explains with the new text

    # Another trainer publishes version 3 while this one still edits version 2: this publish is
    # refused with a message saying why, instead of silently undoing theirs.
    theirs = text.replace(OLD, NEW, 1) + "# 另一位培训师的修改\n"
    status = page.evaluate(
        """async (body) => (await fetch("/api/studio/bank/why/publish", {
            method: "POST", credentials: "same-origin",
            headers: {"Content-Type": "application/json", Accept: "application/json"},
            body: JSON.stringify(body),
        })).status""",
        {"text": theirs, "message": "theirs", "base_version": "2"},
    )
    assert status == 200
    page.evaluate(f"bankEditor.goToLine({len(text.replace(OLD, NEW, 1).splitlines())})")
    page.keyboard.press("End")
    page.keyboard.insert_text("\n# 我的修改")
    page.fill("#technique-message", "mine")
    page.click("#technique-publish")
    expect(page.locator("#technique-publish-error")).to_contain_text("别人已经发布了新版本")
    page.screenshot(path=str(ARTIFACTS / "studio-bank-conflict-desktop.png"))
    opened = page.request.get(f"{server.url}/api/studio/bank/why").json()
    assert opened["version"] == "3" and opened["text"].endswith("# 另一位培训师的修改\n")

    # The refused edit is still unsaved: leaving asks first, and "cancel" keeps it.
    asked: list[str] = []

    def answer(accept: bool) -> Any:
        def on_dialog(dialog: Any) -> None:
            asked.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        return on_dialog

    page.once("dialog", answer(False))
    page.click('[data-nav="review"]')
    expect(page.locator("#technique-editor .cm-content")).to_be_visible()
    assert "# 我的修改" in page.evaluate("bankEditor.text()")
    page.once("dialog", answer(False))
    page.go_back()  # the browser's back button, too
    # Back at #bank, the page asks, then puts the editor's address back.
    page.wait_for_function("location.hash === '#bank/why'")
    expect(page.locator("#technique-editor .cm-content")).to_be_visible()
    assert len(asked) == 2 and "离开会丢失这些修改" in asked[0]

    # The review queue: the rep's flag, accepted with a corrected technique.
    page.once("dialog", answer(True))
    page.click('[data-nav="review"]')
    assert len(asked) == 3
    item = page.locator("#review li.s-flag").first
    expect(item).to_contain_text(FLAGGED)
    item.locator("select").select_option("why")
    page.screenshot(path=str(ARTIFACTS / "studio-bank-review-desktop.png"))
    item.locator("[data-accept]").click()
    expect(page.locator("#review li.s-flag")).to_have_count(0)
    expect(page.locator("#review-empty")).to_contain_text("问“为什么”")
    accepted = page.request.get(f"{server.url}/api/studio/review").json()
    assert accepted == []

    # A scenario's statistics: the rep's visit is counted.
    page.click('[data-nav="list"]')
    page.locator(f'#scripts tr[data-script="{SCENARIO}"] .m-rep-link').click()
    page.click('[data-tab="stats"]')
    expect(page.locator("#stats-summary")).to_contain_text("1 次拜访")
    expect(page.locator("#stats-facts tbody tr").first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "studio-bank-stats-desktop.png"))

    # The model: trained from the old bank, so worth retraining; the job runs in the background.
    page.click('[data-nav="model"]')
    expect(page.locator("#model-bank")).to_contain_text("建议重新训练")
    page.click("#retrain")
    expect(page.locator("#retrain-status")).to_contain_text("正在后台训练")
    expect(page.locator("#retrain")).to_be_disabled()
    page.screenshot(path=str(ARTIFACTS / "studio-bank-retraining-desktop.png"))
    expect(page.locator('#retrain-status[data-status="done"]')).to_be_visible(timeout=900_000)
    expect(page.locator("#models .s-version")).to_have_count(2)  # the new model, and the shipped one
    expect(page.locator("#model-bank")).not_to_contain_text("建议重新训练")
    page.screenshot(path=str(ARTIFACTS / "studio-bank-retrained-desktop.png"))

    # Back to the shipped model, from the page.
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator('#models [data-model="0"] button').click()
    expect(page.locator("#retrain-status")).to_contain_text("随问题库发布的模型")
    expect(page.locator("#models .s-version")).to_have_count(3)

    # On a phone, in English.
    phone = watch(browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2))
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"{server.url}/studio#bank")
    phone.click('[data-set-lang="en"]')
    expect(phone.locator("#bank-title")).to_have_text("Question bank")
    expect(phone.locator('#techniques tr[data-technique="why"] td').first).to_have_text("v3")
    phone.screenshot(path=str(ARTIFACTS / "studio-bank-list-phone.png"))
    phone.goto(f"{server.url}/studio#bank/why")
    expect(phone.locator("#technique-editor .cm-content")).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    phone.screenshot(path=str(ARTIFACTS / "studio-bank-editor-phone.png"))
    phone.goto(f"{server.url}/studio#model")
    expect(phone.locator("#model-title")).to_have_text("Technique model")
    phone.screenshot(path=str(ARTIFACTS / "studio-bank-model-phone.png"))

    assert problems == []
