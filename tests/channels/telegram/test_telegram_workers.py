"""Two uvicorn workers on PostgreSQL take Telegram's updates for the same sessions at once.

Telegram may deliver an update to any worker and deliver it again; the database decides. Every
distinct rep line must be stored once, each turn whole (rep line, customer reply, coach note
together, never interleaved with another turn of the same session), with one reply per line.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import httpx
import pytest
from telegram_fakes import FakeBotAPI, Updates, UvicornServer, Webhook, telegram_settings
from test_telegram_rehearsal import begin_rehearsal

from bot.services import OutboxService
from bot.storage import Database, RehearsalSession, store, upgrade

REPS = 3
# Concurrent lines of one session are played in whatever order the lock grants, so they must be
# safe in any order: polite openers and closed questions. (Deep "why" questions in a random
# order can make the customer walk out, which would rightly stop later lines.)
ANY_ORDER_LINES = [
    "王总您好，我是李明，老周介绍我过来的，谢谢您抽时间。",
    "听说你们主要给新能源车做精密零件，对吧？",
    "看您有点疲惫，是刚从主机厂那边回来吗？最近他们的要求是不是又变了？",
    "今天车间是不是挺忙的？",
    "你们的产品主要供给主机厂，对吧？",
    "这栋新厂房是去年建好的吧？",
]
LINES_PER_REP = len(ANY_ORDER_LINES)
COPIES = 3  # each update delivered this many times, concurrently, to either worker


@pytest.mark.slow
async def test_two_workers_many_concurrent_updates_each_turn_once_and_whole(
    database_url: str, fake_bot_api: FakeBotAPI, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several workers need PostgreSQL (SQLite serves one worker)")
    upgrade(database_url)
    server = UvicornServer(
        telegram_settings(database_url, fake_bot_api), workers=2, log_path=tmp_path / "uvicorn.log"
    )
    outbox_db = Database(database_url)
    try:
        await asyncio.to_thread(server.wait_ready, fake_bot_api)
        limits = httpx.Limits(max_connections=200)
        async with httpx.AsyncClient(base_url=server.url, timeout=30, limits=limits) as client:
            webhook = Webhook(client, outbox=OutboxService(outbox_db))
            reps = [Updates(user_id=910_000 + n, first_name=f"Rep{n}") for n in range(REPS)]
            for rep in reps:
                assert (await webhook.post(rep.text("/start"))).status_code == 200
                await begin_rehearsal(webhook, fake_bot_api, rep, language="zh", mode="practice")
            sent_before = {rep.chat["id"]: len(fake_bot_api.sent_texts(rep.chat["id"])) for rep in reps}
            deliveries = [rep.text(line) for rep in reps for line in ANY_ORDER_LINES] * COPIES
            random.Random(7).shuffle(deliveries)
            responses = await asyncio.gather(*(webhook.post(update) for update in deliveries))
    finally:
        server.stop()
        outbox_db.dispose()

    assert sorted({r.status_code for r in responses}) == [200], server.log_path.read_text(errors="replace")
    db = Database(database_url)
    try:
        with store(db) as s:
            for rep in reps:
                chat = rep.chat["id"]
                user = s.users.by_telegram(chat)
                assert user is not None
                (session,) = s.session.query(RehearsalSession).filter_by(user_id=user.id).all()
                turns = list(s.turns.for_session(session.id))
                assert [t.seq for t in turns] == list(range(1, len(turns) + 1))  # no gap, no duplicate
                rep_lines = [t.text for t in turns if t.speaker == "rep"]
                assert sorted(rep_lines) == sorted(ANY_ORDER_LINES)  # every line stored exactly once
                # Each turn is whole: a rep line is directly followed by its customer reply and note.
                speakers = [t.speaker for t in turns[1:]]
                assert speakers == ["rep", "customer", "coach"] * LINES_PER_REP
                replies = fake_bot_api.sent_texts(chat)[sent_before[chat] :]
                assert len(replies) == LINES_PER_REP  # one reply per line, none lost, none doubled
                customer_lines = [t.text for t in turns if t.speaker == "customer"][1:]
                assert sorted(r.split("：", 1)[1].split("\n")[0] for r in replies) == sorted(
                    c.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for c in customer_lines
                )
    finally:
        db.dispose()
