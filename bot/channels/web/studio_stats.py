"""``GET /api/studio/scenarios/{id}/statistics``: how a scenario's visits go, for its trainers.

Trainers and admins only (403 ``not_a_trainer`` for reps and managers, 401 signed out); an
unknown scenario is 404. ``lang`` picks the language of the fact topics (default: the user's).
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from bot.services import TRAINER_ROLES, NotATrainer

from .auth import CurrentUser, current_user
from .errors import ApiError, services
from .schemas import ErrorResponse

_errors: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Not signed in."},
    403: {"model": ErrorResponse, "description": "Only trainers and admins."},
    404: {"model": ErrorResponse, "description": "No such scenario."},
    503: {"model": ErrorResponse, "description": "The database is not answering; retry."},
}
stats_router = APIRouter(prefix="/api/studio", tags=["studio"], responses=_errors)


async def trainer_user(user: Annotated[CurrentUser, Depends(current_user)]) -> CurrentUser:
    """FastAPI dependency: the signed-in trainer or admin; 403 for anyone else."""
    if user.role not in TRAINER_ROLES:
        raise ApiError(403, NotATrainer.code, "Only trainers and admins may do this.")
    return user


Trainer = Annotated[CurrentUser, Depends(trainer_user)]


@stats_router.get("/scenarios/{scenario_id}/statistics")
async def scenario_statistics(
    request: Request,
    scenario_id: str,
    user: Trainer,
    version: Annotated[str | None, Query(max_length=40)] = None,
    lang: Annotated[str | None, Query(pattern="^(zh|en)$")] = None,
) -> dict[str, Any]:
    """Per fact how often and how soon visits uncover it; where finished visits stop; where and
    after what the customer walks out; the lines reps flag as misjudged most often."""
    statistics = services(request).statistics
    if statistics is None:
        raise ApiError(503, "engine_unavailable", "Statistics are not available.")
    read = partial(
        statistics.scenario, scenario_id, role=user.role, lang=lang or user.language, version=version
    )
    result = await run_in_threadpool(read)
    return result.to_dict()


__all__ = ["stats_router", "trainer_user"]
