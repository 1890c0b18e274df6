"""The web channel: the chat and manager pages, the JSON API and its sign-in cookie."""

from __future__ import annotations

from fastapi import FastAPI

from bot.config import Settings

from .api import LoginThrottle
from .api import router as api_router
from .auth import SessionCookies
from .errors import BodySizeLimit, SecurityHeaders, install_error_handlers
from .events import STREAM_SECONDS, TurnSignals
from .manager import manager_router, notes_router
from .pages import mount_pages


def install_web(app: FastAPI, settings: Settings) -> None:
    """Add the web channel's routes, middleware and per-process state to ``app``.

    The routes find the services in ``app.state.services``, set by the composition root
    (``bot.app``) once the database is ready.
    """
    app.state.settings = settings
    app.state.cookies = SessionCookies(settings.secret_key)
    app.state.login_throttle = LoginThrottle()
    app.state.turn_signals = TurnSignals()
    app.state.event_stream_seconds = STREAM_SECONDS
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit)
    app.add_middleware(SecurityHeaders)
    app.include_router(api_router)
    app.include_router(manager_router)
    app.include_router(notes_router)
    mount_pages(app)


__all__ = ["install_web"]
