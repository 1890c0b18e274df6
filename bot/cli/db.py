"""``coach db``: schema migrations."""

from __future__ import annotations

import click

from bot.storage import current_revision, downgrade, upgrade

from . import database_url_option, main


@main.group()
def db() -> None:
    """Create and migrate the database schema."""


@db.command("upgrade")
@click.argument("revision", default="head")
@database_url_option
def db_upgrade(revision: str, database_url: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    upgrade(database_url, revision)
    click.echo(f"database at revision {current_revision(database_url)}")


@db.command("downgrade")
@click.argument("revision")
@database_url_option
def db_downgrade(revision: str, database_url: str) -> None:
    """Revert migrations down to REVISION ('base' empties the schema)."""
    downgrade(database_url, revision)
    click.echo(f"database at revision {current_revision(database_url) or 'base'}")


@db.command("current")
@database_url_option
def db_current(database_url: str) -> None:
    """Print the schema revision of the database."""
    click.echo(current_revision(database_url) or "base (empty)")
