"""Whole rehearsals over Telegram with the real engine, the real PTB and the real app.

Updates are real Telegram JSON posted to /telegram/webhook; the bot's answers are read from the
fake Bot API; what was stored is read from the database (SQLite and PostgreSQL).
"""

from __future__ import annotations

import asyncio
import html

import httpx
from sqlalchemy import select
from telegram_fakes import Call, FakeBotAPI, Updates, Webhook, build_app, running, telegram_settings

from bot.channels.telegram.texts import TEXTS
from bot.passwords import hash_password
from bot.storage import Database, RehearsalSession, Turn, store

SCENARIO = "precision-parts-returns"
# A rep who follows the method (from the scenario's own trainer test).
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


def turns_of(db: Database, session_id: str) -> list[tuple[str, str]]:
    with store(db) as s:
        return [(t.speaker, t.text) for t in s.turns.for_session(session_id)]


def only_session(db: Database) -> RehearsalSession:
    with store(db) as s:
        (rehearsal,) = s.session.scalars(select(RehearsalSession)).all()
        return rehearsal


async def choose(webhook: Webhook, fake: FakeBotAPI, updates: Updates, keyboard: Call, label: str) -> Call:
    """Press the button labelled ``label`` (or whose data ends with it) on ``keyboard``.

    Returns the bot's edit of that message.
    """
    buttons = keyboard.buttons()
    data = dict(buttons).get(label) or next(d for _, d in buttons if d.endswith(f":{label}"))
    message_id = keyboard.message_id or int(keyboard.params["message_id"])
    edits_before = len(fake.calls_to("editMessageText"))
    response = await webhook.post(updates.press(data, on_message_id=message_id))
    assert response.status_code == 200
    edits = fake.calls_to("editMessageText")
    assert len(edits) == edits_before + 1, "the bot should replace the keyboard message"
    assert edits[-1].params["message_id"] == message_id
    return edits[-1]


async def begin_rehearsal(
    webhook: Webhook, fake: FakeBotAPI, updates: Updates, *, language: str, mode: str
) -> list[str]:
    """/rehearse, then scenario, language and mode buttons; returns the messages sent after."""
    chat = updates.chat["id"]
    await webhook.post(updates.text("/rehearse"))
    scenario_menu = fake.calls_to("sendMessage")[-1]
    assert scenario_menu.buttons(), "the scenarios come as an inline keyboard"
    label = next(text for text, _ in scenario_menu.buttons() if "精密零件" in text or "Precision" in text)
    language_menu = await choose(webhook, fake, updates, scenario_menu, label)
    mode_menu = await choose(webhook, fake, updates, language_menu, language)
    sent_before = len(fake.sent_texts(chat))
    started = await choose(webhook, fake, updates, mode_menu, mode)
    # The intro names the customer, as the rep's interface language writes the name.
    assert "王建国" in started.params["text"] or "Wang Jianguo" in started.params["text"]
    return fake.sent_texts(chat)[sent_before:]


async def test_whole_rehearsal_from_start_to_scorecard(db: Database, fake_bot_api: FakeBotAPI) -> None:
    updates = Updates(user_id=2024, first_name="李明")
    chat = 2024
    async with running(build_app(telegram_settings(db.url, fake_bot_api))) as webhook:
        assert (await webhook.post(updates.text("/start"))).status_code == 200
        opening = await begin_rehearsal(webhook, fake_bot_api, updates, language="zh", mode="practice")
        rehearsal = only_session(db)
        assert (rehearsal.channel, rehearsal.language, rehearsal.mode) == ("telegram", "zh", "practice")
        stored_opening = turns_of(db, rehearsal.id)[0]
        assert stored_opening[0] == "customer" and html.escape(stored_opening[1], quote=False) in opening[0]

        replies = []
        for line in METHOD_LINES_ZH:
            before = len(fake_bot_api.sent_texts(chat))
            assert (await webhook.post(updates.text(line))).status_code == 200
            new = fake_bot_api.sent_texts(chat)[before:]
            assert len(new) == 1, f"one answer per rep line, got {new}"
            replies.append(new[0])

        transcript = turns_of(db, rehearsal.id)
        rep_lines = [text for speaker, text in transcript if speaker == "rep"]
        assert rep_lines == METHOD_LINES_ZH  # every line stored once, in order
        customer_lines = [text for speaker, text in transcript if speaker == "customer"][1:]
        for reply, customer_line in zip(replies, customer_lines, strict=True):
            assert reply.startswith("🗣 <b>王建国</b>：")
            assert html.escape(customer_line, quote=False) in reply
            assert "<i>🧭 教练：" in reply and "<code>阶段：" in reply  # practice mode: coach note and state

        await webhook.post(updates.text("/hint"))
        assert fake_bot_api.sent_texts(chat)[-1].startswith("💡 <b>提示</b>")
        await webhook.post(updates.text("/score"))
        progress = fake_bot_api.sent_texts(chat)[-1]
        assert "已说 8 句" in progress and "信任度" in progress

        await webhook.post(updates.text("/end"))
        scorecard_text = fake_bot_api.sent_texts(chat)[-1]
        await webhook.post(updates.text("/score"))
        again = fake_bot_api.sent_texts(chat)[-1]
        await webhook.post(updates.text("随便说一句"))
        after_end = fake_bot_api.sent_texts(chat)[-1]

    with store(db) as s:
        ended = s.sessions.get(rehearsal.id)
        assert ended is not None and ended.status == "ended" and ended.scorecard is not None
        score = ended.scorecard["score"]
    assert scorecard_text.startswith("📋 <b>评分卡 · 精密零件厂：退货越来越多</b>")
    assert f"总分：<b>{score}</b> / 100" in scorecard_text and "✅ 保持：" in scorecard_text
    assert again == scorecard_text  # /score after the visit shows the last scorecard
    assert after_end == TEXTS["no_session"]["zh"]
    assert len(fake_bot_api.calls_to("answerCallbackQuery")) == 3


