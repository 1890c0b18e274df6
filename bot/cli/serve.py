"""``coach serve``: run the web server (web chat, JSON API, Telegram webhook).

The app migrates the schema and creates the demo accounts as it starts (``bot.app``); doing it
here as well would migrate twice per start. Here: the refusal to serve other machines with the
public default secret, whether demo accounts are allowed (local development only), which proxies
are trusted, and JSON logs.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import urllib.request

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

    from bot.channels.web.observability import log_config
    from bot.channels.web.security import InsecureSecret, refuse_default_secret
    from bot.config import demo_accounts_allowed

    settings = get_settings()
    try:
        refuse_default_secret(settings, host)
    except InsecureSecret as exc:
        raise click.ClickException(str(exc)) from None
    if not demo_accounts_allowed(settings, host):
        # The app creates demo accounts as it starts (and prints their passwords once); the
        # workers read their settings from the environment, so this reaches every one of them.
        os.environ["COACH_DEMO_ACCOUNTS"] = "false"
        get_settings.cache_clear()
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    announce_when_ready(f"http://{shown_host}:{port}")
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


def announce_when_ready(base_url: str, *, timeout: float = 300.0, every: float = 0.25) -> threading.Thread:
    """Print the URL to open once ``/readyz`` answers 200, not before: a URL printed while the
    server still loads the scenarios and the classifier leads to "connection refused"."""

    def wait() -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{base_url}/readyz", timeout=2) as response:
                    if response.status == 200:
                        click.echo(f"Open {base_url}/chat in your browser.")
                        return
            except (OSError, ValueError):
                pass  # not listening yet, or not ready (503)
            time.sleep(every)
        click.echo(f"The server did not answer at {base_url}/readyz within {int(timeout)} s.", err=True)

    thread = threading.Thread(target=wait, name="announce-url", daemon=True)
    thread.start()
    return thread
