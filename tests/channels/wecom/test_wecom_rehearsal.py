"""Whole rehearsals in WeCom with the real engine and the real app, replies through the outbox.

Callbacks are encrypted by the test (wecom_fakes.py) and posted to /wecom/callback; the
application's answers are read from the fake WeCom API once the outbox dispatcher has sent
them; what was stored is read from the database (SQLite and PostgreSQL).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from wecom_fakes import FakeWeComAPI, Member, Poster, build_app, running, wecom_settings

from bot.channels.wecom.texts import text
from bot.passwords import hash_password
from bot.services import wecom as wecom_service
from bot.storage import Database, OutboxMessage, ProcessedMessage, RehearsalSession, store

SCENARIO = "precision-parts-returns"
PASSWORD = "pw-wecom-1"
# A rep who follows the method (the Telegram tests' lines, from the scenario's trainer test).
METHOD_LINES_ZH = [
    "王总您好，我是李明，老周介绍我过来的，谢谢您抽时间。",
    "听说你们主要给新能源车做精密零件，对吧？",
    "看您有点疲惫，是刚从主机厂那边回来吗？最近他们的要求是不是又变了？",
    "退货为什么会翻倍呢？",
    "为什么要到终检才发现呢？",
    "冒昧问一句，两次抽检之间为什么会没人发现设备跑偏呢？",
    "除了退货，还有别的让您担心的事吗？",
    "如果到年底退货还是降不下来，对明年的定点会有什么影响？",
]


@cache
def _hash(password: str) -> str:
    return hash_password(password)


def add_person(db: Database, login: str, name: str, *, role: str = "rep", team: str = "华南") -> int:
    with store(db, write=True) as s:
        team_row = s.users.get_or_create_team(team)
        return s.users.create(name, login=login, role=role, password_hash=_hash(PASSWORD), team=team_row).id


@asynccontextmanager
async def signed_in(app: FastAPI, login: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.post("/api/auth/login", json={"login": login, "password": PASSWORD})
        assert response.status_code == 200, response.text
        yield http


def turns_of(db: Database, session_id: str) -> list[tuple[str, str]]:
    with store(db) as s:
        return [(t.speaker, t.text) for t in s.turns.for_session(session_id)]


def only_session(db: Database) -> RehearsalSession:
    with store(db) as s:
        (rehearsal,) = s.session.scalars(select(RehearsalSession)).all()
        return rehearsal


async def say(app: Poster, fake: FakeWeComAPI, member: Member, content: str, replies: int = 1) -> list[str]:
    """Send ``content``; the ``replies`` texts it brought (and no more)."""
    before = len(fake.texts(member.userid))
    assert (await app.post(member.text(content))).status_code == 200
    texts = (await fake.wait_for(member.userid, before + replies))[before:]
    assert len(texts) == replies, texts
    return texts


async def begin_rehearsal(app: Poster, fake: FakeWeComAPI, member: Member) -> list[str]:
    """/rehearse, the scenario's number, then its first option (Chinese, practice)."""
    (menu,) = await say(app, fake, member, "/rehearse")
    number = next(line.split(".")[0] for line in menu.splitlines() if "精密零件" in line)
    (options,) = await say(app, fake, member, number)
    assert f"{number}.1 中文 · 练习模式" in options and f"{number}.4 英文 (English) · 考试模式" in options
    return await say(app, fake, member, f"{number}.1", replies=2)