async def test_exam_mode_in_english_keeps_the_coach_quiet(db: Database, fake_bot_api: FakeBotAPI) -> None:
    updates = Updates(user_id=3003, first_name="Sam", language_code="zh")
    chat = 3003
    async with running(build_app(telegram_settings(db.url, fake_bot_api))) as webhook:
        await webhook.post(updates.text("/start"))
        await begin_rehearsal(webhook, fake_bot_api, updates, language="en", mode="exam")
        await webhook.post(updates.text("Good morning Mr Wang, thank you for your time."))
        reply = fake_bot_api.sent_texts(chat)[-1]
        await webhook.post(updates.text("/rehearse"))
        busy = fake_bot_api.sent_texts(chat)[-1]
    rehearsal = only_session(db)
    assert (rehearsal.language, rehearsal.mode) == ("en", "exam")
    customer_reply = turns_of(db, rehearsal.id)[-1][1]
    assert reply == f"🗣 <b>王建国</b>：{html.escape(customer_reply, quote=False)}"  # no note, no state
    assert busy.startswith("你有一个进行中的演练")


async def test_same_text_update_posted_five_times_at_once_gives_one_turn(
    db: Database, fake_bot_api: FakeBotAPI
) -> None:
    updates = Updates(user_id=5005)
    chat = 5005
    async with running(build_app(telegram_settings(db.url, fake_bot_api))) as webhook:
        await webhook.post(updates.text("/start"))
        await begin_rehearsal(webhook, fake_bot_api, updates, language="zh", mode="practice")
        before = len(fake_bot_api.sent_texts(chat))
        line = updates.text(METHOD_LINES_ZH[0])
        responses = await asyncio.gather(*(webhook.post(line) for _ in range(5)))
        later = await webhook.post(line)  # and once more after they all finished
    assert [r.status_code for r in [*responses, later]] == [200] * 6
    rehearsal = only_session(db)
    speakers = [speaker for speaker, _ in turns_of(db, rehearsal.id)]
    # The opening, then exactly one turn: the rep's line, the customer's reply, the coach's note.
    assert speakers == ["customer", "rep", "customer", "coach"]
    assert len(fake_bot_api.sent_texts(chat)) - before == 1  # and exactly one reply


