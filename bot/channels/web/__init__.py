"""The FastAPI application: web chat, JSON API, Telegram webhook, health checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from bot.channels.telegram import TelegramChannel
from bot.config import Settings, get_settings
from bot.engine.service import RehearsalService
from bot.passwords import DEFAULT_CONCURRENT_CHECKS, CheckGate
from bot.services.throttle import SignInThrottle, ThrottleLimits
from bot.storage import Database, upgrade
from bot.storage.accounts import database_writable

from .api import router as api_router
from .auth import COOKIE_NAME, SessionCookies
from .errors import BodySizeLimit, SecurityHeaders, install_error_handlers
from .events import STREAM_SECONDS, TurnSignals
from .input import JsonDepthLimit, document_common_errors
from .manager import manager_router, notes_router
from .observability import RequestContext, metrics_response
from .pages import mount_pages
from .security import OriginCheck, StrictTransport, https_public_url

# Any constant works; it names "schema migration" among PostgreSQL advisory locks.
_MIGRATION_LOCK_KEY = 0x5C0AC4


def migrate(url: str) -> None:
    """Upgrade the schema; on PostgreSQL one worker at a time (several start together)."""
    db = Database(url)
    try:
        if db.is_sqlite:
            upgrade(url)
            return
        with db.engine.connect() as connection:
            connection.exec_driver_sql(f"SELECT pg_advisory_lock({_MIGRATION_LOCK_KEY})")
            try:
                upgrade(url)
            finally:
                connection.exec_driver_sql(f"SELECT pg_advisory_unlock({_MIGRATION_LOCK_KEY})")
    finally:
        db.dispose()


def _build_service(db: Database, settings: Settings) -> RehearsalService:
    """The rehearsal engine over ``db``; loads and validates the scenario library once."""
    service = RehearsalService(db, settings=settings)
    # The classifier loads its word lists on first use (~1.5 s): pay that while starting up,
    # not on the first line a rep sends to this worker.
    from bot.classifier import classify

    classify("您好", lang="zh")
    classify("Hello", lang="en")
    return service


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the database schema is brought up to date when it starts."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(migrate, settings.database_url)
        app.state.db = Database(settings.database_url)
        app.state.sign_in_throttle = SignInThrottle(
            app.state.db,
            ThrottleLimits(
                per_login=settings.sign_in_failures_per_login,
                per_address=settings.sign_in_failures_per_address,
                window=timedelta(seconds=settings.sign_in_window_seconds),
            ),
        )
        app.state.service = await run_in_threadpool(_build_service, app.state.db, settings)
        if telegram is not None:
            await telegram.start(app.state.service, app.state.db)
        try:
            yield
        finally:
            if telegram is not None:
                await telegram.stop()
            app.state.db.dispose()

    app = FastAPI(
        title="Sales coach · 销售提问教练",
        version="0.1.0",
        description="Rehearse customer visits with a simulated customer and a questioning coach. "
        "Sign in with POST /api/auth/login; the API then uses the session cookie.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.cookies = SessionCookies(
        secure=https_public_url(settings), max_age=settings.session_days * 24 * 3600
    )
    app.state.session_ttl = timedelta(days=settings.session_days)
    app.state.check_gate = CheckGate(settings.password_checks_max or DEFAULT_CONCURRENT_CHECKS)
    app.state.turn_signals = TurnSignals()
    app.state.event_stream_seconds = STREAM_SECONDS
    install_error_handlers(app)
    document_common_errors(app)
    # Added innermost first: the request id wraps everything, the size limit comes before the
    # depth scan (which buffers the body), the Origin check before any route runs.
    app.add_middleware(JsonDepthLimit)
    app.add_middleware(BodySizeLimit)
    app.add_middleware(OriginCheck, cookie_name=COOKIE_NAME, public_url=settings.public_url)
    app.add_middleware(SecurityHeaders)
    if https_public_url(settings):
        app.add_middleware(StrictTransport)
    app.add_middleware(RequestContext)
    app.include_router(api_router)
    app.include_router(manager_router)
    app.include_router(notes_router)
    mount_pages(app)
    # The Telegram webhook, when a bot token is configured (see docs/telegram.md).
    telegram = TelegramChannel(settings) if settings.telegram_enabled else None
    app.state.telegram = telegram
    if telegram is not None:
        app.include_router(telegram.router)

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["ops"],
        responses={503: {"description": "The database does not answer or cannot be written."}},
    )
    async def readyz() -> JSONResponse:
        """The database answers and takes a write (a full disk is not ready); 503 otherwise."""
        ok = await run_in_threadpool(database_writable, app.state.db)
        return JSONResponse(
            {"status": "ok" if ok else "database unavailable"}, status_code=200 if ok else 503
        )

    @app.get("/metrics", tags=["ops"], response_class=Response)
    async def metrics() -> Response:
        """Prometheus metrics (text format)."""
        return metrics_response()

    return app


__all__ = ["create_app"]
