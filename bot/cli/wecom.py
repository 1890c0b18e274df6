"""``coach wecom``: an admin maps WeCom members to accounts (no link code needed)."""

from __future__ import annotations

import click

from bot.storage import Database, WeComLinkRepository, store

from . import database_url_option, main


@main.group()
def wecom() -> None:
    """Map WeCom (企业微信) members to accounts."""


@wecom.command("link")
@click.argument("userid")
@click.argument("login")
@database_url_option
def wecom_link(userid: str, login: str, database_url: str) -> None:
    """Let the WeCom member USERID (their 账号 in the admin console) rehearse as LOGIN."""
    db = Database(database_url)
    try:
        with store(db, write=True) as s:
            user = s.users.by_login(login)
            if user is None:
                raise click.ClickException(f"no user with login {login!r}")
            WeComLinkRepository(s.session).link(userid.strip(), user)
            click.echo(f"WeCom member {userid!r} now rehearses as {login!r} (id {user.id})")
    finally:
        db.dispose()
