"""Review 3.0, line comments, assignments and team analytics (issue 14).

``/api/manager/...`` answers managers and admins only (403 otherwise); a rep, session or review
outside the manager's team is answered with 404, as if it did not exist. ``/api/assignments``,
``/api/reviews`` and ``/api/sessions/{id}/comments`` are the rep's side: their own.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from starlette.concurrency import run_in_threadpool

from bot.services import Services

from .coaching_schemas import (
    Assignment,
    AssignmentRequest,
    Comment,
    CommentRequest,
    Review,
    ReviewDraftModel,
    ReviewRequest,
    TeamAnalyticsModel,
)
from .errors import services
from .input import DbId, SessionId
from .manager import Manager, SignedIn
from .schemas import ErrorResponse, TurnOutcome

WEB_CHANNEL = "web"
_errors: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Not signed in."},
    403: {"model": ErrorResponse, "description": "Only managers and admins."},
    503: {"model": ErrorResponse, "description": "The database is not answering; retry."},
}
_not_found: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "No such rep, session or review in your team."}
}
_bad: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorResponse, "description": "A value out of range, or sessions of several reps."}
}
review_router = APIRouter(prefix="/api/manager", tags=["coaching"], responses=_errors)
rep_coaching_router = APIRouter(
    prefix="/api", tags=["coaching"], responses={k: v for k, v in _errors.items() if k != 403}
)


def _services(request: Request) -> Services:
    return services(request)


def _utc(value: datetime | None) -> datetime | None:
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


# --- the manager's side ---------------------------------------------------------------------


@review_router.post(
    "/sessions/{session_id}/comments",
    response_model=Comment,
    status_code=status.HTTP_201_CREATED,
    responses={**_not_found, 422: {"model": ErrorResponse, "description": "Empty or too long."}},
)
async def comment_line(
    session_id: SessionId, body: CommentRequest, request: Request, user: Manager
) -> Comment:
    """Comment on one line of a rep's transcript; the rep sees it beside that line."""
    comment = partial(_services(request).reviews.comment, user.id, session_id, body.seq, body.text)
    return Comment.of(await run_in_threadpool(comment))


@review_router.get("/sessions/{session_id}/comments", response_model=list[Comment], responses=_not_found)
async def session_comments(session_id: SessionId, request: Request, user: Manager) -> list[Comment]:
    """The comments on a session's lines, in line order."""
    found = await run_in_threadpool(_services(request).reviews.session_comments, user.id, session_id)
    return [Comment.of(c) for c in found]


@review_router.get("/review-draft", response_model=ReviewDraftModel, responses={**_not_found, **_bad})
async def review_draft(
    request: Request,
    user: Manager,
    session: Annotated[list[str], Query(min_length=1, max_length=10, description="A session id, repeated.")],
) -> ReviewDraftModel:
    """A new review of the sessions, pre-filled: the skill gaps by technique, and the colleague to
    learn each from (the team's best record over their last 10 visits)."""
    draft = await run_in_threadpool(_services(request).reviews.draft, user.id, session)
    return ReviewDraftModel.of(draft)


@review_router.post(
    "/reviews", response_model=Review, status_code=status.HTTP_201_CREATED, responses={**_not_found, **_bad}
)
async def write_review(body: ReviewRequest, request: Request, user: Manager) -> Review:
    """Write a review (ASK gaps, what improving means, the plan) with its practice assignments
    for the sessions' rep, in one transaction; a rep linked in Telegram is told of each assignment."""
    return Review.of(await run_in_threadpool(_services(request).reviews.write, user.id, body.review()))


@review_router.get("/reps/{rep_id}/reviews", response_model=list[Review], responses=_not_found)
async def rep_reviews(rep_id: DbId, request: Request, user: Manager) -> list[Review]:
    """A rep's reviews, newest first, each with its assignments and before/after scores."""
    found = await run_in_threadpool(_services(request).reviews.rep_reviews, user.id, rep_id)
    return [Review.of(r) for r in found]


@review_router.post(
    "/assignments",
    response_model=list[Assignment],
    status_code=status.HTTP_201_CREATED,
    responses={**_not_found, **_bad},
)
async def assign(body: AssignmentRequest, request: Request, user: Manager) -> list[Assignment]:
    """Assign a scenario to reps of your team, or to the whole team (``team``): one per rep."""
    call = partial(
        _services(request).assignments.assign, user.id, body.order(), rep_ids=body.rep_ids, team=body.team
    )
    return [Assignment.of(a) for a in await run_in_threadpool(call)]


@review_router.get("/assignments", response_model=list[Assignment])
async def team_assignments(request: Request, user: Manager) -> list[Assignment]:
    """Every assignment of your team, by due date: open, in progress, done, passed or overdue."""
    found = await run_in_threadpool(_services(request).assignments.team_assignments, user.id)
    return [Assignment.of(a) for a in found]


@review_router.get("/analytics", response_model=TeamAnalyticsModel)
async def team_analytics(
    request: Request,
    user: Manager,
    since: Annotated[datetime | None, Query(description="Visits started from (ISO 8601).")] = None,
    until: Annotated[datetime | None, Query(description="Visits started before (ISO 8601).")] = None,
) -> TeamAnalyticsModel:
    """Per rep over the period: the technique mix, the score trend, facts uncovered, deadline and
    budget found out, walk-outs and abandoned visits."""
    call = partial(_services(request).analytics.team, user.id, since=_utc(since), until=_utc(until))
    return TeamAnalyticsModel.of(await run_in_threadpool(call))


# --- the rep's side ---------------------------------------------------------------------------


@rep_coaching_router.get("/assignments", response_model=list[Assignment])
async def my_assignments(request: Request, user: SignedIn) -> list[Assignment]:
    """My assignments, by due date."""
    found = await run_in_threadpool(_services(request).assignments.my_assignments, user.id)
    return [Assignment.of(a) for a in found]


@rep_coaching_router.post(
    "/assignments/{assignment_id}/start",
    response_model=TurnOutcome,
    status_code=status.HTTP_201_CREATED,
    responses={404: {"model": ErrorResponse, "description": "No such assignment of mine."}},
)
async def start_assignment(assignment_id: DbId, request: Request, user: SignedIn) -> TurnOutcome:
    """Start the assigned visit (its scenario, mode and language); it counts for the assignment."""
    call = partial(_services(request).assignments.start, user.id, assignment_id, channel=WEB_CHANNEL)
    return TurnOutcome.of(await run_in_threadpool(call))


@rep_coaching_router.get("/reviews", response_model=list[Review])
async def my_reviews(request: Request, user: SignedIn) -> list[Review]:
    """The coaching reviews written about me, newest first."""
    return [Review.of(r) for r in await run_in_threadpool(_services(request).reviews.my_reviews, user.id)]


@rep_coaching_router.get(
    "/sessions/{session_id}/comments",
    response_model=list[Comment],
    responses={403: {"model": ErrorResponse, "description": "Not my session."}},
)
async def my_comments(session_id: SessionId, request: Request, user: SignedIn) -> list[Comment]:
    """My manager's comments on the lines of one of my sessions, in line order."""
    found = await run_in_threadpool(_services(request).reviews.my_comments, user.id, session_id)
    return [Comment.of(c) for c in found]


__all__ = ["rep_coaching_router", "review_router"]
