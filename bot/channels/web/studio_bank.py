"""The question bank in the trainer studio: ``/api/studio/bank/...``.

- ``GET /api/studio/bank``: the bank's version and every technique with its published version,
  who published it and when, and its draft;
- ``GET /api/studio/bank/{id}``: the technique as the editor opens it (the draft, else published);
- ``PUT``/``DELETE /api/studio/bank/{id}/draft``; ``POST /api/studio/bank/{id}/check`` (every
  problem at its line, in the trainer's language, as they type);
- ``POST /api/studio/bank/{id}/publish`` (422 with the problems), ``GET .../versions`` (diffs),
  ``POST .../rollback``.

Trainers and admins only (403 ``not_a_trainer``, 401 signed out); an unknown technique is 404.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from bot.services import BankStudio, ScriptRejected
from bot.vocab import Lang, Technique

from .auth import CurrentUser
from .errors import ApiError, services
from .schemas import ErrorResponse
from .studio import MAX_SCRIPT_CHARS, _problems, _rejected, trainer_user

Trainer = Annotated[CurrentUser, Depends(trainer_user)]
bank_router = APIRouter(
    prefix="/api/studio/bank",
    tags=["studio"],
    responses={
        401: {"model": ErrorResponse, "description": "Not signed in."},
        403: {"model": ErrorResponse, "description": "Only trainers and admins."},
        404: {"model": ErrorResponse, "description": "No such technique or version."},
        422: {"model": ErrorResponse, "description": "The technique has problems (each at its line)."},
    },
)


class TechniqueText(BaseModel):
    text: str = Field(max_length=MAX_SCRIPT_CHARS)


class TechniqueCheck(TechniqueText):
    lang: Lang = Lang.ZH  # the trainer's language, for the problems' wording


class TechniquePublish(TechniqueText):
    message: str = Field(default="", max_length=500)
    lang: Lang = Lang.ZH
    base_version: str | None = Field(
        default=None,
        max_length=40,
        description="The published version the edit started from: 409 version_conflict when another "
        "was published since, instead of silently undoing it.",
    )


class TechniqueRollback(BaseModel):
    version: str = Field(min_length=1, max_length=40)
    message: str = Field(default="", max_length=500)


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def _bank(request: Request) -> BankStudio:
    bank = services(request).bank
    if bank is None:
        raise ApiError(503, "engine_unavailable", "The question bank is not available.")
    return bank


async def _call(call: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return await run_in_threadpool(partial(call, *args, **kwargs))
    except ScriptRejected as exc:
        raise _rejected(exc) from None


def _document(document: Any) -> dict[str, Any]:
    return {**asdict(document), "draft_at": _iso(document.draft_at)}


@bank_router.get("")
async def list_techniques(request: Request, user: Trainer) -> dict[str, Any]:
    """The bank's version and every technique with its published version and draft."""
    bank = _bank(request)
    listings = await run_in_threadpool(bank.techniques)
    version = await run_in_threadpool(lambda: bank.models.bank().version)
    items = [
        {**asdict(item), "published_at": _iso(item.published_at), "draft_at": _iso(item.draft_at)}
        for item in listings
    ]
    return {"version": version, "techniques": items}


@bank_router.get("/{technique_id}")
async def open_technique(technique_id: Technique, request: Request, user: Trainer) -> dict[str, Any]:
    return _document(await _call(_bank(request).document, technique_id.value))


@bank_router.put("/{technique_id}/draft")
async def save_technique_draft(
    technique_id: Technique, body: TechniqueText, request: Request, user: Trainer
) -> dict[str, Any]:
    """Keep the edit as the technique's draft (it need not validate yet)."""
    bank = _bank(request)
    return _document(await _call(bank.save_draft, technique_id.value, body.text, author=user.login))


@bank_router.delete("/{technique_id}/draft", status_code=204)
async def discard_technique_draft(technique_id: Technique, request: Request, user: Trainer) -> None:
    await _call(_bank(request).discard_draft, technique_id.value)


@bank_router.post("/{technique_id}/check")
async def check_technique(
    technique_id: Technique, body: TechniqueCheck, request: Request, user: Trainer
) -> dict[str, Any]:
    """Every problem in the text, each at its line (errors and warnings)."""
    problems = await _call(_bank(request).check, body.text, technique_id.value, body.lang.value)
    return {"problems": _problems(problems)}


@bank_router.post(
    "/{technique_id}/publish",
    responses={409: {"model": ErrorResponse, "description": "Another version was published since."}},
)
async def publish_technique(
    technique_id: Technique, body: TechniquePublish, request: Request, user: Trainer
) -> dict[str, Any]:
    """Check the technique (and the bank with it) and publish it as the next version."""
    bank = _bank(request)
    stored = await _call(
        bank.publish,
        technique_id.value,
        body.text,
        author=user.login,
        message=body.message,
        lang=body.lang.value,
        base_version=body.base_version,
    )
    return asdict(stored)


@bank_router.get("/{technique_id}/versions")
async def technique_versions(
    technique_id: Technique, request: Request, user: Trainer
) -> list[dict[str, Any]]:
    """Every published version, newest first, with its diff against the one before."""
    entries = await _call(_bank(request).history, technique_id.value)
    return [{**asdict(e), "created_at": _iso(e.created_at)} for e in entries]


@bank_router.post("/{technique_id}/rollback")
async def rollback_technique(
    technique_id: Technique, body: TechniqueRollback, request: Request, user: Trainer
) -> dict[str, Any]:
    """Publish an older version's text again, as the next version."""
    bank = _bank(request)
    stored = await _call(
        bank.rollback, technique_id.value, body.version, author=user.login, message=body.message
    )
    return asdict(stored)


__all__ = ["bank_router"]
