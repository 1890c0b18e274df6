"""Fixtures for the web channel: the real app on each database backend, reached over HTTP.

``client`` talks to the app in-process through httpx's ASGI transport (real routing,
middleware, cookies and JSON); ``live_server`` runs it under uvicorn on 127.0.0.1 for the
browser and multi-worker tests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from functools import cache
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from web_support import DEMO_LOGIN, DEMO_PASSWORD, LiveServer, add_rep, make_settings, sign_in

from bot.app import create_app
from bot.engine.library import ScenarioLibrary


@cache
def _library(dialogues_dir: Path) -> ScenarioLibrary:
    return ScenarioLibrary.from_directory(dialogues_dir)


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[FastAPI]:
    """The app with its lifespan running (schema migrated, services built) and the demo rep."""
    settings = make_settings(database_url)
    # The real services; only the parsed scenario files are shared between tests (~0.35 s each).
    application = create_app(settings, library=_library(settings.dialogues_dir))
    async with application.router.lifespan_context(application):
        add_rep(application.state.db, DEMO_LOGIN, DEMO_PASSWORD, "演示销售 Demo Rep")
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the app, not signed in."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def rep(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """The client, signed in as the demo rep."""
    await sign_in(client)
    return client


@pytest.fixture
def live_server_factory(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """Start uvicorn servers for a test; they are stopped afterwards."""
    servers: list[LiveServer] = []

    def start(database_url: str, *, workers: int = 1) -> LiveServer:
        server = LiveServer(database_url, workers=workers, log_path=tmp_path / f"uvicorn-{len(servers)}.log")
        servers.append(server)
        try:
            server.wait_ready()
        except Exception:
            server.stop()
            print((tmp_path / f"uvicorn-{len(servers) - 1}.log").read_text(errors="replace"))
            raise
        return server

    yield start
    for server in servers:
        server.stop()
