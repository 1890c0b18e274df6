"""JSON errors for the API: one shape, ``{"error": {"code": ..., "message": ...}}``, everywhere.

Engine errors keep their stable ``code`` so the page (and any other client) can show its own
wording in Chinese or English. A database that does not answer gives 503, so clients retry.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.channels.web.observability import count_error
from bot.services import (
    DATABASE_ERRORS,
    AdminRefused,
    AssignmentNotFound,
    AssignmentNotPrivate,
    BadAssignment,
    BankVersionMismatch,
    FlagNotFound,
    JobNotFound,
    MessageRejected,
    ModelNotFound,
    NotAManager,
    NotAnAdmin,
    NotARepLine,
    NotATrainer,
    NoteNotFound,
    NotSignedIn,
    NotYourSession,
    PrivateVisit,
    RehearsalError,
    RepNotFound,
    ScriptExists,
    ScriptRejected,
    Services,
    SessionClosed,
    SessionNotFound,
    TeamNotFound,
    TechniqueNotFound,
    TrainingUnavailable,
    UnknownScenario,
    UnknownTechnique,
    UnknownTimeZone,
    UserNotFound,
    VersionConflict,
    VersionNotFound,
    is_database_unavailable,
)

# Engine error -> HTTP status. Anything else from the engine is a 400.
ENGINE_STATUS: dict[type[RehearsalError], int] = {
    UnknownScenario: 404,
    SessionNotFound: 404,
    NotYourSession: 403,
    NotSignedIn: 401,
    AssignmentNotPrivate: 422,
    NotAnAdmin: 403,
    AdminRefused: 422,
    TeamNotFound: 404,
    UserNotFound: 404,
    SessionClosed: 409,
    MessageRejected: 422,
    NotAManager: 403,
    NotATrainer: 403,
    TrainingUnavailable: 503,
    BankVersionMismatch: 422,
    RepNotFound: 404,
    NoteNotFound: 404,
    NotARepLine: 404,
    FlagNotFound: 404,
    UnknownTechnique: 422,
    UnknownTimeZone: 422,
    ScriptRejected: 422,
    VersionNotFound: 404,
    TechniqueNotFound: 404,
    ScriptExists: 409,
    VersionConflict: 409,
    JobNotFound: 404,
    ModelNotFound: 404,
    AssignmentNotFound: 404,
    BadAssignment: 422,
    PrivateVisit: 403,
}
# The largest request body the API reads; a rep line of max_message_chars fits with room to spare.
MAX_BODY_BYTES = 32 * 1024
# Telegram updates can be larger than any API body (a long message with entities, a reply with
# the quoted message, a caption): 256 KiB leaves room for every legal update.
WEBHOOK_PATH_PREFIX = "/telegram/"
MAX_WEBHOOK_BODY_BYTES = 256 * 1024
# A users file for the admins' import may be that large too.
LARGE_BODY_PATHS = ("/api/admin/users/import",)
# The trainer studio sends a whole script (the largest bundled one is ~60 kB in UTF-8).
STUDIO_PATH_PREFIX = "/api/studio/"
MAX_STUDIO_BODY_BYTES = 1024 * 1024


class ApiError(Exception):
    """An error the API reports as JSON with an HTTP status."""

    def __init__(
        self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        self.extra = extra


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def error_response(
    status: int, code: str, message: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    headers = {"Retry-After": "2", **(headers or {})} if status == 503 else headers
    count_error(code)
    return JSONResponse(error_body(code, message, **extra), status_code=status, headers=headers)


def services(request: Request) -> Services:
    """The services the composition root put on the app; 503 while they are not built yet."""
    found: Services | None = getattr(request.app.state, "services", None)
    if found is None:
        raise ApiError(503, "engine_unavailable", "The rehearsal engine is not loaded.")
    return found


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every API error the same JSON shape."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, headers=exc.headers, **exc.extra)

    @app.exception_handler(RehearsalError)
    async def _engine_error(_request: Request, exc: RehearsalError) -> JSONResponse:
        status = next((s for cls, s in ENGINE_STATUS.items() if isinstance(exc, cls)), 400)
        return error_response(status, exc.code, str(exc) or exc.code.replace("_", " "))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(400, "malformed_json", "The request body is not valid JSON.")
        # ``type`` and ``max_length`` let a page say what is wrong in its user's language.
        details = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
                "problem": e.get("msg", ""),
                "type": e.get("type", ""),
                **({"max_length": e["ctx"]["max_length"]} if "max_length" in e.get("ctx", {}) else {}),
            }
            for e in errors
        ]
        return error_response(422, "invalid_request", "Some fields are missing or invalid.", details=details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        # Starlette puts Allow on its 405 in ``headers``; keep it (RFC 9110 requires it).
        return error_response(
            exc.status_code, code, str(exc.detail), headers=dict(exc.headers) if exc.headers else None
        )

    for db_error in DATABASE_ERRORS:

        @app.exception_handler(db_error)
        async def _database(_request: Request, exc: Exception) -> JSONResponse:
            if is_database_unavailable(exc):
                return error_response(
                    503, "database_unavailable", "The database is not answering; try again shortly."
                )
            raise exc

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        # Starlette logs the traceback after this answer; the client gets the documented shape
        # (and the request id header), never a plain-text "Internal Server Error".
        return error_response(500, "internal_error", "Something went wrong on our side; try again.")


class BodySizeLimit:
    """Refuse request bodies over ``limit`` bytes with 413, before the app reads them.

    A declared Content-Length is checked up front. A body without one (chunked) is read here,
    up to the limit, and handed on from memory, so an oversized body is never parsed and
    nothing is stored.
    """

    def __init__(
        self, app: ASGIApp, limit: int = MAX_BODY_BYTES, webhook_limit: int = MAX_WEBHOOK_BODY_BYTES
    ) -> None:
        self.app = app
        self.limit = limit
        self.webhook_limit = webhook_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        webhook = path.startswith(WEBHOOK_PATH_PREFIX) or path in LARGE_BODY_PATHS
        limit = self.webhook_limit if webhook else self.limit
        if path.startswith(STUDIO_PATH_PREFIX):  # a whole scenario script travels with each check
            limit = max(limit, MAX_STUDIO_BODY_BYTES)
        headers = dict(scope.get("headers", ()))
        length = headers.get(b"content-length")
        if length is not None:
            if not length.isdigit() or int(length) > limit:
                await self._too_large(scope, receive, send, limit)
                return
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._too_large(scope, receive, send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = error_response(413, "body_too_large", f"The request body is larger than {limit} bytes.")
        await response(scope, receive, send)


class SecurityHeaders:
    """Headers every response carries: no sniffing, no framing, a strict same-origin policy."""

    HEADERS = (
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
    )
    # Pages load only their own scripts, styles and images: works offline, no CDN, no inline JS.
    CSP = (
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(self.HEADERS)
                # /docs uses Swagger UI assets; keep the strict policy for our own pages.
                if not path.startswith(("/docs", "/redoc")):
                    headers.append((b"content-security-policy", self.CSP))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


__all__ = [
    "ENGINE_STATUS",
    "MAX_BODY_BYTES",
    "ApiError",
    "BodySizeLimit",
    "SecurityHeaders",
    "error_response",
    "install_error_handlers",
    "services",
]
