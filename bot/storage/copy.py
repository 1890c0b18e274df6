"""``coach db copy``: every table from one database to another, ids kept (SQLite ⇄ PostgreSQL).

The way from the embedded default to a scale-out deployment: stop the server, copy, point
``COACH_DATABASE_URL`` at PostgreSQL, start the workers. The source must be at the newest schema
revision (``coach db upgrade`` it first); the target is migrated to it and must hold no rows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Table, func, insert, select

from .database import Database, current_revision, upgrade
from .models import Base

BATCH = 2000


class CopyError(RuntimeError):
    """The copy cannot start: schema revisions differ, or the target already has rows."""


def _head() -> str:
    from alembic.script import ScriptDirectory

    from .database import alembic_config

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def _fixers(table: Table) -> dict[str, Callable[[Any], Any]]:
    """SQLite hands back naive datetimes for UTC ones: give them their zone back, so PostgreSQL
    does not read them in its session's time zone."""
    return {
        column.name: lambda value: (
            value.replace(tzinfo=UTC) if isinstance(value, datetime) and value.tzinfo is None else value
        )
        for column in table.columns
        if isinstance(column.type, DateTime) and column.type.timezone
    }


def _copy_table(source: Database, target: Database, table: Table) -> int:
    fixers = _fixers(table)
    copied = 0
    order = list(table.primary_key.columns)
    with source.engine.connect() as read, target.engine.begin() as write:
        result = read.execution_options(stream_results=True, yield_per=BATCH).execute(
            select(table).order_by(*order)
        )
        for rows in result.partitions(BATCH):
            batch = []
            for row in rows:
                values = dict(row._mapping)
                for name, fix in fixers.items():
                    values[name] = fix(values[name])
                batch.append(values)
            write.execute(insert(table), batch)
            copied += len(batch)
    return copied


def _fix_sequences(target: Database) -> None:
    """PostgreSQL: serial ids continue after the copied rows (SQLite does that by itself)."""
    if target.is_sqlite:
        return
    with target.engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            key = table.primary_key.columns
            if len(key) != 1 or "id" not in table.c or not table.c.id.primary_key:
                continue
            if table.c.id.type.python_type is not int:
                continue
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
            )


def copy_database(source_url: str, target_url: str) -> dict[str, int]:
    """Copy every row of every table; returns rows copied per table. Raises CopyError."""
    head = _head()
    revision = current_revision(source_url)
    if revision != head:
        raise CopyError(f"the source is at revision {revision or 'base'}, not {head}: upgrade it first")
    upgrade(target_url)
    source, target = Database(source_url), Database(target_url)
    try:
        with target.engine.connect() as connection:
            for table in Base.metadata.sorted_tables:
                if connection.scalar(select(func.count()).select_from(table)):
                    raise CopyError(f"the target's table {table.name} has rows: copy into an empty database")
        copied = {table.name: _copy_table(source, target, table) for table in Base.metadata.sorted_tables}
        _fix_sequences(target)
        return copied
    finally:
        source.dispose()
        target.dispose()
