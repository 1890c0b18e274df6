"""A Telegram text line costs one database transaction: rep, active session, claim and turn together."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from sqlalchemy import Engine, event
from telegram_fakes import FakeBotAPI, Updates, build_app, running, telegram_settings
from test_telegram_rehearsal import SCENARIO, turns_of

from bot.storage import Database


@contextmanager
def counted_transactions(engine: Engine) -> Iterator[list[int]]:
    """Count the transactions ``engine`` begins meanwhile (the list holds one number)."""
    count = [0]

    def began(_connection: Any) -> None:
        count[0] += 1

    event.listen(engine, "begin", began)
    try:
        yield count
    finally:
        event.remove(engine, "begin", began)


async def test_one_telegram_text_turn_is_one_transaction(db: Database, fake_bot_api: FakeBotAPI) -> None:
    updates = Updates(user_id=8801)
    app = build_app(telegram_settings(db.url, fake_bot_api))
    async with running(app) as webhook:
        await webhook.post(updates.text("/start"))
        services = app.state.services
        rep = await asyncio.to_thread(services.accounts.telegram_rep, 8801)
        assert rep is not None
        begun = await asyncio.to_thread(
            partial(
                services.rehearsals.start,
                rep.user_id,
                SCENARIO,
                language="zh",
                mode="practice",
                channel="web",
            )
        )
        line = updates.text("王总您好，谢谢您抽时间。")
        await webhook.delivered()
        # The dispatcher's own transactions (claims, settling) are not the turn's: pause it.
        await app.state.dispatcher.stop()
        with counted_transactions(app.state.db.engine) as count:
            answered = await webhook.post(line, delivered=False)
        assert answered.status_code == 200
        with counted_transactions(app.state.db.engine) as redelivered:
            assert (await webhook.post(line, delivered=False)).status_code == 200
        queued = await asyncio.to_thread(services.outbox.backlog)
        await app.state.dispatcher.start()
        await webhook.delivered()
    assert count == [1]  # the rep, the session, the claim, the turn and its queued reply
    assert redelivered == [1]  # the redelivery finds the claim in its one transaction
    assert queued.depth == 2  # the customer's reply and the coach's note, queued with the turn
    assert len(fake_bot_api.sent_texts(8801)) == 3  # welcome, help, and the turn as one message
    speakers = [speaker for speaker, _ in turns_of(db, begun.session_id)]
    assert speakers == ["customer", "rep", "customer", "coach"]  # played once
