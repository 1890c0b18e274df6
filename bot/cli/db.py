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


@db.command("copy")
@click.argument("source_url")
@click.argument("target_url")
def db_copy(source_url: str, target_url: str) -> None:
    """Copy every table from SOURCE_URL to the empty TARGET_URL, keeping ids (SQLite → PostgreSQL
    or back). Stop the server first; the source must be at the newest revision."""
    from bot.storage.copy import CopyError, copy_database

    try:
        copied = copy_database(source_url, target_url)
    except CopyError as error:
        raise click.ClickException(str(error)) from None
    for table, rows in copied.items():
        click.echo(f"{table}: {rows} rows")
    click.echo(
        f"copied {sum(copied.values())} rows; the target is at revision {current_revision(target_url)}"
    )
