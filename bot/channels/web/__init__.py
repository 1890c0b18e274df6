"""The web channel: the chat and manager pages, the JSON API, its sign-in cookie and the
request-level guards (Origin check, HSTS, body size and JSON depth limits, request ids, metrics)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from bot.config import Settings
from bot.services import DEFAULT_CONCURRENT_CHECKS, CheckGate

from .admin import admin_router
from .api import router as api_router
from .auth import COOKIE_NAME, SessionCookies
from .browse import browse_router
from .coaching_api import rep_coaching_router, review_router
from .errors import BodySizeLimit, SecurityHeaders, install_error_handlers
from .events import STREAM_SECONDS, TurnSignals
from .input import JsonDepthLimit, document_common_errors
from .manager import manager_router, notes_router
from .observability import RequestContext, metrics_endpoint
from .pages import mount_pages
from .rep import router as rep_router
from .security import OriginCheck, SignInGate, StrictTransport, https_public_url
from .studio import studio_router
from .studio_bank import bank_router
from .studio_stats import stats_router


def install_web(app: FastAPI, settings: Settings) -> None:
    """Add the web channel's routes, middleware and per-process state to ``app``.

    The routes find the services in ``app.state.services``, set by the composition root
    (``bot.app``) once the database is ready, sign-in sessions and the throttle among them; the
    cap on concurrent password checks (``app.state.check_gate``, per process) is set here.
    """
    app.state.settings = settings
    app.state.cookies = SessionCookies(
        secure=https_public_url(settings), max_age=settings.session_days * 24 * 3600
    )
    # Password checks at once in this process (64 MiB each); the rest are refused with 429.
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
    app.add_middleware(SignInGate)  # a flood's refusals cost next to nothing
    app.add_middleware(SecurityHeaders)
    if https_public_url(settings):
        app.add_middleware(StrictTransport)
    app.add_middleware(RequestContext)
    app.include_router(api_router)
    # Before manager_router: /api/manager/sessions (the list) next to /sessions/{id}.
    app.include_router(browse_router)
    app.include_router(manager_router)
    app.include_router(notes_router)
    app.include_router(rep_router)
    app.include_router(admin_router)
    app.include_router(studio_router)
    app.include_router(review_router)
    app.include_router(rep_coaching_router)
    app.include_router(stats_router)
    app.include_router(bank_router)
    mount_pages(app)

    @app.get("/metrics", tags=["ops"], response_class=Response)
    async def metrics(request: Request) -> Response:
        """Prometheus metrics (text format); the outbox gauges are read from the database now."""
        return await metrics_endpoint(request)


__all__ = ["install_web"]
