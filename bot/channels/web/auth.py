"""Web sign-in: a server-side session behind an HttpOnly, SameSite=Lax cookie, and the
``current_user`` dependency.

The cookie holds a random token; the database holds its SHA-256 (``web_sessions``), the expiry
and whether it was revoked. Nothing in the cookie can be computed offline (the old cookie was
signed with a key whose default is public, and its password fingerprint was a constant for
users without a password), and sign-out, a password change or deactivation end a session for
every worker at once. ``Secure`` is set when the public URL is https.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from bot.passwords import CheckGate, hash_password
from bot.services import web_sessions
from bot.storage import Database, User, store

from .errors import ApiError

COOKIE_NAME = "coach_session"
COOKIE_MAX_AGE_SECONDS = int(web_sessions.SESSION_TTL.total_seconds())
# Verified against when the login is unknown (or inactive), so a wrong login costs as much time
# as a wrong password and response times do not reveal which logins exist.
_DUMMY_HASH = hash_password("not-a-real-password")


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


def as_current_user(user: User, session_id: str = "") -> CurrentUser:
    """The API's view of a stored user."""
    return CurrentUser(
        id=user.id,
        login=user.login or "",
        display_name=user.display_name,
        role=user.role,
        language=user.language,
        session_id=session_id,
    )


class SessionCookies:
    """Sets and clears the session cookie (the token itself comes from services.web_sessions)."""

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


def check_credentials(db: Database, login: str, password: str, gate: CheckGate | None = None) -> User | None:
    """The user when login and password match and the user is active; None otherwise.

    Blocking: run it in a thread. With a ``gate`` the hash check takes one of its slots and
    raises ``TooBusy`` (without hashing) when none is free.
    """
    verify = (gate or CheckGate(1)).verify
    with store(db) as s:
        user = s.users.by_login(login.strip())
    if user is None or not user.password_hash or not user.active:
        verify(_DUMMY_HASH, password)
        return None
    return user if verify(user.password_hash, password) else None


async def current_user(request: Request) -> CurrentUser:
    """FastAPI dependency: the signed-in user, or a 401 JSON error."""
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        raise ApiError(401, "not_signed_in", "Sign in first.")
    found = await run_in_threadpool(web_sessions.read, request.app.state.db, token)
    if found is None:
        raise ApiError(401, "not_signed_in", "Your sign-in has expired; sign in again.")
    return CurrentUser(
        id=found.id,
        login=found.login,
        display_name=found.display_name,
        role=found.role,
        language=found.language,
        session_id=found.session_id,
    )


__all__ = [
    "COOKIE_NAME",
    "CurrentUser",
    "SessionCookies",
    "as_current_user",
    "check_credentials",
    "current_user",
]
