"""A rep flags a coach's judgement in the web chat (real Chromium against uvicorn): the flag,
with the technique the rep picked from the list, lands in the trainers' review queue."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from test_web_browser import chromium  # noqa: F401  (the fixture)
from web_support import LiveServer, make_settings

from bot.i18n import translate
from bot.services import AccountService, FeedbackService
from bot.storage import Database, upgrade

LINE = "退货为什么会翻倍呢？"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_rep_flags_a_judgement_in_the_browser(
    database_url: str,
    live_server_factory: Callable[..., LiveServer],
    chromium: object,  # noqa: F811
) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(chromium, Browser)
    expect.set_options(timeout=15_000)
    upgrade(database_url)
    db = Database(database_url)
    try:
        created = AccountService(db).ensure_demo_accounts(make_settings(database_url, demo_accounts=True))
        (demo,) = [a for a in created if a.login == "demo"]
        server = live_server_factory(database_url)
        page = chromium.new_page(viewport={"width": 1200, "height": 900})
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

        page.goto(f"{server.url}/chat")
        page.fill("#login", "demo")
        page.fill("#password", demo.password)
        page.press("#password", "Enter")
        page.click('label[for="mode-practice"]')
        page.locator('[data-scenario="precision-parts-returns"]').click()
        page.click("#start")
        messages = page.locator("#messages")
        expect(messages.locator(".msg.customer")).to_have_count(1)
        page.fill("#text", LINE)
        page.press("#text", "Enter")
        note = messages.locator(".msg.coach").first
        expect(note).to_be_visible()

        # Under the note: "judged wrong?", then the list of techniques by name.
        opener = note.locator(".flag-open")
        expect(opener).to_have_text(translate("web.chat.flagWrong", "zh"))
        opener.click()
        select = note.locator("select.flag-technique")
        what_else = translate("technique.what_else", "zh")
        expect(select.locator("option", has_text=what_else)).to_have_count(1)
        assert select.locator("option").count() == 17  # "just wrong" and the 16 techniques
        select.select_option(label=what_else)
        note.locator(".flag-send").click()
        expect(note.locator(".flag-done")).to_have_text(translate("web.chat.flagThanks", "zh"))

        queue = FeedbackService(db).pending()
        assert [(f.text, f.suggested, f.channel) for f in queue] == [(LINE, "what_else", "web")]
        rep_seq = int(note.locator(".flag").get_attribute("data-flag-seq") or 0)
        assert queue[0].seq == rep_seq and queue[0].predicted[0] == "why"
        assert re.search(r"\S", queue[0].context)  # the customer's opening line
        assert problems == []
    finally:
        db.dispose()
