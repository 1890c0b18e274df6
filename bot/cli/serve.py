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
def serve(host: str, port: int, workers: int, reload: bool) -> None:
    """Start the server on HOST:PORT and print the URL to open."""
    import uvicorn

    from bot.storage import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    from bot.channels.web.bootstrap import ensure_demo_accounts

    for line in ensure_demo_accounts(settings):
        click.echo(line)
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    click.echo(f"Open http://{shown_host}:{port}/chat in your browser.")
    uvicorn.run(
        "server:app",
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        app_dir=str(PROJECT_ROOT),
        log_level="info",
    )
