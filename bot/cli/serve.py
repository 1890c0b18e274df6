"""``coach serve``: run the web server (web chat, JSON API, Telegram webhook).

The app migrates the schema and creates the demo accounts as it starts (``bot.app``); doing it
here as well would migrate twice per start.
"""

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

    from bot.services import demo_sign_in_lines

    settings = get_settings()
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    for line in demo_sign_in_lines() if settings.demo_accounts else []:
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
