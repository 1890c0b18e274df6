"""Web sign-in: a server-side session behind an HttpOnly, SameSite=Lax cookie, and the
``current_user`` dependency.

The cookie holds a random token; the database holds its SHA-256 (``web_sessions``, through
``bot.services.WebSessionService``), the expiry and whether it was revoked. Nothing in the
cookie can be computed offline (the old cookie was signed with a key whose default is public,
and its password fingerprint was a constant for users without a password), and sign-out, a
password change or deactivation end a session for every worker at once. ``Secure`` is set
when the public URL is https.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from bot.services import Account, SessionUser
from bot.services.web_sessions import SESSION_TTL

from .errors import ApiError, services

COOKIE_NAME = "coach_session"
COOKIE_MAX_AGE_SECONDS = int(SESSION_TTL.total_seconds())


@dataclass(frozen=True)
class CurrentUser:
    """The signed-in user, as the API needs it."""

    id: int
    login: str
    display_name: str
    role: str
    language: str
    # The stored id of the session this request came with ("" outside a web session).
    session_id: str = ""


def as_current_user(user: Account | SessionUser, session_id: str = "") -> CurrentUser:
    """The API's view of an account (or of a session's user)."""
    return CurrentUser(
        id=user.id,
        login=user.login or "",
        display_name=user.display_name,
        role=user.role,
        language=user.language,
        session_id=getattr(user, "session_id", "") or session_id,
    )


class SessionCookies:
    """Sets and clears the session cookie (the token itself comes from the session service)."""

    def __init__(self, *, secure: bool = False, max_age: int = COOKIE_MAX_AGE_SECONDS) -> None:
        self._secure = secure
        self._max_age = max_age

    @property
    def secure(self) -> bool:
        return self._secure

    def set(self, response: Response, token: str) -> None:
        response.set_cookie(
            COOKIE_NAME,
            token,
            max_age=self._max_age,
            httponly=True,
            samesite="lax",
            secure=self._secure,
            path="/",
        )

    def clear(self, response: Response) -> None:
        response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="lax", secure=self._secure)


async def sign_in_token(request: Request) -> str:
    """FastAPI dependency: the cookie's token (401 without one), for a route whose service call
    checks it in its own transaction (a turn: one transaction instead of two)."""
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        raise ApiError(401, "not_signed_in", "Sign in first.")
    return token


async def current_user(request: Request) -> CurrentUser:
    """FastAPI dependency: the signed-in user, or a 401 JSON error."""
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        raise ApiError(401, "not_signed_in", "Sign in first.")
    found = await run_in_threadpool(services(request).web_sessions.read, token)
    if found is None:
        raise ApiError(401, "not_signed_in", "Your sign-in has expired; sign in again.")
    return as_current_user(found)


__all__ = [
    "COOKIE_NAME",
    "CurrentUser",
    "SessionCookies",
    "as_current_user",
    "current_user",
    "sign_in_token",
]
