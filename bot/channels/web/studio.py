"""The trainer studio's API: scenario drafts, checks as the trainer types, trainer tests, a
preview rehearsal against the draft (never stored), publishing, history with diffs, rollback.

``/api/studio/...`` answers only trainers and admins (403 for managers and reps, 401 signed out).
A script that cannot be published is answered with 422 and every problem at its line.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from bot.services import TRAINER_ROLES, Problem, ScriptRejected, Services, TestOutcome
from bot.vocab import Lang

from .auth import CurrentUser, current_user
from .errors import ApiError, services
from .schemas import ErrorResponse

MAX_SCRIPT_CHARS = 400_000
ScriptId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$", max_length=120)]


async def trainer_user(user: Annotated[CurrentUser, Depends(current_user)]) -> CurrentUser:
    """FastAPI dependency: the signed-in trainer or admin; 403 for anyone else."""
    if user.role not in TRAINER_ROLES:
        raise ApiError(403, "not_a_trainer", "Only trainers and admins may edit scripts.")
    return user


Trainer = Annotated[CurrentUser, Depends(trainer_user)]
studio_router = APIRouter(
    prefix="/api/studio",
    tags=["studio"],
    responses={
        401: {"model": ErrorResponse, "description": "Not signed in."},
        403: {"model": ErrorResponse, "description": "Only trainers and admins."},
        422: {"model": ErrorResponse, "description": "The script has problems (each at its line)."},
    },
)


class ScriptText(BaseModel):
    text: str = Field(max_length=MAX_SCRIPT_CHARS)


class CheckRequest(ScriptText):
    script_id: ScriptId | None = None
    lang: Lang = Lang.ZH  # the trainer's language, for the problems' wording


class PublishRequest(ScriptText):
    message: str = Field(default="", max_length=500)
    base_version: str | None = Field(
        default=None,
        max_length=40,
        description="The published version the edit started from: 409 version_conflict when another "
        "was published since, instead of silently undoing it.",
    )


class RollbackRequest(BaseModel):
    version: str = Field(min_length=1, max_length=40)
    message: str = Field(default="", max_length=500)


class ReaderRequest(ScriptText):
    lang: Lang = Lang.ZH


class PreviewSay(ScriptText):
    state: dict[str, Any]
    line: str = Field(min_length=1, max_length=2000)


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def _problems(problems: list[Problem]) -> list[dict[str, Any]]:
    return [asdict(p) for p in problems]


def _tests(tests: list[TestOutcome]) -> list[dict[str, Any]]:
    return [{**asdict(t), "failures": _problems(t.failures)} for t in tests]


def _rejected(exc: ScriptRejected) -> ApiError:
    return ApiError(
        422, "script_rejected", str(exc), problems=_problems(exc.problems), tests=_tests(exc.tests)
    )


async def _call(request: Request, call: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return await run_in_threadpool(call, *args, **kwargs)
    except ScriptRejected as exc:
        raise _rejected(exc) from None
    except ValueError as exc:  # a preview state that is not one
        raise ApiError(422, "invalid_request", str(exc)) from None


def _studio(request: Request) -> Services:
    return services(request)


@studio_router.get("/scripts")
async def list_scripts(request: Request, user: Trainer) -> list[dict[str, Any]]:
    """Every scenario with its published version, who published it and when, and its draft."""
    listings = await run_in_threadpool(_studio(request).scripts.scripts)
    return [
        {**asdict(item), "published_at": _iso(item.published_at), "draft_at": _iso(item.draft_at)}
        for item in listings
    ]


class NewScript(BaseModel):
    id: ScriptId


@studio_router.post("/scripts", status_code=201)
async def new_script(body: NewScript, request: Request, user: Trainer) -> dict[str, Any]:
    """Start a new scenario as a draft (409 ``script_exists`` when the id is taken)."""
    studio = _studio(request).scripts
    document = await _call(request, studio.new_draft, body.id, author=user.login)
    return {**asdict(document), "draft_at": _iso(document.draft_at)}


@studio_router.get("/scripts/{script_id}")
async def open_script(script_id: ScriptId, request: Request, user: Trainer) -> dict[str, Any]:
    """The script as the editor opens it: the draft when there is one, else the published text."""
    document = await run_in_threadpool(_studio(request).scripts.document, script_id)
    return {**asdict(document), "draft_at": _iso(document.draft_at)}


@studio_router.put("/scripts/{script_id}/draft")
async def save_draft(
    script_id: ScriptId, body: ScriptText, request: Request, user: Trainer
) -> dict[str, Any]:
    """Keep the edit as this script's draft (it need not validate yet)."""
    studio = _studio(request).scripts
    document = await _call(request, studio.save_draft, script_id, body.text, author=user.login)
    return {**asdict(document), "draft_at": _iso(document.draft_at)}


