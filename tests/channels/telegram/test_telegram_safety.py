"""What the security work left for Telegram: unreadable text, bidi isolation, deactivated users,
group chats and the metrics, with the real PTB, the real app and real Update JSON posted to the
webhook (SQLite and PostgreSQL); the bot's answers are read from the fake Bot API.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from prometheus_client import REGISTRY
from sqlalchemy import func, select
from telegram_fakes import FakeBotAPI, Updates, build_app, running, telegram_settings
from test_telegram_rehearsal import begin_rehearsal, only_session, turns_of

from bot.channels.telegram.texts import TEXTS
from bot.services import web_sessions
from bot.storage import (
    CoachingNote,
    Database,
    ProcessedMessage,
    RehearsalSession,
    TelegramLink,
    Turn,
    User,
    store,
)

RLO, FSI, PDI = "\u202e", "\u2068", "\u2069"


def count(db: Database, model: type) -> int:
    with store(db) as s:
        return s.session.scalar(select(func.count()).select_from(model)) or 0


def metric(name: str, labels: dict[str, str] | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


class GroupUpdates:
    """Real Update JSON for messages in a group chat (negative chat id, type "group")."""

    _ids = itertools.count(90_000)

    def __init__(self, user_id: int = 777_050, chat_id: int = -100_123, kind: str = "group") -> None:
        self.user = {"id": user_id, "is_bot": False, "first_name": "小组成员", "language_code": "zh-hans"}
        self.chat = {"id": chat_id, "type": kind, "title": "销售一组"}
        self._message_ids = itertools.count(1)

    def text(self, words: str) -> dict[str, Any]:
        content: dict[str, Any] = {"text": words}
        if words.startswith("/"):
            command = words.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chat,
            "from": self.user,
            **content,
        }
        return {"update_id": next(self._ids), "message": message}


async def test_control_characters_and_invisible_text_get_a_polite_reply_and_nothing_is_stored(
    db: Database, fake_bot_api: FakeBotAPI
) -> None:
    updates = Updates(user_id=3101, first_name="李明")
    chat = updates.chat["id"]
    async with running(build_app(telegram_settings(db.url, fake_bot_api))) as webhook:
        await webhook.post(updates.text("/start"))
        await begin_rehearsal(webhook, fake_bot_api, updates, language="zh", mode="practice")
        session_id = only_session(db).id
        before = turns_of(db, session_id)
        for line in ("你好\x00王总", "\u200b\u200d\ufeff \u2060", "王总\x07您好", "\x1b[31m"):
            sent_before = len(fake_bot_api.sent_texts(chat))
            response = await webhook.post(updates.text(line))
            assert response.status_code == 200, repr(line)
            assert fake_bot_api.sent_texts(chat)[sent_before:] == [TEXTS["unreadable_text"]["zh"]], repr(line)
        assert turns_of(db, session_id) == before  # no turn, and the customer said nothing
        # A stranger's unreadable text creates no user either.
        stranger = Updates(user_id=3102, language_code="en")
        response = await webhook.post(stranger.text("\x00"))
        assert response.status_code == 200
        assert fake_bot_api.sent_texts(stranger.chat["id"]) == [TEXTS["unreadable_text"]["en"]]
    with store(db) as s:
        assert s.users.by_telegram(3102) is None
        stored = s.session.scalars(select(Turn.text)).all()
    assert not any("\x00" in t or "\x07" in t or "\u200b" in t for t in stored)


async def test_a_group_message_and_a_group_start_are_answered_and_nothing_is_stored(
    db: Database, fake_bot_api: FakeBotAPI
) -> None:
    group = GroupUpdates()
    supergroup = GroupUpdates(user_id=777_051, chat_id=-100_456, kind="supergroup")
    async with running(build_app(telegram_settings(db.url, fake_bot_api))) as webhook:
        for update in (
            group.text("/start"),
            group.text("/start ABC123"),
            group.text("/rehearse"),
            group.text("/notes"),
            group.text("王总您好，我是李明"),
            supergroup.text("/start@coach_bot"),
        ):
            response = await webhook.post(update)
            assert response.status_code == 200
    private_only = TEXTS["private_only"]["zh"]
    assert fake_bot_api.sent_texts(group.chat["id"]) == [private_only] * 5
    assert fake_bot_api.sent_texts(supergroup.chat["id"]) == [private_only]
    # No user, link, rehearsal, note or handled-update row for the group or its members.
    for model in (User, TelegramLink, RehearsalSession, Turn, CoachingNote, ProcessedMessage):
        assert count(db, model) == 0, model.__name__


async def test_a_deactivated_user_is_refused_politely_and_plays_nothing(
    db: Database, fake_bot_api: FakeBotAPI
) -> None:
    updates = Updates(user_id=3201, first_name="张伟")
    chat = updates.chat["id"]
    async with running(build_app(telegram_settings(db.url, fake_bot_api))) as webhook:
        await webhook.post(updates.text("/start"))
        await begin_rehearsal(webhook, fake_bot_api, updates, language="zh", mode="practice")
        session_id = only_session(db).id
        before = turns_of(db, session_id)
        with store(db) as s:
            user = s.users.by_telegram(3201)
            assert user is not None
            user_id = user.id
        web_sessions.set_active(db, user_id, False)  # what `coach users deactivate` does
        sent_before = len(fake_bot_api.sent_texts(chat))
        for words in ("退货为什么会翻倍呢？", "/rehearse", "/hint", "/notes", "/start"):
            response = await webhook.post(updates.text(words))
            assert response.status_code == 200
        refusal = TEXTS["deactivated"]["zh"]
        assert fake_bot_api.sent_texts(chat)[sent_before:] == [refusal] * 5
        assert turns_of(db, session_id) == before
        web_sessions.set_active(db, user_id, True)
        response = await webhook.post(updates.text("退货为什么会翻倍呢？"))
        assert response.status_code == 200
        assert len(turns_of(db, session_id)) > len(before)  # active again: the line is played


async def test_names_and_notes_with_bidi_controls_are_isolated_in_telegram_messages(
    db: Database, fake_bot_api: FakeBotAPI
) -> None:
    updates = Updates(user_id=3301, first_name=f"Lin{RLO}evil")
    chat = updates.chat["id"]
    async with running(build_app(telegram_settings(db.url, fake_bot_api))) as webhook:
        await webhook.post(updates.text("/start"))
        welcome = fake_bot_api.sent_texts(chat)[0]
        assert f"{FSI}Lin{RLO}evil{PDI}" in welcome
        with store(db, write=True) as s:
            rep = s.users.by_telegram(3301)
            assert rep is not None
            manager = s.users.create(f"经理{RLO}Boss", role="manager")
            s.notes.add(author=manager, rep=rep, text=f"下次先问{RLO}为什么", session_id=None)
        await webhook.post(updates.text("/notes"))
        notes = fake_bot_api.sent_texts(chat)[-1]
    assert f"{FSI}经理{RLO}Boss{PDI}" in notes
    assert f"{FSI}下次先问{RLO}为什么{PDI}" in notes


async def test_telegram_turns_and_webhook_duplicates_are_counted_in_the_metrics(
    db: Database, fake_bot_api: FakeBotAPI
) -> None:
    updates = Updates(user_id=3401, first_name="王芳")
    app = build_app(telegram_settings(db.url, fake_bot_api))
    async with running(app) as webhook:
        await webhook.post(updates.text("/start"))
        await begin_rehearsal(webhook, fake_bot_api, updates, language="zh", mode="practice")
        turns = metric("coach_turns_total", {"channel": "telegram"})
        duplicates = metric("coach_webhook_duplicates_total")
        line = updates.text("王总您好，我是李明，老周介绍我过来的。")
        assert (await webhook.post(line)).status_code == 200
        assert (await webhook.post(line)).status_code == 200  # Telegram delivers it again
        command = updates.text("/help")
        assert (await webhook.post(command)).status_code == 200
        assert (await webhook.post(command)).status_code == 200
        assert metric("coach_turns_total", {"channel": "telegram"}) == turns + 1
        assert metric("coach_webhook_duplicates_total") == duplicates + 2
        exposed = (await webhook.client.get("/metrics")).text
    assert 'coach_turns_total{channel="telegram"}' in exposed
    assert "coach_webhook_duplicates_total" in exposed
