"""Live updates for an open web chat: server-sent events of new turns.

A turn may be stored by this worker, by another worker, or by the Telegram channel. The stream
therefore reads the turns it has not sent yet from the database (every ``poll_seconds``; never the
whole transcript again), and is woken at once
when this process stores a turn of the session (``TurnSignals.notify``), so a web rep sees their
own turns without waiting and a Telegram turn within about a second.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from bot.services import SessionView, is_database_unavailable

from .schemas import Turn

POLL_SECONDS = 1.0
KEEPALIVE_SECONDS = 15.0
# A stream ends after this long and the browser reconnects at once, resuming after the last
# event id. Without an end, an open tab would hold uvicorn's graceful shutdown forever.
STREAM_SECONDS = 15.0


class TurnSignals:
    """In-process wake-ups: ``notify(session_id)`` after storing turns; streams ``wait`` on it."""

    def __init__(self) -> None:
        self._waiters: dict[str, set[asyncio.Event]] = defaultdict(set)

    def notify(self, session_id: str) -> None:
        """Wake every stream of the session in this process (call from the event loop)."""
        for event in self._waiters.get(session_id, ()):
            event.set()

    async def wait(self, session_id: str, timeout: float) -> None:
        """Return when notified or after ``timeout`` seconds, whichever comes first."""
        event = asyncio.Event()
        self._waiters[session_id].add(event)
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            pass
        finally:
            waiters = self._waiters.get(session_id)
            if waiters is not None:
                waiters.discard(event)
                if not waiters:
                    del self._waiters[session_id]


def sse(event: str, data: dict[str, Any], *, event_id: int | None = None) -> str:
    """One server-sent event; ``data`` is one line of JSON."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _status(view: SessionView) -> dict[str, Any]:
    return {
        "status": view.status,
        "stage": view.stage,
        "step": view.step,
        "trust": view.trust,
        "scorecard": view.scorecard,
    }


async def turn_stream(
    load_after: Callable[[int], Awaitable[SessionView]],
    session_id: str,
    signals: TurnSignals,
    *,
    after_seq: int,
    is_disconnected: Callable[[], Awaitable[bool]],
    poll_seconds: float = POLL_SECONDS,
    max_seconds: float = STREAM_SECONDS,
) -> AsyncIterator[str]:
    """Yield ``turn`` events for turns after ``after_seq`` and ``status`` events when the state moves.

    ``load_after(seq)`` reads the session with the turns after ``seq`` only.

    Ends after the session is over (a final ``status`` event), after ``max_seconds`` (the client
    reconnects with ``Last-Event-ID``), or when the client goes away. A database hiccup is
    reported as an ``unavailable`` event and the stream keeps trying.
    """
    last_seq = after_seq
    last_status: dict[str, Any] | None = None
    idle = 0.0
    deadline = time.monotonic() + max_seconds
    yield "retry: 1000\n\n"  # how long EventSource waits before reconnecting
    while not await is_disconnected() and time.monotonic() < deadline:
        try:
            view = await load_after(last_seq)
        except Exception as exc:
            if not is_database_unavailable(exc):
                raise
            yield sse("unavailable", {"code": "database_unavailable"})
            last_status = None  # send the status again once the database answers: "back"
            await asyncio.sleep(poll_seconds)
            continue
        sent = False
        for turn in view.turns:
            if turn.seq > last_seq:
                yield sse("turn", Turn.of(turn).model_dump(), event_id=turn.seq)
                last_seq = turn.seq
                sent = True
        status = _status(view)
        if status != last_status:
            yield sse("status", status, event_id=last_seq)
            last_status = status
            sent = True
        if view.status != "active":
            return
        idle = 0.0 if sent else idle + poll_seconds
        if idle >= KEEPALIVE_SECONDS:
            yield ": keep-alive\n\n"  # a comment line keeps proxies from closing an idle stream
            idle = 0.0
        await signals.wait(session_id, poll_seconds)


__all__ = ["POLL_SECONDS", "STREAM_SECONDS", "TurnSignals", "sse", "turn_stream"]
