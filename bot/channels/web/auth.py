"""Web sign-in: a signed, HttpOnly, SameSite=Lax session cookie and the ``current_user`` dependency.

The cookie holds the user id and a fingerprint of the password hash, signed with
``Settings.secret_key`` (itsdangerous). Changing a password therefore signs out every browser
that used the old one. Nothing secret is stored in the cookie and no session table is needed,
so any worker process can verify it.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from bot.services import Account, AccountsAPI

from .errors import ApiError, services

COOKIE_NAME = "coach_session"
COOKIE_MAX_AGE_SECONDS = 14 * 24 * 3600
_SALT = "coach.web.session.v1"


@dataclass(frozen=True)
class CurrentUser:
    """The signed-in user, as the API needs it."""

    id: int
    login: str
    display_name: str
    role: str
    language: str


def as_current_user(user: Account) -> CurrentUser:
    """The API's view of an account."""
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

    def issue(self, response: Response, user: Account) -> None:
        token = self._serializer.dumps({"uid": user.id, "pw": user.password_fingerprint})
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


def _load_user(accounts: AccountsAPI, user_id: int, fingerprint: str) -> CurrentUser | None:
    account = accounts.account(user_id)
    if account is None or account.password_fingerprint != fingerprint:
        return None
    return as_current_user(account)


async def current_user(request: Request) -> CurrentUser:
    """FastAPI dependency: the signed-in user, or a 401 JSON error."""
    cookies: SessionCookies = request.app.state.cookies
    claim = cookies.read(request.cookies.get(COOKIE_NAME))
    if claim is None:
        raise ApiError(401, "not_signed_in", "Sign in first.")
    user = await run_in_threadpool(_load_user, services(request).accounts, *claim)
    if user is None:
        raise ApiError(401, "not_signed_in", "Your sign-in has expired; sign in again.")
    return user


__all__ = [
    "COOKIE_NAME",
    "CurrentUser",
    "SessionCookies",
    "as_current_user",
    "current_user",
]