async def test_whole_rehearsal_from_start_to_scorecard(db: Database, fake_wecom: FakeWeComAPI) -> None:
    member = Member("liming")
    async with running(build_app(wecom_settings(db.url, fake_wecom))) as app:
        await say(app, fake_wecom, member, "/start", replies=2)
        intro, opening = await begin_rehearsal(app, fake_wecom, member)
        rehearsal = only_session(db)
        assert (rehearsal.channel, rehearsal.language, rehearsal.mode) == ("wecom", "zh", "practice")
        assert "王建国" in intro and turns_of(db, rehearsal.id)[0][1] in opening

        replies = [(await say(app, fake_wecom, member, line))[0] for line in METHOD_LINES_ZH]
        transcript = turns_of(db, rehearsal.id)
        assert [t for speaker, t in transcript if speaker == "rep"] == METHOD_LINES_ZH
        customer_lines = [t for speaker, t in transcript if speaker == "customer"][1:]
        for reply, customer_line in zip(replies, customer_lines, strict=True):
            assert reply.startswith("🗣 王建国：") and customer_line in reply
            assert "🧭 教练：" in reply and "阶段：" in reply and "<" not in reply

        (hint,) = await say(app, fake_wecom, member, "/hint")
        (progress,) = await say(app, fake_wecom, member, "/score")
        (scorecard,) = await say(app, fake_wecom, member, "/end")
        (again,) = await say(app, fake_wecom, member, "/评分")
        (after_end,) = await say(app, fake_wecom, member, "随便说一句")

    with store(db) as s:
        ended = s.sessions.get(rehearsal.id)
        assert ended is not None and ended.status == "ended" and ended.scorecard is not None
        score = ended.scorecard["score"]
    assert hint.startswith("💡 提示") and "已说 8 句" in progress and "信任度" in progress
    assert (
        scorecard.startswith("📋 评分卡 · 精密零件厂：退货越来越多") and f"总分：{score} / 100" in scorecard
    )
    assert again == scorecard and after_end == text("no_session", "zh")


async def test_a_callback_delivered_three_times_gives_one_turn_and_one_reply(
    db: Database, fake_wecom: FakeWeComAPI
) -> None:
    """WeCom retries after 5 s with the same MsgId: twice at once on two workers, once later."""
    member = Member("chenjing")
    settings = wecom_settings(db.url, fake_wecom)
    async with running(build_app(settings)) as first, running(build_app(settings)) as second:
        await say(first, fake_wecom, member, "/start", replies=2)
        await begin_rehearsal(first, fake_wecom, member)
        before = len(fake_wecom.texts("chenjing"))
        line = member.text(METHOD_LINES_ZH[0])
        at_once = await asyncio.gather(first.post(line), second.post(line))
        await fake_wecom.wait_for("chenjing", before + 1, settle=0.5)
        later = await second.post(line)
        texts = (await fake_wecom.wait_for("chenjing", before + 1, settle=0.8))[before:]
    assert [r.status_code for r in [*at_once, later]] == [200, 200, 200]
    speakers = [speaker for speaker, _ in turns_of(db, only_session(db).id)]
    assert speakers == ["customer", "rep", "customer", "coach"]  # the opening, then one turn
    assert len(texts) == 1 and texts[0].startswith("🗣 王建国：")
    with store(db) as s:
        queued = s.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.chat_key == "chenjing")
        )
        claims = s.session.scalar(select(func.count()).select_from(ProcessedMessage))
    assert queued == len(fake_wecom.texts("chenjing"))  # one outbox message per text sent
    assert claims == 5  # /start, /rehearse, the number, the option, the line: each once


async def test_session_started_on_the_web_continues_in_wecom_and_back(
    db: Database, fake_wecom: FakeWeComAPI
) -> None:
    add_person(db, "zhouting", "周婷")
    member = Member("ZhouTing")
    app = build_app(wecom_settings(db.url, fake_wecom))
    async with running(app) as callbacks, signed_in(app, "zhouting") as web:
        started = await web.post("/api/sessions", json={"scenario_id": SCENARIO, "language": "zh"})
        assert started.status_code == 201, started.text
        session_id = started.json()["session_id"]
        first = {"text": METHOD_LINES_ZH[0], "client_message_id": "web-1"}
        assert (await web.post(f"/api/sessions/{session_id}/messages", json=first)).status_code == 200

        code = (await web.post("/api/telegram/link-code")).json()["code"]
        (linked,) = await say(callbacks, fake_wecom, member, f"/start {code}")
        (wecom_reply,) = await say(callbacks, fake_wecom, member, METHOD_LINES_ZH[1])
        second = {"text": METHOD_LINES_ZH[2], "client_message_id": "web-2"}
        assert (await web.post(f"/api/sessions/{session_id}/messages", json=second)).status_code == 200
        assert (await web.post(f"/api/sessions/{session_id}/end")).status_code == 200
        (scorecard,) = await say(callbacks, fake_wecom, member, "/score")
        detail = (await web.get(f"/api/sessions/{session_id}")).json()
        (reused,) = await say(callbacks, fake_wecom, member, f"/start {code}")  # spent: no second link

    assert "周婷" in linked and "已关联" in linked and "企业微信" in linked
    assert reused == text("bad_code", "zh")
    rep_lines = [t["text"] for t in detail["turns"] if t["speaker"] == "rep"]
    assert rep_lines == METHOD_LINES_ZH[:3]  # web, WeCom, web: one conversation, in order
    turns = detail["turns"]
    wecom_customer = turns[[t["text"] for t in turns].index(METHOD_LINES_ZH[1]) + 1]["text"]
    assert wecom_customer in wecom_reply
    assert f"总分：{detail['scorecard']['score']} / 100" in scorecard
    assert only_session(db).channel == "web"  # one session, begun on the web


