"""A small repository layer: the only code that writes SQL for the engine and the channels."""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .browse import BrowseRepository
from .database import connection_of
from .models import (
    CoachingNote,
    JudgementFlag,
    LinkCode,
    ProcessedMessage,
    RehearsalSession,
    Team,
    TelegramLink,
    Turn,
    User,
    utcnow,
)
from .outbox import OutboxRepository
from .reviews import ReviewRepository
from .scripts import ScriptRepository
from .sessions import SessionRepository
from .statistics import history_entries

NAME_CHARS: int = getattr(User.__table__.c.display_name.type, "length", None) or 120


def fit_name(name: str) -> str:
    """A display name the column takes on every backend: control characters (PostgreSQL refuses
    NUL) become spaces and it is cut to the column's length. Telegram allows longer names."""
    cleaned = "".join(" " if unicodedata.category(c) == "Cc" else c for c in name).strip()
    return cleaned[:NAME_CHARS] or "?"


# Built once (every Telegram update runs it): the statement keeps its cache key.
_USER_BY_TELEGRAM = (
    select(User)
    .join(TelegramLink, TelegramLink.user_id == User.id)
    .where(TelegramLink.telegram_user_id == bindparam("telegram_user_id"))
)


class UserRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def create(
        self,
        display_name: str,
        *,
        login: str | None = None,
        role: str = "rep",
        language: str = "zh",
        password_hash: str | None = None,
        team: Team | None = None,
    ) -> User:
        user = User(
            login=login,
            display_name=fit_name(display_name),
            role=role,
            language=language,
            password_hash=password_hash,
            team=team,
        )
        self._s.add(user)
        self._s.flush()
        return user

    def get(self, user_id: int) -> User | None:
        return self._s.get(User, user_id)

    def by_login(self, login: str) -> User | None:
        return self._s.scalar(select(User).where(User.login == login))

    def list(self, *, role: str | None = None, team_id: int | None = None) -> Sequence[User]:
        query = select(User).order_by(User.id)
        if role is not None:
            query = query.where(User.role == role)
        if team_id is not None:
            query = query.where(User.team_id == team_id)
        return self._s.scalars(query).all()

    def get_or_create_team(self, name: str) -> Team:
        team = self._s.scalar(select(Team).where(Team.name == name))
        if team is None:
            team = Team(name=name)
            self._s.add(team)
            self._s.flush()
        return team

    def by_telegram(self, telegram_user_id: int) -> User | None:
        """The user a Telegram user is linked to: one query, the link joined to its user."""
        return self._s.scalar(_USER_BY_TELEGRAM, {"telegram_user_id": telegram_user_id})

    def link_telegram(self, telegram_user_id: int, user: User, chat_id: int | None = None) -> TelegramLink:
        link = self._s.get(TelegramLink, telegram_user_id)
        if link is None:
            link = TelegramLink(telegram_user_id=telegram_user_id, user_id=user.id, chat_id=chat_id)
            self._s.add(link)
        else:
            link.user_id, link.chat_id = user.id, chat_id
        self._s.flush()
        return link

    def telegram_chats(self, user_id: int) -> Sequence[int]:
        """The Telegram chats linked to a user, oldest link first."""
        links = self._s.scalars(
            select(TelegramLink)
            .where(TelegramLink.user_id == user_id)
            .order_by(TelegramLink.created_at, TelegramLink.telegram_user_id)
        ).all()
        # A private chat's id is the user's id; older links may not have stored it.
        return tuple(dict.fromkeys(link.chat_id or link.telegram_user_id for link in links))

    def issue_link_code(self, user: User, *, ttl: timedelta = timedelta(minutes=15)) -> str:
        code = secrets.token_hex(4).upper()
        self._s.add(LinkCode(code=code, user_id=user.id, expires_at=utcnow() + ttl))
        self._s.flush()
        return code

    def redeem_link_code(self, code: str, *, now: datetime | None = None) -> User | None:
        """The user a fresh, unused code belongs to; the code is spent. None if invalid."""
        now = now or utcnow()
        link_code = self._s.get(LinkCode, code.strip().upper(), with_for_update=True)
        if link_code is None or link_code.used_at is not None:
            return None
        expires_at = link_code.expires_at
        if expires_at.tzinfo is None:  # SQLite returns naive datetimes
            expires_at = expires_at.replace(tzinfo=now.tzinfo)
        if expires_at < now:
            return None
        link_code.used_at = now
        return self._s.get(User, link_code.user_id)


class TurnRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(
        self,
        rehearsal: RehearsalSession,
        speaker: str,
        text: str,
        *,
        language: str | None = None,
        techniques: list[str] | None = None,
        revealed: list[str] | None = None,
        entry: dict[str, Any] | None = None,
        flush: bool = True,
    ) -> Turn:
        """Append a turn, numbered from the session's counter (the caller holds the session lock).

        ``flush=False`` leaves the INSERT to the next flush or the commit, so the turns of one
        rep line go to the database as one batch.
        """
        turn = Turn(
            session_id=rehearsal.id,
            seq=rehearsal.next_seq,
            speaker=speaker,
            text=text,
            language=language or rehearsal.language,
            techniques=list(techniques or []),
            stage=rehearsal.stage,
            step=rehearsal.step,
            trust=rehearsal.trust,
            revealed=list(revealed or []),
            entry=entry,
        )
        rehearsal.next_seq += 1
        self._s.add(turn)
        if flush:
            self._s.flush()
        return turn

    def for_session(self, session_id: str, *, after_seq: int = 0, limit: int | None = None) -> Sequence[Turn]:
        """Turns after ``after_seq`` in order: keyset paging on the (session_id, seq) unique index."""
        query = select(Turn).where(Turn.session_id == session_id, Turn.seq > after_seq).order_by(Turn.seq)
        if limit is not None:
            query = query.limit(limit)
        return self._s.scalars(query).all()

    def entries(self, session_id: str) -> list[dict[str, Any]]:
        """The history entries kept on a visit's rep turns (0017), in order: an active visit whose
        state leaves its history out reads them back once, when it closes."""
        return history_entries(self._s, [session_id])[session_id]

    def lines_of(self, session_ids: Sequence[str]) -> Sequence[Row[Any]]:
        """The rep's and the customer's turns of many sessions in one query, without their text:
        (session_id, seq, speaker, techniques, trust), in order (progress figures read these)."""
        if not session_ids:
            return []
        query = (
            select(Turn.session_id, Turn.seq, Turn.speaker, Turn.techniques, Turn.trust)
            .where(Turn.session_id.in_(list(session_ids)), Turn.speaker.in_(("rep", "customer")))
            .order_by(Turn.session_id, Turn.seq)
        )
        return self._s.execute(query).all()

    def count(self, session_id: str) -> int:
        return (
            self._s.scalar(select(func.count()).select_from(Turn).where(Turn.session_id == session_id)) or 0
        )


_processed = cast(Table, ProcessedMessage.__table__)
_CLAIMED = select(_processed.c.id).where(
    _processed.c.channel == bindparam("channel"), _processed.c.external_id == bindparam("external_id")
)
_CLAIM_WITH_RESPONSE = insert(_processed)
_RECORD_RESPONSE = (
    update(_processed)
    .where(
        _processed.c.channel == bindparam("b_channel"),
        _processed.c.external_id == bindparam("b_external_id"),
    )
    .values(response=bindparam("b_response"))
)
# A claim is one INSERT that does nothing when the id is taken, on both databases: no savepoint.
# On PostgreSQL a concurrent claim of the same id waits for the first to commit or roll back.
_CLAIM_KEY = ["channel", "external_id"]
_CLAIM = {
    "postgresql": postgresql_insert(_processed)
    .on_conflict_do_nothing(index_elements=_CLAIM_KEY)
    .returning(_processed.c.id),
    "sqlite": sqlite_insert(_processed)
    .on_conflict_do_nothing(index_elements=_CLAIM_KEY)
    .returning(_processed.c.id),
}


class InboundRepository:
    """Idempotency for inbound messages (webhook update ids, web client message ids)."""

    def __init__(self, session: Session) -> None:
        self._s = session
        # What this transaction claimed: its answer is then one UPDATE (``record_response``).
        self._claimed: set[tuple[str, str]] = set()

    def claim(self, channel: str, external_id: str, *, session_id: str | None = None) -> bool:
        """Record the message as being processed; False when it was already claimed.

        One ``INSERT ... ON CONFLICT DO NOTHING``: a lost race leaves the caller's transaction
        usable. On PostgreSQL a concurrent claim of the same id waits for the first to commit or
        roll back.
        """
        connection = connection_of(self._s)
        values = {"channel": channel, "external_id": external_id, "session_id": session_id}
        # A row back, not the rowcount: psycopg does not report 1 for it.
        if connection.execute(_CLAIM[connection.dialect.name], values).first() is None:
            return False
        self._claimed.add((channel, external_id))
        return True

    def claimed(self, channel: str, external_id: str) -> bool:
        """Whether the message was claimed (``get(...) is not None``, one Core select of its id)."""
        found = connection_of(self._s).execute(_CLAIMED, {"channel": channel, "external_id": external_id})
        return found.first() is not None

    def get(self, channel: str, external_id: str) -> ProcessedMessage | None:
        return self._s.scalar(
            select(ProcessedMessage).where(
                ProcessedMessage.channel == channel, ProcessedMessage.external_id == external_id
            )
        )

    def record_response(
        self, channel: str, external_id: str, response: dict[str, Any], *, session_id: str | None = None
    ) -> None:
        """Attach the answer to the message claimed in this transaction; a message not claimed
        here is claimed now with its answer, in one INSERT (no savepoint, no UPDATE). Only for
        callers that hold the lock every claim of that id takes first (a web message id is
        scoped to its session, whose row the turn locks): then ``get`` found no claim and none
        can appear before this commits."""
        if (channel, external_id) in self._claimed:
            connection_of(self._s).execute(
                _RECORD_RESPONSE, {"b_channel": channel, "b_external_id": external_id, "b_response": response}
            )
            return
        connection_of(self._s).execute(
            _CLAIM_WITH_RESPONSE,
            {"channel": channel, "external_id": external_id, "session_id": session_id, "response": response},
        )


class NoteRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, *, author: User, rep: User, text: str, session_id: str | None = None) -> CoachingNote:
        note = CoachingNote(author_id=author.id, rep_id=rep.id, text=text, session_id=session_id)
        self._s.add(note)
        self._s.flush()
        return note

    def for_rep(self, rep_id: int) -> Sequence[CoachingNote]:
        return self._s.scalars(
            select(CoachingNote)
            .where(CoachingNote.rep_id == rep_id)
            .order_by(CoachingNote.created_at.desc(), CoachingNote.id.desc())
        ).all()

    def get(self, note_id: int) -> CoachingNote | None:
        return self._s.get(CoachingNote, note_id)

    def for_session(self, session_id: str) -> Sequence[CoachingNote]:
        return self._s.scalars(
            select(CoachingNote)
            .where(CoachingNote.session_id == session_id)
            .order_by(CoachingNote.created_at.desc(), CoachingNote.id.desc())
        ).all()

    def unread_counts(self, rep_ids: Sequence[int]) -> dict[int, int]:
        """Unread notes per rep (reps without any are left out)."""
        if not rep_ids:
            return {}
        rows = self._s.execute(
            select(CoachingNote.rep_id, func.count())
            .where(CoachingNote.rep_id.in_(list(rep_ids)), CoachingNote.read_at.is_(None))
            .group_by(CoachingNote.rep_id)
        ).all()
        return {int(rep_id): int(count) for rep_id, count in rows}

    def author_names(self, notes: Sequence[CoachingNote]) -> dict[int, str]:
        """Display names of the notes' authors, in one query (authors since deleted are left out)."""
        author_ids = {note.author_id for note in notes}
        if not author_ids:
            return {}
        rows = self._s.execute(select(User.id, User.display_name).where(User.id.in_(author_ids))).all()
        return {int(user_id): name for user_id, name in rows}

    def mark_read(self, note: CoachingNote) -> None:
        note.read_at = note.read_at or utcnow()


class FlagRepository:
    """Reps' "judged wrong" flags and their review."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, flag_id: int, *, for_update: bool = False) -> JudgementFlag | None:
        query = select(JudgementFlag).where(JudgementFlag.id == flag_id)
        return self._s.scalars(query.with_for_update() if for_update else query).first()

    def find(self, session_id: str, seq: int, user_id: int) -> JudgementFlag | None:
        query = select(JudgementFlag).where(
            JudgementFlag.session_id == session_id, JudgementFlag.seq == seq, JudgementFlag.user_id == user_id
        )
        return self._s.scalars(query).first()

    def put(self, flag: JudgementFlag) -> JudgementFlag:
        """Insert ``flag``, or update the rep's earlier flag of the same line (a second click races
        the first: the loser's INSERT fails inside a savepoint and it updates the winner's row)."""
        existing = self.find(flag.session_id, flag.seq, flag.user_id)
        if existing is None:
            try:
                with self._s.begin_nested():
                    self._s.add(flag)
                return flag
            except IntegrityError:
                existing = self.find(flag.session_id, flag.seq, flag.user_id)
                if existing is None:
                    raise
        existing.suggested, existing.channel, existing.created_at = flag.suggested, flag.channel, utcnow()
        existing.status, existing.reviewer, existing.reviewed_at, existing.label = "pending", None, None, None
        self._s.flush()
        return existing

    def with_status(self, status: str) -> Sequence[JudgementFlag]:
        query = select(JudgementFlag).where(JudgementFlag.status == status).order_by(JudgementFlag.id)
        return self._s.scalars(query).all()


class Store:
    """All repositories over one unit of work (one SQLAlchemy session, one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.users = UserRepository(session)
        self.sessions = SessionRepository(session)
        self.turns = TurnRepository(session)
        self.inbound = InboundRepository(session)
        self.scripts = ScriptRepository(session)
        self.notes = NoteRepository(session)
        self.flags = FlagRepository(session)
        self.outbox = OutboxRepository(session)
        self.browse = BrowseRepository(session)
        self.reviews = ReviewRepository(session)
