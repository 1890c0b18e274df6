"""``coach users``: accounts for reps, trainers and managers."""

from __future__ import annotations

import click

from bot.passwords import hash_password
from bot.storage import Database, store
from bot.storage.models import ROLES

from . import database_url_option, main


@main.group()
def users() -> None:
    """Create and list user accounts."""


@users.command("create")
@click.argument("login")
@click.option("--name", "display_name", help="Display name (defaults to the login).")
@click.option("--role", type=click.Choice(ROLES), default="rep", show_default=True)
@click.option("--team", help="Team name; created if new.")
@click.option("--lang", "language", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.password_option(help="Password for the web sign-in.")
@database_url_option
def users_create(
    login: str,
    display_name: str | None,
    role: str,
    team: str | None,
    language: str,
    password: str,
    database_url: str,
) -> None:
    """Create an account that signs in as LOGIN."""
    db = Database(database_url)
    try:
        with store(db, write=True) as s:
            if s.users.by_login(login):
                raise click.ClickException(f"a user with login {login!r} exists already")
            user = s.users.create(
                display_name or login,
                login=login,
                role=role,
                language=language,
                password_hash=hash_password(password),
                team=s.users.get_or_create_team(team) if team else None,
            )
            click.echo(f"created {role} {login!r} (id {user.id})")
    finally:
        db.dispose()


@users.command("list")
@click.option("--role", type=click.Choice(ROLES))
@database_url_option
def users_list(role: str | None, database_url: str) -> None:
    """List accounts."""
    db = Database(database_url)
    try:
        with store(db) as s:
            for user in s.users.list(role=role):
                click.echo(
                    f"{user.id}\t{user.login or '-'}\t{user.role}\t{user.language}\t{user.display_name}"
                )
    finally:
        db.dispose()