async def test_a_managers_note_is_pushed_to_the_reps_wecom(db: Database, fake_wecom: FakeWeComAPI) -> None:
    rep_id = add_person(db, "wang", "王小明")
    add_person(db, "boss", "陈经理", role="manager")
    member = Member("WangXiaoMing")
    app = build_app(wecom_settings(db.url, fake_wecom))
    async with running(app) as callbacks, signed_in(app, "boss") as boss:
        # The WeCom admin's mapping: this member is the rep "wang".
        app.state.services.wecom.map_user("WangXiaoMing", rep_id)
        written = await boss.post(f"/api/manager/reps/{rep_id}/notes", json={"text": "多问一层“为什么”。"})
        (pushed,) = await fake_wecom.wait_for("WangXiaoMing", 1, settle=0.5)
        (listed,) = await say(callbacks, fake_wecom, member, "/notes")
        unlinked = add_person(db, "zhao", "赵丽")
        quiet = await boss.post(f"/api/manager/reps/{unlinked}/notes", json={"text": "下次先问预算。"})
        await asyncio.sleep(0.5)

    assert written.status_code == 201 and quiet.status_code == 201
    assert pushed == "📝 陈经理 给你写了一条教练笔记：\n\n多问一层“为什么”。\n\n发送 /notes 查看全部笔记。"
    assert listed.startswith("📝 教练笔记（共 1 条，未读 1 条）")  # the push marks nothing read
    assert len(fake_wecom.state.sent) == 2  # nothing for the rep without WeCom


async def test_notes_listed_in_wecom_are_read_only_once_the_list_is_delivered(
    db: Database, fake_wecom: FakeWeComAPI
) -> None:
    """/notes claims, lists and queues in one transaction; the outbox marks the listed notes read
    when WeCom accepts the list, so a list WeCom refuses loses no unread note."""
    rep_id = add_person(db, "zhou", "周可")
    boss = add_person(db, "boss4", "陈经理", role="manager")
    with store(db, write=True) as s:
        author, rep = s.users.get(boss), s.users.get(rep_id)
        assert author is not None and rep is not None
        s.notes.add(author=author, rep=rep, text="先问清楚交期。")
    member = Member("ZhouKe")
    app = build_app(wecom_settings(db.url, fake_wecom))
    async with running(app) as callbacks:
        app.state.services.wecom.map_user("ZhouKe", rep_id)
        fake_wecom.fail_next(60011)  # refused for good (no permission): the list is never delivered
        assert (await callbacks.post(member.text("/notes"))).status_code == 200
        for _ in range(50):
            with store(db) as s:
                settled = s.session.scalars(
                    select(OutboxMessage).where(OutboxMessage.status != "pending")
                ).all()
            if settled:
                break
            await asyncio.sleep(0.1)
        with store(db) as s:
            unread_after_refusal = [n.read_at for n in s.notes.for_rep(rep_id)]
        (listed,) = await say(callbacks, fake_wecom, member, "/notes")
        await asyncio.sleep(0.3)
        with store(db) as s:
            read_after_delivery = [n.read_at for n in s.notes.for_rep(rep_id)]

    assert unread_after_refusal == [None]
    assert listed.startswith("📝 教练笔记（共 1 条，未读 1 条）")  # still unread when listed again
    assert read_after_delivery[0] is not None


