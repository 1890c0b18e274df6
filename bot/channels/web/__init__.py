"""The FastAPI application: web chat, JSON API, Telegram webhook, health checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from bot.config import Settings, get_settings
from bot.storage import Database, upgrade


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the database schema is brought up to date when it starts."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        upgrade(settings.database_url)
        app.state.db = Database(settings.database_url)
        try:
            yield
        finally:
            app.state.db.dispose()

    app = FastAPI(title="Sales coach", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"])
    async def readyz() -> JSONResponse:
        """The database answers; 503 otherwise."""
        ok = app.state.db.ping()
        return JSONResponse(
            {"status": "ok" if ok else "database unavailable"}, status_code=200 if ok else 503
        )

    return app


__all__ = ["create_app"]
