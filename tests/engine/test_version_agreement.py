"""``coach validate`` and the start of a visit agree on a scenario file edited without raising its
version: the start keeps playing what was published (the edit is never used), and validate says
so at the file's ``version`` line, in the trainer's language, instead of passing it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from engine_support import EXAMPLE, EXAMPLE_ID
from sqlalchemy import select

from bot.cli import main
from bot.config import get_settings
from bot.storage import Database, RehearsalSession, store


@pytest.fixture
def dialogues(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "dialogues"
    folder.mkdir()
    (folder / EXAMPLE.name).write_text(EXAMPLE.read_text("utf-8"), "utf-8")
    monkeypatch.setenv("COACH_DIALOGUES_DIR", str(folder))
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_an_edit_without_a_new_version_fails_validate_and_start_alike(
    dialogues: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'coach.sqlite3'}"
    file = dialogues / EXAMPLE.name
    shipped = re.search(r'^version: "(\d+)"', file.read_text("utf-8"), re.M)
    assert shipped is not None
    now, raised = shipped.group(1), str(int(shipped.group(1)) + 1)
    assert rehearse(url)[0] == 0  # the shipped version is now published and played
    assert run("validate", str(dialogues), "--database-url", url, "--lang", "en")[0] == 0

    edited = file.read_text("utf-8").replace("talkative: low", "talkative: medium", 1)
    file.write_text(edited, "utf-8")
    line = next(n for n, row in enumerate(edited.splitlines(), 1) if row.startswith("version:"))

    code, out, err = run("validate", str(dialogues), "--database-url", url, "--lang", "en")
    assert code == 1 and f"ok  {file}" not in out
    assert f"{file}:{line}:1: version: '{EXAMPLE_ID}' version {now} is already published" in err
    assert "this edit would never be played: raise 'version' to publish it" in err
    code, _, err = run("validate", str(dialogues), "--database-url", url, "--lang", "zh")
    assert code == 1 and f"“{EXAMPLE_ID}”的版本 {now} 已经发布" in err

    # The start agrees: it plays the published version, not the edit; no traceback.
    code, err = rehearse(url)
    assert code == 0 and "Traceback" not in err
    assert versions_played(url) == [now, now]

    # Raising the version settles both: validate passes and the next visit plays the new one.
    file.write_text(edited.replace(f'version: "{now}"', f'version: "{raised}"', 1), "utf-8")
    code, out, err = run("validate", str(dialogues), "--database-url", url, "--lang", "en")
    assert code == 0, err
    assert f"({EXAMPLE_ID} v{raised})" in out
    assert rehearse(url)[0] == 0
    assert versions_played(url) == [now, now, raised]


def rehearse(url: str) -> tuple[int, str]:
    code, _, err = run(
        "rehearse", EXAMPLE_ID, "--lang", "en", "--json", "--database-url", url, stdin="/end\n"
    )
    return code, err


def versions_played(url: str) -> list[str]:
    db = Database(url)
    try:
        with store(db) as s:
            rows = s.session.scalars(select(RehearsalSession).order_by(RehearsalSession.started_at)).all()
            return [row.scenario_version for row in rows]
    finally:
        db.dispose()


def test_validate_without_a_database_checks_the_files_only(dialogues: Path, tmp_path: Path) -> None:
    missing = f"sqlite:///{tmp_path / 'never-created.sqlite3'}"
    code, _, err = run("validate", str(dialogues), "--database-url", missing)
    assert code == 0, err
    assert not (tmp_path / "never-created.sqlite3").exists()  # validate creates no database
    code, _, err = run(
        "validate",
        str(dialogues),
        "--no-database",
        "--database-url",
        "postgresql+psycopg://x@127.0.0.1:1/none",
    )
    assert code == 0, err
