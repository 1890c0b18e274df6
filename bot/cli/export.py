"""``coach export``: sessions and their turns as CSV or JSON Lines, for spreadsheets and scripts.

The same files as the managers' page downloads (``bot.services.export``): CSV in UTF-8 with a
byte-order mark and formula-like cells neutralised, JSON Lines one object per session or turn.
A private practice visit is listed without its lines.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from bot.config import get_settings
from bot.services import BrowseService, RehearsalService
from bot.services.export import FORMATS, render
from bot.storage import Database

from . import database_url_option, main


@main.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option(
    "--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="Sessions started on or after this day (UTC)."
)
@click.option("--team", help="Only this team's reps (by name).")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="File to write (default: stdout).",
)
@database_url_option
def export_command(
    fmt: str, since: datetime | None, team: str | None, output: Path | None, database_url: str
) -> None:
    """Export every rep's sessions and turns, oldest first."""
    db = Database(database_url)
    try:
        rehearsals = RehearsalService(db, settings=get_settings())
        try:
            found = BrowseService(db, rehearsals).export_all(since=since.date() if since else None, team=team)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
    finally:
        db.dispose()
    body = render(found, fmt)
    if output is None:
        click.echo(body, nl=False)
    else:
        # newline="": the CSV's own CRLF line ends are written as they are.
        with output.open("w", encoding="utf-8", newline="") as handle:
            handle.write(body)
        turns = sum(len(s.turns) for s in found)
        click.echo(f"{len(found)} session(s), {turns} turn(s) written to {output}", err=True)
