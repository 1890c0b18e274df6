"""Trainers' JSON routes under ``/api/studio``: script statistics, the review queue of lines reps
flagged as misjudged, and the technique model (retrain; the one in use).

- ``GET /api/studio/scenarios/{id}/statistics``: how a scenario's visits go (``lang`` picks the
  language of the fact topics, default the user's; unknown scenario 404).
- ``GET /api/studio/review``: the pending flags; ``POST /api/studio/review/{id}/accept`` with
  ``{"label": technique}`` (default: the rep's suggestion) adds the line, so labelled, to the
  training lines; ``POST /api/studio/review/{id}/reject``.
- ``GET /api/studio/models/current``; ``POST /api/studio/models`` starts a retrain on the bank
  and the accepted lines in the background (202 and the job; ``GET /api/studio/models/jobs/{id}``
  tells how it goes); the stored model is the one every worker switches to. ``GET
  /api/studio/models`` lists the stored models; ``POST /api/studio/models/{id}/rollback`` uses
  an earlier one again.

Trainers and admins only (403 ``not_a_trainer`` for reps and managers, 401 signed out).
"""

from __future__ import annotations

from dataclasses import asdict
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from bot.services import TRAINER_ROLES, ModelVersions, ModelVersionView, NotATrainer, RetrainJobView
from bot.vocab import Technique

from .auth import CurrentUser, current_user
from .errors import ApiError, services
from .schemas import ErrorResponse, Flag

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


class ReviewRequest(BaseModel):
    label: Technique | None = Field(
        default=None, description="The right technique (default: the rep's suggestion)."
    )


@stats_router.get("/review")
async def review_queue(request: Request, user: Trainer) -> list[Flag]:
    """The lines reps flagged as misjudged, oldest first, not reviewed yet."""
    flags = await run_in_threadpool(services(request).feedback.pending)
    return [Flag.of(flag) for flag in flags]


@stats_router.post("/review/{flag_id}/accept")
async def accept_flag(
    request: Request, flag_id: int, user: Trainer, body: ReviewRequest | None = None
) -> Flag:
    """Accept the flag with the corrected label: the line becomes a labelled training line."""
    label = body.label.value if body is not None and body.label is not None else None
    accept = partial(services(request).feedback.accept, flag_id, label, user.login)
    return Flag.of(await run_in_threadpool(accept))


@stats_router.post("/review/{flag_id}/reject")
async def reject_flag(request: Request, flag_id: int, user: Trainer) -> Flag:
    reject = partial(services(request).feedback.reject, flag_id, user.login)
    return Flag.of(await run_in_threadpool(reject))


def _models(request: Request) -> ModelVersions:
    models = services(request).models
    if models is None:
        raise ApiError(503, "engine_unavailable", "The model store is not available.")
    return models


def _model_json(view: ModelVersionView) -> dict[str, Any]:
    data = asdict(view)
    data["created_at"] = view.created_at.isoformat() if view.created_at else None
    return data


@stats_router.get("/models/current")
async def current_model(request: Request, user: Trainer) -> dict[str, Any]:
    """The technique model in use (``id`` null: the bank's shipped model)."""
    return _model_json(await run_in_threadpool(_models(request).current))


class RetrainRequest(BaseModel):
    bank_version: str = Field(
        min_length=1, max_length=40, description="The question bank version the trainer means to train from."
    )


def _job_json(view: RetrainJobView) -> dict[str, Any]:
    data = asdict(view)
    data["started_at"] = view.started_at.isoformat() if view.started_at else None
    data["finished_at"] = view.finished_at.isoformat() if view.finished_at else None
    return data


@stats_router.post("/models", status_code=202)
async def retrain_model(request: Request, user: Trainer, body: RetrainRequest) -> dict[str, Any]:
    """Start a retrain on the bank and the accepted review lines, in the background: the answer
    (202) is the job to poll (``GET /api/studio/models/jobs/{id}``); a retrain already running is
    joined, not doubled (``created`` false). Every worker uses the new model from its next check
    on. ``bank_version`` must name the bank on the server (422 ``bank_version_mismatch``), so
    nobody retrains from a bank they did not see."""
    models = _models(request)
    start = partial(models.start_retrain, role=user.role, author=user.login, bank_version=body.bank_version)
    job, created = await run_in_threadpool(start)
    return {**_job_json(job), "created": created}


@stats_router.get("/models/jobs/{job_id}")
async def retrain_job(request: Request, job_id: int, user: Trainer) -> dict[str, Any]:
    """A retrain job: running, done (with the model it stored) or failed (with why)."""
    return _job_json(await run_in_threadpool(_models(request).job, job_id))


@stats_router.get("/models")
async def model_versions(request: Request, user: Trainer) -> dict[str, Any]:
    """The model in use, the stored models (newest first), the retrain running if any, and the
    question bank's version now (a model trained from another one is worth retraining)."""
    models = _models(request)
    current = await run_in_threadpool(models.current)
    listing = await run_in_threadpool(models.listing)
    running = await run_in_threadpool(models.running)
    bank = await run_in_threadpool(models.bank)
    return {
        "current": _model_json(current),
        "models": [_model_json(m) for m in listing],
        "running": _job_json(running) if running is not None else None,
        "bank_version": bank.version,
    }


@stats_router.post("/models/{model_id}/rollback")
async def rollback_model(request: Request, model_id: int, user: Trainer) -> dict[str, Any]:
    """Use an earlier model again: it is stored as the newest, and every worker switches to it."""
    rollback = partial(_models(request).rollback, model_id, role=user.role, author=user.login)
    return _model_json(await run_in_threadpool(rollback))


__all__ = ["stats_router", "trainer_user"]
