"""``coach users``: accounts for reps, trainers and managers."""

from __future__ import annotations

import click

from bot.passwords import hash_password, password_problem
from bot.services import web_sessions
from bot.storage import Database, store
from bot.storage.models import ROLES

from . import database_url_option, main


@main.group()
def users() -> None:
    """Create and list user accounts."""


def _check_policy(password: str, login: str) -> None:
    problem = password_problem(password, login=login)
    if problem is not None:
        raise click.ClickException(f"{problem.en} / {problem.zh}")


def _user_id(db: Database, login: str) -> int:
    with store(db) as s:
        user = s.users.by_login(login)
        if user is None:
            raise click.ClickException(f"no user with login {login!r}")
        return user.id


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
    _check_policy(password, login)
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


@users.command("set-password")
@click.argument("login")
@click.password_option(help="The new password (at least 10 characters, not a common one).")
@database_url_option
def users_set_password(login: str, password: str, database_url: str) -> None:
    """Reset LOGIN's password (an administrator's reset); every web session of theirs ends."""
    _check_policy(password, login)
    db = Database(database_url)
    try:
        web_sessions.set_password(db, _user_id(db, login), password)
        click.echo(f"password of {login!r} changed; their web sessions were ended")
    finally:
        db.dispose()


@users.command("deactivate")
@click.argument("login")
@database_url_option
def users_deactivate(login: str, database_url: str) -> None:
    """Stop LOGIN from signing in and end their web sessions; their history is kept."""
    db = Database(database_url)
    try:
        ended = web_sessions.set_active(db, _user_id(db, login), False)
        click.echo(f"{login!r} deactivated; {ended} web session(s) ended")
    finally:
        db.dispose()


@users.command("activate")
@click.argument("login")
@database_url_option
def users_activate(login: str, database_url: str) -> None:
    """Let a deactivated LOGIN sign in again (old sessions stay ended)."""
    db = Database(database_url)
    try:
        web_sessions.set_active(db, _user_id(db, login), True)
        click.echo(f"{login!r} activated")
    finally:
        db.dispose()