async def test_session_started_on_the_web_continues_in_telegram(
    db: Database, fake_bot_api: FakeBotAPI
) -> None:
    with store(db, write=True) as s:
        s.users.create("周婷", login="zhouting", role="rep", password_hash=hash_password("pw-zhouting-1"))
    updates = Updates(user_id=6006, first_name="Ting")
    chat = 6006
    app = build_app(telegram_settings(db.url, fake_bot_api))
    async with running(app) as webhook:
        web: httpx.AsyncClient = webhook.client
        signed_in = await web.post("/api/auth/login", json={"login": "zhouting", "password": "pw-zhouting-1"})
        assert signed_in.status_code == 200, signed_in.text
        started = await web.post("/api/sessions", json={"scenario_id": SCENARIO, "language": "zh"})
        assert started.status_code == 201, started.text
        session_id = started.json()["session_id"]
        first = {"text": METHOD_LINES_ZH[0], "client_message_id": "web-1"}
        assert (await web.post(f"/api/sessions/{session_id}/messages", json=first)).status_code == 200

        code = (await web.post("/api/telegram/link-code")).json()["code"]
        await webhook.post(updates.text(f"/start {code}"))
        assert "周婷" in fake_bot_api.sent_texts(chat)[-1] and "已关联" in fake_bot_api.sent_texts(chat)[-1]
        await webhook.post(updates.text(METHOD_LINES_ZH[1]))
        telegram_reply = fake_bot_api.sent_texts(chat)[-1]
        second = {"text": METHOD_LINES_ZH[2], "client_message_id": "web-2"}
        assert (await web.post(f"/api/sessions/{session_id}/messages", json=second)).status_code == 200
        ended = await web.post(f"/api/sessions/{session_id}/end")
        assert ended.status_code == 200
        await webhook.post(updates.text("/score"))
        scorecard_text = fake_bot_api.sent_texts(chat)[-1]
        detail = (await web.get(f"/api/sessions/{session_id}")).json()
        reused = await webhook.post(updates.text(f"/start {code}"))  # a spent code does not link again

    assert reused.status_code == 200 and fake_bot_api.sent_texts(chat)[-1].startswith("⚠️")
    with store(db) as s:
        rehearsal = s.sessions.get(session_id)
        assert rehearsal is not None and rehearsal.channel == "web"  # one session, started on the web
        rows = s.session.scalars(select(Turn).where(Turn.session_id == session_id).order_by(Turn.seq)).all()
    rep_lines = [t.text for t in rows if t.speaker == "rep"]
    assert rep_lines == METHOD_LINES_ZH[:3]  # web, Telegram, web: one conversation, in order
    telegram_customer = rows[[t.text for t in rows].index(METHOD_LINES_ZH[1]) + 1]
    assert html.escape(telegram_customer.text, quote=False) in telegram_reply
    assert [t["text"] for t in detail["turns"] if t["speaker"] == "rep"] == METHOD_LINES_ZH[:3]
    assert f"总分：<b>{rehearsal.scorecard['score']}</b>" in scorecard_text  # type: ignore[index]


async def test_a_pitching_rep_is_shown_the_door_and_gets_the_scorecard(
    db: Database, fake_bot_api: FakeBotAPI
) -> None:
    updates = Updates(user_id=7007, first_name="Pat", language_code="en")
    chat = 7007
    app = build_app(telegram_settings(db.url, fake_bot_api))
    async with running(app) as webhook:
        await webhook.post(updates.text("/start"))
        await begin_rehearsal(webhook, fake_bot_api, updates, language="en", mode="practice")
        before = len(fake_bot_api.sent_texts(chat))
        for line in (
            "Mr Wang, our monitoring system is the best on the market and cuts defects by half.",
            "Over three hundred plants already use it, and we have a special discount this month.",
        ):
            await webhook.post(updates.text(line))
        closing = fake_bot_api.sent_texts(chat)[before:]
        await webhook.post(updates.text("/end"))
        await webhook.post(updates.text("/hint"))
        rehearsal = app.state.services.rehearsals.session(only_session(db).id)
    assert rehearsal.status == "closed_by_customer" and rehearsal.scorecard is not None
    # The second pitch: the customer's last words, the note that he ended it, the scorecard.
    assert closing[-2] == TEXTS["customer_closed"]["en"]
    assert closing[-1].startswith("📋 <b>Scorecard · Precision parts: returns keep rising</b>")
    assert f"Score: <b>{rehearsal.scorecard['score']}</b> / 100" in closing[-1]
    assert "pitches before a need: 2" in closing[-1]
    assert fake_bot_api.sent_texts(chat)[-2:] == [TEXTS["ended_nothing"]["en"], TEXTS["no_session"]["en"]]


async def test_language_buttons_switch_the_interface(db: Database, fake_bot_api: FakeBotAPI) -> None:
    updates = Updates(user_id=8008)
    chat = 8008
    async with running(build_app(telegram_settings(db.url, fake_bot_api))) as webhook:
        await webhook.post(updates.text("/start"))
        await webhook.post(updates.text("/lang"))
        menu = fake_bot_api.calls_to("sendMessage")[-1]
        assert menu.buttons() == [("中文", "ui:zh"), ("English", "ui:en")]
        edited = await choose(webhook, fake_bot_api, updates, menu, "English")
        await webhook.post(updates.text("/score"))
    assert edited.params["text"] == TEXTS["lang_set"]["en"]
    assert fake_bot_api.sent_texts(chat)[-1] == TEXTS["no_scorecard"]["en"]
    with store(db) as s:
        rep = s.users.by_telegram(8008)
        assert rep is not None and rep.language == "en"
