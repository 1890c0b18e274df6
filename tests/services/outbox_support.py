"""Helpers for the outbox tests: a controllable clock, a scripted sender, quick enqueueing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.services.outbox import Pacing, SendResult, enqueue
from bot.storage import Database, OutboxMessage, OutboxRepository

TELEGRAM = "telegram"
#: Pacing that never holds a test back, for tests about something else.
UNPACED = Pacing(rate=10_000, chat_rate=10_000, chat_burst=10_000)


class Clock:
    """Wall-clock seconds that only move when told to.

    It starts a minute ahead of real time, so messages enqueued after it (stamped with real
    time) are already due by its reckoning: a second ahead was too little for a test that
    queued 50 chats on PostgreSQL on a loaded machine, whose last ones were not due yet.
    """

    def __init__(self) -> None:
        self.now = time.time() + 60.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Delivery:
    at: float
    chat_key: str
    payload: dict[str, Any]


@dataclass
class FakeSender:
    """The network edge, faked: records every send and answers from a script.

    ``script`` maps a call number (0-based, over all chats) to a result; other calls succeed.
    ``answer`` may instead decide from the chat and payload.
    """

    script: dict[int, SendResult] = field(default_factory=dict)
    answer: Callable[[str, Mapping[str, Any]], SendResult] | None = None
    delay: float = 0.0
    calls: list[Delivery] = field(default_factory=list)

    async def send(self, chat_key: str, payload: Mapping[str, Any]) -> SendResult:
        number = len(self.calls)
        self.calls.append(Delivery(time.time(), chat_key, dict(payload)))
        if self.delay:
            await asyncio.sleep(self.delay)
        if number in self.script:
            return self.script[number]
        if self.answer is not None:
            return self.answer(chat_key, payload)
        return SendResult.sent()

    def texts(self, chat_key: str | None = None) -> list[str]:
        return [d.payload["text"] for d in self.calls if chat_key is None or d.chat_key == chat_key]


def put(db: Database, chat_key: str, *texts: str, group_key: str | None = None, **kwargs: Any) -> list[int]:
    """Enqueue ``texts`` to one chat in one transaction; their ids."""
    with db.session(write=True) as session:
        return [
            enqueue(
                session,
                channel=TELEGRAM,
                chat_key=chat_key,
                payload={"text": t},
                group_key=group_key,
                **kwargs,
            ).id
            for t in texts
        ]


def messages(db: Database, chat_key: str) -> list[OutboxMessage]:
    with db.session() as session:
        return list(OutboxRepository(session).for_chat(TELEGRAM, chat_key))


def statuses(db: Database, chat_key: str) -> list[str]:
    return [m.status for m in messages(db, chat_key)]


async def until(condition: Callable[[], bool], timeout: float = 60.0, step: float = 0.02) -> None:
    """Wait for ``condition`` (checked in a thread, it may query the database). The timeout only
    catches a hang: 100 sends on PostgreSQL once took over 10 s on a machine at load 8."""
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(condition):
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(step)
