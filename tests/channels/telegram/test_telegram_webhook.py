"""The webhook's security, idempotency, failure handling and sending, with the real PTB.

Each test posts real Update JSON to /telegram/webhook of a running app (lifespan on, on SQLite
and PostgreSQL); the bot answers through a fake Bot API on 127.0.0.1 that records every call.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_servers import proxy_to
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram_fakes import (
    WEBHOOK_SECRET,
    FakeBotAPI,
    Updates,
    build_app,
    running,
    telegram_settings,
)

from bot.channels.telegram import TELEGRAM_MAX_CHARS
from bot.channels.telegram.delivery import Outgoing
from bot.channels.telegram.outgoing import outbound
from bot.channels.telegram.texts import TEXTS
from bot.storage import (
    Database,
    ProcessedMessage,
    RehearsalSession,
    TelegramLink,
    Turn,
    User,
    store,
    upgrade,
)


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    """One migrated SQLite database, for checks that happen before any database work."""
    url = f"sqlite:///{tmp_path / 'coach.sqlite3'}"
    upgrade(url)
    database = Database(url)
    yield database
    database.dispose()


def count(db: Database, model: type) -> int:
    with store(db) as s:
        return s.session.scalar(select(func.count()).select_from(model)) or 0


async def test_wrong_or_missing_secret_is_403_and_nothing_happens(
    sqlite_db: Database, fake_bot_api: FakeBotAPI
) -> None:
    updates = Updates()
    async with running(build_app(telegram_settings(sqlite_db.url, fake_bot_api))) as webhook:
        wrong = await webhook.post(updates.text("/start"), secret="not-" + WEBHOOK_SECRET)
        missing = await webhook.post(updates.text("/start"), secret=None)
        # A prefix of the right secret must not pass either (the comparison is on the whole value).
        prefix = await webhook.post(updates.text("/start"), secret=WEBHOOK_SECRET[:-1])
    assert (wrong.status_code, missing.status_code, prefix.status_code) == (403, 403, 403)
    assert fake_bot_api.calls_to("sendMessage") == []
    assert count(sqlite_db, User) == 0 and count(sqlite_db, ProcessedMessage) == 0


async def test_no_configured_secret_refuses_everything(sqlite_db: Database, fake_bot_api: FakeBotAPI) -> None:
    settings = telegram_settings(sqlite_db.url, fake_bot_api, telegram_webhook_secret=None)
    async with running(build_app(settings)) as webhook:
        response = await webhook.post(Updates().text("/start"), secret="")
    assert response.status_code == 403
    assert count(sqlite_db, User) == 0


async def test_malformed_body_is_400_and_nothing_processed(
    sqlite_db: Database, fake_bot_api: FakeBotAPI
) -> None:
    async with running(build_app(telegram_settings(sqlite_db.url, fake_bot_api))) as webhook:
        statuses = [
            (await webhook.post(body)).status_code
            for body in (
                '{"update_id": 5, "message": ',
                b"\xff\xfe",
                "[1, 2]",
                '{"message": {}}',
                '{"update_id": "7"}',
                '{"update_id": 8, "message": "not an object"}',
                '{"update_id": 9, "message": {"message_id": "x", "chat": 3}}',
            )
        ]
    assert statuses == [400] * 7
    assert fake_bot_api.calls_to("sendMessage") == []
    assert count(sqlite_db, ProcessedMessage) == 0


async def test_start_creates_a_rep_and_a_redelivery_does_nothing(
    db: Database, fake_bot_api: FakeBotAPI
) -> None:
    updates = Updates(user_id=5150, first_name="王芳")
    start = updates.text("/start")
    async with running(build_app(telegram_settings(db.url, fake_bot_api))) as webhook:
        first = await webhook.post(start)
        sent_after_first = fake_bot_api.sent_texts(5150)
        again = await webhook.post(start)
    assert first.status_code == 200 and again.status_code == 200
    assert len(sent_after_first) == 2  # the welcome and the command list
    assert "王芳" in sent_after_first[0] and "欢迎" in sent_after_first[0]
    assert fake_bot_api.sent_texts(5150) == sent_after_first  # no second reply
    with store(db) as s:
        rep = s.users.by_telegram(5150)
        assert rep is not None and rep.role == "rep" and rep.display_name == "王芳" and rep.language == "zh"
    assert count(db, User) == 1 and count(db, TelegramLink) == 1


async def test_english_speakers_get_english(db: Database, fake_bot_api: FakeBotAPI) -> None:
    updates = Updates(user_id=4242, first_name="Alice", language_code="en-GB")
    async with running(build_app(telegram_settings(db.url, fake_bot_api))) as webhook:
        await webhook.post(updates.text("/start"))
        await webhook.post(updates.text("/help"))
        await webhook.post(updates.text("/lang zh"))
        await webhook.post(updates.text("/help"))
    texts = fake_bot_api.sent_texts(4242)
    assert texts[0].startswith("👋 Welcome, Alice!")
    assert texts[2] == TEXTS["help"]["en"]
    assert texts[3] == TEXTS["lang_set"]["zh"] and texts[4] == TEXTS["help"]["zh"]


async def test_same_update_five_times_at_once_is_handled_once(db: Database, fake_bot_api: FakeBotAPI) -> None:
    updates = Updates(user_id=31337)
    start = updates.text("/start")
    async with running(build_app(telegram_settings(db.url, fake_bot_api))) as webhook:
        responses = await asyncio.gather(*(webhook.post(start) for _ in range(5)))
    assert [r.status_code for r in responses] == [200] * 5
    assert len(fake_bot_api.sent_texts(31337)) == 2  # one welcome + one command list, not five
    assert count(db, User) == 1 and count(db, ProcessedMessage) == 1


async def test_stickers_photos_and_edits_get_a_polite_reply_and_change_nothing(
    db: Database, fake_bot_api: FakeBotAPI
) -> None:
    updates = Updates(user_id=8080)
    async with running(build_app(telegram_settings(db.url, fake_bot_api))) as webhook:
        await webhook.post(updates.text("/start"))
        fake_bot_api.clear()
        sessions_before, turns_before = count(db, RehearsalSession), count(db, Turn)
        sticker = updates.sticker()
        responses = [
            await webhook.post(sticker),
            await webhook.post(sticker),  # redelivered: still one reply
            await webhook.post(updates.photo()),
            await webhook.post(updates.edited("我改一下刚才的话")),
            await webhook.post(updates.text("/frobnicate")),
        ]
    assert [r.status_code for r in responses] == [200] * 5
    assert fake_bot_api.sent_texts(8080) == [
        TEXTS["unsupported"]["zh"],
        TEXTS["unsupported"]["zh"],
        TEXTS["edited"]["zh"],
        TEXTS["unknown_command"]["zh"],
    ]
    assert (count(db, RehearsalSession), count(db, Turn)) == (sessions_before, turns_before)


async def test_strangers_are_asked_to_start_first(db: Database, fake_bot_api: FakeBotAPI) -> None:
    updates = Updates(user_id=9090, language_code="en")
    async with running(build_app(telegram_settings(db.url, fake_bot_api))) as webhook:
        await webhook.post(updates.text("/hint"))
        await webhook.post(updates.text("Good morning, Mr Li"))
    assert fake_bot_api.sent_texts(9090) == [TEXTS["need_start"]["en"]] * 2
    assert count(db, User) == 0


async def test_long_reply_is_split_into_telegram_sized_messages(
    db: Database, fake_bot_api: FakeBotAPI
) -> None:
    paragraphs = [
        f"<b>第{i}段</b> " + "客户说：我们的交付周期太长了，原因是什么？" * 12 for i in range(1, 40)
    ]
    long_reply = "\n\n".join(paragraphs) + "\n\n<i>🧭 " + "继续问为什么。" * 700 + "</i>"
    assert len(long_reply) > 3 * TELEGRAM_MAX_CHARS
    app = build_app(telegram_settings(db.url, fake_bot_api))
    async with running(app) as webhook:
        await asyncio.to_thread(app.state.services.telegram.notice, 4711, outbound([Outgoing(long_reply)]))
        await webhook.delivered()
    calls = fake_bot_api.calls_to("sendMessage")
    assert len(calls) >= 4
    assert all(len(call.params["text"]) <= TELEGRAM_MAX_CHARS for call in calls)
    assert all(call.params["parse_mode"] == "HTML" for call in calls)
    # Paragraph breaks are preferred: every piece but the note's ends at the end of a paragraph.
    assert all(call.params["text"].endswith("原因是什么？") for call in calls[:2])
    # Each piece is balanced HTML, and together they carry the whole text.
    for call in calls:
        body = call.params["text"]
        assert body.count("<i>") == body.count("</i>") and body.count("<b>") == body.count("</b>")
    untagged = re.sub(r"<[^>]+>|\s", "", "".join(call.params["text"] for call in calls))
    assert untagged == re.sub(r"<[^>]+>|\s", "", long_reply)


async def test_429_retry_after_is_honoured(db: Database, fake_bot_api: FakeBotAPI) -> None:
    updates = Updates(user_id=6060)
    async with running(build_app(telegram_settings(db.url, fake_bot_api))) as webhook:
        await webhook.post(updates.text("/start"))
        fake_bot_api.clear()
        fake_bot_api.answer_429_next("sendMessage", retry_after=1)
        response = await webhook.post(updates.text("/help"))
    assert response.status_code == 200
    first, retry = fake_bot_api.calls_to("sendMessage")
    assert first.params["text"] == retry.params["text"] == TEXTS["help"]["zh"]
    assert retry.at - first.at >= 1.0  # waited out retry_after before sending again


async def test_database_outage_gives_503_and_the_retry_succeeds(
    db: Database, database_url: str, fake_bot_api: FakeBotAPI
) -> None:
    if db.is_sqlite:
        pytest.skip(
            "an embedded SQLite file cannot become unreachable; the outage is simulated on PostgreSQL"
        )
    proxy = proxy_to(db.url)
    proxied_url = proxy.url_for(db.url)
    assert proxied_url != db.url
    updates = Updates(user_id=5030)
    start, hint = updates.text("/start"), updates.text("/help")
    try:
        async with running(build_app(telegram_settings(proxied_url, fake_bot_api))) as webhook:
            assert (await webhook.post(start)).status_code == 200
            fake_bot_api.clear()
            proxy.cut()
            down = await webhook.post(hint, delivered=False)
            assert down.status_code == 503 and down.headers["Retry-After"]
            assert fake_bot_api.sent_texts() == []  # nothing said while the update is not handled
            proxy.start()
            retried = await webhook.post(hint)  # Telegram redelivers the same update
            assert retried.status_code == 200
            again = await webhook.post(hint)
            assert again.status_code == 200
    finally:
        proxy.cut()
    assert fake_bot_api.sent_texts(5030) == [TEXTS["help"]["zh"]]  # answered once, after recovery


async def test_server_starts_without_telegram_and_the_bot_comes_up_later(
    db: Database, fake_bot_api: FakeBotAPI
) -> None:
    port = int(fake_bot_api.base_url.rsplit(":", 1)[1].split("/")[0])
    fake_bot_api.stop()  # Telegram is unreachable while the server boots
    app = build_app(telegram_settings(db.url, fake_bot_api))
    update = Updates(user_id=7070).text("/start")
    async with running(app) as webhook:
        health = await webhook.client.get("/healthz")
        assert health.status_code == 200  # the web side is up regardless
        assert (await webhook.post(update)).status_code == 503
        assert count(db, ProcessedMessage) == 0  # the update was not consumed: Telegram retries it
        back = FakeBotAPI(port=port)
        back.start()
        try:
            assert (await webhook.post(update)).status_code == 200
        finally:
            back.stop()
    assert [call.method for call in back.calls][:1] == ["getMe"]
    assert len(back.sent_texts(7070)) == 2


async def test_sends_are_paced_to_thirty_messages_a_second(tmp_path: Path, fake_bot_api: FakeBotAPI) -> None:
    """Counted where Telegram counts, at the Bot API: never more than 30 sends in any second."""
    app = build_app(telegram_settings(f"sqlite:///{tmp_path / 'pace.sqlite3'}", fake_bot_api))
    async with running(app) as webhook:
        notice = app.state.services.telegram.notice
        for n in range(90):  # 90 chats, one message each: only the bot-wide limit holds them back
            await asyncio.to_thread(notice, 1000 + n, outbound([Outgoing(f"消息 {n}")]))
        await webhook.delivered(timeout=30)
    times = sorted(call.at for call in fake_bot_api.delivered())
    assert len(times) == 90
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 30
    assert times[-1] - times[0] >= 2.0  # 90 at 30 a second: the limit was reached, not avoided


async def test_a_waiting_database_call_does_not_block_the_event_loop(
    sqlite_db: Database, fake_bot_api: FakeBotAPI
) -> None:
    updates = Updates(user_id=4040)
    async with running(build_app(telegram_settings(sqlite_db.url, fake_bot_api))) as webhook:
        await webhook.post(updates.text("/start"))
        # Another process holds SQLite's write lock: the bot's claim has to wait for it.
        locker = sqlite3.connect(make_url(sqlite_db.url).database or "", isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")
        try:
            pending = asyncio.create_task(webhook.post(updates.text("/help")))
            await asyncio.sleep(0.3)
            started = time.perf_counter()
            health = await webhook.client.get("/healthz")
            elapsed = time.perf_counter() - started
            assert not pending.done(), "the update should still be waiting for the lock"
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        answered = await pending
    # A blocked loop would answer only after SQLite's 15 s busy timeout; a shared CI machine may be slow.
    assert health.status_code == 200 and elapsed < 5.0  # the loop kept serving meanwhile
    assert answered.status_code == 200
    assert fake_bot_api.sent_texts(4040)[-1] == TEXTS["help"]["zh"]


async def test_an_over_long_edit_continues_in_new_messages(
    sqlite_db: Database, fake_bot_api: FakeBotAPI
) -> None:
    app = build_app(telegram_settings(sqlite_db.url, fake_bot_api))
    long_intro = "\n\n".join(f"<b>{i}</b> " + "拜访目的说明。" * 150 for i in range(5))
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="ok")]])
    async with running(app) as webhook:
        queued = outbound([Outgoing(long_intro, keyboard, edit=True)], pressed=77)
        await asyncio.to_thread(app.state.services.telegram.notice, 3131, queued)
        await webhook.delivered()
    (edit,) = fake_bot_api.calls_to("editMessageText")
    follow_ups = fake_bot_api.calls_to("sendMessage")
    assert edit.params["message_id"] == 77 and "reply_markup" not in edit.params
    assert follow_ups and follow_ups[-1].buttons() == [("OK", "ok")]  # the keyboard goes last
    texts = [edit.params["text"]] + [call.params["text"] for call in follow_ups]
    assert all(len(text) <= TELEGRAM_MAX_CHARS for text in texts)
    assert re.sub(r"<[^>]+>|\s", "", "".join(texts)) == re.sub(r"<[^>]+>|\s", "", long_intro)
