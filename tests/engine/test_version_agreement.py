"""``coach validate`` and the start of a visit agree on a scenario edited without raising its
version: validate refuses it at its ``version`` line, in the trainer's language, and ``coach
rehearse`` says the same in one line (no traceback) instead of starting it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from engine_support import EXAMPLE, EXAMPLE_ID

from bot.cli import main
from bot.config import get_settings


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
    code, _, err = run(
        "rehearse", EXAMPLE_ID, "--lang", "en", "--json", "--database-url", url, stdin="/end\n"
    )
    assert code == 0, err  # version 4 is now in use
    assert run("validate", str(dialogues), "--database-url", url, "--lang", "en")[0] == 0

    edited = file.read_text("utf-8").replace("talkative: low", "talkative: medium", 1)
    file.write_text(edited, "utf-8")
    line = next(n for n, row in enumerate(edited.splitlines(), 1) if row.startswith("version:"))

    code, out, err = run("validate", str(dialogues), "--database-url", url, "--lang", "en")
    assert code == 1 and f"ok  {file}" not in out
    assert f"{file}:{line}:1: version: '{EXAMPLE_ID}' version 4 is already in use" in err
    assert "raise 'version' to publish this edit" in err
    code, _, err = run("validate", str(dialogues), "--database-url", url, "--lang", "zh")
    assert code == 1 and f"“{EXAMPLE_ID}”的版本 4 已在使用中" in err

    code, out, err = run(
        "rehearse", EXAMPLE_ID, "--lang", "en", "--json", "--database-url", url, stdin="/end\n"
    )
    assert code == 1 and out == ""
    error_lines = [row for row in err.splitlines() if row.startswith("Error:")]
    assert error_lines == [
        f"Error: {file}: '{EXAMPLE_ID}' was edited but its version 4 was not raised, so it cannot be "
        "started: raise 'version' in the file and restart, or undo the edit."
    ]
    assert "Traceback" not in err

    # Raising the version settles both: validate passes and the visit starts on version 5.
    file.write_text(edited.replace('version: "4"', 'version: "5"', 1), "utf-8")
    code, out, err = run("validate", str(dialogues), "--database-url", url, "--lang", "en")
    assert code == 0, err
    assert f"({EXAMPLE_ID} v5)" in out
    code, out, err = run(
        "rehearse", EXAMPLE_ID, "--lang", "en", "--json", "--database-url", url, stdin="/end\n"
    )
    assert code == 0, err


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
