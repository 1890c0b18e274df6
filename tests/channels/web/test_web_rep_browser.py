"""The rep's experience in a real browser (Debian's chromium, Playwright, uvicorn), at phone and
desktop size, in Chinese and English: the briefing before the visit, the visit with its customer
card, track, curve and "explain", a walk-out shown as such in the list, the way to the progress
page; axe-core finds no serious or critical violation; an English page shows no Chinese the rep
did not type; no console error on any page. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from a11y import axe_violations
from test_web_browser import ARTIFACTS, chromium  # noqa: F401 - the fixture is used by name
from web_support import LiveServer, add_rep

from bot.storage import Database, upgrade

SCENARIO = "precision-parts-returns"
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 860}}
LINES = {
    "zh": ["王总您好，我是李明，老周介绍我过来的，谢谢您抽时间。", "退货为什么会翻倍呢？"],
    "en": [
        "Good morning Mr Wang, I'm Tom Reed. Thank you for making time for me.",
        "Why have the returns doubled?",
    ],
}
PITCHES = {
    "zh": [
        "王总，我们公司的质量监控系统是行业第一，能把不良率降低百分之五十。",
        "我们的系统已经在三百多家工厂上线了，价格也有优惠。",
        "现在签约还能打八折，您看什么时候能定下来？",
        "我们的系统真的是最好的，您一定要试试。",
    ],
    "en": [
        "Mr Wang, our monitoring system is the best on the market and cuts defects by half.",
        "Over three hundred plants already use it, and we have a special discount this month.",
        "Sign this month and we'll add a twenty percent discount on top, how about it?",
        "Honestly, ours is the best system you can buy, you should just try it.",
    ],
}
WORDS = {  # what each language's page says, to check the page really is in it
    "zh": {
        "customer": "王建国",
        "company": "华东精密零部件有限公司",
        "walked": "客户离场",
        "progress": "我的进步",
    },
    "en": {
        "customer": "Wang Jianguo",
        "company": "Huadong Precision Components",
        "walked": "walked out",
        "progress": "My progress",
    },
}
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def english_text_problems(page: Any, typed: list[str]) -> list[str]:
    """Chinese characters on the page apart from what the rep typed and the names of languages
    written in their own script (the 中文 buttons)."""
    text = page.evaluate(
        """(skip) => {
            const copy = document.body.cloneNode(true);
            for (const own of copy.querySelectorAll(skip)) own.remove();
            return copy.innerText;
        }""",
        '[data-set-lang], label[for="lang-zh"], script, dialog:not([open])',
    )
    for line in typed:
        text = text.replace(line, "")
    return [line for line in text.splitlines() if CJK.search(line)]


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def overlaps(a: dict[str, float] | None, b: dict[str, float] | None) -> bool:
    if a is None or b is None:
        return False
    return a["y"] < b["y"] + b["height"] - 0.5 and b["y"] < a["y"] + a["height"] - 0.5


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("lang", "size"), [("zh", "phone"), ("en", "phone"), ("zh", "desktop"), ("en", "desktop")]
)
def test_briefing_visit_walk_out_and_progress(
    database_url: str,
    tmp_path: Path,
    chromium: Any,  # noqa: F811 - the fixture imported above
    lang: str,
    size: str,
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
    upgrade(database_url)
    db = Database(database_url)
    servers: list[LiveServer] = []
    try:
        add_rep(db, "tom", "tom-password-1", "Tom Reed")
        # Started here rather than by live_server_factory: on a loaded machine loading the
        # classifier takes longer than that fixture's 30 s.
        server = LiveServer(database_url, log_path=tmp_path / "uvicorn.log")
        servers.append(server)
        server.wait_ready(timeout=180)
        context = chromium.new_context(
            viewport=SIZES[size], device_scale_factor=2 if size == "phone" else 1, timezone_id="Asia/Shanghai"
        )
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        words, name = WORDS[lang], f"rep-{lang}-{size}"

        page.goto(f"{server.url}/chat")
        if lang == "en":
            page.click('[data-set-lang="en"]')
        expect(page.locator("#login")).to_be_visible()
        assert axe_violations(page) == []
        page.fill("#login", "tom")
        page.fill("#password", "tom-password-1")
        page.press("#password", "Enter")

        # Before the visit: nothing chosen for the rep, the rehearsal language is the page's.
        cards = page.locator(".scenario")
        expect(cards.first).to_be_visible()
        assert page.locator('.scenario[aria-checked="true"]').count() == 0
        expect(page.locator("#start")).to_be_disabled()
        expect(page.locator(f"#lang-{lang}")).to_be_checked()
        expect(page.locator("#briefing-empty")).to_be_visible()
        card = page.locator(f'[data-scenario="{SCENARIO}"]')
        expect(card).to_contain_text(words["customer"])
        card.focus()
        page.keyboard.press("Enter")  # keyboard alone picks a scenario
        expect(card).to_have_attribute("aria-checked", "true")
        briefing = page.locator("#briefing-facts")
        for part in (words["customer"], words["company"]):
            expect(briefing).to_contain_text(part)
        expect(briefing.locator("dd")).to_have_count(
            7
        )  # name, title, company, industry, purpose, known, difficulty
        expect(page.locator("#start")).to_be_enabled()
        # The sticky start button covers neither the chosen card nor the end of the briefing: the
        # page keeps room for it (scroll-padding), so what is scrolled to stays above it.
        for target in (card, page.locator("#briefing")):
            target.evaluate("(node) => node.scrollIntoView({ block: 'end' })")
            box, bar = target.bounding_box(), page.locator(".start-bar").bounding_box()
            assert box is not None and bar is not None
            assert box["y"] + box["height"] <= bar["y"] + 1, (name, box, bar)
        assert axe_violations(page) == [], "setup"
        shot(page, f"{name}-briefing")
        if lang == "en":
            assert english_text_problems(page, []) == []

        # The visit: customer card, track, curve, techniques and "explain" under a coach note.
        page.click("#start")
        messages = page.locator("#messages")
        expect(messages.locator(".msg.customer")).to_have_count(1)
        customer_card = page.locator("#customer-card")
        expect(customer_card.locator("summary")).to_contain_text(words["customer"])
        if size == "phone":
            expect(customer_card).not_to_have_attribute("open", "")  # one tap away on a phone
            customer_card.locator("summary").click()
        expect(customer_card.locator("#cc-facts")).to_contain_text(words["company"])
        for n, line in enumerate(LINES[lang], start=1):
            page.fill("#text", line)
            page.press("#text", "Enter")
            expect(messages.locator(".msg.coach")).to_have_count(n)
        expect(page.locator("#track .track-step")).to_have_count(6)
        expect(page.locator('#track [aria-current="step"]')).to_have_count(1)
        expect(messages.locator(".msg.rep .tech").last).to_be_visible()
        page.locator("#curve-box summary").click()
        chart = page.locator("#live-curve")
        expect(chart.locator("svg .tick")).not_to_have_count(0)
        expect(chart.locator("table tbody tr")).to_have_count(len(LINES[lang]) + 1)
        explain = messages.locator(".explain-open").last
        expect(explain).to_be_visible()
        explain.focus()
        page.keyboard.press("Enter")
        dialog = page.locator("#explain-dialog")
        expect(dialog).to_be_visible()
        expect(dialog.locator("h3")).to_have_count(2)  # examples and common mistakes
        assert axe_violations(page) == [], "explain"
        shot(page, f"{name}-explain")
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        expect(explain).to_be_focused()  # the focus goes back where it was
        assert axe_violations(page) == [], "visit"
        shot(page, f"{name}-visit")
        if lang == "en":
            assert english_text_problems(page, LINES[lang]) == []

        # A new visit while this one is open: end it and start the new one, in exam mode.
        page.click("#back" if size == "phone" else "#new-rehearsal")
        page.click('label[for="mode-exam"]')
        page.locator(f'[data-scenario="{SCENARIO}"]').click()
        page.click("#start")
        active = page.locator("#active-dialog")
        expect(active).to_be_visible()
        assert axe_violations(page) == [], "active dialog"
        page.click("#active-end")
        expect(messages.locator(".msg.customer")).to_have_count(1)
        expect(page.locator(".visit-aids")).to_be_hidden()  # exam: the conversation and the customer card
        expect(page.locator("#customer-card")).to_be_visible()
        for n, line in enumerate(PITCHES[lang]):
            page.fill("#text", line)
            page.press("#text", "Enter")
            expect(messages.locator(".msg.rep:not(.pending)")).to_have_count(n + 1)
            expect(messages.locator(".msg.customer:not(.typing)")).to_have_count(n + 2)
            page.wait_for_function(
                "() => !document.querySelector('#send').disabled || "
                "document.querySelector('#composer').classList.contains('hidden')"
            )
            if page.locator("#composer").is_hidden():
                break
        expect(page.locator("#scorecard")).to_be_visible()
        page.click("#back" if size == "phone" else "#new-rehearsal")
        walked = page.locator('#history .badge[data-status="closed_by_customer"]')
        expect(walked).to_have_count(1)
        expect(walked).to_have_text(words["walked"])
        expect(page.locator('#history .badge[data-status="ended"]')).to_have_count(1)
        page.locator("#history").scroll_into_view_if_needed()
        shot(page, f"{name}-walked-out")
        assert axe_violations(page) == [], "list"

        # The way to the progress page, and the page itself.
        page.click("#progress-link")
        expect(page).to_have_url(re.compile(r"/progress$"))
        expect(page.locator("#progress-title")).to_have_text(words["progress"])
        expect(page.locator("#trend-table tbody tr")).to_have_count(2)
        expect(page.locator("#trend-chart")).to_be_visible()
        expect(page.locator("#practise-next")).to_be_visible()
        expect(page.locator("#weakest-body [data-technique]")).to_be_visible()
        assert axe_violations(page) == [], "progress"
        shot(page, f"{name}-progress")
        if lang == "en":
            assert english_text_problems(page, []) == []
        page.click("#practise-next")  # back in the chat with that scenario chosen
        expect(page.locator('.scenario[aria-checked="true"]')).to_have_count(1)
        assert problems == [], problems
    finally:
        for started in servers:
            started.stop()
        db.dispose()
