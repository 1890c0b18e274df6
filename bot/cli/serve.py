"""``coach serve``: migrate, then run the web server (web chat, JSON API, Telegram webhook)."""

from __future__ import annotations

import sys

import click

from bot.config import PROJECT_ROOT, get_settings

from . import main


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=int,
    help="Worker processes; use PostgreSQL for more than one.",
)
@click.option("--reload", is_flag=True, help="Restart on code changes (development).")
@click.option(
    "--forwarded-allow-ips",
    default=lambda: get_settings().forwarded_allow_ips,
    show_default="COACH_FORWARDED_ALLOW_IPS, none",
    help="Comma-separated proxy addresses whose X-Forwarded-For/-Proto are trusted.",
)
def serve(host: str, port: int, workers: int, reload: bool, forwarded_allow_ips: str) -> None:
    """Start the server on HOST:PORT and print the URL to open."""
    import uvicorn

    from bot.channels.web.bootstrap import demo_accounts_allowed, ensure_demo_accounts
    from bot.channels.web.observability import log_config
    from bot.channels.web.security import InsecureSecret, refuse_default_secret
    from bot.storage import upgrade

    settings = get_settings()
    try:
        refuse_default_secret(settings, host)
    except InsecureSecret as exc:
        raise click.ClickException(str(exc)) from None
    upgrade(settings.database_url)
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    if demo_accounts_allowed(settings, host):
        # Printed here, once, when created: click.echo writes to the terminal, not the log.
        for account in ensure_demo_accounts(settings):
            click.echo(account.line())
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    click.echo(f"Open http://{shown_host}:{port}/chat in your browser.")
    uvicorn.run(
        "server:app",
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        app_dir=str(PROJECT_ROOT),
        log_config=log_config(settings.log_format),
        # No proxy is trusted unless named: otherwise any client picks its own address.
        proxy_headers=bool(forwarded_allow_ips),
        forwarded_allow_ips=forwarded_allow_ips or None,
    )
