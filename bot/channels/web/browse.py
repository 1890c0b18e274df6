"""The managers' sessions list, its exports and the printable report of a rep.

``GET /api/manager/sessions`` filters (rep, team, scenario, mode, dates, score, outcome, private),
sorts, pages and searches the transcripts; ``GET /api/manager/export`` downloads what the same
filters select as CSV or JSON Lines; ``GET /manage/reps/{id}/report`` is a page to print. Same
scope as the rest of ``/api/manager``: a manager's own team, every team for an admin.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from bot.services import BrowseAPI, BrowsedSession, SessionFilter, export
from bot.vocab import Mode, Status

from .errors import ApiError, services
from .input import MAX_DB_ID, DbId
from .manager import Manager, _errors, _not_found
from .pages import page_context, templates

browse_router = APIRouter(tags=["manager"], responses=_errors)
SEARCH_MAX_CHARS = 100
Sort = Literal["newest", "oldest", "score_high", "score_low"]


class ListedSession(BaseModel):
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
    status: str = Field(description="The outcome: active, ended, closed_by_customer (walked out), ...")
    score: int | None
    started_at: str
    ended_at: str | None
    private: bool = Field(description="Private practice: listed with its score, its lines never shown.")


class SessionList(BaseModel):
    sessions: list[ListedSession]
    total: int = Field(description="How many sessions the filters select, on every page.")
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null on the last.")


class FilterChoices(BaseModel):
    reps: list[dict[str, Any]]
    teams: list[dict[str, Any]]
    scenarios: list[dict[str, Any]] = Field(description="id and title: {zh, en}.")
    modes: list[str]
    outcomes: list[str]


def _browse(request: Request) -> BrowseAPI:
    return services(request).browse


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _listed(row: BrowsedSession) -> ListedSession:
    data = asdict(row)
    return ListedSession(**{**data, "started_at": _iso(row.started_at), "ended_at": _iso(row.ended_at)})


def session_filter(
    rep: Annotated[int | None, Query(ge=1, le=MAX_DB_ID)] = None,
    team: Annotated[int | None, Query(ge=1, le=MAX_DB_ID)] = None,
    scenario: Annotated[str | None, Query(max_length=120)] = None,
    mode: Mode | None = None,
    outcome: Status | None = None,
    since: Annotated[date | None, Query(description="First day (UTC), YYYY-MM-DD.")] = None,
    until: Annotated[date | None, Query(description="Last day (UTC), included.")] = None,
    min_score: Annotated[int | None, Query(ge=0, le=100)] = None,
    max_score: Annotated[int | None, Query(ge=0, le=100)] = None,
    q: Annotated[str | None, Query(max_length=SEARCH_MAX_CHARS, description="Text in a line.")] = None,
    private: bool | None = None,
    sort: Sort = "newest",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=70, pattern=r"^[ko]:[A-Za-z0-9_-]+$")] = None,
) -> SessionFilter:
    """The filters of the list and the exports, from the query string."""
    if since and until and since > until:
        raise ApiError(422, "invalid_request", "since is after until.")
    if min_score is not None and max_score is not None and min_score > max_score:
        raise ApiError(422, "invalid_request", "min_score is above max_score.")
    return SessionFilter(
        rep_id=rep,
        team_id=team,
        scenario_id=scenario or None,
        mode=mode.value if mode else None,
        outcome=outcome.value if outcome else None,
        since=since,
        until=until,
        min_score=min_score,
        max_score=max_score,
        text=q,
        private=private,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )


Filters = Annotated[SessionFilter, Depends(session_filter)]


@browse_router.get("/api/manager/sessions", response_model=SessionList)
async def list_sessions(request: Request, user: Manager, wanted: Filters) -> SessionList:
    """The sessions of my reps (every rep for an admin) that match the filters; ``q`` finds a
    text in any line (a private visit's lines are not searched)."""
    page = await run_in_threadpool(_browse(request).sessions, user.id, wanted)
    return SessionList(
        sessions=[_listed(row) for row in page.sessions], total=page.total, next_cursor=page.next_cursor
    )


@browse_router.get("/api/manager/filters", response_model=FilterChoices)
async def filter_choices(request: Request, user: Manager) -> FilterChoices:
    """What the filters offer me: my reps and teams, the scenarios, modes and outcomes."""
    found = await run_in_threadpool(_browse(request).options, user.id)
    scenarios = await run_in_threadpool(services(request).rehearsals.scenarios)
    return FilterChoices(
        reps=[{"id": i, "name": name, "login": login} for i, name, login in found.reps],
        teams=[{"id": i, "name": name} for i, name in found.teams],
        scenarios=[{"id": s.id, "title": dict(s.title)} for s in scenarios],
        modes=[m.value for m in Mode],
        outcomes=[s.value for s in Status],
    )


@browse_router.get(
    "/api/manager/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "application/x-ndjson": {}}}},
)
async def export_sessions(
    request: Request, user: Manager, wanted: Filters, format: Literal["csv", "jsonl"] = "csv"
) -> Response:
    """Every session the filters select (not one page) with its lines, oldest first: CSV (UTF-8
    with BOM, formulas neutralised) or JSON Lines. A private visit comes without its lines."""
    found = await run_in_threadpool(_browse(request).export, user.id, wanted)
    body = export.render(found, format)
    media = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson; charset=utf-8"
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    return Response(
        body,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="sessions-{stamp}.{format}"',
            "Cache-Control": "no-store",
        },
    )


@browse_router.get("/manage/reps/{rep_id}/report", response_class=HTMLResponse, responses=_not_found)
async def rep_report(
    rep_id: DbId, request: Request, user: Manager, lang: Literal["zh", "en"] | None = None
) -> HTMLResponse:
    """A rep's record as a page to print: outcomes, averages with what they count, techniques
    and every visit."""
    report = await run_in_threadpool(partial(_browse(request).rep_report, user.id, rep_id))
    language = lang or (user.language if user.language in ("zh", "en") else "zh")
    context = {**page_context(request, language), "report": report, "viewer": user.display_name}
    return templates.TemplateResponse(request, "report.html", context, headers={"Cache-Control": "no-store"})


__all__ = ["browse_router", "session_filter"]
