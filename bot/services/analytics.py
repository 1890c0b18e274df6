"""Team analytics for managers: per rep, over a period, the technique mix (the rep × technique
heatmap), the score trend, facts uncovered, deadline and budget confirmed, and the visits that did
not end well (walk-outs, abandoned visits).

One query reads the period's visits (their scorecards, no transcript): the cost follows the
number of visits in the period. The averages say what they count: ``scored`` visits, those that
ended with a scorecard; visits still open are counted apart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.storage import Database, User, store
from bot.vocab import Status, Technique

from . import scope

#: A visit closed for being idle too long.
ABANDONED = Status.ABANDONED
TECHNIQUES: tuple[str, ...] = tuple(Technique)


@dataclass(frozen=True)
class ScorePoint:
    ended_at: datetime
    score: int


@dataclass
class RepAnalytics:
    """One rep's figures over the period."""

    id: int
    name: str
    sessions: int = 0
    open: int = 0  # still active
    scored: int = 0  # ended with a scorecard: what the average counts
    average_score: float | None = None
    walk_outs: int = 0  # the customer ended the visit
    abandoned: int = 0  # closed for being idle too long
    facts: int = 0  # facts uncovered, summed over the visits
    deadline: int = 0  # visits that found out the deadline
    budget: int = 0  # visits that found out the budget
    confirmed: int = 0  # visits that found out both
    techniques: dict[str, int] = field(default_factory=dict)  # lines heard as each technique
    trend: list[ScorePoint] = field(default_factory=list)  # scores by end time, oldest first


@dataclass(frozen=True)
class TeamAnalytics:
    since: datetime | None
    until: datetime | None
    techniques: list[str]  # the heatmap's columns: techniques anyone used, in the method's order
    reps: list[RepAnalytics]


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _add(rep: RepAnalytics, counts: Counter[str], status: str, score: Any, ended: Any, card: Any) -> None:
    rep.sessions += 1
    if status == Status.ACTIVE:
        rep.open += 1
        return
    rep.walk_outs += status == Status.CLOSED_BY_CUSTOMER
    rep.abandoned += status == ABANDONED
    if not isinstance(card, dict):
        return
    counts.update({str(k): int(v) for k, v in (card.get("techniques") or {}).get("counts", {}).items()})
    need = card.get("explicit_need") or {}
    rep.deadline += bool(need.get("deadline"))
    rep.budget += bool(need.get("budget"))
    rep.confirmed += bool(need.get("confirmed"))
    rep.facts += len(card.get("revealed") or [])
    if score is not None and ended is not None:
        rep.scored += 1
        rep.trend.append(ScorePoint(_utc(ended), int(score)))


def analyse(
    reps: Sequence[User], rows: Sequence[Any], since: datetime | None, until: datetime | None
) -> TeamAnalytics:
    """The figures from ``rows`` (``ReviewRepository.analytics_rows``)."""
    found = {rep.id: RepAnalytics(rep.id, rep.display_name) for rep in reps}
    counts: dict[int, Counter[str]] = {rep.id: Counter() for rep in reps}
    for row in rows:
        rep = found.get(int(row.user_id))
        if rep is not None:
            _add(rep, counts[rep.id], str(row.status), row.score, row.ended_at, row.scorecard)
    used: set[str] = set()
    for rep in found.values():
        rep.techniques = dict(counts[rep.id])
        used |= set(rep.techniques)
        if rep.trend:
            rep.trend.sort(key=lambda p: p.ended_at)
            rep.average_score = round(sum(p.score for p in rep.trend) / len(rep.trend), 1)
    columns = [t for t in TECHNIQUES if t in used] + sorted(used - set(TECHNIQUES))
    return TeamAnalytics(since, until, columns, list(found.values()))


class AnalyticsService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def team(
        self, viewer_id: int, *, since: datetime | None = None, until: datetime | None = None
    ) -> TeamAnalytics:
        """The reps the viewer coaches over [since, until) (by when each visit started)."""
        with store(self.db) as s:
            reps = list(scope.team_reps(s, scope.manager(s, viewer_id)))
            rows = s.reviews.analytics_rows([rep.id for rep in reps], since, until)
            return analyse(reps, rows, since, until)


__all__ = ["ABANDONED", "AnalyticsService", "RepAnalytics", "ScorePoint", "TeamAnalytics", "analyse"]
