"""``coach users import FILE.csv``: create many accounts at once, all or nothing."""

from __future__ import annotations

from pathlib import Path

import click

from bot.services.admin import IMPORT_COLUMNS, import_users
from bot.storage import Database

from . import database_url_option
from .users import users


@users.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@database_url_option
def users_import(file: Path, database_url: str) -> None:
    """Create the users of FILE (CSV, UTF-8; columns login, name, role, team, language,
    password; only login is required, teams are created as needed). Any bad row is reported
    with its line number and nothing is imported. Passwords made for rows without one are
    printed once."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{file} is not UTF-8 text: {exc}") from exc
    db = Database(database_url)
    try:
        found = import_users(db, text)
    finally:
        db.dispose()
    if found.problems:
        for problem in found.problems:
            click.echo(f"line {problem.row}: {problem.reason}", err=True)
        raise click.ClickException(
            f"nothing imported: {len(found.problems)} problem(s); columns are {','.join(IMPORT_COLUMNS)}"
        )
    for login, password in found.created:
        click.echo(f"created {login!r}" + (f", password {password!r}" if password else ""))
    click.echo(f"{len(found.created)} user(s) imported")
