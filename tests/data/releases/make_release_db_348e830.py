"""Make the database release 348e830 (schema 0007) leaves behind, for the upgrade-in-place tests.

Run from a checkout of that release (its own code, its own migrations, its own test helpers):

    git worktree add --detach /tmp/rel-348e830 348e830 && cd /tmp/rel-348e830 && \
        python3.11 -m venv .venv && .venv/bin/pip install -e '.[test]' && \
        cp <this file> tests/data/releases/ && \
        .venv/bin/python tests/data/releases/make_release_db_348e830.py OUT.sqlite3

Everything goes through that release's own front doors: the HTTP API (sign-ins, visits, hints,
flags, coaching notes, link codes), the Telegram channel (real python-telegram-bot posting to the
release's fake Bot API: /start with a link code, a rehearsal by buttons, /notes), the terminal
channel (``coach rehearse``) and the admin CLI (``coach wecom link``). Only the follow-up visit
and the trainer's review of a flag are service calls: that release had no HTTP route for them.

The file ends up holding, in the JSON shapes that release wrote:
- a team 华东 with a rep (oldrep, web + Telegram + WeCom), a manager, a trainer and an admin, and a
  Telegram-only rep (tgrep, created by /start);
- web sign-in sessions (live ones, and one revoked by signing out);
- oldrep's visits: web ended with hints, walked out (closed_by_customer), active exam, active
  English, a follow-up visit (active), a terminal visit ended with a scorecard;
- tgrep's Telegram visit (ended) with its processed-message claims and sent outbox rows;
- judgement flags on rep lines (pending and accepted);
- coaching notes, read and unread, pushed to Telegram (sent) and one queued while no worker was
  sending (pending), plus a pending answer to a Telegram update;
- a used and an unused link code, a WeCom link, revealed_facts rows.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
import sys
from pathlib import Path

import httpx

TESTS = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(TESTS.parent))
sys.path.insert(0, str(TESTS))
sys.path.insert(0, str(TESTS / "channels" / "web"))
sys.path.insert(0, str(TESTS / "channels" / "telegram"))
from telegram_fakes import FakeBotAPI, Updates, build_app, running, telegram_settings  # noqa: E402
from test_telegram_rehearsal import METHOD_LINES_ZH, begin_rehearsal  # noqa: E402
from web_support import add_user  # noqa: E402

from bot.channels.web.auth import COOKIE_NAME  # noqa: E402
from bot.storage import store  # noqa: E402

REP = ("oldrep", "old-release-pw-1")
MANAGER = ("oldmanager", "old-release-pw-2")
TRAINER = ("oldtrainer", "old-release-pw-3")
ADMIN = ("oldadmin", "old-release-pw-4")
REP_TELEGRAM = 777001  # oldrep's Telegram account, linked by a web link code
TG_ONLY = 777002  # a rep who only ever used Telegram

SKILLED_EN = [
    "Good morning, thanks for making time to see me.",
    "Which carmakers do you mainly supply at the moment?",
    "What has been keeping you busy on the production side lately?",
    "Why do the returns only show up at final inspection?",
]
PITCH_EN = [
    "Mr Wang, our monitoring system is the best on the market and cuts defects by half.",
    "Over three hundred plants already use it, and we have a special discount this month.",
    "Sign today and I will add a free year of support.",
]
EXAM_ZH = ["您好，我是小李，今天来拜访您。", "最近诊所的信息系统用得怎么样？"]
FOLLOW_UP_ZH = ["王总，上次您提到退货的事，后来有变化吗？"]
NOTE_READ = "上次的为什么问得很好，下次多问问后果。"
NOTE_UNREAD = "Good visit. Next time ask what the returns cost them."
NOTE_PENDING = "这周再练一次考试模式，注意别急着介绍产品。"


async def _start(http: httpx.AsyncClient, scenario: str, lang: str, mode: str) -> str:
    response = await http.post(
        "/api/sessions", json={"scenario_id": scenario, "language": lang, "mode": mode}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["session_id"])


_MESSAGE_IDS = itertools.count(1)


async def _say(http: httpx.AsyncClient, session_id: str, lines: list[str]) -> bool:
    """Send ``lines``; True when the customer ended the visit."""
    for line in lines:
        reply = await http.post(
            f"/api/sessions/{session_id}/messages",
            json={"text": line, "client_message_id": f"m{next(_MESSAGE_IDS)}"},
        )
        assert reply.status_code == 200, reply.text
        if reply.json()["status"] != "active":
            return True
    return False


async def _client(app: object, login: str, password: str, agent: str) -> httpx.AsyncClient:
    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
        base_url="http://testserver",
        headers={"User-Agent": agent},
    )
    response = await http.post("/api/auth/login", json={"login": login, "password": password})
    assert response.status_code == 200, response.text
    return http


async def _web_and_telegram(url: str, fake: FakeBotAPI) -> dict[str, str]:
    """Everything with a worker sending the outbox: sent rows, delivered Telegram answers."""
    app = build_app(telegram_settings(url, fake))
    ids: dict[str, str] = {}
    async with running(app) as webhook:
        db = app.state.db
        rep_id = add_user(db, *REP, team="华东", display_name="老版本销售 Old Rep")
        add_user(db, *MANAGER, role="manager", team="华东", display_name="老经理 Old Manager")
        add_user(db, *TRAINER, role="trainer", team="华东", display_name="老培训师 Old Trainer")
        add_user(db, *ADMIN, role="admin", display_name="管理员 Old Admin")

        # A sign-in that was ended by signing out (a revoked row), then the ones kept.
        gone = await _client(app, *REP, "Old phone browser")
        ids["revoked_token"] = str(gone.cookies.get(COOKIE_NAME))
        assert (await gone.post("/api/auth/logout")).status_code == 204
        await gone.aclose()
        rep = await _client(app, *REP, "Old desktop browser")
        manager = await _client(app, *MANAGER, "Old manager browser")
        ids["rep_token"] = str(rep.cookies.get(COOKIE_NAME))
        ids["manager_token"] = str(manager.cookies.get(COOKIE_NAME))
        for login, password in (TRAINER, ADMIN):
            await (await _client(app, login, password, "Old staff browser")).aclose()

        # Link oldrep's Telegram with a web link code; leave a second code unused.
        code = (await rep.post("/api/telegram/link-code")).json()["code"]
        tg_rep = Updates(user_id=REP_TELEGRAM, first_name="老版本", language_code="zh-hans")
        await webhook.post(tg_rep.text(f"/start {code}"))
        ids["unused_code"] = (await rep.post("/api/telegram/link-code")).json()["code"]

        # oldrep's web visits.
        ended = await _start(rep, "precision-parts-returns", "zh", "practice")
        assert not await _say(rep, ended, METHOD_LINES_ZH[:3])
        for _ in range(2):
            assert (await rep.post(f"/api/sessions/{ended}/hint")).status_code == 200
        assert not await _say(rep, ended, METHOD_LINES_ZH[3:])
        assert (await rep.post(f"/api/sessions/{ended}/end")).status_code == 200
        ids["ended"] = ended

        walked_out = await _start(rep, "precision-parts-returns", "en", "practice")
        assert await _say(rep, walked_out, PITCH_EN), "the customer should show the pitching rep out"
        ids["walked_out"] = walked_out

        # Flags: "judged wrong" on two rep lines of the ended visit; a trainer accepts one.
        turns = (await rep.get(f"/api/sessions/{ended}/turns")).json()
        rep_lines = [t["seq"] for t in turns if t["speaker"] == "rep"]
        accepted = await rep.post(
            f"/api/sessions/{ended}/turns/{rep_lines[1]}/flag", json={"suggested": "open_question"}
        )
        assert accepted.status_code == 200, accepted.text
        pending = await rep.post(f"/api/sessions/{ended}/turns/{rep_lines[4]}/flag")
        assert pending.status_code == 200, pending.text
        app.state.services.feedback.accept(accepted.json()["id"], None, TRAINER[0])

        # Coaching notes: one read, one left unread; both pushed to the linked Telegram chat.
        note_read = await manager.post(
            f"/api/manager/reps/{rep_id}/notes", json={"text": NOTE_READ, "session_id": ended}
        )
        assert note_read.status_code == 201, note_read.text
        note_unread = await manager.post(f"/api/manager/reps/{rep_id}/notes", json={"text": NOTE_UNREAD})
        assert note_unread.status_code == 201, note_unread.text
        await webhook.delivered()
        assert (await rep.post(f"/api/notes/{note_read.json()['id']}/read")).status_code == 200

        exam = await _start(rep, "clinic-chain-data-breach", "zh", "exam")
        assert not await _say(rep, exam, EXAM_ZH)
        ids["exam"] = exam
        english = await _start(rep, "precision-parts-returns", "en", "practice")
        assert not await _say(rep, english, SKILLED_EN)
        ids["english"] = english

        # A follow-up visit (the customer remembers what the ended visit revealed): the release
        # offered it through its service only.
        follow_up = app.state.services.rehearsals.start(
            rep_id,
            "precision-parts-returns",
            language="zh",
            mode="practice",
            channel="web",
            visit="follow_up",
        ).session_id
        assert not await _say(rep, follow_up, FOLLOW_UP_ZH)
        ids["follow_up"] = follow_up

        # A Telegram-only rep rehearses to the end by buttons, then reads /notes (none).
        tg_only = Updates(user_id=TG_ONLY, first_name="电报", language_code="zh-hans")
        await webhook.post(tg_only.text("/start"))
        await begin_rehearsal(webhook, fake, tg_only, language="zh", mode="practice")
        for line in METHOD_LINES_ZH[:5]:
            await webhook.post(tg_only.text(line))
        await webhook.post(tg_only.text("/hint"))
        await webhook.post(tg_only.text("/end"))
        await webhook.post(tg_only.text("/notes"))
        await webhook.post(tg_rep.text("/notes"))
        for http in (rep, manager):
            await http.aclose()
    return ids


async def _queued_while_not_sending(url: str, fake: FakeBotAPI) -> None:
    """A worker whose dispatcher has stopped (shutting down): what it queues stays pending."""
    app = build_app(telegram_settings(url, fake))
    async with running(app) as webhook:
        await app.state.dispatcher.stop()
        manager = await _client(app, *MANAGER, "Old manager browser")
        with store(app.state.db) as s:
            rep = s.users.by_login(REP[0])
            assert rep is not None
            rep_id = rep.id
        note = await manager.post(f"/api/manager/reps/{rep_id}/notes", json={"text": NOTE_PENDING})
        assert note.status_code == 201, note.text
        await manager.aclose()
        tg_only = Updates(user_id=TG_ONLY, first_name="电报", language_code="zh-hans")
        await webhook.post(tg_only.text("/help"), delivered=False)


def _cli(url: str, *args: str, stdin: str = "") -> None:
    subprocess.run(
        [sys.executable, "-m", "bot", *args, "--database-url", url],
        input=stdin,
        text=True,
        check=True,
        capture_output=True,
    )


async def main(out: Path) -> dict[str, str]:
    url = f"sqlite:///{out}"
    fake = FakeBotAPI()
    fake.start()
    try:
        ids = await _web_and_telegram(url, fake)
        await _queued_while_not_sending(url, fake)
    finally:
        fake.stop()
    _cli(
        url,
        "rehearse",
        "retail-store-growth",
        "--json",
        "--seed",
        "3",
        "--rep",
        REP[0],
        stdin="您好，打扰了。\n最近门店扩张进展怎么样？\n/hint\n/end\n",
    )
    _cli(url, "wecom", "link", "wecom-oldrep", REP[0])
    return ids


if __name__ == "__main__":
    target = Path(sys.argv[1]).resolve()
    target.unlink(missing_ok=True)
    made = asyncio.run(main(target))
    # The sign-in cookies of that run (the database keeps only their SHA-256), so the upgrade
    # tests can come back with the browsers' cookies. They open nothing but this test file.
    cookies = {name: made[name] for name in ("rep_token", "manager_token", "revoked_token")}
    target.with_suffix(".cookies.json").write_text(json.dumps(cookies, indent=2) + "\n")
    for name, value in made.items():
        print(f"{name}: {value}")
    print(target)
