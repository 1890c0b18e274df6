"""Two publishes made to meet inside their publish transactions (for the studio race tests)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import text as sql

from bot.services import VersionConflict
from bot.services.scripts import Stored
from bot.storage import Database


@dataclass
class Outcomes:
    stored: list[Stored] = field(default_factory=list)
    conflicts: list[VersionConflict] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)


def _waiting_on_locks(db: Database) -> int:
    with db.engine.connect() as connection:
        return int(
            connection.scalar(
                sql(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
            )
            or 0
        )


def publish_together(db: Database, publishes: Sequence[Callable[[], Stored]]) -> Outcomes:
    """Run ``publishes`` in threads held back until all are inside their transaction, so they
    meet there: on PostgreSQL behind a lock on the revision rows, on SQLite the write lock."""
    outcomes = Outcomes()

    def run(publish: Callable[[], Stored]) -> None:
        try:
            outcomes.stored.append(publish())
        except VersionConflict as exc:
            outcomes.conflicts.append(exc)
        except BaseException as exc:  # reported by the caller
            outcomes.errors.append(exc)

    threads = [threading.Thread(target=run, args=(publish,)) for publish in publishes]
    with db.session(write=True) as holder:
        if not db.is_sqlite:
            holder.execute(sql("SELECT 1 FROM script_revisions FOR UPDATE"))
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if db.is_sqlite:
                time.sleep(1.0)  # they queue for the write lock; nothing to count
                break
            if _waiting_on_locks(db) >= len(publishes):
                break
            time.sleep(0.02)
    for thread in threads:
        thread.join()
    return outcomes
