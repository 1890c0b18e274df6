"""Server-side web sessions: a random token in the cookie, its SHA-256 in ``web_sessions``.

Nothing in the cookie is derived from the secret key or the password, so a cookie cannot be
made offline (the old signed cookie could, with the public default key), and ending a session
is a row update that every worker sees: sign-out, a password change and deactivation take
effect at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.engine.results import RehearsalError
from bot.passwords import PolicyViolation, hash_password, password_problem
from bot.storage import Database, Store, User
from bot.storage.accounts import AccountRepository, LiveSession, aware
from bot.storage.models import utcnow
from bot.storage.sessions import TurnSession

SESSION_TTL = timedelta(days=14)
# last_seen_at is written at most this often per session: a write per request would take
# SQLite's write lock on every page load.
TOUCH_EVERY = timedelta(minutes=5)


def session_id_of(token: str) -> str:
    """The stored id of a cookie token; a database copy does not reveal live tokens."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True)
class SessionUser:
    """The signed-in user as a session read found them."""

    id: int
    login: str
    display_name: str
    role: str
    language: str
    session_id: str


def _view(user: LiveSession, session_id: str) -> SessionUser:
    return SessionUser(
        id=user.user_id,
        login=user.login or "",
        display_name=user.display_name,
        role=user.role,
        language=user.language,
        session_id=session_id,
    )


def issue(db: Database, user_id: int, *, user_agent: str | None = None, ttl: timedelta = SESSION_TTL) -> str:
    """Start a session for ``user_id``; returns the token to put in the cookie."""
    token = secrets.token_urlsafe(32)
    with db.session(write=True) as s:
        AccountRepository(s).add_session(
            session_id_of(token), user_id, expires_at=utcnow() + ttl, user_agent=user_agent
        )
    return token


def read_in(s: Session, token: str | None, *, now: datetime | None = None) -> SessionUser | None:
    """``read`` inside the caller's write transaction: a web turn checks its sign-in in the
    turn's own transaction instead of one of its own (a sixth of a turn's CPU under load), and
    sign-out or deactivation committed before it still refuses it."""
    if not token or len(token) > 200:
        return None
    now = now or utcnow()
    sid = session_id_of(token)
    accounts = AccountRepository(s)
    found = accounts.live_session(sid, now=now)
    if found is None:
        return None
    if aware(found.last_seen_at) < now - TOUCH_EVERY:
        accounts.touch(sid, now)
    return _view(found, sid)


class NotSignedIn(RehearsalError):
    """The request's sign-in is unknown, expired or revoked, or its user was deactivated."""

    code = "not_signed_in"


SIGNED_OUT = "Your sign-in has expired; sign in again."


def signed_in(s: Store, token: str) -> int:
    """The user id of a live web session, checked in the caller's transaction."""
    found = read_in(s.session, token)
    if found is None:
        raise NotSignedIn(SIGNED_OUT)
    return found.id


def signed_turn(
    s: Store, session_id: str, token: str, *, now: datetime | None = None
) -> tuple[TurnSession | None, int]:
    """A web turn's visit, locked, and the user id of its sign-in, read in one statement (on
    PostgreSQL a round trip fewer than ``signed_in`` then the lock); raises NotSignedIn. The
    visit is None when there is none with that id (the sign-in was still checked)."""
    if not token or len(token) > 200:
        raise NotSignedIn(SIGNED_OUT)
    now = now or utcnow()
    sid = session_id_of(token)
    found = s.sessions.for_signed_turn(session_id, sid)
    if found is None:
        return None, signed_in(s, token)
    turn, signer = found
    if signer is None or aware(signer.expires_at) <= now:
        raise NotSignedIn(SIGNED_OUT)
    if aware(signer.last_seen_at) < now - TOUCH_EVERY:
        AccountRepository(s.session).touch(sid, now)
    return turn, signer.user_id


def read(db: Database, token: str | None, *, now: datetime | None = None) -> SessionUser | None:
    """The user of a live session, or None (unknown, expired, revoked, user deactivated)."""
    if not token or len(token) > 200:
        return None
    now = now or utcnow()
    sid = session_id_of(token)
    with db.session() as s:
        found = AccountRepository(s).live_session(sid, now=now)
        if found is None:
            return None
        view = _view(found, sid)
        stale = aware(found.last_seen_at) < now - TOUCH_EVERY
    if stale:
        with db.session(write=True) as s:
            AccountRepository(s).touch(sid, now)
    return view


def revoke(db: Database, token: str | None) -> None:
    """End one session (signing out twice is fine)."""
    if not token:
        return
    with db.session(write=True) as s:
        AccountRepository(s).revoke(session_id_of(token), utcnow())


def revoke_all(db: Database, user_id: int, *, except_session_id: str | None = None) -> int:
    with db.session(write=True) as s:
        return AccountRepository(s).revoke_all(user_id, utcnow(), except_id=except_session_id)


class PasswordRejected(Exception):
    def __init__(self, violation: PolicyViolation) -> None:
        super().__init__(violation.en)
        self.violation = violation


def set_password(
    db: Database, user_id: int, new_password: str, *, keep_session_id: str | None = None
) -> None:
    """Store a new password (after the policy check) and end every other session of the user."""
    with db.session() as s:
        user = s.get(User, user_id)
        login = user.login if user is not None else None
    problem = password_problem(new_password, login=login)
    if problem is not None:
        raise PasswordRejected(problem)
    new_hash = hash_password(new_password)  # outside the transaction: it takes ~0.1 s
    with db.session(write=True) as s:
        user = s.get(User, user_id)
        if user is None:
            raise LookupError(user_id)
        accounts = AccountRepository(s)
        now = utcnow()
        accounts.set_password(user, new_hash, now)
        accounts.revoke_all(user_id, now, except_id=keep_session_id)


def set_active(db: Database, user_id: int, active: bool) -> int:
    """(De)activate a user; deactivation ends all their sessions. Returns sessions ended."""
    with db.session(write=True) as s:
        user = s.get(User, user_id)
        if user is None:
            raise LookupError(user_id)
        accounts = AccountRepository(s)
        accounts.set_active(user, active)
        return 0 if active else accounts.revoke_all(user_id, utcnow())


class WebSessionService:
    """The web channel's sign-in sessions over one database (the functions above, bound to it).

    Every call is blocking (database, and for ``set_password`` Argon2): run it in a thread.
    """

    def __init__(self, db: Database, *, ttl: timedelta = SESSION_TTL) -> None:
        self.db = db
        self.ttl = ttl

    def issue(self, user_id: int, *, user_agent: str | None = None) -> str:
        return issue(self.db, user_id, user_agent=user_agent, ttl=self.ttl)

    def read(self, token: str | None) -> SessionUser | None:
        return read(self.db, token)

    def revoke(self, token: str | None) -> None:
        revoke(self.db, token)

    def set_password(self, user_id: int, new_password: str, *, keep_session_id: str | None = None) -> None:
        set_password(self.db, user_id, new_password, keep_session_id=keep_session_id)

    def set_active(self, user_id: int, active: bool) -> int:
        return set_active(self.db, user_id, active)


__all__ = [
    "SESSION_TTL",
    "NotSignedIn",
    "PasswordRejected",
    "SessionUser",
    "WebSessionService",
    "issue",
    "read",
    "revoke",
    "revoke_all",
    "session_id_of",
    "set_active",
    "set_password",
]
