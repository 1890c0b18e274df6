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
    and_,
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

    def _facts(self) -> Any:
        """The length of the scorecard's ``revealed`` list (json_array_length differs by backend)."""
        card = RehearsalSession.scorecard
        if self._s.get_bind().dialect.name == "postgresql":
            return func.json_array_length(card.op("->")("revealed"))
        return func.json_array_length(card, "$.revealed")

    def analytics_totals(
        self,
        user_ids: Sequence[int],
        since: datetime | None,
        until: datetime | None,
        techniques: Sequence[str],
    ) -> Sequence[Row[Any]]:
        """Per user, over the visits started in [since, until): visits, open, walk-outs,
        abandoned, deadline / budget / both found out, facts revealed, and the lines of each of
        ``techniques`` (columns ``t_<technique>``). Summed by the database from the scorecards'
        JSON: no scorecard is sent to Python (2,000 visits: one GROUP BY)."""
        if not user_ids:
            return []
        rs = RehearsalSession
        card = rs.scorecard
        ended = rs.status != "active"

        def flag(*path: str) -> Any:
            return func.sum(case((and_(ended, card[path].as_boolean()), 1), else_=0))

        query = select(
            rs.user_id,
            func.count().label("sessions"),
            func.sum(case((rs.status == "active", 1), else_=0)).label("open"),
            func.sum(case((rs.status == "closed_by_customer", 1), else_=0)).label("walk_outs"),
            func.sum(case((rs.status == "abandoned", 1), else_=0)).label("abandoned"),
            flag("explicit_need", "deadline").label("deadline"),
            flag("explicit_need", "budget").label("budget"),
            flag("explicit_need", "confirmed").label("confirmed"),
            func.sum(case((ended, func.coalesce(self._facts(), 0)), else_=0)).label("facts"),
            *(
                func.sum(func.coalesce(card[("techniques", "counts", t)].as_integer(), 0)).label(f"t_{t}")
                for t in techniques
            ),
        )
        return self._s.execute(self._period(query, user_ids, since, until).group_by(rs.user_id)).all()

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


__all__ = ["Assignment", "CoachingReview", "LineComment", "ReviewRepository"]
