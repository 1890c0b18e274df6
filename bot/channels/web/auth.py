"""Web sign-in: a signed, HttpOnly, SameSite=Lax session cookie and the ``current_user`` dependency.

The cookie holds the user id and a fingerprint of the password hash, signed with
``Settings.secret_key`` (itsdangerous). Changing a password therefore signs out every browser
that used the old one. Nothing secret is stored in the cookie and no session table is needed,
so any worker process can verify it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from fastapi import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from bot.passwords import hash_password, verify_password
from bot.storage import Database, User, store

from .errors import ApiError

COOKIE_NAME = "coach_session"
COOKIE_MAX_AGE_SECONDS = 14 * 24 * 3600
_SALT = "coach.web.session.v1"
# Verified against when the login is unknown, so a wrong login costs as much time as a wrong
# password and response times do not reveal which logins exist.
_DUMMY_HASH = hash_password("not-a-real-password")


@dataclass(frozen=True)
class CurrentUser:
    """The signed-in user, as the API needs it."""

    id: int
    login: str
    display_name: str
    role: str
    language: str


def _fingerprint(password_hash: str | None) -> str:
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


def as_current_user(user: User) -> CurrentUser:
    """The API's view of a stored user."""
    return CurrentUser(
        id=user.id,
        login=user.login or "",
        display_name=user.display_name,
        role=user.role,
        language=user.language,
    )


class SessionCookies:
    """Issues and checks the session cookie for one secret key."""

    def __init__(self, secret_key: str, *, secure: bool = False) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt=_SALT)
        self._secure = secure

    def issue(self, response: Response, user: User) -> None:
        token = self._serializer.dumps({"uid": user.id, "pw": _fingerprint(user.password_hash)})
        response.set_cookie(
            COOKIE_NAME,
            token,
            max_age=COOKIE_MAX_AGE_SECONDS,
            httponly=True,
            samesite="lax",
            secure=self._secure,
            path="/",
        )

    def clear(self, response: Response) -> None:
        response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="lax", secure=self._secure)

    def read(self, token: str | None) -> tuple[int, str] | None:
        """(user id, password fingerprint) from a valid, unexpired cookie; None otherwise."""
        if not token:
            return None
        try:
            data = self._serializer.loads(token, max_age=COOKIE_MAX_AGE_SECONDS)
        except BadSignature:  # also covers SignatureExpired
            return None
        if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
            return None
        return data["uid"], str(data.get("pw", ""))


def check_credentials(db: Database, login: str, password: str) -> User | None:
    """The user when login and password match; None otherwise. Blocking: run it in a thread."""
    with store(db) as s:
        user = s.users.by_login(login.strip())
        if user is None or not user.password_hash:
            verify_password(_DUMMY_HASH, password)
            return None
        return user if verify_password(user.password_hash, password) else None


def _load_user(db: Database, user_id: int, fingerprint: str) -> CurrentUser | None:
    with store(db) as s:
        user = s.users.get(user_id)
        if user is None or _fingerprint(user.password_hash) != fingerprint:
            return None
        return as_current_user(user)


async def current_user(request: Request) -> CurrentUser:
    """FastAPI dependency: the signed-in user, or a 401 JSON error."""
    cookies: SessionCookies = request.app.state.cookies
    claim = cookies.read(request.cookies.get(COOKIE_NAME))
    if claim is None:
        raise ApiError(401, "not_signed_in", "Sign in first.")
    user = await run_in_threadpool(_load_user, request.app.state.db, *claim)
    if user is None:
        raise ApiError(401, "not_signed_in", "Your sign-in has expired; sign in again.")
    return user


__all__ = [
    "COOKIE_NAME",
    "CurrentUser",
    "SessionCookies",
    "as_current_user",
    "check_credentials",
    "current_user",
]
