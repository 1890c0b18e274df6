"""``BrowseService``: the managers' sessions list (filters, sorting, paging, transcript search),
the exports of sessions and turns, and the printable report of one rep.

Scope as everywhere for managers: a manager sees the reps of their own team, an admin every
rep. A private practice visit is listed (it happened, with its score) but its lines are never
handed out: not in the list's search, not in an export, not in a report
(``private_scorecard`` keeps only the figures of its scorecard).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol

from bot.storage import Database, RehearsalSession, Store, User, store
from bot.storage.browse import SORTS, ListedSession, SessionQuery

from .coaching import MANAGER_ROLES, PRIVATE_SCORECARD_KEYS, private_scorecard
from .errors import NotAManager, RepNotFound
from .rehearsals import RehearsalService

PAGE_MAX = 200
EXPORT_BATCH = 500


def utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class SessionFilter:
    """What a viewer asks the list for. Dates are whole days (UTC), ``until`` included."""

    rep_id: int | None = None
    team_id: int | None = None
    scenario_id: str | None = None
    mode: str | None = None
    outcome: str | None = None
    since: date | None = None
    until: date | None = None
    min_score: int | None = None
    max_score: int | None = None
    text: str | None = None
    private: bool | None = None
    sort: str = "newest"
    limit: int = 50
    cursor: str | None = None  # from ``SessionPage.next_cursor``


@dataclass(frozen=True)
class BrowsedSession:
    id: str
    rep_id: int
    rep_name: str
    rep_login: str
    team: str | None
    scenario_id: str
    title: str
    mode: str
    language: str
    channel: str
    status: str
    score: int | None
    started_at: datetime
    ended_at: datetime | None
    private: bool


@dataclass(frozen=True)
class SessionPage:
    sessions: list[BrowsedSession]
    total: int
    next_cursor: str | None


@dataclass(frozen=True)
class ExportedTurn:
    seq: int
    speaker: str
    text: str
    techniques: list[str]
    stage: str | None
    step: str | None
    trust: float | None
    created_at: datetime


@dataclass(frozen=True)
class ExportedSession:
    session: BrowsedSession
    turns: list[ExportedTurn]
    lines_hidden: bool  # a private visit: its lines are left out


@dataclass(frozen=True)
class OutcomeFigures:
    visits: int
    scored: int
    average_score: float | None


def _average(scores: Sequence[int]) -> float | None:
    return round(sum(scores) / len(scores), 1) if scores else None


@dataclass(frozen=True)
class RepReport:
    """One rep's record for printing: per outcome (finished, walked out, ...) how many visits
    and the average score of those scored, the average of every scored visit and how many that
    is, the techniques of all scored visits, and every visit (newest first)."""

    rep_id: int
    name: str
    login: str
    team: str | None
    outcomes: dict[str, OutcomeFigures]
    scored: int
    average_score: float | None
    best_score: int | None
    techniques: dict[str, int]
    sessions: list[BrowsedSession] = field(default_factory=list)


@dataclass(frozen=True)
class FilterOptions:
    """What the filters offer this viewer: their reps and teams."""

    reps: list[tuple[int, str, str]]  # id, name, login
    teams: list[tuple[int, str]]


class BrowseAPI(Protocol):
    def sessions(self, viewer_id: int, wanted: SessionFilter) -> SessionPage: ...

    def export(self, viewer_id: int, wanted: SessionFilter) -> list[ExportedSession]: ...

    def rep_report(self, viewer_id: int, rep_id: int) -> RepReport: ...

    def options(self, viewer_id: int) -> FilterOptions: ...


def _day_start(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min, tzinfo=UTC) if day is not None else None


class BrowseService:
    """Implements ``BrowseAPI``; ``export_all`` is the command line's export (no viewer)."""

    def __init__(self, db: Database, rehearsals: RehearsalService) -> None:
        self.db = db
        self.rehearsals = rehearsals

    # -- scope -----------------------------------------------------------------------------

    @staticmethod
    def _scope(s: Store, viewer_id: int) -> tuple[int, ...] | None:
        """The teams a viewer sees (None: all of them, an admin)."""
        viewer = s.users.get(viewer_id)
        if viewer is None or viewer.role not in MANAGER_ROLES or not viewer.active:
            raise NotAManager("Only managers and admins may do this.")
        if viewer.role == "admin":
            return None
        return (viewer.team_id,) if viewer.team_id is not None else ()

    @staticmethod
    def _query(scope: tuple[int, ...] | None, wanted: SessionFilter) -> SessionQuery:
        sort = wanted.sort if wanted.sort in SORTS else "newest"
        after, offset = None, 0
        if wanted.cursor and wanted.cursor.startswith("k:") and sort in ("newest", "oldest"):
            after = wanted.cursor[2:]
        elif wanted.cursor and wanted.cursor.startswith("o:") and wanted.cursor[2:].isdigit():
            offset = int(wanted.cursor[2:])
        until = _day_start(wanted.until + timedelta(days=1)) if wanted.until else None
        return SessionQuery(
            team_ids=scope,
            rep_id=wanted.rep_id,
            team_id=wanted.team_id,
            scenario_id=wanted.scenario_id or None,
            mode=wanted.mode or None,
            status=wanted.outcome or None,
            since=_day_start(wanted.since),
            until=until,
            min_score=wanted.min_score,
            max_score=wanted.max_score,
            text=(wanted.text or "").strip() or None,
            private=wanted.private,
            sort=sort,
            limit=max(1, min(wanted.limit, PAGE_MAX)),
            offset=offset,
            after=after,
        )

    def _browsed(self, s: Store, rows: Sequence[ListedSession]) -> list[BrowsedSession]:
        titles = self.rehearsals.titles_in(s, [row.session.id for row in rows])
        return [self._one(row, titles.get(row.session.id, row.session.scenario_id)) for row in rows]

    @staticmethod
    def _one(row: ListedSession, title: str) -> BrowsedSession:
        r: RehearsalSession = row.session
        return BrowsedSession(
            id=r.id,
            rep_id=r.user_id,
            rep_name=row.rep_name,
            rep_login=row.rep_login,
            team=row.team,
            scenario_id=r.scenario_id,
            title=title,
            mode=r.mode,
            language=r.language,
            channel=r.channel,
            status=r.status,
            score=r.score,
            started_at=utc(r.started_at) or r.started_at,
            ended_at=utc(r.ended_at),
            private=bool(r.private),
        )

    # -- the list --------------------------------------------------------------------------

    def sessions(self, viewer_id: int, wanted: SessionFilter) -> SessionPage:
        with store(self.db) as s:
            query = self._query(self._scope(s, viewer_id), wanted)
            rows = s.browse.page(query)
            total = s.browse.count(query)
            listed = self._browsed(s, rows)
        next_cursor = None
        if len(rows) == query.limit:
            keyset = query.sort in ("newest", "oldest")
            next_cursor = f"k:{rows[-1].session.id}" if keyset else f"o:{query.offset + query.limit}"
        return SessionPage(listed, total, next_cursor)

    def options(self, viewer_id: int) -> FilterOptions:
        with store(self.db) as s:
            scope = self._scope(s, viewer_id)
            teams = s.browse.teams(scope)
            if scope is None:
                reps: Sequence[User] = s.users.list(role="rep")
            else:
                reps = [rep for team_id in scope for rep in s.users.list(role="rep", team_id=team_id)]
            return FilterOptions(
                reps=[(rep.id, rep.display_name, rep.login or "") for rep in reps],
                teams=[(team.id, team.name) for team in teams],
            )

    # -- exports ---------------------------------------------------------------------------

    def export(self, viewer_id: int, wanted: SessionFilter) -> list[ExportedSession]:
        """Every session the filter selects (not only one page), oldest first, with its turns."""
        with store(self.db) as s:
            return self._export(s, self._query(self._scope(s, viewer_id), wanted))

    def export_all(self, *, since: date | None = None, team: str | None = None) -> list[ExportedSession]:
        """The command line's export: every team (or the team named ``team``; ValueError when
        there is none), sessions started on or after ``since``."""
        with store(self.db) as s:
            team_id = None
            if team is not None:
                found = s.browse.team_by_name(team)
                if found is None:
                    raise ValueError(f"no team named {team!r}")
                team_id = found.id
            return self._export(s, self._query(None, SessionFilter(team_id=team_id, since=since)))

    def _export(self, s: Store, query: SessionQuery) -> list[ExportedSession]:
        query = replace(query, sort="oldest", limit=EXPORT_BATCH, after=None, offset=0)
        exported: list[ExportedSession] = []
        while True:
            rows = s.browse.page(query)
            listed = self._browsed(s, rows)
            shared = [row.id for row in listed if not row.private]
            turns = s.browse.turns_of(shared)
            for row in listed:
                exported.append(
                    ExportedSession(
                        row,
                        [_exported_turn(t) for t in turns.get(row.id, [])],
                        lines_hidden=row.private,
                    )
                )
            if len(rows) < query.limit:
                return exported
            query = replace(query, after=rows[-1].session.id)

    # -- the printable report --------------------------------------------------------------

    def rep_report(self, viewer_id: int, rep_id: int) -> RepReport:
        with store(self.db) as s:
            scope = self._scope(s, viewer_id)
            rep = s.users.get(rep_id)
            if rep is None or rep.role != "rep" or (scope is not None and rep.team_id not in scope):
                raise RepNotFound("No such rep in your team.")
            query = SessionQuery(team_ids=scope, rep_id=rep_id, sort="newest", limit=100_000)
            rows = s.browse.page(query)
            listed = self._browsed(s, rows)
            techniques: Counter[str] = Counter()
            for row in rows:
                counts = ((row.session.scorecard or {}).get("techniques") or {}).get("counts") or {}
                techniques.update({str(k): int(v) for k, v in counts.items()})
            scores = [row.score for row in listed if row.score is not None]
            return RepReport(
                rep_id=rep.id,
                name=rep.display_name,
                login=rep.login or "",
                team=rep.team.name if rep.team else None,
                outcomes=_outcomes(listed),
                scored=len(scores),
                average_score=_average(scores),
                best_score=max(scores) if scores else None,
                techniques=dict(techniques.most_common()),
                sessions=listed,
            )


def _outcomes(listed: Sequence[BrowsedSession]) -> dict[str, OutcomeFigures]:
    found: dict[str, list[BrowsedSession]] = {}
    for row in listed:
        found.setdefault(row.status, []).append(row)
    figures = {}
    for status, rows in sorted(found.items()):
        scores = [row.score for row in rows if row.score is not None]
        figures[status] = OutcomeFigures(len(rows), len(scores), _average(scores))
    return figures


def _exported_turn(turn: Any) -> ExportedTurn:
    return ExportedTurn(
        seq=turn.seq,
        speaker=turn.speaker,
        text=turn.text,
        techniques=[str(t) for t in (turn.techniques or [])],
        stage=turn.stage,
        step=turn.step,
        trust=turn.trust,
        created_at=utc(turn.created_at) or turn.created_at,
    )


__all__ = [
    "PRIVATE_SCORECARD_KEYS",
    "BrowseAPI",
    "BrowseService",
    "BrowsedSession",
    "ExportedSession",
    "ExportedTurn",
    "FilterOptions",
    "OutcomeFigures",
    "RepReport",
    "SessionFilter",
    "SessionPage",
    "private_scorecard",
]
