"""The rep's own API beside the rehearsal: whether anyone is signed in (without a 401 in the
console of a page just opened), my progress, my settings, and the question bank's explanation
of a technique (the "explain" under a coach's note)."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any
from zoneinfo import available_timezones

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, JsonValue
from starlette.concurrency import run_in_threadpool

from bot.services import Progress, TechniqueGuide
from bot.vocab import Technique

from .auth import COOKIE_NAME, CurrentUser, as_current_user, current_user
from .errors import services
from .schemas import ErrorResponse, Me, SessionSummary

router = APIRouter(prefix="/api", tags=["rep"])
SignedIn = Annotated[CurrentUser, Depends(current_user)]


class AuthState(BaseModel):
    signed_in: bool
    me: Me | None = None


class SettingsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # The schema lists the IANA zones this server knows, so a client (or a fuzzer) can tell a
    # zone that will be accepted from one that is refused with 422 before sending it.
    time_zone: str = Field(
        min_length=1,
        max_length=64,
        examples=["Asia/Shanghai"],
        json_schema_extra={"enum": list[JsonValue](sorted(available_timezones()))},
    )
    only_if_unset: bool = Field(
        default=False, description="Keep a zone already chosen (the page sends the browser's this way)."
    )


class UserSettings(BaseModel):
    time_zone: str | None = Field(description="The zone times are shown in; null: the browser's.")


class TechniqueExplanation(BaseModel):
    id: str
    name: str
    definition: str
    when: str
    examples: list[str]
    mistakes: list[str]
    tips: list[str]

    @classmethod
    def of(cls, guide: TechniqueGuide) -> TechniqueExplanation:
        return cls.model_validate(guide.to_dict())


class ProgressView(BaseModel):
    visits: int = Field(description="Finished visits counted (the latest ones).")
    trend: list[dict[str, Any]] = Field(description="Finished visits, oldest first, with their scores.")
    techniques: list[dict[str, Any]] = Field(description="Per technique: uses, visits, trust_change.")
    weakest: str | None
    next: dict[str, Any] | None = Field(description="The technique to practise and a scenario training it.")
    assignments: list[dict[str, Any]] = Field(description="Open assignments from the rep's manager.")

    @classmethod
    def of(cls, progress: Progress) -> ProgressView:
        return cls.model_validate(progress.to_dict())


def _me(user: CurrentUser, time_zone: str | None) -> Me:
    return Me(
        id=user.id,
        login=user.login,
        display_name=user.display_name,
        role=user.role,
        language=user.language,
        time_zone=time_zone,
    )


@router.get("/auth/state", response_model=AuthState)
async def auth_state(request: Request) -> AuthState:
    """Who is signed in, if anyone: 200 either way, so a page opening signed out logs no error."""
    token = request.cookies.get(COOKIE_NAME)
    found = await run_in_threadpool(services(request).web_sessions.read, token) if token else None
    if found is None:
        return AuthState(signed_in=False)
    user = as_current_user(found)
    zone = await run_in_threadpool(services(request).settings.time_zone, user.id)
    return AuthState(signed_in=True, me=_me(user, zone))


@router.put(
    "/me/settings",
    response_model=UserSettings,
    responses={422: {"model": ErrorResponse, "description": "Not a time zone."}},
)
async def put_settings(body: SettingsRequest, request: Request, user: SignedIn) -> UserSettings:
    """Set my time zone (an IANA name such as Asia/Shanghai)."""
    change = partial(
        services(request).settings.set_time_zone, user.id, body.time_zone, only_if_unset=body.only_if_unset
    )
    return UserSettings(time_zone=await run_in_threadpool(change))


class ActiveVisit(BaseModel):
    session: SessionSummary | None = Field(description="My visit in progress (any channel), or null.")


@router.get("/active-session", response_model=ActiveVisit)
async def active_session(request: Request, user: SignedIn) -> ActiveVisit:
    """My visit in progress, if any: the page offers to continue it or end it before starting."""
    found = partial(services(request).rehearsals.active_session, user.id, with_turns=False)
    view = await run_in_threadpool(found)
    return ActiveVisit(session=SessionSummary.of(view) if view is not None else None)


@router.get("/progress", response_model=ProgressView)
async def my_progress(request: Request, user: SignedIn) -> ProgressView:
    """My progress: score trend, techniques, the weakest one and what to practise next."""
    return ProgressView.of(await run_in_threadpool(services(request).progress.for_rep, user.id))


@router.get("/techniques/{technique_id}", response_model=TechniqueExplanation)
async def technique(
    technique_id: Technique,
    request: Request,
    _user: SignedIn,
    lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh",
) -> TechniqueExplanation:
    """A technique as the question bank explains it: definition, examples, common mistakes."""
    explain = partial(services(request).techniques.explain, technique_id.value, lang)
    return TechniqueExplanation.of(await run_in_threadpool(explain))


__all__ = ["router"]
