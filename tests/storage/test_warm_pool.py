"""A PostgreSQL worker opens its pool's connections as it starts (issue 12): the first burst of
turns does not pay for starting a server process per connection. SQLite has nothing to open."""

from __future__ import annotations

from bot.storage import Database


def test_warm_opens_the_pools_connections_up_to_its_size(db: Database) -> None:
    opened = db.warm(6)
    if db.is_sqlite:
        assert opened == 0
        return
    pool = db.engine.pool
    assert opened == 6 and pool.checkedin() == 6  # type: ignore[attr-defined]
    # Never beyond the pool's size: an overflow connection would be closed on its return.
    assert db.warm(1000) == pool.size() == pool.checkedin()  # type: ignore[attr-defined]