@studio_router.delete("/scripts/{script_id}/draft", status_code=204)
async def discard_draft(script_id: ScriptId, request: Request, user: Trainer) -> None:
    await run_in_threadpool(_studio(request).scripts.discard_draft, script_id)


@studio_router.post("/check")
async def check(body: CheckRequest, request: Request, user: Trainer) -> dict[str, Any]:
    """Every problem in the text, each at its line (the editor marks them as the trainer types)."""
    problems = await run_in_threadpool(_studio(request).scripts.check, body.text, body.script_id, body.lang)
    return {"problems": _problems(problems)}


@studio_router.post("/scripts/{script_id}/tests")
async def run_tests(script_id: ScriptId, body: ScriptText, request: Request, user: Trainer) -> dict[str, Any]:
    """Play the text's trainer tests."""
    tests = await _call(request, _studio(request).scripts.run_tests, body.text, script_id, user.language)
    return {"tests": _tests(tests), "passed": all(t.passed for t in tests)}


@studio_router.post(
    "/scripts/{script_id}/publish",
    responses={409: {"model": ErrorResponse, "description": "Another version was published since."}},
)
async def publish(
    script_id: ScriptId, body: PublishRequest, request: Request, user: Trainer
) -> dict[str, Any]:
    """Validate, run the trainer tests, and publish as the next version (422 with the problems)."""
    studio = _studio(request).scripts
    stored = await _call(
        request,
        studio.publish,
        script_id,
        body.text,
        author=user.login,
        message=body.message,
        base_version=body.base_version,
    )
    return asdict(stored)


@studio_router.get("/scripts/{script_id}/versions")
async def versions(script_id: ScriptId, request: Request, user: Trainer) -> list[dict[str, Any]]:
    """Every published version, newest first, with its diff against the one before."""
    entries = await run_in_threadpool(_studio(request).scripts.history, script_id)
    return [{**asdict(e), "created_at": _iso(e.created_at)} for e in entries]


@studio_router.post("/scripts/{script_id}/rollback")
async def rollback(
    script_id: ScriptId, body: RollbackRequest, request: Request, user: Trainer
) -> dict[str, Any]:
    """Publish an older version's content again, as the next version."""
    studio = _studio(request).scripts
    stored = await _call(
        request, studio.rollback, script_id, body.version, author=user.login, message=body.message
    )
    return asdict(stored)


@studio_router.post("/reader")
async def reader(body: ReaderRequest, request: Request, user: Trainer) -> dict[str, Any]:
    """The text as a reader sees it: customer, facts by topic and trust, implications, tests."""
    view: dict[str, Any] = await _call(request, _studio(request).preview.reader, body.text, body.lang)
    return view


@studio_router.post("/preview/start")
async def preview_start(body: ReaderRequest, request: Request, user: Trainer) -> dict[str, Any]:
    """A rehearsal against the text, not stored: the customer's opening and the state to send back."""
    turn = await _call(request, _studio(request).preview.start, body.text, lang=body.lang)
    return asdict(turn)


@studio_router.post("/preview/say")
async def preview_say(body: PreviewSay, request: Request, user: Trainer) -> dict[str, Any]:
    """One rep line in the preview rehearsal."""
    turn = await _call(request, _studio(request).preview.say, body.text, body.state, body.line)
    return asdict(turn)


__all__ = ["studio_router", "trainer_user"]
