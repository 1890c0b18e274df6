"""A rep's own progress across visits: the score trend, how each technique went, the weakest one,
and what to practise next (that technique, in a scenario that trains it).

One read transaction per call. The weakest technique is the one, among those the scenarios train,
that the rep used in the smallest share of their finished visits; a tie goes to the one after
which the customer's trust moved least. Open assignments come from the manager-coaching work:
``open_assignments`` is the hook it fills (an empty list until then).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from bot.engine.library import ScenarioLibrary
from bot.engine.results import ScenarioSummary
from bot.storage import Database, RehearsalSession, store
from bot.vocab import NON_QUESTIONS

from .stored import iso

#: How many finished visits the trend and the technique figures look at.
PROGRESS_VISITS = 20


@dataclass(frozen=True)
class ProgressPoint:
    """One finished visit on the trend line."""

    session_id: str
    scenario_id: str
    ended_at: str
    score: int | None
    status: str
    language: str


@dataclass(frozen=True)
class TechniqueStat:
    """How a technique went across the visits: lines, visits it was used in, and the mean change
    of the customer's trust right after it (points out of 100)."""

    technique: str
    uses: int
    visits: int
    trust_change: float


@dataclass(frozen=True)
class Suggestion:
    """What to practise next: a technique and a scenario that trains it."""

    technique: str
    scenario_id: str
    title: dict[str, str]


@dataclass(frozen=True)
class Progress:
    """Everything the progress page and Telegram /progress show."""

    visits: int
    trend: list[ProgressPoint]
    techniques: list[TechniqueStat]
    weakest: str | None
    next: Suggestion | None
    assignments: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class ProgressAPI(Protocol):
    def for_rep(self, user_id: int) -> Progress: ...


#: Open assignments of a rep (filled in by the manager-coaching work; none until then).
AssignmentSource = Callable[[int], list[dict[str, Any]]]


def no_assignments(_user_id: int) -> list[dict[str, Any]]:
    return []


#: The assignment states that still ask something of the rep.
OPEN_STATES = ("open", "in_progress", "overdue")


def open_assignments_of(mine: Callable[[int], Sequence[Any]]) -> AssignmentSource:
    """The hook over the assignments service's ``my_assignments``: the rep's open ones, as JSON."""

    def open_ones(user_id: int) -> list[dict[str, Any]]:
        return [
            {
                "id": a.id,
                "scenario_id": a.scenario_id,
                "title": a.title,
                "mode": a.mode,
                "due_at": iso(a.due_at) or "",
                "status": a.status,
                "pass_mark": a.pass_mark,
                "best_score": a.best_score,
            }
            for a in mine(user_id)
            if a.status in OPEN_STATES
        ]

    return open_ones


class ProgressService:
    """Implements ``ProgressAPI`` over ``bot.storage`` and the scenario library."""

    def __init__(
        self, db: Database, library: ScenarioLibrary, *, open_assignments: AssignmentSource = no_assignments
    ) -> None:
        self.db = db
        self.library = library
        self.open_assignments = open_assignments

    def for_rep(self, user_id: int) -> Progress:
        with store(self.db) as s:
            finished = list(reversed(s.sessions.finished_for_user(user_id, limit=PROGRESS_VISITS)))
            lines = s.turns.lines_of([r.id for r in finished])
            trend = [_point(r) for r in finished]
        stats = technique_stats(lines)
        scenarios = self.library.summaries()
        weakest = weakest_technique(stats, len(finished), trained(scenarios))
        return Progress(
            visits=len(finished),
            trend=trend,
            techniques=stats,
            weakest=weakest,
            next=suggest(weakest, scenarios, [p.scenario_id for p in trend]) if weakest else None,
            assignments=self.open_assignments(user_id),
        )


def _point(rehearsal: RehearsalSession) -> ProgressPoint:
    return ProgressPoint(
        session_id=rehearsal.id,
        scenario_id=rehearsal.scenario_id,
        ended_at=iso(rehearsal.ended_at) or "",
        score=None if rehearsal.score is None else int(rehearsal.score),
        status=rehearsal.status,
        language=rehearsal.language,
    )


def technique_stats(lines: Sequence[Any]) -> list[TechniqueStat]:
    """Per technique: rep lines, visits, and the mean trust change from the rep's line (which
    stores the trust before it) to the customer's reply (which stores the trust after it)."""
    uses: dict[str, int] = defaultdict(int)
    visits: dict[str, set[str]] = defaultdict(set)
    changes: dict[str, list[float]] = defaultdict(list)
    previous: Any = None
    for line in lines:
        if (
            line.speaker == "customer"
            and previous is not None
            and previous.speaker == "rep"
            and previous.session_id == line.session_id
        ):
            for technique in (previous.techniques or [])[:1]:  # the primary technique answers for the line
                changes[technique].append(float(line.trust) - float(previous.trust))
        if line.speaker == "rep":
            for technique in line.techniques or []:
                uses[technique] += 1
                visits[technique].add(line.session_id)
        previous = line
    stats = [
        TechniqueStat(
            technique=technique,
            uses=count,
            visits=len(visits[technique]),
            trust_change=round(sum(changes[technique]) / len(changes[technique]), 1)
            if changes[technique]
            else 0.0,
        )
        for technique, count in uses.items()
    ]
    return sorted(stats, key=lambda stat: (-stat.uses, stat.technique))


def _mean(values: Sequence[float]) -> float:
    return round(sum(values) / len(values), 1) if values else 0.0


def trained(scenarios: Sequence[ScenarioSummary]) -> list[str]:
    """Every technique some scenario trains, most commonly trained first."""
    rank: dict[str, tuple[int, int]] = {}
    for scenario in scenarios:
        for position, technique in enumerate(scenario.trains):
            count, best = rank.get(technique, (0, position))
            rank[technique] = (count + 1, min(best, position))
    return sorted(rank, key=lambda t: (-rank[t][0], rank[t][1], t))


def weakest_technique(stats: Sequence[TechniqueStat], visits: int, candidates: Sequence[str]) -> str | None:
    """The trained question technique used in the smallest share of the visits (then: after which
    trust moved least); None before the first finished visit."""
    if visits == 0:
        return None
    by_id = {stat.technique: stat for stat in stats}
    pool = [t for t in candidates if t not in NON_QUESTIONS]
    if not pool:
        return None

    def weakness(technique: str) -> tuple[float, float, int]:
        stat = by_id.get(technique)
        share = stat.visits / visits if stat else 0.0
        change = stat.trust_change if stat else 0.0
        return (share, change, pool.index(technique))

    return min(pool, key=weakness)


def suggest(
    technique: str, scenarios: Sequence[ScenarioSummary], visited: Sequence[str]
) -> Suggestion | None:
    """The scenario that trains ``technique`` most (its place in ``trains``), the one visited
    least on a tie."""
    fitting = [s for s in scenarios if technique in s.trains]
    if not fitting:
        return None
    best = min(fitting, key=lambda s: (s.trains.index(technique), visited.count(s.id), s.id))
    return Suggestion(technique=technique, scenario_id=best.id, title=dict(best.title))
