"""``coach prune``: delete rows kept only for a while, by the retention settings.

Run it daily (cron, a systemd timer); it is safe to run on several hosts at once.
"""

from __future__ import annotations

from datetime import timedelta

import click

from bot.config import get_settings
from bot.storage import Database
from bot.storage.accounts import AccountRepository
from bot.storage.browse import BrowseRepository
from bot.storage.models import utcnow
from bot.storage.outbox import OutboxRepository

from . import database_url_option, main


@main.command()
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=lambda: get_settings().retention_days,
    show_default="COACH_RETENTION_DAYS, 30",
    help="Keep ended sign-in sessions and handled message ids this many days.",
)
@click.option(
    "--outbox-days",
    type=click.IntRange(min=1),
    default=lambda: get_settings().outbox_retention_days,
    show_default="COACH_OUTBOX_RETENTION_DAYS, 7",
    help="Keep delivered (or given-up) outbox messages this many days.",
)
@click.option(
    "--transcript-days",
    type=click.IntRange(min=1),
    default=lambda: get_settings().transcript_retention_days,
    show_default="COACH_TRANSCRIPT_RETENTION_DAYS, off",
    help="Remove the lines of ended visits older than this many days (scores are kept).",
)
@database_url_option
def prune(days: int, outbox_days: int, transcript_days: int | None, database_url: str) -> None:
    """Remove expired or revoked sign-in sessions, used or expired link codes, old handled
    message ids, stale sign-in counters and settled outbox messages (sent, failed, blocked);
    with a transcript retention, the lines of visits over and older than it."""
    settings = get_settings()
    now = utcnow()
    keep = now - timedelta(days=days)
    db = Database(database_url)
    try:
        with db.session(write=True) as s:
            removed = AccountRepository(s).prune(
                now=now,
                sessions_before=keep,
                processed_before=keep,
                # A counter whose window is over counts nothing any more.
                attempts_before=now - timedelta(seconds=settings.sign_in_window_seconds),
            )
            # Messages still pending or being sent are never removed, however old.
            removed["outbox_messages"] = OutboxRepository(s).prune(now - timedelta(days=outbox_days))
            if transcript_days is not None:
                cutoff = now - timedelta(days=transcript_days)
                removed["transcript_lines"] = BrowseRepository(s).prune_transcripts(cutoff)
    finally:
        db.dispose()
    for table, count in removed.items():
        click.echo(f"{table}: {count} removed")
