"""The webhook route: check the secret, parse the update, run it through PTB, answer with a status.

The update is processed *before* answering, so a 200 means the turn is in the database with its
replies queued in the outbox (the dispatcher sends them afterwards, retrying until Telegram takes
them); a 503 (database down, bot not started) makes Telegram deliver it again.
PTB swallows handler errors, so the error handler records them for this request's answer.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from telegram import Update
from telegram.ext import Application

from bot.config import Settings
from bot.services import is_database_unavailable

logger = logging.getLogger(__name__)

WEBHOOK_PATH: Final = "/telegram/webhook"
SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"
# The update types the bot handles; `coach telegram set-webhook` asks Telegram for these only.
ALLOWED_UPDATES: Final = ["message", "edited_message", "callback_query"]
# Seconds Telegram is told to wait (Retry-After) when the database is down.
RETRY_AFTER_DB_DOWN: Final = 5


@dataclass
class _UpdateOutcome:
    """Errors raised while one webhook request processed its update."""

    errors: list[BaseException] = field(default_factory=list)


_current_outcome: ContextVar[_UpdateOutcome | None] = ContextVar("telegram_update_outcome", default=None)


def record_error(error: BaseException | None) -> None:
    """Remember a handler's error for the status code of the webhook request being processed."""
    outcome = _current_outcome.get()
    if outcome is not None and error is not None:
        outcome.errors.append(error)


def secret_matches(settings: Settings, given: str | None) -> bool:
    """Constant-time comparison with the configured secret; no secret configured means no."""
    expected = settings.telegram_webhook_secret
    if not expected or given is None:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def unavailable(reason: str) -> JSONResponse:
    """503 with Retry-After: Telegram keeps the update and delivers it again later."""
    return JSONResponse(
        {"ok": False, "error": reason}, status_code=503, headers={"Retry-After": str(RETRY_AFTER_DB_DOWN)}
    )


async def handle_webhook(
    request: Request,
    settings: Settings,
    application: Application[Any, Any, Any, Any, Any, Any],
    ensure_running: Callable[[], Awaitable[bool]],
) -> JSONResponse:
    """Check, parse and process one update; the status code tells Telegram whether to retry."""
    if not secret_matches(settings, request.headers.get(SECRET_HEADER)):
        return JSONResponse({"ok": False, "error": "forbidden"}, status_code=403)
    try:
        data = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return JSONResponse({"ok": False, "error": "body is not JSON"}, status_code=400)
    if not isinstance(data, dict) or type(data.get("update_id")) is not int:
        return JSONResponse({"ok": False, "error": "not a Telegram update"}, status_code=400)
    if not await ensure_running():
        return unavailable("Telegram Bot API not reachable")
    try:
        update = Update.de_json(data, application.bot)
    except Exception:  # PTB raises various errors on a malformed object
        logger.info("Rejected a malformed update", exc_info=True)
        return JSONResponse({"ok": False, "error": "malformed update"}, status_code=400)
    outcome = _UpdateOutcome()
    token = _current_outcome.set(outcome)
    try:
        await application.process_update(update)
    finally:
        _current_outcome.reset(token)
    if any(is_database_unavailable(error) for error in outcome.errors):
        return unavailable("database unavailable")
    return JSONResponse({"ok": True})


def webhook_router(handle: Callable[[Request], Awaitable[JSONResponse]]) -> APIRouter:
    """The FastAPI route Telegram posts updates to."""
    router = APIRouter(tags=["telegram"])

    @router.post(
        WEBHOOK_PATH,
        summary="Telegram webhook",
        responses={
            200: {"description": "The update was handled (or was a redelivery and ignored)."},
            400: {"description": "The body is not a Telegram update; nothing was processed."},
            403: {"description": f"Missing or wrong {SECRET_HEADER} header."},
            503: {"description": "Database unavailable or bot not started; Telegram retries."},
        },
    )
    async def telegram_webhook(request: Request) -> JSONResponse:
        """Receive one update from Telegram, signed with the secret given to setWebhook."""
        return await handle(request)

    return router


__all__ = [
    "ALLOWED_UPDATES",
    "SECRET_HEADER",
    "WEBHOOK_PATH",
    "handle_webhook",
    "record_error",
    "secret_matches",
    "webhook_router",
]
