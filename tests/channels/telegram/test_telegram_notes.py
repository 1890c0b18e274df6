"""Coaching notes in Telegram: /notes, and a manager's new note pushed to the rep's chat.

Real python-telegram-bot against the fake Bot API, the real app and its manager API, on SQLite
and PostgreSQL; what the bot said is read from the fake, the read marks from the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from telegram_fakes import FakeBotAPI, Updates, build_app, html_problem, running, telegram_settings

from bot.channels.telegram.texts import TEXTS
from bot.passwords import hash_password
from bot.storage import CoachingNote, Database, store

SCENARIO = "precision-parts-returns"
SCENARIO_TITLE_ZH = "精密零件厂：退货越来越多"
PASSWORD = "pw-notes-1"


@cache
def _hash(password: str) -> str:
    return hash_password(password)


def add_person(db: Database, login: str, name: str, *, role: str = "rep", team: str = "华东") -> int:
    """A user who can sign in on the web, in ``team``; returns the id."""
    with store(db, write=True) as s:
        team_row = s.users.get_or_create_team(team)
        user = s.users.create(name, login=login, role=role, password_hash=_hash(PASSWORD), team=team_row)
        return user.id


def add_note(db: Database, author_id: int, rep_id: int, text: str, session_id: str | None = None) -> int:
    with store(db, write=True) as s:
        author, rep = s.users.get(author_id), s.users.get(rep_id)
        assert author is not None and rep is not None
        return s.notes.add(author=author, rep=rep, text=text, session_id=session_id).id


def read_marks(db: Database, rep_id: int) -> dict[str, bool]:
    """Each note's text and whether it has been read."""
    with store(db) as s:
        notes = s.session.scalars(select(CoachingNote).where(CoachingNote.rep_id == rep_id)).all()
        return {note.text: note.read_at is not None for note in notes}


