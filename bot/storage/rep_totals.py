"""Per-rep running totals over closed visits (``rep_totals``, 0015_rep_totals).

A visit that closes (ended by the rep, walked out, abandoned by the idle sweep) adds itself to
its rep's row in the transaction that closes it: one upsert, atomic on both backends. Team
progress then reads one totals row per rep plus the rep's active visits (an index seek on
``ix_rehearsal_sessions_user_status``), never every stored session.

``rebuild`` recomputes rows from the sessions themselves: for tools that write sessions in
bulk (benchmarks) and for checking the totals against a from-scratch count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, case, delete, func, insert, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import RehearsalSession, RepTotals

ACTIVE = "active"


@dataclass(frozen=True)
class Progress:
    """A rep's figures over all their visits: the attribute names ``coaching.figures`` reads."""

    user_id: int
    sessions: int
    finished: int
    walked_out: int
    abandoned: int
    scored: int
    score_sum: int
    best: int | None
    started_at: datetime | None
    updated_at: datetime | None
    ended_at: datetime | None


def _later(column: Any, value: Any) -> Any:
    """The later of the stored ``column`` and the new ``value`` (either may be NULL)."""
    return case((column.is_(None), value), (value.is_(None), column), (value > column, value), else_=column)


def record_closed(session: Session, rehearsal: RehearsalSession) -> None:
    """Add a visit that just closed to its rep's totals (call once, in the closing transaction)."""
    status, score = rehearsal.status, rehearsal.score
    values = dict(
        user_id=rehearsal.user_id,
        closed=1,
        finished=int(status == "ended"),
        walked_out=int(status == "closed_by_customer"),
        abandoned=int(status == "abandoned"),
        scored=int(score is not None),
        score_sum=score or 0,
        best=score,
        last_started_at=rehearsal.started_at,
        last_updated_at=rehearsal.updated_at,
        last_ended_at=rehearsal.ended_at,
    )
    dialect = session.get_bind().dialect.name
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(RepTotals).values(values)
    table, new = RepTotals.__table__.c, statement.excluded
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[table.user_id],
            set_={
                "closed": table.closed + new.closed,
                "finished": table.finished + new.finished,
                "walked_out": table.walked_out + new.walked_out,
                "abandoned": table.abandoned + new.abandoned,
                "scored": table.scored + new.scored,
                "score_sum": table.score_sum + new.score_sum,
                "best": _later(table.best, new.best),
                "last_started_at": _later(table.last_started_at, new.last_started_at),
                "last_updated_at": _later(table.last_updated_at, new.last_updated_at),
                "last_ended_at": _later(table.last_ended_at, new.last_ended_at),
            },
        )
    )


def _closed_totals() -> Any:
    """One row per rep over their closed visits, in ``rep_totals``' columns."""
    rs = RehearsalSession
    return (
        select(
            rs.user_id,
            func.count().label("closed"),
            func.sum(case((rs.status == "ended", 1), else_=0)).label("finished"),
            func.sum(case((rs.status == "closed_by_customer", 1), else_=0)).label("walked_out"),
            func.sum(case((rs.status == "abandoned", 1), else_=0)).label("abandoned"),
            func.count(rs.score).label("scored"),
            func.coalesce(func.sum(rs.score), literal(0)).label("score_sum"),
            func.max(rs.score).label("best"),
            func.max(rs.started_at).label("last_started_at"),
            func.max(rs.updated_at).label("last_updated_at"),
            func.max(rs.ended_at).label("last_ended_at"),
        )
        .where(rs.status != ACTIVE)
        .group_by(rs.user_id)
    )


def rebuild(connection: Connection | Session, user_ids: Sequence[int] | None = None) -> None:
    """Recompute the totals of ``user_ids`` (every rep when None) from their sessions."""
    query, wipe = _closed_totals(), delete(RepTotals)
    if user_ids is not None:
        query = query.where(RehearsalSession.user_id.in_(list(user_ids)))
        wipe = wipe.where(RepTotals.user_id.in_(list(user_ids)))
    connection.execute(wipe)
    columns = [column.name for column in query.selected_columns]
    connection.execute(insert(RepTotals).from_select(columns, query))


def recomputed(connection: Connection | Session) -> dict[int, dict[str, Any]]:
    """The totals as ``rebuild`` would write them, without writing (for checks)."""
    return {int(row.user_id): dict(row._mapping) for row in connection.execute(_closed_totals())}


def progress_for_users(session: Session, user_ids: Sequence[int]) -> list[Progress]:
    """Each rep's figures: their totals row plus their active visits. O(reps + active visits)."""
    if not user_ids:
        return []
    ids = list(user_ids)
    rs = RehearsalSession
    kept_rows = session.scalars(select(RepTotals).where(RepTotals.user_id.in_(ids)))
    totals = {row.user_id: row for row in kept_rows}
    active = {
        int(row.user_id): row
        for row in session.execute(
            select(
                rs.user_id,
                func.count().label("visits"),
                func.max(rs.started_at).label("started_at"),
                func.max(rs.updated_at).label("updated_at"),
            )
            .where(rs.user_id.in_(ids), rs.status == ACTIVE)
            .group_by(rs.user_id)
        )
    }
    found = []
    for user_id in dict.fromkeys(ids):
        kept, open_ = totals.get(user_id), active.get(user_id)
        if kept is None and open_ is None:
            continue
        if kept is None:
            kept = RepTotals(closed=0, finished=0, walked_out=0, abandoned=0, scored=0, score_sum=0)
        found.append(
            Progress(
                user_id=user_id,
                sessions=kept.closed + (open_.visits if open_ else 0),
                finished=kept.finished,
                walked_out=kept.walked_out,
                abandoned=kept.abandoned,
                scored=kept.scored,
                score_sum=kept.score_sum,
                best=kept.best,
                started_at=_latest(kept.last_started_at, open_.started_at if open_ else None),
                updated_at=_latest(kept.last_updated_at, open_.updated_at if open_ else None),
                ended_at=kept.last_ended_at,
            )
        )
    return found


def _latest(*moments: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes for UTC ones.
    known = [m if m.tzinfo else m.replace(tzinfo=UTC) for m in moments if m is not None]
    return max(known) if known else None
