"""The ``coach`` command. Each feature registers its subcommands from its own module."""

from __future__ import annotations

import click

from bot.config import get_settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sales-coach-bot")
def main() -> None:
    """Sales-coaching chatbot: rehearse customer visits, author scripts, run the server."""


def database_url_option(func: click.decorators.FC) -> click.decorators.FC:
    """``--database-url``, defaulting to COACH_DATABASE_URL."""
    return click.option(
        "--database-url",
        default=lambda: get_settings().database_url,
        show_default="COACH_DATABASE_URL or ./var/coach.sqlite3",
        help="SQLAlchemy URL of the database.",
    )(func)


# Subcommand modules attach themselves to ``main`` on import.
from . import bank, classify, db, export, prune, scripts, serve, studio, telegram, users, users_import, wecom  # noqa: E402, F401

__all__ = ["database_url_option", "main"]
