"""The bot-wide send limit holds where Telegram counts it: at the Bot API, under a burst.

Real python-telegram-bot sends from the app's outbox to the fake Bot API, which records when
each request arrived. Half of the first requests reach the API a second late (queued on a busy
core or network), so a limiter that counted only when claims were made would let the next batch
land next to them: 45 in one second. Telegram allows a bot 30.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from telegram_fakes import FakeBotAPI, UvicornServer, build_app, running, telegram_settings

from bot.services import Outbound, OutboxService
from bot.services.outbox import post
from bot.storage import Database, store, upgrade

CHATS = 30
PER_CHAT = 3  # 90 messages
RATE = 30


def _queue_burst(db: Database) -> dict[int, list[str]]:
    """Three messages for each of 30 chats, queued at once; what each chat must get, in order."""
    expected: dict[int, list[str]] = {}
    with store(db, write=True) as s:
        for n in range(CHATS):
            chat_id = 990_000 + n
            texts = [f"第 {i + 1} 句，客户 {n} 号。Line {i + 1} for customer {n}." for i in range(PER_CHAT)]
            post(
                s, channel="telegram", chat_key=str(chat_id), messages=[Outbound({"text": t}) for t in texts]
            )
            expected[chat_id] = texts
    return expected


def _busiest_second(times: Sequence[float]) -> int:
    ordered = sorted(times)
    return max(sum(1 for t in ordered[i:] if t < start + 1.0) for i, start in enumerate(ordered))


def _check(fake: FakeBotAPI, expected: dict[int, list[str]]) -> None:
    calls = fake.calls_to("sendMessage")
    assert len(calls) == CHATS * PER_CHAT and all(call.ok for call in calls)  # every reply once
    for chat_id, texts in expected.items():
        assert fake.sent_texts(chat_id) == texts  # in order per chat
    times = [call.at for call in calls]
    assert _busiest_second(times) <= RATE
    assert max(times) - min(times) < 8.0  # paced, not stalled: 90 at 30/s with a 1 s lag


def _slow_start(fake: FakeBotAPI) -> None:
    fake.arrive_late("sendMessage", [0.0, 1.0] * (RATE // 2))


async def _drain(outbox: OutboxService, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while (await asyncio.to_thread(outbox.backlog)).depth:
        assert time.monotonic() < deadline, "the outbox still holds messages"
        await asyncio.sleep(0.05)


async def test_a_burst_from_many_chats_never_exceeds_30_a_second_at_the_bot_api(
    db: Database, fake_bot_api: FakeBotAPI
) -> None:
    app = build_app(telegram_settings(db.url, fake_bot_api, telegram_rate=RATE))
    async with running(app) as webhook:
        _slow_start(fake_bot_api)
        expected = await asyncio.to_thread(_queue_burst, db)
        await webhook.delivered(timeout=60)
    _check(fake_bot_api, expected)


@pytest.mark.slow
async def test_two_workers_share_the_limit_at_the_bot_api(
    database_url: str, fake_bot_api: FakeBotAPI, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several workers need PostgreSQL (SQLite serves one worker)")
    upgrade(database_url)
    server = UvicornServer(
        telegram_settings(database_url, fake_bot_api, telegram_rate=RATE),
        workers=2,
        log_path=tmp_path / "uvicorn.log",
    )
    db = Database(database_url)
    try:
        await asyncio.to_thread(server.wait_ready, fake_bot_api, 90.0)  # a busy machine starts slowly
        _slow_start(fake_bot_api)
        expected = await asyncio.to_thread(_queue_burst, db)
        await _drain(OutboxService(db), timeout=60)
    finally:
        server.stop()
        db.dispose()
    _check(fake_bot_api, expected)
