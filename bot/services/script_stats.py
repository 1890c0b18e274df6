"""Script statistics: what a scenario's stored visits say about the script, for its trainers.

Per fact, how many visits uncovered it and after how many rep lines (the median); where visits
stop (the furthest stage and step they reached) and where and after what the customer walked
out; the rep lines most often flagged as misjudged. Read from the visits' stored state (its
``history`` keeps what each rep line revealed and the event it caused), newest first, at most
``limit`` visits; only trainers and admins may read them.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from bot.engine.library import ScenarioLibrary
from bot.engine.results import RehearsalError
from bot.storage import Database, store
from bot.storage.statistics import FlagRow, StatisticsQueries, VisitRow

from .script_studio import TRAINER_ROLES

FINISHED = ("ended", "closed_by_customer")
WALKED_OUT = "closed_by_customer"
TOP_FLAGGED = 10


class NotATrainer(RehearsalError):
    code = "not_a_trainer"


@dataclass(frozen=True)
class FactStatistics:
    id: str
    kind: str  # situation | problem | cause | implication | view | need
    topic: str  # in the language asked for ("" for deadline and budget)
    visits: int  # visits that uncovered it
    share: float  # of all visits counted, 0..1
    median_rep_lines: float | None  # rep lines until it came out (1 = the first line)


@dataclass(frozen=True)
class StopPoint:
    stage: str
    step: str
    visits: int


@dataclass(frozen=True)
class WalkOut:
    stage: str
    step: str
    event: str  # what the last rep line did (pitch_early, private, deflected, ...)
    visits: int
    median_rep_lines: float


@dataclass(frozen=True)
class FlaggedLine:
    text: str
    language: str
    flags: int
    predicted: str  # what the coach took it as (the first label)
    suggested: list[str]  # what reps said it was, most named first
    pending: int  # flags not reviewed yet


@dataclass(frozen=True)
class ScenarioStatistics:
    scenario_id: str
    version: str | None  # None: every version
    visits: int
    finished: int
    walked_out: int
    average_score: float | None
    facts: list[FactStatistics] = field(default_factory=list)
    stops: list[StopPoint] = field(default_factory=list)  # finished visits, most frequent first
    walk_outs: list[WalkOut] = field(default_factory=list)
    flagged: list[FlaggedLine] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class StatisticsAPI(Protocol):
    def scenario(
        self, scenario_id: str, *, role: str, lang: str, version: str | None = None
    ) -> ScenarioStatistics: ...


def _median(values: Sequence[int]) -> float | None:
    return float(statistics.median(values)) if values else None


class ScriptStatisticsService:
    """Statistics of one scenario over its stored visits."""

    def __init__(self, db: Database, library: ScenarioLibrary, *, limit: int = 5000) -> None:
        self.db = db
        self.library = library
        self.limit = limit

    def scenario(
        self, scenario_id: str, *, role: str, lang: str, version: str | None = None
    ) -> ScenarioStatistics:
        """Raises NotATrainer for other roles and UnknownScenario for an id not in the library."""
        if role not in TRAINER_ROLES:
            raise NotATrainer("only trainers and admins read script statistics")
        runtime = self.library.latest(scenario_id)
        with store(self.db) as s:
            queries = StatisticsQueries(s.session)
            visits = queries.visits(scenario_id, version=version, limit=self.limit)
            flags = queries.flags([v.id for v in visits])
        finished = [v for v in visits if v.status in FINISHED]
        scores = [v.score for v in finished if v.score is not None]
        return ScenarioStatistics(
            scenario_id=scenario_id,
            version=version,
            visits=len(visits),
            finished=len(finished),
            walked_out=sum(1 for v in visits if v.status == WALKED_OUT),
            average_score=round(sum(scores) / len(scores), 1) if scores else None,
            facts=_facts(runtime.loaded, visits, lang),
            stops=_stops(finished),
            walk_outs=_walk_outs(visits),
            flagged=_flagged(flags),
        )


def _fact_kinds(loaded: Any) -> list[tuple[str, str]]:
    s = loaded.scenario
    kinds = [(item.id, "situation") for item in s.situation]
    for problem in s.problems:
        kinds.append((problem.id, "problem"))
        kinds.extend((cause.id, "cause") for cause in problem.causes)
        kinds.extend((fact.id, "analysis") for fact in problem.analysis)
    kinds.extend((i.id, "implication") for i in s.implications)
    kinds.extend((v.id, "view") for v in s.views)
    return [*kinds, ("deadline", "need"), ("budget", "need")]


def _facts(loaded: Any, visits: Sequence[VisitRow], lang: str) -> list[FactStatistics]:
    """Every fact of the scenario, in script order, with when the visits uncovered it."""
    first_seen: dict[str, list[int]] = defaultdict(list)
    for visit in visits:
        seen: set[str] = set()
        for line, entry in enumerate(visit.state.get("history", []), start=1):
            for fact in entry.get("revealed", []):
                if fact not in seen:
                    seen.add(fact)
                    first_seen[fact].append(line)
    facts = []
    for fact_id, kind in _fact_kinds(loaded):
        topic = loaded.fact_topic.get(fact_id)
        lines = first_seen.get(fact_id, [])
        facts.append(
            FactStatistics(
                id=fact_id,
                kind=kind,
                topic=topic.get(lang) if topic is not None else "",
                visits=len(lines),
                share=round(len(lines) / len(visits), 3) if visits else 0.0,
                median_rep_lines=_median(lines),
            )
        )
    return facts


def _stops(finished: Sequence[VisitRow]) -> list[StopPoint]:
    counts = Counter(
        (str(v.state.get("stage_reached", "")), str(v.state.get("step_reached", ""))) for v in finished
    )
    return [StopPoint(stage, step, n) for (stage, step), n in counts.most_common()]


def _walk_outs(visits: Sequence[VisitRow]) -> list[WalkOut]:
    lines: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for visit in visits:
        if visit.status != WALKED_OUT:
            continue
        history = visit.state.get("history", [])
        event = str(history[-1].get("event", "")) if history else ""
        where = (str(visit.state.get("stage", "")), str(visit.state.get("step", "")), event)
        lines[where].append(len(history))
    ranked = sorted(lines.items(), key=lambda item: (-len(item[1]), item[0]))
    return [
        WalkOut(stage, step, event, len(counts), float(statistics.median(counts)))
        for (stage, step, event), counts in ranked
    ]


def _flagged(flags: Sequence[FlagRow]) -> list[FlaggedLine]:
    """The lines flagged most often (the same words, whatever the case and spacing), each shown
    as it was first flagged."""
    groups: dict[tuple[str, str], list[FlagRow]] = defaultdict(list)
    for flag in flags:
        groups[(" ".join(flag.text.split()).casefold(), flag.language)].append(flag)
    ranked = sorted(groups.values(), key=lambda rows: (-len(rows), rows[0].text))[:TOP_FLAGGED]
    return [
        FlaggedLine(
            text=rows[0].text,
            language=rows[0].language,
            flags=len(rows),
            predicted=str(rows[0].predicted[0]) if rows[0].predicted else "",
            suggested=[label for label, _ in Counter(r.suggested for r in rows if r.suggested).most_common()],
            pending=sum(1 for r in rows if r.status == "pending"),
        )
        for rows in ranked
    ]


__all__ = [
    "TRAINER_ROLES",
    "FactStatistics",
    "FlaggedLine",
    "NotATrainer",
    "ScenarioStatistics",
    "ScriptStatisticsService",
    "StatisticsAPI",
    "StopPoint",
    "WalkOut",
]
