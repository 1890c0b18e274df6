"""Managers read their reps' rehearsals and write coaching notes; reps read those notes.

``/api/manager/...`` answers only managers and admins (403 otherwise). A manager sees the reps
of their own team, an admin every rep; a rep or session outside that scope is answered with
404, as if it did not exist. ``/api/notes`` is the rep's side: my notes, newest first.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from starlette.concurrency import run_in_threadpool

from bot.services import MANAGER_ROLES, CoachingAPI, ManagedView, NoteView, RepFigures

from .auth import CurrentUser, current_user
from .errors import ApiError, services
from .input import DbId, SessionId
from .manager_schemas import ManagedSession, Note, NoteRequest, RepProgress, RepRef
from .schemas import ErrorResponse, SessionDetail, SessionSummary

_errors: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Not signed in."},
    403: {"model": ErrorResponse, "description": "Only managers and admins."},
    503: {"model": ErrorResponse, "description": "The database is not answering; retry."},
}
_not_found: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "No such rep or session in your team."}
}


async def manager_user(user: Annotated[CurrentUser, Depends(current_user)]) -> CurrentUser:
    """FastAPI dependency: the signed-in manager or admin; 403 for anyone else."""
    if user.role not in MANAGER_ROLES:
        raise ApiError(403, "not_a_manager", "Only managers and admins may do this.")
    return user


Manager = Annotated[CurrentUser, Depends(manager_user)]
SignedIn = Annotated[CurrentUser, Depends(current_user)]
manager_router = APIRouter(prefix="/api/manager", tags=["manager"], responses=_errors)
notes_router = APIRouter(
    prefix="/api/notes",
    tags=["notes"],
    responses={k: v for k, v in _errors.items() if k != 403},
)


def _coaching(request: Request) -> CoachingAPI:
    return services(request).coaching


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands stored times back without their offset; they are UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _progress(figures: RepFigures) -> RepProgress:
    return RepProgress(**{**asdict(figures), "last_practised": _iso(figures.last_practised)})


def note_of(view: NoteView) -> Note:
    """The API's view of a coaching note (times in ISO 8601, UTC)."""
    return Note(
        id=view.id,
        text=view.text,
        created_at=_iso(utc(view.created_at)) or "",
        read_at=_iso(utc(view.read_at)),
        author_id=view.author_id,
        author_name=view.author_name or "",
        rep_id=view.rep_id,
        session_id=view.session_id,
        session_title=view.session_title,
    )


def _managed(view: ManagedView) -> ManagedSession:
    detail = SessionDetail.of(view.session)
    rep = RepRef(id=view.rep_id, name=view.rep_name, login=view.rep_login)
    return ManagedSession(**detail.model_dump(), rep=rep, notes=[note_of(n) for n in view.notes])


# --- routes -------------------------------------------------------------------------------


@manager_router.get("/reps", response_model=list[RepProgress])
async def team_reps(request: Request, user: Manager) -> list[RepProgress]:
    """The reps I coach (my team; every rep for an admin) with their progress."""
    figures = await run_in_threadpool(_coaching(request).team_progress, user.id)
    return [_progress(f) for f in figures]


@manager_router.get("/reps/{rep_id}/sessions", response_model=list[SessionSummary], responses=_not_found)
async def rep_sessions(rep_id: DbId, request: Request, user: Manager) -> list[SessionSummary]:
    """A rep's sessions, newest first, with the score once ended."""
    views = await run_in_threadpool(_coaching(request).rep_sessions, user.id, rep_id)
    return [SessionSummary.of(v) for v in views]


@manager_router.get("/sessions/{session_id}", response_model=ManagedSession, responses=_not_found)
async def managed_session(session_id: SessionId, request: Request, user: Manager) -> ManagedSession:
    """One session of a rep: the transcript (techniques on each rep line, coach notes), the
    scorecard and the coaching notes written about it."""
    return _managed(await run_in_threadpool(_coaching(request).managed_session, user.id, session_id))


@manager_router.get("/reps/{rep_id}/notes", response_model=list[Note], responses=_not_found)
async def rep_notes(rep_id: DbId, request: Request, user: Manager) -> list[Note]:
    """The coaching notes a rep has received (from any manager), newest first."""
    notes = await run_in_threadpool(_coaching(request).rep_notes, user.id, rep_id)
    return [note_of(n) for n in notes]


@manager_router.post(
    "/reps/{rep_id}/notes",
    response_model=Note,
    status_code=status.HTTP_201_CREATED,
    responses={
        **_not_found,
        422: {"model": ErrorResponse, "description": "Empty text or longer than 2000 characters."},
    },
)
async def write_note(rep_id: DbId, body: NoteRequest, request: Request, user: Manager) -> Note:
    """Write a coaching note to a rep, optionally about one of their sessions.

    A rep with a linked Telegram account also gets the note there: it is queued in the outbox
    with the note (one transaction) and delivered when Telegram can be reached. A rep linked
    in WeCom gets it there too, queued in the same transaction (docs/wecom.md)."""
    note = note_of(
        await run_in_threadpool(
            partial(_coaching(request).add_note, user.id, rep_id, body.text, session_id=body.session_id)
        )
    )
    return note


@notes_router.get("", response_model=list[Note])
async def my_notes(request: Request, user: SignedIn) -> list[Note]:
    """My coaching notes, newest first, with who wrote them and the session they are about."""
    notes = await run_in_threadpool(_coaching(request).my_notes, user.id)
    return [note_of(n) for n in notes]


@notes_router.post(
    "/{note_id}/read",
    response_model=Note,
    responses={404: {"model": ErrorResponse, "description": "No such note of mine."}},
)
async def mark_read(note_id: DbId, request: Request, user: SignedIn) -> Note:
    """Mark one of my notes as read (again is fine: the first time is kept)."""
    return note_of(await run_in_threadpool(_coaching(request).mark_read, user.id, note_id))


__all__ = ["manager_router", "manager_user", "note_of", "notes_router"]