async def test_a_note_and_its_wecom_push_are_stored_together(
    db: Database, fake_wecom: FakeWeComAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The push is queued in the note's transaction: a failure while queueing it (as a killed
    process would leave things) keeps neither, and a note that is kept is pushed once."""
    rep_id = add_person(db, "qian", "钱多多")
    add_person(db, "boss3", "陈经理", role="manager")
    app = build_app(wecom_settings(db.url, fake_wecom))
    async with running(app), signed_in(app, "boss3") as boss:
        app.state.services.wecom.map_user("QianDuoDuo", rep_id)

        def crash(*_args: object, **_kwargs: object) -> None:
            raise RuntimeError("killed while queueing the push")

        monkeypatch.setattr(wecom_service, "_enqueue_texts", crash)
        with pytest.raises(RuntimeError):
            await boss.post(f"/api/manager/reps/{rep_id}/notes", json={"text": "先问清预算。"})
        with store(db) as s:
            notes_after_crash = len(s.notes.for_rep(rep_id))
        monkeypatch.undo()
        written = await boss.post(f"/api/manager/reps/{rep_id}/notes", json={"text": "先问清预算。"})
        (pushed,) = await fake_wecom.wait_for("QianDuoDuo", 1, settle=0.5)

    assert notes_after_crash == 0  # the note went with its push
    assert written.status_code == 201 and "先问清预算。" in pushed


async def test_a_long_reply_arrives_in_pieces_within_wecoms_limit(
    db: Database, fake_wecom: FakeWeComAPI
) -> None:
    rep_id = add_person(db, "sun", "孙力")
    boss = add_person(db, "boss2", "陈经理", role="manager")
    with store(db, write=True) as s:
        author, rep = s.users.get(boss), s.users.get(rep_id)
        assert author is not None and rep is not None
        for n in range(20):
            s.notes.add(author=author, rep=rep, text=f"第{n}条：" + "先问清楚退货的原因，再谈方案。" * 12)
    member = Member("SunLi")
    app = build_app(wecom_settings(db.url, fake_wecom))
    async with running(app) as callbacks:
        app.state.services.wecom.map_user("SunLi", rep_id)
        assert (await callbacks.post(member.text("/notes"))).status_code == 200
        await fake_wecom.wait_for("SunLi", 3, settle=0.8)
    pieces = fake_wecom.texts("SunLi")
    assert len(pieces) >= 3 and all(len(piece.encode()) <= 2048 for piece in pieces)
    assert pieces[0].startswith("📝 教练笔记（共 20 条，未读 20 条）")
    assert all(f"第{n}条：" in "".join(pieces) for n in range(20))  # every note, in the pieces' order


async def test_rehearse_during_a_visit_shows_where_it_stands_to_continue_or_end(
    db: Database, fake_wecom: FakeWeComAPI
) -> None:
    """As Telegram's continue/end choice: /rehearse with a visit in progress (begun on the web)
    says so, repeats the customer's last words with the stage, and the rep goes on or /ends."""
    rep_id = add_person(db, "he", "何静")
    member = Member("HeJing")
    app = build_app(wecom_settings(db.url, fake_wecom))
    async with running(app) as callbacks, signed_in(app, "he") as web:
        app.state.services.wecom.map_user("HeJing", rep_id)
        started = await web.post("/api/sessions", json={"scenario_id": SCENARIO, "language": "zh"})
        session_id = started.json()["session_id"]
        first = {"text": METHOD_LINES_ZH[0], "client_message_id": "web-1"}
        said = (await web.post(f"/api/sessions/{session_id}/messages", json=first)).json()["customer_reply"]
        in_progress, last_words = await say(callbacks, fake_wecom, member, "/rehearse", replies=2)
        (goes_on,) = await say(callbacks, fake_wecom, member, METHOD_LINES_ZH[1])
        (card,) = await say(callbacks, fake_wecom, member, "/end")
        (menu,) = await say(callbacks, fake_wecom, member, "/rehearse")
    assert "进行中" in in_progress and "/end" in in_progress
    assert said in last_words and last_words.startswith("🗣 王建国：") and "阶段：" in last_words
    assert "<" not in last_words
    assert goes_on.startswith("🗣 王建国：")
    rep_lines = [text for speaker, text in turns_of(db, session_id) if speaker == "rep"]
    assert rep_lines == METHOD_LINES_ZH[:2]  # the same visit went on in WeCom
    assert card.startswith("📋 评分卡") and "精密零件" in menu and "1." in menu
