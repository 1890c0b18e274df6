"""``coach db copy``: the release database's rows, upgraded, copied to each backend and back."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

from bot.cli import main
from bot.services import AccountService
from bot.storage import Database, store, upgrade
from bot.storage.models import Base

RELEASE_DB = Path(__file__).parent.parent / "data" / "releases" / "release-67ee12f.sqlite3"


def _counts(url: str) -> dict[str, int]:
    db = Database(url)
    try:
        with db.engine.connect() as connection:
            return {
                t.name: int(connection.scalar(select(func.count()).select_from(t)) or 0)
                for t in Base.metadata.sorted_tables
            }
    finally:
        db.dispose()


def _ids(url: str) -> list[tuple[str, str]]:
    db = Database(url)
    try:
        with store(db) as s:
            users = [(str(u.id), u.login or "") for u in s.users.list()]
            turns = s.session.execute(
                select(Base.metadata.tables["turns"].c.id, Base.metadata.tables["turns"].c.text)
            )
            return users + [(str(i), t) for i, t in turns]
    finally:
        db.dispose()


def test_copy_keeps_ids_and_new_rows_continue(database_url: str, tmp_path: Path) -> None:
    source = tmp_path / "release.sqlite3"
    shutil.copy(RELEASE_DB, source)
    source_url = f"sqlite:///{source}"
    upgrade(source_url)
    runner = CliRunner()
    result = runner.invoke(main, ["db", "copy", source_url, database_url])
    assert result.exit_code == 0, result.output
    assert _counts(database_url) == _counts(source_url)
    assert sum(_counts(source_url).values()) > 0
    # The reps' running totals (backfilled by 0015 from the release's visits) travel too.
    assert _counts(source_url)["rep_totals"] > 0
    assert _ids(database_url) == _ids(source_url)
    # A second copy into the now full target is refused.
    again = runner.invoke(main, ["db", "copy", source_url, database_url])
    assert again.exit_code != 0 and "has rows" in again.output
    # New rows get fresh ids after the copied ones (the PostgreSQL sequences were moved on).
    db = Database(database_url)
    try:
        with store(db) as s:
            highest = max(u.id for u in s.users.list())
        account = AccountService(db).create_user("after-copy", "a-long-password-1")
        assert account.id > highest
    finally:
        db.dispose()
    # And back again into a fresh SQLite file.
    back_url = f"sqlite:///{tmp_path / 'back.sqlite3'}"
    result = runner.invoke(main, ["db", "copy", database_url, back_url])
    assert result.exit_code == 0, result.output
    assert _ids(back_url) == _ids(database_url)


def test_copy_refuses_a_source_behind_the_newest_revision(tmp_path: Path) -> None:
    source = tmp_path / "release.sqlite3"
    shutil.copy(RELEASE_DB, source)
    result = CliRunner().invoke(
        main, ["db", "copy", f"sqlite:///{source}", f"sqlite:///{tmp_path / 'x.sqlite3'}"]
    )
    assert result.exit_code != 0 and "upgrade it first" in result.output
