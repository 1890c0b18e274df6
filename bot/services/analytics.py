"""Team analytics for managers: per rep, over a period, the technique mix (the rep × technique
heatmap), the score trend, facts uncovered, deadline and budget confirmed, and the visits that did
not end well (walk-outs, abandoned visits).

One query reads the period's visits (their scorecards, no transcript): the cost follows the
number of visits in the period. The averages say what they count: ``scored`` visits, those that
ended with a scorecard; visits still open are counted apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.storage import Database, User, store
from bot.vocab import Status, Technique

from . import scope

#: A visit closed for being idle too long.
ABANDONED = Status.ABANDONED
TECHNIQUES: tuple[str, ...] = tuple(Technique)
COUNTED = ("sessions", "open", "walk_outs", "abandoned", "deadline", "budget", "confirmed", "facts")


@dataclass(frozen=True)
class ScorePoint:
    """A rep's scored visits that ended on one day (UTC): how many, and their mean score."""

    day: str  # YYYY-MM-DD
    visits: int
    score: float


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
    trend: list[ScorePoint] = field(default_factory=list)  # by day, oldest first


@dataclass(frozen=True)
class TeamAnalytics:
    since: datetime | None
    until: datetime | None
    techniques: list[str]  # the heatmap's columns: techniques anyone used, in the method's order
    reps: list[RepAnalytics]


def analyse(
    reps: Sequence[User],
    totals: Sequence[Any],
    lines: Sequence[Any],
    days: Sequence[Any],
    since: datetime | None,
    until: datetime | None,
) -> TeamAnalytics:
    """The figures from ``ReviewRepository.analytics_totals``, ``analytics_techniques`` and
    ``analytics_days``."""
    found = {rep.id: RepAnalytics(rep.id, rep.display_name) for rep in reps}
    used: set[str] = set()
    for row in totals:
        rep = found.get(int(row.user_id))
        if rep is None:
            continue
        for name in COUNTED:
            setattr(rep, name, int(getattr(row, name) or 0))
    for row in lines:
        rep = found.get(int(row.user_id))
        if rep is not None and row.lines:
            rep.techniques[str(row.technique)] = int(row.lines)
            used.add(str(row.technique))
    sums: dict[int, int] = {}
    for row in days:
        rep = found.get(int(row.user_id))
        if rep is not None:
            visits, total = int(row.visits), int(row.score_sum)
            rep.trend.append(ScorePoint(str(row.day)[:10], visits, round(total / visits, 1)))
            rep.scored += visits
            sums[rep.id] = sums.get(rep.id, 0) + total
    for rep in found.values():
        if rep.scored:
            rep.average_score = round(sums[rep.id] / rep.scored, 1)
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
            ids = [rep.id for rep in reps]
            totals = s.reviews.analytics_totals(ids, since, until)
            lines = s.reviews.analytics_techniques(ids, since, until)
            days = s.reviews.analytics_days(ids, since, until)
            return analyse(reps, totals, lines, days, since, until)


__all__ = ["ABANDONED", "AnalyticsService", "RepAnalytics", "ScorePoint", "TeamAnalytics", "analyse"]
