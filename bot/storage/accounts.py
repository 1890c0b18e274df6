"""Repository for sign-in state: web sessions and the shared failed-sign-in counters.

Kept apart from repository.py (and its ``Store``) so the accounts work can merge with the
services refactor without touching the same lines; open it over any SQLAlchemy session.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, case, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .database import Database, connection_of
from .models import LinkCode, ProcessedMessage, SignInAttempt, User, WebSession, utcnow


def aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back without a zone; every stored time is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=utcnow().tzinfo)


class LiveSession(NamedTuple):
    """A live web session's user, as ``live_session`` reads them (no ORM objects)."""

    expires_at: datetime
    last_seen_at: datetime
    user_id: int
    login: str | None
    display_name: str
    role: str
    language: str


_sessions, _users = WebSession.__table__, User.__table__
_LIVE_SESSION = (
    select(
        _sessions.c.expires_at,
        _sessions.c.last_seen_at,
        _users.c.id,
        _users.c.login,
        _users.c.display_name,
        _users.c.role,
        _users.c.language,
    )
    .select_from(_sessions.join(_users, _users.c.id == _sessions.c.user_id))
    .where(
        _sessions.c.id == bindparam("session_id"),
        _sessions.c.revoked_at.is_(None),
        _users.c.active.is_(True),
    )
)


class AccountRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    # --- web sessions ------------------------------------------------------------------------

    def add_session(
        self, session_id: str, user_id: int, *, expires_at: datetime, user_agent: str | None
    ) -> WebSession:
        row = WebSession(
            id=session_id,
            user_id=user_id,
            expires_at=expires_at,
            user_agent=(user_agent or "")[:120] or None,
        )
        self._s.add(row)
        self._s.flush()
        return row

    def live_session(self, session_id: str, *, now: datetime) -> LiveSession | None:
        """The session's user when it is unexpired, unrevoked and the user is active.

        A Core select of the columns a request needs, built once: every web request and turn
        checks its sign-in, and loading two ORM entities cost a seventh of a turn's CPU."""
        found = connection_of(self._s).execute(_LIVE_SESSION, {"session_id": session_id}).first()
        if found is None:
            return None
        live = LiveSession(*found)
        if aware(live.expires_at) <= now:
            return None
        return live

    def touch(self, session_id: str, now: datetime) -> None:
        self._s.execute(update(WebSession).where(WebSession.id == session_id).values(last_seen_at=now))

    def revoke(self, session_id: str, now: datetime) -> None:
        self._s.execute(
            update(WebSession)
            .where(WebSession.id == session_id, WebSession.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    def revoke_all(self, user_id: int, now: datetime, *, except_id: str | None = None) -> int:
        """Revoke every live session of a user (but ``except_id``); returns how many."""
        query = update(WebSession).where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
        if except_id is not None:
            query = query.where(WebSession.id != except_id)
        return int(self._s.execute(query.values(revoked_at=now)).rowcount or 0)  # type: ignore[attr-defined]

    def sessions_of(self, user_id: int) -> Sequence[WebSession]:
        return self._s.scalars(select(WebSession).where(WebSession.user_id == user_id)).all()

    # --- users -------------------------------------------------------------------------------

    def set_password(self, user: User, password_hash: str, now: datetime) -> None:
        user.password_hash = password_hash
        user.password_changed_at = now
        self._s.flush()

    def set_active(self, user: User, active: bool) -> None:
        user.active = active
        self._s.flush()

    # --- failed sign-ins ---------------------------------------------------------------------

    def failures(self, keys: Sequence[str], *, since: datetime) -> int:
        """The most failures any of ``keys`` has in a window that started after ``since``."""
        counts = self._s.scalars(
            select(SignInAttempt.failures).where(
                SignInAttempt.key.in_(keys), SignInAttempt.window_start > since
            )
        ).all()
        return max(counts, default=0)

    def add_failure(self, key: str, *, now: datetime, since: datetime) -> None:
        """Count one failure for ``key`` in one statement, so concurrent workers never lose one.

        A window that started at or before ``since`` is over: it restarts at ``now`` with 1.
        """
        expired = SignInAttempt.window_start <= since
        values = {"key": key, "window_start": now, "failures": 1}
        insert = pg_insert if self._s.get_bind().dialect.name == "postgresql" else sqlite_insert
        statement = insert(SignInAttempt).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[SignInAttempt.key],
            set_={
                "failures": case((expired, 1), else_=SignInAttempt.failures + 1),
                "window_start": case((expired, now), else_=SignInAttempt.window_start),
            },
        )
        self._s.execute(statement)

    def clear_failures(self, key: str) -> None:
        self._s.execute(delete(SignInAttempt).where(SignInAttempt.key == key))

    # --- retention ---------------------------------------------------------------------------

    def prune(
        self,
        *,
        now: datetime,
        sessions_before: datetime,
        processed_before: datetime,
        attempts_before: datetime,
    ) -> dict[str, int]:
        """Delete what is no longer needed; returns rows removed per table."""

        def count(result: object) -> int:
            return int(getattr(result, "rowcount", 0) or 0)

        removed = {
            # Expired or revoked sessions, kept a while for "where was I signed in" questions.
            "web_sessions": count(
                self._s.execute(
                    delete(WebSession).where(
                        (WebSession.expires_at < sessions_before) | (WebSession.revoked_at < sessions_before)
                    )
                )
            ),
            "link_codes": count(
                self._s.execute(
                    delete(LinkCode).where(LinkCode.used_at.is_not(None) | (LinkCode.expires_at < now))
                )
            ),
            "processed_messages": count(
                self._s.execute(
                    delete(ProcessedMessage).where(ProcessedMessage.created_at < processed_before)
                )
            ),
            "sign_in_attempts": count(
                self._s.execute(delete(SignInAttempt).where(SignInAttempt.window_start < attempts_before))
            ),
        }
        return removed


__all__ = ["AccountRepository", "LiveSession", "aware"]


READY_KEY = "ops:readyz"


def database_writable(db: Database) -> bool:
    """True when the database commits a one-row write (``/readyz``): a full disk or a read-only
    replica answers SELECT 1 but cannot store a turn."""
    try:
        with db.session(write=True) as s:
            now = utcnow()
            # One fixed row, rewritten each time: the table never grows from health checks.
            AccountRepository(s).add_failure(READY_KEY, now=now, since=now)
        return True
    except Exception:
        return False
