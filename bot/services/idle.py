"""Closing abandoned visits: a visit nobody has written in for ``idle_close_hours`` stops being
"in progress" everywhere (web list, Telegram, the manager's view) and keeps the partial
scorecard of what the rep did.

Safe with several workers: each batch is one write transaction over rows it has locked
(PostgreSQL skips rows a turn holds; SQLite has one writer), and a row is closed only if it is
still active and still idle inside that transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from bot.engine.machine import SessionState
from bot.storage import Database, store
from bot.storage.models import utcnow
from bot.vocab import Status

from .scripts import ScriptVersions
from .stored import gather_history

log = logging.getLogger(__name__)
BATCH = 100


class IdleVisits:
    """Closes visits left idle longer than ``idle`` as :attr:`Status.ABANDONED`."""

    def __init__(self, db: Database, versions: ScriptVersions, idle: timedelta) -> None:
        self.db = db
        self.versions = versions
        self.idle = idle

    @property
    def enabled(self) -> bool:
        return self.idle > timedelta(0)

    def close_idle(self, now: datetime | None = None) -> int:
        """Close every visit idle since before ``now - idle``; how many were closed."""
        if not self.enabled:
            return 0
        cutoff = (now or utcnow()) - self.idle
        closed = 0
        while True:
            with store(self.db, write=True) as s:
                batch = s.sessions.idle_active(cutoff, limit=BATCH)
                for rehearsal in batch:
                    runtime = self.versions.runtime(s, rehearsal.scenario_id, rehearsal.scenario_version)
                    state = SessionState.from_dict(rehearsal.state)
                    gather_history(s, rehearsal.id, state)
                    state.status = Status.ABANDONED
                    scorecard = runtime.scorecard(state).to_json()
                    s.sessions.set_state(rehearsal, state.to_dict())
                    s.sessions.end(rehearsal, status=Status.ABANDONED, scorecard=scorecard)
            closed += len(batch)
            if len(batch) < BATCH:
                break
        if closed:
            log.info("closed %d idle visit(s) as abandoned", closed, extra={"closed": closed})
        return closed

    def every(self) -> float:
        """How often a worker sweeps: a tenth of the idle time, between 1 and 15 minutes."""
        return min(max(self.idle.total_seconds() / 10, 60.0), 900.0)

    async def run(self, stop: asyncio.Event) -> None:
        """Sweep now and then every :meth:`every` seconds until ``stop`` is set."""
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.close_idle)
            except Exception:  # a database outage: the next sweep tries again
                log.exception("idle sweep failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.every())
