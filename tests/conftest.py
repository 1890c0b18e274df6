"""Shared fixtures. Database tests run on SQLite and on PostgreSQL (one suite, two URLs).

PostgreSQL comes from COACH_TEST_POSTGRES_URL (default: the local server, database ``test``).
Each test gets its own schema there, so tests never see each other's rows. Without a server the
PostgreSQL variants skip with the reason; under CI (``CI=true``) they fail instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from functools import cache
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from bot.storage import Database, upgrade

POSTGRES_URL = os.environ.get("COACH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = [b.strip() for b in os.environ.get("COACH_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]
ON_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@cache
def postgres_problem() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure means "not reachable" for the skip message
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def _postgres_schema_url() -> Iterator[str]:
    problem = postgres_problem()
    if problem is not None:
        if ON_CI:
            pytest.fail(f"PostgreSQL must be reachable on CI at {POSTGRES_URL}: {problem}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {problem}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of an empty database (no schema yet), on each backend in turn."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'coach.sqlite3'}"
    elif request.param == "postgresql":
        yield from _postgres_schema_url()
    else:
        raise ValueError(f"unknown backend {request.param!r} in COACH_TEST_BACKENDS")


@pytest.fixture(scope="module", params=BACKENDS)
def module_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Like ``database_url``, shared by a module's tests (for one costly server they all use)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'coach.sqlite3'}"
    elif request.param == "postgresql":
        yield from _postgres_schema_url()
    else:
        raise ValueError(f"unknown backend {request.param!r} in COACH_TEST_BACKENDS")


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A migrated database on each backend."""
    upgrade(database_url)
    database = Database(database_url)
    yield database
    database.dispose()
