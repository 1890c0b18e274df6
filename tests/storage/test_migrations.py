from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.storage import Database, current_revision, downgrade, upgrade
from bot.storage.database import alembic_config
from bot.storage.models import Base

# The one head of the migration chain (a second head would fail here: get_current_head raises).
HEAD = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
EXPECTED_TABLES = {
    "teams",
    "users",
    "telegram_links",
    "link_codes",
    "script_versions",
    "rehearsal_sessions",
    "turns",
    "processed_messages",
    "coaching_notes",
    "outbox_messages",
    "outbox_chats",
    "outbox_limiters",
    "web_sessions",
    "sign_in_attempts",
    "judgement_flags",
    "revealed_facts",
    "wecom_links",
    "script_drafts",
    "script_revisions",
    "line_comments",
    "coaching_reviews",
    "assignments",
    "visit_figures",
    "visit_techniques",
    "classifier_models",
    "retrain_jobs",
    "rep_totals",
}


def _tables(url: str) -> set[str]:
    db = Database(url)
    try:
        return set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    finally:
        db.dispose()


def test_upgrade_builds_schema_from_empty(database_url: str) -> None:
    assert _tables(database_url) == set()
    upgrade(database_url)
    assert _tables(database_url) == EXPECTED_TABLES
    assert current_revision(database_url) == HEAD


def test_schema_matches_models(database_url: str) -> None:
    """The migrations and the ORM models describe the same columns."""
    upgrade(database_url)
    db = Database(database_url)
    try:
        inspector = inspect(db.engine)
        for table in Base.metadata.sorted_tables:
            migrated = {c["name"] for c in inspector.get_columns(table.name)}
            assert migrated == {c.name for c in table.columns}, table.name
    finally:
        db.dispose()


def test_downgrade_and_upgrade_round_trip(database_url: str) -> None:
    upgrade(database_url)
    downgrade(database_url, "base")
    assert _tables(database_url) == set()
    assert current_revision(database_url) is None
    upgrade(database_url)
    assert _tables(database_url) == EXPECTED_TABLES


def test_upgrade_twice_is_harmless(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)
    assert current_revision(database_url) == HEAD


def test_sqlite_uses_wal_and_busy_timeout(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    try:
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        db.dispose()


def test_upgrade_creates_the_sqlite_folder(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'nested' / 'coach.sqlite3'}"
    upgrade(url)
    assert current_revision(url) == HEAD


def test_0002_widens_status_and_renames_short_walk_outs(database_url: str) -> None:
    upgrade(database_url, "0001")
    db = Database(database_url)
    try:
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO users (id, display_name, role, language, created_at) "
                "VALUES (1, 'r', 'rep', 'zh', CURRENT_TIMESTAMP)"
            )
            connection.exec_driver_sql(
                "INSERT INTO rehearsal_sessions (id, user_id, scenario_id, scenario_version, channel, mode,"
                " language, status, trust, seed, state, next_seq, started_at, updated_at) VALUES"
                " ('s1', 1, 'x', '1', 'web', 'practice', 'zh', 'walked_out', 0, 0, '{}', 1,"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        upgrade(database_url)
        with db.engine.connect() as connection:
            status = connection.exec_driver_sql("SELECT status FROM rehearsal_sessions").scalar()
        assert status == "closed_by_customer"
        downgrade(database_url, "0001")
        with db.engine.connect() as connection:
            assert (
                connection.exec_driver_sql("SELECT status FROM rehearsal_sessions").scalar() == "walked_out"
            )
    finally:
        db.dispose()


def test_migrations_and_models_agree_on_everything(database_url: str) -> None:
    """Beyond column names: types, indexes, unique and foreign keys (the outbox's lookups rely
    on its indexes and constraints being there on both databases)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    upgrade(database_url)
    db = Database(database_url)
    try:
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        db.dispose()


def test_0004_keeps_existing_users_active(database_url: str) -> None:
    """Users created before 0004 can still sign in (active defaults to true), and it reverses."""
    upgrade(database_url, "0003")
    db = Database(database_url)
    try:
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO users (id, display_name, role, language, created_at) "
                "VALUES (1, 'r', 'rep', 'zh', CURRENT_TIMESTAMP)"
            )
        upgrade(database_url, "0004")
        with db.engine.connect() as connection:
            row = connection.exec_driver_sql("SELECT active, password_changed_at FROM users").one()
        assert bool(row[0]) is True and row[1] is None
        downgrade(database_url, "0003")
        assert "web_sessions" not in _tables(database_url)
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM users").scalar() == 1
    finally:
        db.dispose()