@asynccontextmanager
async def signed_in(app: FastAPI, login: str) -> AsyncIterator[httpx.AsyncClient]:
    """A web client of its own (its own cookie jar), signed in as ``login``."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.post("/api/auth/login", json={"login": login, "password": PASSWORD})
        assert response.status_code == 200, response.text
        yield http


def telegram_rep(db: Database, telegram_user_id: int) -> int:
    with store(db) as s:
        user = s.users.by_telegram(telegram_user_id)
        assert user is not None
        return user.id


async def test_notes_without_any_notes(db: Database, fake_bot_api: FakeBotAPI) -> None:
    chinese, english = Updates(user_id=9101), Updates(user_id=9102, first_name="Sam", language_code="en")
    async with running(build_app(telegram_settings(db.url, fake_bot_api))) as webhook:
        for updates in (chinese, english):
            await webhook.post(updates.text("/start"))
            assert (await webhook.post(updates.text("/notes"))).status_code == 200
        await webhook.post(chinese.text("/help"))
    assert fake_bot_api.sent_texts(9101)[-2] == TEXTS["notes_none"]["zh"]
    assert fake_bot_api.sent_texts(9102)[-1] == TEXTS["notes_none"]["en"]
    assert "/notes — 查看经理写给你的教练笔记" in fake_bot_api.sent_texts(9101)[-1]


async def test_notes_newest_first_unread_marked_then_read(db: Database, fake_bot_api: FakeBotAPI) -> None:
    updates = Updates(user_id=9201, first_name="王小明")
    chat = 9201
    app = build_app(telegram_settings(db.url, fake_bot_api))
    async with running(app) as webhook:
        await webhook.post(updates.text("/start"))
        rep_id = telegram_rep(db, 9201)
        boss = add_person(db, "boss", "陈经理", role="manager")
        visit = app.state.services.rehearsals.start(
            rep_id, SCENARIO, language="zh", mode="practice", channel="web"
        )
        oldest = add_note(db, boss, rep_id, "开场很自然，继续保持。")
        add_note(db, boss, rep_id, "退货的原因多问一层“为什么”。", session_id=visit.session_id)
        add_note(db, boss, rep_id, "别急着报价 <先问需求> & 再听完。")
        with store(db, write=True) as s:  # the oldest was read on the web already
            note = s.notes.get(oldest)
            assert note is not None
            s.notes.mark_read(note)

        assert (await webhook.post(updates.text("/notes"))).status_code == 200
        first = fake_bot_api.sent_texts(chat)[-1]
        marks_after_first = read_marks(db, rep_id)
        await webhook.post(updates.text("/notes"))
        second = fake_bot_api.sent_texts(chat)[-1]

    assert html_problem(first) is None and html_problem(second) is None
    assert first.startswith("📝 <b>教练笔记</b>（共 3 条，未读 2 条）")
    blocks = first.split("\n\n")[1:]
    assert len(blocks) == 3
    newest, middle, old = blocks
    # Newest first; the text is escaped, never markup.
    assert newest.startswith("🆕 未读 <b>陈经理</b> · ") and newest.endswith(
        "别急着报价 &lt;先问需求&gt; &amp; 再听完。"
    )
    assert middle.startswith("🆕 未读 <b>陈经理</b> · ")
    assert f"<i>关于：{SCENARIO_TITLE_ZH}</i>" in middle and middle.endswith("退货的原因多问一层“为什么”。")
    assert old.startswith("<b>陈经理</b> · ") and "🆕" not in old
    assert " UTC" in old.splitlines()[0]
    # Everything shown is read now; shown again, nothing is new.
    assert marks_after_first == dict.fromkeys(marks_after_first, True) and len(marks_after_first) == 3
    assert second.startswith("📝 <b>教练笔记</b>（共 3 条，未读 0 条）") and "🆕" not in second


async def test_notes_in_english_and_only_the_newest_twenty(db: Database, fake_bot_api: FakeBotAPI) -> None:
    updates = Updates(user_id=9301, first_name="Sam", language_code="en")
    async with running(build_app(telegram_settings(db.url, fake_bot_api))) as webhook:
        await webhook.post(updates.text("/start"))
        rep_id = telegram_rep(db, 9301)
        boss = add_person(db, "boss_en", "Chen", role="manager")
        for n in range(22):
            add_note(db, boss, rep_id, f"Note number {n}. " + "Ask why before you explain. " * 20)
        before = len(fake_bot_api.sent_texts(9301))
        await webhook.post(updates.text("/notes"))
    pieces = fake_bot_api.sent_texts(9301)[before:]
    assert len(pieces) > 1, "a long list is split into several messages"
    assert all(html_problem(piece) is None and len(piece) <= 4096 for piece in pieces)
    whole = "\n\n".join(pieces)
    assert whole.startswith("📝 <b>Coaching notes</b> (22 in all, 22 unread)")
    assert whole.count("🆕 unread <b>Chen</b>") == 20
    assert whole.index("Note number 21.") < whole.index("Note number 2.")
    assert "Note number 1." not in whole and "Note number 0." not in whole
    assert whole.endswith(TEXTS["notes_more"]["en"].format(shown=20))
    marks = read_marks(db, rep_id)
    assert sorted(text.split(".")[0] for text, read in marks.items() if not read) == [
        "Note number 0",
        "Note number 1",
    ]


async def test_a_redelivered_notes_update_is_handled_once(db: Database, fake_bot_api: FakeBotAPI) -> None:
    updates = Updates(user_id=9401)
    chat = 9401
    async with running(build_app(telegram_settings(db.url, fake_bot_api))) as webhook:
        await webhook.post(updates.text("/start"))
        rep_id = telegram_rep(db, 9401)
        boss = add_person(db, "boss_r", "陈经理", role="manager")
        add_note(db, boss, rep_id, "周五前把拜访计划发我。")
        before = len(fake_bot_api.sent_texts(chat))
        notes = updates.text("/notes")
        responses = await asyncio.gather(*(webhook.post(notes) for _ in range(4)))
        later = await webhook.post(notes)  # and once more after they all finished
    assert [r.status_code for r in [*responses, later]] == [200] * 5
    replies = fake_bot_api.sent_texts(chat)[before:]
    assert len(replies) == 1 and "🆕 未读 <b>陈经理</b>" in replies[0]
    assert read_marks(db, rep_id) == {"周五前把拜访计划发我。": True}


async def test_a_managers_note_reaches_the_reps_telegram(db: Database, fake_bot_api: FakeBotAPI) -> None:
    rep_id = add_person(db, "wang", "王小明")
    add_person(db, "boss", "陈经理", role="manager")
    updates = Updates(user_id=9501, first_name="小王")
    chat = 9501
    app = build_app(telegram_settings(db.url, fake_bot_api))
    async with running(app) as webhook, signed_in(app, "wang") as rep, signed_in(app, "boss") as boss:
        code = (await rep.post("/api/telegram/link-code")).json()["code"]
        await webhook.post(updates.text(f"/start {code}"))
        visit = app.state.services.rehearsals.start(
            rep_id, SCENARIO, language="zh", mode="practice", channel="web"
        )
        before = len(fake_bot_api.sent_texts(chat))
        written = await boss.post(
            f"/api/manager/reps/{rep_id}/notes",
            json={"text": "提问很好 <继续> & 多问“为什么”。", "session_id": visit.session_id},
        )
        await webhook.delivered()  # queued with the note, delivered by the outbox
        pushed = fake_bot_api.sent_texts(chat)[before:]
        await webhook.post(updates.text("/notes"))
        listed = fake_bot_api.sent_texts(chat)[-1]
        mine = (await rep.get("/api/notes")).json()

    assert written.status_code == 201, written.text
    assert len(pushed) == 1
    assert html_problem(pushed[0]) is None
    assert pushed[0] == (
        "📝 <b>陈经理</b> 给你写了一条教练笔记：\n\n"
        f"<i>关于：{SCENARIO_TITLE_ZH}</i>\n提问很好 &lt;继续&gt; &amp; 多问“为什么”。\n\n"
        "发送 /notes 查看全部笔记。"
    )
    # The push marks nothing read: /notes shows the note as new, then it is read on the web too.
    assert listed.startswith("📝 <b>教练笔记</b>（共 1 条，未读 1 条）") and "🆕 未读" in listed
    assert [(n["text"], n["read_at"] is not None) for n in mine] == [
        ("提问很好 <继续> & 多问“为什么”。", True)
    ]


async def test_without_a_telegram_link_nothing_is_sent(db: Database, fake_bot_api: FakeBotAPI) -> None:
    rep_id = add_person(db, "zhao", "赵丽")
    add_person(db, "boss", "陈经理", role="manager")
    app = build_app(telegram_settings(db.url, fake_bot_api))
    async with running(app), signed_in(app, "boss") as boss:
        written = await boss.post(f"/api/manager/reps/{rep_id}/notes", json={"text": "下次先问预算。"})
        listed = await boss.get(f"/api/manager/reps/{rep_id}/notes")
    assert written.status_code == 201, written.text
    assert listed.status_code == 200 and [n["text"] for n in listed.json()] == ["下次先问预算。"]
    assert fake_bot_api.calls_to("sendMessage") == []


async def test_an_unreachable_telegram_does_not_fail_the_note(db: Database, fake_bot_api: FakeBotAPI) -> None:
    add_person(db, "liu", "刘强")
    add_person(db, "boss", "陈经理", role="manager")
    rep_id = add_person(db, "wu", "吴芳")
    with store(db, write=True) as s:
        rep = s.users.get(rep_id)
        assert rep is not None
        s.users.link_telegram(9601, rep, 9601)
    app = build_app(telegram_settings(db.url, fake_bot_api))
    async with running(app) as webhook, signed_in(app, "boss") as boss:
        fake_bot_api.down_for(2.0)  # Telegram fails after the server started
        written = await boss.post(f"/api/manager/reps/{rep_id}/notes", json={"text": "注意倾听。"})
        assert written.status_code == 201, written.text
        await webhook.delivered(timeout=30)  # queued with the note; retried until Telegram answers
    assert any(not call.ok for call in fake_bot_api.calls_to("sendMessage"))
    (pushed,) = fake_bot_api.sent_texts(9601)
    assert "注意倾听。" in pushed
    assert read_marks(db, rep_id) == {"注意倾听。": False}  # a push marks nothing read
