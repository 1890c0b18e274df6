"""``coach scripts import DIR`` and ``coach scripts export DIR``: scenarios and the question bank
between files and the database, for trainers who keep their scripts in git (docs/scenarios.md,
"Trainer studio"). The bank is the ``questionbank/`` folder inside DIR (or DIR itself when it
holds a ``bank.yaml``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bot.config import get_settings

from . import database_url_option, main


@main.group("scripts")
def scripts_group() -> None:
    """Scenario scripts in the database: import files as new versions, export what is published."""


def _studio(database_url: str):  # type: ignore[no-untyped-def]
    from bot.services import build_services
    from bot.storage import Database, upgrade

    upgrade(database_url)
    db = Database(database_url)
    services = build_services(db, get_settings())
    services.scripts.prepare()
    return db, services


BANK_FOLDER = "questionbank"


def _split(paths: tuple[str, ...]) -> tuple[list[str], list[Path]]:
    """Scenario paths, and the bank folders among or inside the directories named."""
    scenarios: list[str] = []
    banks: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir() and (path / "bank.yaml").is_file():
            banks.append(path)
            continue
        scenarios.append(raw)
        if path.is_dir() and (path / BANK_FOLDER / "bank.yaml").is_file():
            banks.append(path / BANK_FOLDER)
    return scenarios, banks


@scripts_group.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--author", default="import", show_default=True, help="Recorded as the versions' author.")
@click.option("--skip-tests", is_flag=True, help="Do not run the trainer tests before publishing.")
@database_url_option
def import_cmd(paths: tuple[str, ...], author: str, skip_tests: bool, database_url: str) -> None:
    """Publish the scenario files in PATHS (files or directories) and the question bank's
    technique files (a directory holding bank.yaml, or its questionbank/ folder) whose content is
    new.

    The database assigns the version; a file the same as the published version but for its
    version line is left as it is. A file that does not validate or fails its trainer tests is
    reported and skipped (exit 1); the others are still imported.
    """
    scenarios, banks = _split(paths)
    db, services = _studio(database_url)
    try:
        outcomes = []
        if scenarios:
            outcomes += services.scripts.import_files(scenarios, author=author, run_tests=not skip_tests)
        for bank in banks:
            assert services.bank is not None
            outcomes += services.bank.import_directory(bank, author=author)
    finally:
        db.dispose()
    failed = 0
    for outcome in outcomes:
        if outcome.problems:
            failed += 1
            for problem in outcome.problems:
                click.echo(problem, err=True)
        elif outcome.stored is not None:
            done = "published" if outcome.stored.created else "unchanged"
            click.echo(f"{done}  {outcome.file}  ({outcome.stored.script_id} v{outcome.stored.version})")
    if not outcomes:
        click.echo("no scenario or technique files found", err=True)
    if failed or not outcomes:
        sys.exit(1)


@scripts_group.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
@database_url_option
def export_cmd(directory: str, database_url: str) -> None:
    """Write every published scenario into DIRECTORY, one file each, with the version the
    database assigned; and the published question bank into DIRECTORY/questionbank/."""
    db, services = _studio(database_url)
    try:
        for path in services.scripts.export_files(directory):
            click.echo(f"wrote  {path}")
        assert services.bank is not None
        for path in services.bank.export_directory(Path(directory) / BANK_FOLDER):
            click.echo(f"wrote  {path}")
    finally:
        db.dispose()
