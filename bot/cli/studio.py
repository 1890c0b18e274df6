"""``coach scripts import DIR`` and ``coach scripts export DIR``: scenarios between files and the
database, for trainers who keep their scripts in git (docs/scenarios.md, "Trainer studio")."""

from __future__ import annotations

import sys

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
    return db, services.scripts


@scripts_group.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--author", default="import", show_default=True, help="Recorded as the versions' author.")
@click.option("--skip-tests", is_flag=True, help="Do not run the trainer tests before publishing.")
@database_url_option
def import_cmd(paths: tuple[str, ...], author: str, skip_tests: bool, database_url: str) -> None:
    """Publish the scenario files in PATHS (files or directories) whose content is new.

    The database assigns the version; a file the same as the published version but for its
    version line is left as it is. A file that does not validate or fails its trainer tests is
    reported and skipped (exit 1); the others are still imported.
    """
    db, studio = _studio(database_url)
    try:
        outcomes = studio.import_files(list(paths), author=author, run_tests=not skip_tests)
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
        click.echo("no scenario files found", err=True)
    if failed or not outcomes:
        sys.exit(1)


@scripts_group.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
@database_url_option
def export_cmd(directory: str, database_url: str) -> None:
    """Write every published scenario into DIRECTORY, one file each, with the version the
    database assigned."""
    db, studio = _studio(database_url)
    try:
        for path in studio.export_files(directory):
            click.echo(f"wrote  {path}")
    finally:
        db.dispose()
