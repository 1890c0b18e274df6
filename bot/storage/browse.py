"""The managers' sessions list: every rep's sessions filtered, sorted and paged in SQL, with a
substring search in the transcripts, and the turns of many sessions at once for exports.

The search is ``LIKE '%…%'`` with the wildcards of the searched text escaped, so it finds a
two-character Chinese word such as 退货 on SQLite and PostgreSQL alike (no word splitting, no
full-text configuration); ``ILIKE`` on PostgreSQL and SQLite's ASCII case folding make it
case-blind for English. A private visit's lines are never searched: a match would reveal them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, false, func, or_, select, update
from sqlalchemy.orm import Session

from .models import RehearsalSession, Team, Turn, User

#: How the list can be ordered; the first two page by keyset, the others by offset.
SORTS = ("newest", "oldest", "score_high", "score_low")
LIKE_ESCAPE = "\\"


def like_pattern(text: str) -> str:
    """``%text%`` with LIKE's own characters in ``text`` taken literally."""
    escaped = text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class SessionQuery:
    """Which sessions, in what order, which page. ``team_ids`` is the viewer's scope (None:
    every team); the other fields are the filters the viewer chose."""

    team_ids: tuple[int, ...] | None = None
    rep_id: int | None = None
    team_id: int | None = None
    scenario_id: str | None = None
    mode: str | None = None
    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    min_score: int | None = None
    max_score: int | None = None
    text: str | None = None
    private: bool | None = None
    sort: str = "newest"
    limit: int = 50
    offset: int = 0
    after: str | None = None  # keyset: the last session id of the previous page


@dataclass(frozen=True)
class ListedSession:
    """One row of the list: the session and who did it."""

    session: RehearsalSession
    rep_name: str
    rep_login: str
    team: str | None


class BrowseRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def _filtered(self, q: SessionQuery, columns: Sequence[Any]) -> Select[Any]:
        rs = RehearsalSession
        query = (
            select(*columns)
            .select_from(rs)
            .join(User, User.id == rs.user_id)
            .outerjoin(Team, Team.id == User.team_id)
            .where(User.role == "rep")
        )
        conditions: list[Any] = []
        if q.team_ids is not None:
            conditions.append(User.team_id.in_(q.team_ids) if q.team_ids else false())
        if q.rep_id is not None:
            conditions.append(rs.user_id == q.rep_id)
        if q.team_id is not None:
            conditions.append(User.team_id == q.team_id)
        if q.scenario_id:
            conditions.append(rs.scenario_id == q.scenario_id)
        if q.mode:
            conditions.append(rs.mode == q.mode)
        if q.status:
            conditions.append(rs.status == q.status)
        if q.since is not None:
            conditions.append(rs.started_at >= q.since)
        if q.until is not None:
            conditions.append(rs.started_at < q.until)
        if q.min_score is not None:
            conditions.append(rs.score >= q.min_score)
        if q.max_score is not None:
            conditions.append(rs.score <= q.max_score)
        if q.private is not None:
            conditions.append(rs.private.is_(q.private))
        if q.text:
            # One pass over the turns (a semi-join), not a lookup per listed session.
            said = select(Turn.session_id).where(Turn.text.ilike(like_pattern(q.text), escape=LIKE_ESCAPE))
            conditions.append(and_(rs.private.is_(False), rs.id.in_(said)))
        return query.where(*conditions)

    def count(self, q: SessionQuery) -> int:
        inner = self._filtered(q, [RehearsalSession.id]).subquery()
        return int(self._s.scalar(select(func.count()).select_from(inner)) or 0)

    def page(self, q: SessionQuery) -> list[ListedSession]:
        """One page of the sessions ``q`` selects, in its order."""
        rs = RehearsalSession
        query = self._filtered(q, [rs, User.display_name, User.login, Team.name])
        if q.sort in ("newest", "oldest"):
            newest = q.sort == "newest"
            if q.after is not None:
                mark = self._s.execute(select(rs.started_at, rs.id).where(rs.id == q.after)).first()
                if mark is None:
                    return []
                earlier = rs.started_at < mark.started_at if newest else rs.started_at > mark.started_at
                query = query.where(or_(earlier, and_(rs.started_at == mark.started_at, rs.id > mark.id)))
            query = query.order_by(rs.started_at.desc() if newest else rs.started_at.asc(), rs.id)
        else:
            # Unscored visits (still going, or never scored) come last either way.
            order = rs.score.desc() if q.sort == "score_high" else rs.score.asc()
            query = query.order_by(rs.score.is_(None), order, rs.started_at.desc(), rs.id).offset(q.offset)
        rows = self._s.execute(query.limit(q.limit)).all()
        return [ListedSession(row[0], row[1], row[2] or "", row[3]) for row in rows]

    def turns_of(self, session_ids: Sequence[str]) -> dict[str, list[Turn]]:
        """The turns of these sessions in order, in one query."""
        if not session_ids:
            return {}
        found: dict[str, list[Turn]] = {sid: [] for sid in session_ids}
        query = select(Turn).where(Turn.session_id.in_(list(session_ids))).order_by(Turn.session_id, Turn.seq)
        for turn in self._s.scalars(query):
            found[turn.session_id].append(turn)
        return found

    def prune_transcripts(self, before: datetime) -> int:
        """Empty the text of every line said before ``before`` in a visit that is over; the
        turns stay (technique, stage, step, trust), as do the sessions' scores and scorecards.
        Returns how many lines were emptied."""
        over = select(RehearsalSession.id).where(RehearsalSession.status != "active")
        query = (
            update(Turn)
            .where(Turn.created_at < before, Turn.text != "", Turn.session_id.in_(over))
            .values(text="")
            .execution_options(synchronize_session=False)
        )
        return int(self._s.execute(query).rowcount or 0)  # type: ignore[attr-defined]

    def teams(self, team_ids: tuple[int, ...] | None = None) -> Sequence[Team]:
        query = select(Team).order_by(Team.name)
        if team_ids is not None:
            query = query.where(Team.id.in_(team_ids))
        return self._s.scalars(query).all()

    def team_by_name(self, name: str) -> Team | None:
        return self._s.scalar(select(Team).where(Team.name == name))


__all__ = ["SORTS", "BrowseRepository", "ListedSession", "SessionQuery", "like_pattern"]
