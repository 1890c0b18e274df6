"""Rehearsal sessions: create, lock, list by keyset, the active one, progress figures, and the
facts each rep's visits to a scenario brought out. Every query here has an index that fits it
(``models.RehearsalSession.__table_args__``; migration 0007_performance)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, and_, bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .database import connection_of
from .models import RehearsalSession, RevealedFacts, Turn, User, WebSession, utcnow
from .rep_totals import Progress, progress_for_users, record_closed
from .reviews import record_figures


@dataclass(slots=True)
class TurnSession:
    """The columns a rep line reads and writes, loaded without the ORM (``for_turn``): a web or
    Telegram line's session row as a plain value, and its turn stored with Core statements
    (``save_turn``) instead of an ORM unit of work, which cost a third of a turn's CPU. The last
    four columns are only read: a channel's view of the visit (``session_view``)."""

    id: str
    user_id: int
    scenario_id: str
    scenario_version: str
    language: str
    status: str
    stage: str | None
    step: str | None
    trust: float
    state: dict[str, Any]
    next_seq: int
    mode: str
    channel: str
    started_at: datetime
    private: bool


class Signer(NamedTuple):
    """The user of a live web session as a turn's statement reads it (``for_signed_turn``)."""

    user_id: int
    expires_at: datetime
    last_seen_at: datetime


_rs, _turns = cast(Table, RehearsalSession.__table__), cast(Table, Turn.__table__)
_FOR_TURN = select(
    _rs.c.id,
    _rs.c.user_id,
    _rs.c.scenario_id,
    _rs.c.scenario_version,
    _rs.c.language,
    _rs.c.status,
    _rs.c.stage,
    _rs.c.step,
    _rs.c.trust,
    _rs.c.state,
    _rs.c.next_seq,
    _rs.c.mode,
    _rs.c.channel,
    _rs.c.started_at,
    _rs.c.private,
).where(_rs.c.id == bindparam("session_id"))
_TURN_COLUMNS = tuple(column.name for column in _FOR_TURN.selected_columns)
_ACTIVE_ID = (
    select(_rs.c.id)
    .where(_rs.c.user_id == bindparam("user_id"), _rs.c.status == "active")
    .order_by(_rs.c.updated_at.desc())
    .limit(1)
)
_FOR_TURN_LOCKED = _FOR_TURN.with_for_update()
_ws, _users = cast(Table, WebSession.__table__), cast(Table, User.__table__)
# A web turn's session row, locked, and the user of its sign-in when that is unrevoked and the
# user active: one statement where a sign-in read and the lock were two round trips.
_FOR_SIGNED_TURN = (
    select(
        *_FOR_TURN.selected_columns,
        _users.c.id.label("signer_id"),
        _ws.c.expires_at.label("signer_expires_at"),
        _ws.c.last_seen_at.label("signer_seen_at"),
    )
    .select_from(
        _rs.outerjoin(
            _ws, and_(_ws.c.id == bindparam("web_session_id"), _ws.c.revoked_at.is_(None))
        ).outerjoin(_users, and_(_users.c.id == _ws.c.user_id, _users.c.active.is_(True)))
    )
    .where(_rs.c.id == bindparam("session_id"))
    .with_for_update(of=_rs)
)
_INSERT_TURNS = insert(_turns)
_SAVE_TURN = (
    update(_rs)
    .where(_rs.c.id == bindparam("b_id"))
    .values(
        stage=bindparam("b_stage"),
        step=bindparam("b_step"),
        trust=bindparam("b_trust"),
        state=bindparam("b_state"),
        next_seq=bindparam("b_next_seq"),
        updated_at=bindparam("b_updated_at"),
    )
)


class SessionRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def create(
        self,
        *,
        user: User,
        scenario_id: str,
        scenario_version: str,
        channel: str,
        mode: str = "practice",
        language: str = "zh",
        seed: int = 0,
        state: dict[str, Any] | None = None,
        stage: str | None = None,
        step: str | None = None,
        trust: float = 0.0,
        private: bool = False,
    ) -> RehearsalSession:
        rehearsal = RehearsalSession(
            user_id=user.id,
            scenario_id=scenario_id,
            scenario_version=scenario_version,
            channel=channel,
            mode=mode,
            language=language,
            seed=seed,
            state=state or {},
            stage=stage,
            step=step,
            trust=trust,
            status="active",
            next_seq=1,
            private=private,
        )
        self._s.add(rehearsal)
        self._s.flush()
        return rehearsal

    def get(self, session_id: str, *, for_update: bool = False) -> RehearsalSession | None:
        """Load a session; ``for_update`` holds a row lock until the transaction ends (PostgreSQL)."""
        return self._s.get(
            RehearsalSession, session_id, with_for_update=for_update, populate_existing=for_update
        )

    def for_turn(self, session_id: str, *, lock: bool = False) -> TurnSession | None:
        """The session's ``TurnSession`` columns; ``lock`` as ``get(for_update=True)`` (a row lock
        on PostgreSQL; SQLite's writers hold the database lock). Not put in the ORM's identity
        map: a caller that needs the ORM object later (``get``) loads the row then."""
        query = _FOR_TURN_LOCKED if lock else _FOR_TURN
        row = connection_of(self._s).execute(query, {"session_id": session_id}).first()
        return TurnSession(**row._mapping) if row is not None else None

    def for_signed_turn(
        self, session_id: str, web_session_id: str
    ) -> tuple[TurnSession, Signer | None] | None:
        """``for_turn(lock=True)`` and, in the same statement, the web session's user (None when
        the web session is unknown or revoked, or its user deactivated); None without the row."""
        row = (
            connection_of(self._s)
            .execute(_FOR_SIGNED_TURN, {"session_id": session_id, "web_session_id": web_session_id})
            .first()
        )
        if row is None:
            return None
        columns = row._mapping
        turn = TurnSession(**{name: columns[name] for name in _TURN_COLUMNS})
        if columns["signer_id"] is None:
            return turn, None
        return turn, Signer(columns["signer_id"], columns["signer_expires_at"], columns["signer_seen_at"])

    def save_turn(self, rehearsal: TurnSession, turns: Sequence[dict[str, Any]]) -> None:
        """Store a line's turns (each a ``turns`` row without its id and session id) and the
        session's stage, step, trust, state and next seq as ``rehearsal`` now holds them: two
        Core statements. The caller holds the session's lock (``for_turn(lock=True)``)."""
        connection = connection_of(self._s)
        connection.execute(_INSERT_TURNS, [{"session_id": rehearsal.id, **turn} for turn in turns])
        connection.execute(
            _SAVE_TURN,
            {
                "b_id": rehearsal.id,
                "b_stage": rehearsal.stage,
                "b_step": rehearsal.step,
                "b_trust": rehearsal.trust,
                "b_state": rehearsal.state,
                "b_next_seq": rehearsal.next_seq,
                "b_updated_at": utcnow(),
            },
        )

    def for_user(
        self, user_id: int, *, limit: int = 50, before: str | None = None
    ) -> Sequence[RehearsalSession]:
        """A rep's sessions, newest first; ``before`` (a session id) pages on after that one.

        Keyset paging on (started_at, id) over ``ix_rehearsal_sessions_user_started``: page 100
        costs what page 1 does. An unknown ``before`` gives an empty page.
        """
        query = select(RehearsalSession).where(RehearsalSession.user_id == user_id)
        if before is not None:
            mark = self._s.execute(
                select(RehearsalSession.started_at, RehearsalSession.id).where(
                    RehearsalSession.id == before, RehearsalSession.user_id == user_id
                )
            ).first()
            if mark is None:
                return []
            query = query.where(
                or_(
                    RehearsalSession.started_at < mark.started_at,
                    and_(RehearsalSession.started_at == mark.started_at, RehearsalSession.id > mark.id),
                )
            )
        query = query.order_by(RehearsalSession.started_at.desc(), RehearsalSession.id).limit(limit)
        return self._s.scalars(query).all()

    def many(self, session_ids: Sequence[str]) -> Sequence[RehearsalSession]:
        """The sessions among ``session_ids`` that exist, in one query."""
        if not session_ids:
            return []
        return self._s.scalars(
            select(RehearsalSession).where(RehearsalSession.id.in_(list(session_ids)))
        ).all()

    def progress_for_users(self, user_ids: Sequence[int]) -> list[Progress]:
        """Per user: sessions, finished (ended by the rep), walked_out, abandoned, scored,
        score_sum, best, and the latest started_at, updated_at and ended_at. One ``rep_totals``
        row per rep plus a seek for their active visits: no closed session is read (0015)."""
        return progress_for_users(self._s, user_ids)

    def recent_scores(self, user_ids: Sequence[int], count: int) -> dict[int, list[int]]:
        """Each user's last ``count`` scores of finished visits, oldest first: one index seek per
        user on ``ix_rehearsal_sessions_user_ended`` (one statement, compiled once)."""
        if count <= 0:
            return {}
        rs = RehearsalSession
        query = (
            select(rs.score)
            .where(
                rs.user_id == bindparam("user_id"),
                rs.score.is_not(None),
                rs.ended_at.is_not(None),
                rs.status != "active",
            )
            .order_by(rs.ended_at.desc(), rs.id.desc())
            .limit(count)
        )
        found: dict[int, list[int]] = {}
        for user_id in dict.fromkeys(user_ids):
            scores = self._s.scalars(query, {"user_id": user_id}).all()
            if scores:
                found[user_id] = [int(score) for score in reversed(scores) if score is not None]
        return found

    def finished_for_user(self, user_id: int, *, limit: int) -> Sequence[RehearsalSession]:
        """The rep's last ``limit`` finished visits, newest first (``ix_rehearsal_sessions_user_ended``)."""
        rs = RehearsalSession
        query = (
            select(rs)
            .where(rs.user_id == user_id, rs.ended_at.is_not(None), rs.status != "active")
            .order_by(rs.ended_at.desc(), rs.id.desc())
            .limit(limit)
        )
        return self._s.scalars(query).all()

    def active_for_user(self, user_id: int) -> RehearsalSession | None:
        """The rep's active visit: one seek on ``ix_rehearsal_sessions_user_status``."""
        query = (
            select(RehearsalSession)
            .where(RehearsalSession.user_id == user_id, RehearsalSession.status == "active")
            .order_by(RehearsalSession.updated_at.desc())
            .limit(1)
        )
        return self._s.scalar(query)

    def active_id_for_user(self, user_id: int) -> str | None:
        """The id of the rep's active visit (``active_for_user`` without loading the row)."""
        return connection_of(self._s).execute(_ACTIVE_ID, {"user_id": user_id}).scalar()

    def idle_active(self, cutoff: datetime, *, limit: int) -> Sequence[RehearsalSession]:
        """Active visits nobody has written in since ``cutoff``, oldest first, locked for the
        caller (``ix_rehearsal_sessions_status_updated``). PostgreSQL skips rows a turn holds:
        that visit is not idle, and another worker's sweep never waits on this one."""
        query = (
            select(RehearsalSession)
            .where(RehearsalSession.status == "active", RehearsalSession.updated_at < cutoff)
            .order_by(RehearsalSession.updated_at, RehearsalSession.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return self._s.scalars(query).all()

    def revealed_before(self, user_id: int, scenario_id: str) -> list[str]:
        """What the rep's visits to this scenario have brought out so far (one row)."""
        row = self._s.get(RevealedFacts, (user_id, scenario_id))
        return list(row.facts) if row is not None else []

    def add_revealed(self, user_id: int, scenario_id: str, facts: Sequence[str]) -> None:
        """Add newly revealed facts to the rep's summary for the scenario (row-locked on PostgreSQL)."""
        if not facts:
            return
        row = self._s.get(RevealedFacts, (user_id, scenario_id), with_for_update=True)
        if row is None:
            try:
                with self._s.begin_nested():
                    self._s.add(RevealedFacts(user_id=user_id, scenario_id=scenario_id, facts=list(facts)))
                return
            except IntegrityError:  # another visit of the rep's wrote it first
                row = self._s.get(
                    RevealedFacts, (user_id, scenario_id), with_for_update=True, populate_existing=True
                )
                assert row is not None
        known = list(row.facts or [])
        fresh = [fact for fact in facts if fact not in known]
        if fresh:
            row.facts = [*known, *fresh]

    def set_state(self, rehearsal: RehearsalSession, state: dict[str, Any]) -> None:
        # A fresh dict: the JSON column only notices re-assignment, not in-place edits.
        rehearsal.state = dict(state)

    def end(
        self, rehearsal: RehearsalSession, *, status: str = "ended", scorecard: dict[str, Any] | None = None
    ) -> None:
        was_active = rehearsal.status == "active"
        now = utcnow()
        rehearsal.status = status
        # updated_at set here (not by onupdate at flush) so the rep's totals keep the same moment.
        rehearsal.ended_at = rehearsal.updated_at = now
        if scorecard is not None:
            rehearsal.scorecard = scorecard
            value = scorecard.get("score")
            if isinstance(value, int | float) and not isinstance(value, bool):
                rehearsal.score = int(value)
            # Team analytics sums these columns instead of parsing scorecards (issue 14).
            record_figures(self._s, rehearsal, scorecard)
        if was_active:  # a visit closes once; its rep's running totals count it now (0015)
            record_closed(self._s, rehearsal)
