"""The admins' API: teams and users (create, move between teams, deactivate, import from CSV).

Only admins (403 for anyone else signed in). Deactivating a user ends their sign-in sessions at
once; an import is all or nothing, every bad row reported with its line number and reason.
"""

from __future__ import annotations

from dataclasses import asdict
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, status
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from bot.services import AdminAPI, UserView

from .auth import CurrentUser, current_user
from .errors import ApiError, services
from .input import CleanStr, DbId
from .schemas import ErrorResponse, _Request

IMPORT_MAX_CHARS = 80_000  # within the 256 KiB body limit of this route
_errors: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Not signed in."},
    403: {"model": ErrorResponse, "description": "Only admins."},
    503: {"model": ErrorResponse, "description": "The database is not answering; retry."},
}


async def admin_user(user: Annotated[CurrentUser, Depends(current_user)]) -> CurrentUser:
    """FastAPI dependency: the signed-in admin; 403 for anyone else."""
    if user.role != "admin":
        raise ApiError(403, "not_an_admin", "Only admins may do this.")
    return user


Admin = Annotated[CurrentUser, Depends(admin_user)]
admin_router = APIRouter(prefix="/api/admin", tags=["admin"], responses=_errors)


class TeamOut(BaseModel):
    id: int
    name: str
    members: int


class UserOut(BaseModel):
    id: int
    login: str
    name: str
    role: str
    language: str
    team_id: int | None
    team: str | None
    active: bool


class TeamRequest(_Request):
    name: CleanStr = Field(min_length=1, max_length=120)


class UserRequest(_Request):
    login: CleanStr = Field(min_length=1, max_length=80)
    name: CleanStr = Field(default="", max_length=120)
    role: Literal["rep", "trainer", "manager", "admin"] = "rep"
    team_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    language: Literal["zh", "en"] = "zh"
    password: str = Field(min_length=1, max_length=256)


class UserChange(_Request):
    """Move to a team (``team_id``; null: no team) and/or (de)activate (``active``)."""

    team_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    move: bool = Field(default=False, description="True: set the team to team_id (null: none).")
    active: bool | None = None


class ImportRequest(_Request):
    csv: str = Field(min_length=1, max_length=IMPORT_MAX_CHARS, description="The file's text.")


class RowProblemOut(BaseModel):
    row: int = Field(description="The line in the file (the header is line 1).")
    reason: str


class ImportOut(BaseModel):
    created: list[dict[str, str | None]] = Field(
        description="login and, for rows without one, the password made for it (shown once)."
    )
    problems: list[RowProblemOut] = Field(description="Non-empty: nothing was imported.")


def _admin(request: Request) -> AdminAPI:
    return services(request).admin


def _user(view: UserView) -> UserOut:
    return UserOut(**asdict(view))


@admin_router.get("/teams", response_model=list[TeamOut])
async def teams(request: Request, user: Admin) -> list[TeamOut]:
    """Every team with how many users it has."""
    return [TeamOut(**asdict(t)) for t in await run_in_threadpool(_admin(request).teams, user.id)]


@admin_router.post("/teams", response_model=TeamOut, status_code=status.HTTP_201_CREATED)
async def create_team(body: TeamRequest, request: Request, user: Admin) -> TeamOut:
    """A new team (422 when the name is taken)."""
    return TeamOut(**asdict(await run_in_threadpool(_admin(request).create_team, user.id, body.name)))


@admin_router.get("/users", response_model=list[UserOut])
async def users(request: Request, user: Admin) -> list[UserOut]:
    """Every user, active or not, with their team."""
    return [_user(u) for u in await run_in_threadpool(_admin(request).users, user.id)]


@admin_router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED)
async def create_user(body: UserRequest, request: Request, user: Admin) -> UserOut:
    """A new user who signs in with ``login`` and ``password`` (the password policy applies)."""
    create = partial(
        _admin(request).create_user,
        user.id,
        login=body.login,
        name=body.name,
        role=body.role,
        team_id=body.team_id,
        language=body.language,
        password=body.password,
    )
    return _user(await run_in_threadpool(create))


@admin_router.patch("/users/{user_id}", response_model=UserOut)
async def change_user(user_id: DbId, body: UserChange, request: Request, user: Admin) -> UserOut:
    """Move a user to another team and/or (de)activate them; deactivation signs them out
    everywhere at once."""
    service = _admin(request)
    view = None
    if body.move:
        view = await run_in_threadpool(service.move, user.id, user_id, body.team_id)
    if body.active is not None:
        view = await run_in_threadpool(service.set_active, user.id, user_id, body.active)
    if view is None:
        raise ApiError(422, "invalid_request", "Nothing to change: give move or active.")
    return _user(view)


@admin_router.post("/users/import", response_model=ImportOut)
async def import_users(body: ImportRequest, request: Request, user: Admin) -> ImportOut:
    """Create users from CSV (columns login, name, role, team, language, password; login
    required). All or nothing: any bad row is reported and no user is created."""
    found = await run_in_threadpool(_admin(request).import_csv, user.id, body.csv)
    return ImportOut(
        created=[{"login": login, "password": password} for login, password in found.created],
        problems=[RowProblemOut(row=p.row, reason=p.reason) for p in found.problems],
    )


__all__ = ["admin_router"]
