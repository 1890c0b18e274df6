"""Coaching reviews, comments on single transcript lines, and practice assignments (issue 14).

Kept apart from ``models.py``: the tables and the one repository that writes their SQL.
Migration 0011_coaching_reviews creates them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Row,
    String,
    Text,
    bindparam,
    case,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from .models import Base, RehearsalSession, User, utcnow


class LineComment(Base):
    """A manager's comment on one line (turn ``seq``) of a rep's transcript."""

    __tablename__ = "line_comments"
    __table_args__ = (Index("ix_line_comments_session_seq", "session_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("rehearsal_sessions.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CoachingReview(Base):
    """A coaching review of one or more sessions: the ability gap by ASK (attitude, skill,
    knowledge), what improving means, the improvement plan; ``follow_up_of`` closes a PDCA loop."""

    __tablename__ = "coaching_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    rep_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_ids: Mapped[list[Any]] = mapped_column(default=list)
    attitude: Mapped[str] = mapped_column(Text, default="")
    knowledge: Mapped[str] = mapped_column(Text, default="")
    # [{"technique": ..., "note": ...}]: the skill gaps, one per technique.
    skills: Mapped[list[Any]] = mapped_column(default=list)
    improving: Mapped[str] = mapped_column(Text, default="")
    # [{"technique": ..., "colleague_id": ..., "action": ...}]
    plan: Mapped[list[Any]] = mapped_column(default=list)
    follow_up_of: Mapped[int | None] = mapped_column(ForeignKey("coaching_reviews.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Assignment(Base):
    """A scenario a manager assigned to one rep (a team assignment is one row per rep, sharing
    ``batch``). ``attempts`` are the sessions the rep started from it, oldest first."""

    __tablename__ = "assignments"
    __table_args__ = (
        Index("ix_assignments_rep_due", "rep_id", "due_at"),
        # The reminder check: assignments not reminded yet, by due date.
        Index("ix_assignments_reminder", "reminded_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    rep_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    review_id: Mapped[int | None] = mapped_column(ForeignKey("coaching_reviews.id", ondelete="SET NULL"))
    batch: Mapped[str] = mapped_column(String(32))
    scenario_id: Mapped[str] = mapped_column(String(120))
    mode: Mapped[str] = mapped_column(String(16), default="practice")
    language: Mapped[str] = mapped_column(String(8), default="zh")
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    pass_mark: Mapped[int] = mapped_column(Integer, default=60)
    attempts: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class VisitFigures(Base):
    """What team analytics needs of a finished visit's scorecard, kept in columns when the visit
    ends (``SessionRepository.end``), so the sums never parse scorecards (0011 fills it for the
    visits before it)."""

    __tablename__ = "visit_figures"
    __table_args__ = (Index("ix_visit_figures_user_started", "user_id", "started_at"),)

    session_id: Mapped[str] = mapped_column(
        ForeignKey("rehearsal_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deadline: Mapped[int] = mapped_column(Integer, default=0)
    budget: Mapped[int] = mapped_column(Integer, default=0)
    confirmed: Mapped[int] = mapped_column(Integer, default=0)
    facts: Mapped[int] = mapped_column(Integer, default=0)


class VisitTechnique(Base):
    """How many of a finished visit's lines the customer heard as one technique."""

    __tablename__ = "visit_techniques"
    __table_args__ = (Index("ix_visit_techniques_user_started", "user_id", "started_at"),)

    session_id: Mapped[str] = mapped_column(
        ForeignKey("rehearsal_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    technique: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lines: Mapped[int] = mapped_column(Integer, default=0)


def figures_of(scorecard: dict[str, Any]) -> tuple[dict[str, int], dict[str, int]]:
    """(need and facts, lines per technique) of a stored scorecard, old or new."""
    need = scorecard.get("explicit_need") or {}
    counts = (scorecard.get("techniques") or {}).get("counts") or {}
    figures = {
        "deadline": int(bool(need.get("deadline"))),
        "budget": int(bool(need.get("budget"))),
        "confirmed": int(bool(need.get("confirmed"))),
        "facts": len(scorecard.get("revealed") or []),
    }
    return figures, {str(k): int(v) for k, v in counts.items() if int(v)}


def record_figures(session: Session, rehearsal: RehearsalSession, scorecard: dict[str, Any]) -> None:
    """Keep the figures of a visit that just ended (in the transaction that ends it)."""
    figures, lines = figures_of(scorecard)
    session.merge(
        VisitFigures(
            session_id=rehearsal.id, user_id=rehearsal.user_id, started_at=rehearsal.started_at, **figures
        )
    )
    for technique, count in lines.items():
        session.merge(
            VisitTechnique(
                session_id=rehearsal.id,
                technique=technique,
                user_id=rehearsal.user_id,
                started_at=rehearsal.started_at,
                lines=count,
            )
        )


class ReviewRepository:
    """Line comments, reviews and assignments."""

    def __init__(self, session: Session) -> None:
        self._s = session

    # -- line comments -----------------------------------------------------------------------

    def add_comment(self, *, session_id: str, seq: int, author: User, text: str) -> LineComment:
        comment = LineComment(session_id=session_id, seq=seq, author_id=author.id, text=text)
        self._s.add(comment)
        self._s.flush()
        return comment

    def comments(self, session_id: str) -> Sequence[LineComment]:
        return self._s.scalars(
            select(LineComment)
            .where(LineComment.session_id == session_id)
            .order_by(LineComment.seq, LineComment.id)
        ).all()

    # -- reviews -------------------------------------------------------------------------------

    def add_review(self, review: CoachingReview) -> CoachingReview:
        self._s.add(review)
        self._s.flush()
        return review

    def review(self, review_id: int) -> CoachingReview | None:
        return self._s.get(CoachingReview, review_id)

    def reviews_for(self, rep_id: int) -> Sequence[CoachingReview]:
        return self._s.scalars(
            select(CoachingReview)
            .where(CoachingReview.rep_id == rep_id)
            .order_by(CoachingReview.created_at.desc(), CoachingReview.id.desc())
        ).all()

    # -- assignments ---------------------------------------------------------------------------

    def add_assignment(self, assignment: Assignment) -> Assignment:
        self._s.add(assignment)
        self._s.flush()
        return assignment

    def assignment(self, assignment_id: int, *, for_update: bool = False) -> Assignment | None:
        return self._s.get(
            Assignment, assignment_id, with_for_update=for_update, populate_existing=for_update
        )

    def assignments_for(self, rep_ids: Sequence[int]) -> Sequence[Assignment]:
        if not rep_ids:
            return []
        return self._s.scalars(
            select(Assignment)
            .where(Assignment.rep_id.in_(list(rep_ids)))
            .order_by(Assignment.due_at, Assignment.id)
        ).all()

    def for_reviews(self, review_ids: Sequence[int]) -> Sequence[Assignment]:
        if not review_ids:
            return []
        return self._s.scalars(
            select(Assignment).where(Assignment.review_id.in_(list(review_ids))).order_by(Assignment.id)
        ).all()

    def due_for_reminder(self, before: datetime, *, limit: int = 100) -> Sequence[Assignment]:
        """Assignments due before ``before`` that no reminder went out for yet."""
        return self._s.scalars(
            select(Assignment)
            .where(Assignment.reminded_at.is_(None), Assignment.due_at <= before)
            .order_by(Assignment.due_at, Assignment.id)
            .limit(limit)
        ).all()

    def claim_reminder(self, assignment_id: int, now: datetime) -> bool:
        """Mark the reminder sent; False when another worker did first (a conditional UPDATE,
        so two workers checking at once queue one reminder)."""
        result = self._s.execute(
            update(Assignment)
            .where(Assignment.id == assignment_id, Assignment.reminded_at.is_(None))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    def add_attempt(self, assignment: Assignment, session_id: str) -> None:
        assignment.attempts = [*list(assignment.attempts or []), session_id]

    def recent_states(self, user_ids: Sequence[int], count: int) -> dict[int, list[dict[str, Any]]]:
        """Each user's last ``count`` finished visits' engine states (their line histories),
        newest first: one index seek per user on ``ix_rehearsal_sessions_user_ended``."""
        rs = RehearsalSession
        query = (
            select(rs.state)
            .where(rs.user_id == bindparam("user_id"), rs.ended_at.is_not(None), rs.status != "active")
            .order_by(rs.ended_at.desc(), rs.id.desc())
            .limit(count)
        )
        return {
            user_id: [dict(state or {}) for state in self._s.scalars(query, {"user_id": user_id}).all()]
            for user_id in dict.fromkeys(user_ids)
        }

    def _period(
        self, query: Any, user_ids: Sequence[int], since: datetime | None, until: datetime | None
    ) -> Any:
        rs = RehearsalSession
        query = query.where(rs.user_id.in_(list(user_ids)))
        if since is not None:
            query = query.where(rs.started_at >= since)
        if until is not None:
            query = query.where(rs.started_at < until)
        return query

    def analytics_totals(
        self, user_ids: Sequence[int], since: datetime | None, until: datetime | None
    ) -> Sequence[Row[Any]]:
        """Per user, over the visits started in [since, until): visits, open, walk-outs and
        abandoned (from the sessions' columns), then deadline / budget / both found out and facts
        (``visit_figures``): sums over columns, no scorecard read."""
        if not user_ids:
            return []
        rs, vf = RehearsalSession, VisitFigures
        query = (
            select(
                rs.user_id,
                func.count().label("sessions"),
                func.sum(case((rs.status == "active", 1), else_=0)).label("open"),
                func.sum(case((rs.status == "closed_by_customer", 1), else_=0)).label("walk_outs"),
                func.sum(case((rs.status == "abandoned", 1), else_=0)).label("abandoned"),
                func.coalesce(func.sum(vf.deadline), 0).label("deadline"),
                func.coalesce(func.sum(vf.budget), 0).label("budget"),
                func.coalesce(func.sum(vf.confirmed), 0).label("confirmed"),
                func.coalesce(func.sum(vf.facts), 0).label("facts"),
            )
            .select_from(rs)
            .outerjoin(vf, vf.session_id == rs.id)
        )
        return self._s.execute(self._period(query, user_ids, since, until).group_by(rs.user_id)).all()

    def analytics_techniques(
        self, user_ids: Sequence[int], since: datetime | None, until: datetime | None
    ) -> Sequence[Any]:
        """(user_id, technique, lines) summed over the finished visits started in [since, until)."""
        if not user_ids:
            return []
        vt = VisitTechnique
        query = select(vt.user_id, vt.technique, func.sum(vt.lines).label("lines")).where(
            vt.user_id.in_(list(user_ids))
        )
        if since is not None:
            query = query.where(vt.started_at >= since)
        if until is not None:
            query = query.where(vt.started_at < until)
        return self._s.execute(query.group_by(vt.user_id, vt.technique)).all()

    def analytics_days(
        self, user_ids: Sequence[int], since: datetime | None, until: datetime | None
    ) -> Sequence[Row[Any]]:
        """(user_id, day, visits, score_sum) of the finished, scored visits started in [since,
        until), per day they ended (UTC), oldest first: the score trend, summed by the database."""
        if not user_ids:
            return []
        rs = RehearsalSession
        day = func.date(rs.ended_at)
        query = select(
            rs.user_id, day.label("day"), func.count().label("visits"), func.sum(rs.score).label("score_sum")
        )
        query = query.where(rs.status != "active", rs.score.is_not(None), rs.ended_at.is_not(None))
        query = (
            self._period(query, user_ids, since, until).group_by(rs.user_id, day).order_by(rs.user_id, day)
        )
        return self._s.execute(query).all()

    def sessions(self, session_ids: Sequence[str]) -> dict[str, RehearsalSession]:
        """The sessions among ``session_ids`` (their score and status), in one query."""
        if not session_ids:
            return {}
        rows = self._s.scalars(
            select(RehearsalSession).where(RehearsalSession.id.in_(list(dict.fromkeys(session_ids))))
        ).all()
        return {row.id: row for row in rows}


__all__ = [
    "Assignment",
    "CoachingReview",
    "LineComment",
    "ReviewRepository",
    "VisitFigures",
    "VisitTechnique",
    "figures_of",
    "record_figures",
]
