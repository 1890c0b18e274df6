"""Engine set-up for SQLite (embedded default) and PostgreSQL (scale-out), and migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from .writelock import FifoLock, writer_lock

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent.parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 15_000


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the psycopg 3 driver for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def ensure_sqlite_directory(url: str) -> None:
    """SQLite creates the file but not its folder (``./var/`` on a fresh clone)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event own transactions, so a writer can say BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("write_lock", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


_CONNECTION_KEY = "coach.connection"


def connection_of(session: Session) -> Connection:
    """The connection of ``session``'s transaction, for Core statements on a hot path.

    ``Session.connection()`` costs as much as a small statement (a turn asked six times); the
    connection is kept in ``session.info`` until the transaction ends and closes it. Core
    statements on it do not autoflush: callers flush what they need first.
    """
    connection = session.info.get(_CONNECTION_KEY)
    if connection is None or connection.closed:
        connection = session.info[_CONNECTION_KEY] = session.connection()
    return connection


class Database:
    """One engine and session factory for the process."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalise_url(url)
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        # hide_parameters: a failed statement's error (and so its log line) never carries the
        # bound values: message texts, logins, names.
        kwargs: dict[str, Any] = {"echo": echo, "future": True, "hide_parameters": True}
        if self.dialect == "sqlite":
            ensure_sqlite_directory(self.url)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        else:
            kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=20)
        self.engine = create_engine(self.url, **kwargs)
        # SQLite: writers queue here, in order, before BEGIN IMMEDIATE (see writelock.py).
        self.write_lock: FifoLock | None = None
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine)
            self.write_lock = writer_lock(parsed.database)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def warm(self, connections: int) -> int:
        """Open up to ``connections`` pooled connections now (PostgreSQL; at most the pool's
        size), so the first burst of turns does not pay for opening them, each a server process
        started, while the machine is busiest. Returns how many the pool holds."""
        if self.is_sqlite:
            return 0
        wanted = min(connections, self.engine.pool.size())  # type: ignore[attr-defined]
        opened = []
        try:
            for _ in range(wanted):
                opened.append(self.engine.connect())
        finally:
            for connection in opened:
                connection.close()
        return len(opened)

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on error.

        ``write=True`` takes SQLite's write lock at the start (BEGIN IMMEDIATE), so two turns
        never interleave their reads and writes; PostgreSQL uses row locks instead. On SQLite the
        process's writers first queue for ``write_lock``, so they never spin on the file lock.
        """
        if write and self.write_lock is not None:
            with self.write_lock.held():
                yield from self._unit_of_work(write=True)
        else:
            yield from self._unit_of_work(write=write)

    def _unit_of_work(self, *, write: bool) -> Iterator[Session]:
        session = self._sessions()
        try:
            if write and self.is_sqlite:
                session.connection(execution_options={"write_lock": True})
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
            return True
        except Exception:
            return False

    def has_schema(self) -> bool:
        return inspect(self.engine).has_table("alembic_version")

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation would choke on '%' in passwords.
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema at ``url`` up to ``revision``."""
    from alembic import command

    ensure_sqlite_directory(normalise_url(url))
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    db = Database(url)
    try:
        with db.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        db.dispose()
