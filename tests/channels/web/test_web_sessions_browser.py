"""The sessions list, private practice and the admin page in Debian's chromium, against uvicorn:
a rep starts a private visit (told what the manager will see); the manager searches the list
for 退货, filters, opens a transcript from it and downloads the CSV of the filtered list; the
private visit shows its score, never its lines; an admin creates a team, moves and deactivates
a rep and imports users. Desktop and phone, Chinese and English.

Screenshots: test-artifacts/sessions-*.png.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from test_web_browser import ARTIFACTS, chromium  # noqa: F401 - the fixture is used by name
from test_web_manage_browser import SCENARIO, VISITS
from web_support import LiveServer, add_user, make_settings

from bot.services import AccountService, RehearsalService
from bot.storage import Database, store, upgrade

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "river-stone-42"


def seed(database_url: str) -> tuple[dict[str, str], list[str]]:
    upgrade(database_url)
    db = Database(database_url)
    try:
        settings = make_settings(database_url, demo_accounts=True)
        passwords = {a.login: a.password for a in AccountService(db).ensure_demo_accounts(settings)}
        add_user(db, "root", PASSWORD, role="admin", display_name="Admin")
        add_user(db, "lin", PASSWORD, team="Demo team", display_name="林晓 Lin")
        with store(db) as s:
            demo = s.users.by_login("demo")
            assert demo is not None
            demo_id = demo.id
        service = RehearsalService(db, settings=settings)
        ids = []
        for lines in VISITS:
            session_id = service.start(
                demo_id, SCENARIO, language="zh", mode="practice", channel="web"
            ).session_id
            for line in lines:
                service.send(session_id, line, user_id=demo_id, channel="web")
            service.end(session_id, user_id=demo_id, channel="web")
            ids.append(session_id)
        return passwords, ids
    finally:
        db.dispose()


def sign_in(page: object, url: str, login: str, password: str) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.goto(url)
    page.fill("#login", login)
    page.fill("#password", password)
    page.press("#password", "Enter")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sessions_list_private_practice_and_admin_in_the_browser(
    database_url: str,
    chromium: object,  # noqa: F811 - the fixture imported above
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    passwords, visits = seed(database_url)
    ARTIFACTS.mkdir(exist_ok=True)
    # Its own server, given longer to start than the shared fixture's 30 s: the machine the suite
    # runs on may be busy, and migrating plus warming the classifier can take a while there.
    server = LiveServer(database_url, log_path=ARTIFACTS / "sessions-uvicorn.log")
    try:
        server.wait_ready(timeout=120)
        run(chromium, server, passwords, visits)
    finally:
        server.stop()


def run(browser: object, server: LiveServer, passwords: dict[str, str], visits: list[str]) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    problems: list[str] = []

    def watch(page: object) -> None:
        from playwright.sync_api import Page

        assert isinstance(page, Page)
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on(
            "console",
            lambda m: problems.append(m.text) if m.type == "error" and "401" not in m.text else None,
        )

    # The rep, on a phone, is told what the manager sees, then practises privately.
    rep = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    watch(rep)
    sign_in(rep, f"{server.url}/chat", "demo", passwords["demo"])
    expect(rep.locator("#privacy-help")).to_contain_text("经理可以阅读")
    rep.check("#private")
    expect(rep.locator("#privacy-help")).to_contain_text("只有你能看到对话内容")
    rep.screenshot(path=str(ARTIFACTS / "sessions-private-start-phone.png"), full_page=True)
    rep.locator(f'[data-scenario="{SCENARIO}"]').click()
    rep.click("#start")
    expect(rep.locator("#messages .msg.customer")).to_have_count(1)
    rep.fill("#text", "退货为什么会翻倍呢？我想私下练一练。")
    rep.press("#text", "Enter")
    expect(rep.locator("#messages .msg.rep:not(.pending)", has_text="私下练一练")).to_be_visible()

    # The manager, on a desktop: the list, a search for 退货, a filter, a transcript.
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    watch(page)
    sign_in(page, f"{server.url}/manage", "manager", passwords["manager"])
    expect(page.locator("#reps tr")).to_have_count(2)
    page.click("#open-sessions")
    expect(page).to_have_url(re.compile(r"#sessions$"))
    rows = page.locator("#s-rows tr")
    expect(rows).to_have_count(4)
    expect(page.locator("#s-total")).to_have_text("共 4 个会话")
    private_row = page.locator("#s-rows tr", has=page.locator(".s-private-badge"))
    expect(private_row).to_have_count(1)
    page.fill("#s-q", "退货")
    page.click("#s-apply")
    expect(rows).to_have_count(1)  # the private visit says 退货 too: its lines are not searched
    expect(rows.first).to_have_attribute("data-session", visits[2])
    page.screenshot(path=str(ARTIFACTS / "sessions-search-desktop.png"), full_page=True)
    with page.expect_download() as download_info:
        page.click("#s-csv")
    body = download_info.value.path().read_bytes().decode("utf-8-sig")
    exported = {row["session_id"] for row in csv.DictReader(io.StringIO(body))}
    assert exported == {visits[2]}  # the download follows the filters
    rows.first.locator(".m-rep-link").click()
    expect(page).to_have_url(re.compile(rf"#rep-\d+/session-{visits[2]}$"))
    expect(page.locator("#transcript .msg.rep", has_text="退货为什么会翻倍")).to_be_visible()
    page.go_back()
    expect(page.locator("#view-sessions")).to_be_visible()

    page.click("#s-reset")
    page.select_option("#s-private", "true")
    page.click("#s-apply")
    expect(rows).to_have_count(1)
    rows.first.click()
    expect(page.locator("#reader-private")).to_be_visible()
    expect(page.locator("#transcript .msg")).to_have_count(0)
    report = page.locator("#rep-report")
    expect(report).to_have_attribute("href", re.compile(r"/manage/reps/\d+/report\?lang=zh"))

    # English on a phone.
    phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    watch(phone)
    sign_in(phone, f"{server.url}/manage", "manager", passwords["manager"])
    phone.click('[data-set-lang="en"]')
    phone.click("#open-sessions")
    expect(phone.locator("#s-total")).to_have_text("4 session(s)")
    phone.select_option("#s-sort", "score_high")
    phone.click("#s-apply")
    expect(phone.locator("#s-rows tr")).to_have_count(4)
    phone.screenshot(path=str(ARTIFACTS / "sessions-list-phone-en.png"), full_page=True)

    # The admin: a team, a move, a deactivation, an import with a bad row, then a good one.
    admin = browser.new_page(viewport={"width": 1280, "height": 900})
    watch(admin)
    sign_in(admin, f"{server.url}/manage", "root", PASSWORD)
    expect(admin.locator("#open-admin")).to_be_visible()
    admin.click("#open-admin")
    expect(admin.locator("#users tr")).to_have_count(5)
    admin.fill("#team-name", "华南")
    admin.click("#team-form button[type=submit]")
    expect(admin.locator("#teams li", has_text="华南")).to_be_visible()
    admin.locator('[data-move="lin"]').select_option(label="华南")
    expect(admin.locator("#teams li", has_text="华南")).to_contain_text("1 人")
    admin.click('[data-toggle="lin"]')
    expect(admin.locator('#users tr[data-user="lin"]')).to_contain_text("已停用")
    admin.set_input_files(
        "#import-file",
        files=[
            {
                "name": "u.csv",
                "mimeType": "text/csv",
                "buffer": "login,name,team\nwu,吴,华南\nbad login,坏,华南\n".encode(),
            }
        ],
    )
    admin.click("#import-form button[type=submit]")
    expect(admin.locator('#import-result [data-row="3"]')).to_be_visible()
    expect(admin.locator("#users tr")).to_have_count(5)  # nothing imported
    admin.set_input_files(
        "#import-file",
        files=[{"name": "u.csv", "mimeType": "text/csv", "buffer": "login,name,team\nwu,吴,华南\n".encode()}],
    )
    admin.click("#import-form button[type=submit]")
    expect(admin.locator('#import-result [data-created="wu"]')).to_be_visible()
    expect(admin.locator("#users tr")).to_have_count(6)
    admin.screenshot(path=str(ARTIFACTS / "sessions-admin-desktop.png"), full_page=True)
    assert problems == []
