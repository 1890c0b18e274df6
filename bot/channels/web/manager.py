"""Managers read their reps' rehearsals and write coaching notes; reps read those notes.

``/api/manager/...`` answers only managers and admins (403 otherwise). A manager sees the reps
of their own team, an admin every rep; a rep or session outside that scope is answered with
404, as if it did not exist. ``/api/notes`` is the rep's side: my notes, newest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request, status
from starlette.concurrency import run_in_threadpool

from bot.engine.results import RehearsalAPI, SessionNotFound, SessionView
from bot.storage import CoachingNote, Database, Store, User, store

from .auth import CurrentUser, current_user
from .errors import ApiError
from .input import DbId, SessionId
from .manager_schemas import TREND_LENGTH, ManagedSession, Note, NoteRequest, RepProgress, RepRef
from .schemas import ErrorResponse, SessionDetail, SessionSummary

MANAGER_ROLES = ("manager", "admin")
# How many of a rep's sessions are looked at to name the sessions their notes refer to.
_TITLE_LOOKUP = 500

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


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _service(request: Request) -> RehearsalAPI:
    service: RehearsalAPI | None = getattr(request.app.state, "service", None)
    if service is None:
        raise ApiError(503, "engine_unavailable", "The rehearsal engine is not loaded.")
    return service


def _iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC; SQLite hands stored times back without their offset."""
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


# --- scope --------------------------------------------------------------------------------


def _viewer(s: Store, user_id: int) -> User:
    viewer = s.users.get(user_id)
    if viewer is None or viewer.role not in MANAGER_ROLES:
        raise ApiError(403, "not_a_manager", "Only managers and admins may do this.")
    return viewer


def _in_scope(viewer: User, rep: User | None) -> bool:
    if rep is None or rep.role != "rep":
        return False
    if viewer.role == "admin":
        return True
    return viewer.team_id is not None and rep.team_id == viewer.team_id


def _rep(s: Store, viewer: User, rep_id: int) -> User:
    rep = s.users.get(rep_id)
    if rep is None or not _in_scope(viewer, rep):
        raise ApiError(404, "rep_not_found", "No such rep in your team.")
    return rep


# --- progress -----------------------------------------------------------------------------


def _score(scorecard: dict[str, Any] | None) -> int | None:
    value = (scorecard or {}).get("score")
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def progress(rep: User, outcomes: Sequence[Any], unread: int) -> RepProgress:
    """A rep's figures from their sessions' (status, started_at, updated_at, ended_at, scorecard),
    oldest first."""
    finished = [o for o in outcomes if o.status != "active"]
    finished.sort(key=lambda o: o.ended_at or o.started_at)
    scores = [score for o in finished if (score := _score(o.scorecard)) is not None]
    # The last line said counts, not only when a visit started or ended.
    moments = [m for o in outcomes for m in (o.started_at, o.updated_at, o.ended_at) if m is not None]
    return RepProgress(
        id=rep.id,
        name=rep.display_name,
        login=rep.login or "",
        team=rep.team.name if rep.team else None,
        sessions=len(outcomes),
        finished=len(finished),
        average_score=round(sum(scores) / len(scores), 1) if scores else None,
        best_score=max(scores) if scores else None,
        last_practised=_iso(max(moments)) if moments else None,
        trend=scores[-TREND_LENGTH:],
        unread_notes=unread,
    )


def _team_progress(db: Database, viewer_id: int) -> list[RepProgress]:
    with store(db) as s:
        viewer = _viewer(s, viewer_id)
        if viewer.role == "admin":
            reps = list(s.users.list(role="rep"))
        elif viewer.team_id is None:
            reps = []
        else:
            reps = list(s.users.list(role="rep", team_id=viewer.team_id))
        ids = [rep.id for rep in reps]
        outcomes: dict[int, list[Any]] = {rep_id: [] for rep_id in ids}
        for row in s.sessions.outcomes_for_users(ids):
            outcomes[row.user_id].append(row)
        unread = s.notes.unread_counts(ids)
        return [progress(rep, outcomes[rep.id], unread.get(rep.id, 0)) for rep in reps]


# --- notes --------------------------------------------------------------------------------


def _notes(s: Store, notes: Sequence[CoachingNote]) -> list[Note]:
    """The API's view of stored notes; ``session_title`` is filled in by ``_titled``."""
    names = s.notes.author_names(notes)
    return [
        Note(
            id=note.id,
            text=note.text,
            created_at=_iso(note.created_at) or "",
            read_at=_iso(note.read_at),
            author_id=note.author_id,
            author_name=names.get(note.author_id, ""),
            rep_id=note.rep_id,
            session_id=note.session_id,
        )
        for note in notes
    ]


def _titled(service: RehearsalAPI, rep_id: int, notes: list[Note]) -> list[Note]:
    """Name the sessions the notes are about (the title comes from the scenario library)."""
    if not any(note.session_id for note in notes):
        return notes
    titles = {view.id: view.title for view in service.sessions_for(rep_id, limit=_TITLE_LOOKUP)}
    return [
        note.model_copy(update={"session_title": titles.get(note.session_id)}) if note.session_id else note
        for note in notes
    ]


def _rep_notes(db: Database, service: RehearsalAPI, viewer_id: int, rep_id: int) -> list[Note]:
    with store(db) as s:
        _rep(s, _viewer(s, viewer_id), rep_id)
        notes = _notes(s, s.notes.for_rep(rep_id))
    return _titled(service, rep_id, notes)


def _add_note(db: Database, service: RehearsalAPI, viewer_id: int, rep_id: int, body: NoteRequest) -> Note:
    with store(db, write=True) as s:
        viewer = _viewer(s, viewer_id)
        rep = _rep(s, viewer, rep_id)
        if body.session_id is not None:
            rehearsal = s.sessions.get(body.session_id)
            if rehearsal is None or rehearsal.user_id != rep.id:
                raise ApiError(404, "session_not_found", "No such session of this rep.")
        notes = _notes(s, [s.notes.add(author=viewer, rep=rep, text=body.text, session_id=body.session_id)])
    return _titled(service, rep_id, notes)[0]


def _my_notes(db: Database, service: RehearsalAPI, user_id: int) -> list[Note]:
    with store(db) as s:
        notes = _notes(s, s.notes.for_rep(user_id))
    return _titled(service, user_id, notes)


def _mark_read(db: Database, service: RehearsalAPI, user_id: int, note_id: int) -> Note:
    with store(db, write=True) as s:
        note = s.notes.get(note_id)
        if note is None or note.rep_id != user_id:
            raise ApiError(404, "note_not_found", "No such note.")
        s.notes.mark_read(note)
        s.session.flush()
        notes = _notes(s, [note])
    return _titled(service, user_id, notes)[0]


# --- sessions -----------------------------------------------------------------------------


def _rep_sessions(db: Database, service: RehearsalAPI, viewer_id: int, rep_id: int) -> list[SessionView]:
    with store(db) as s:
        _rep(s, _viewer(s, viewer_id), rep_id)
    return service.sessions_for(rep_id, limit=200)


def _managed_session(db: Database, service: RehearsalAPI, viewer_id: int, session_id: str) -> ManagedSession:
    try:
        view = service.session(session_id)
    except SessionNotFound:
        raise ApiError(404, "session_not_found", "No such session in your team.") from None
    with store(db) as s:
        viewer = _viewer(s, viewer_id)
        rep = s.users.get(view.user_id)
        if rep is None or not _in_scope(viewer, rep):
            raise ApiError(404, "session_not_found", "No such session in your team.")
        notes = [
            n.model_copy(update={"session_title": view.title})
            for n in _notes(s, s.notes.for_session(view.id))
        ]
        rep_ref = RepRef(id=rep.id, name=rep.display_name, login=rep.login or "")
    detail = SessionDetail.of(view)
    return ManagedSession(**detail.model_dump(), rep=rep_ref, notes=notes)


# --- routes -------------------------------------------------------------------------------


@manager_router.get("/reps", response_model=list[RepProgress])
async def team_reps(request: Request, user: Manager) -> list[RepProgress]:
    """The reps I coach (my team; every rep for an admin) with their progress."""
    found: list[RepProgress] = await run_in_threadpool(_team_progress, _db(request), user.id)
    return found


@manager_router.get("/reps/{rep_id}/sessions", response_model=list[SessionSummary], responses=_not_found)
async def rep_sessions(rep_id: DbId, request: Request, user: Manager) -> list[SessionSummary]:
    """A rep's sessions, newest first, with the score once ended."""
    views = await run_in_threadpool(_rep_sessions, _db(request), _service(request), user.id, rep_id)
    return [SessionSummary.of(v) for v in views]


@manager_router.get("/sessions/{session_id}", response_model=ManagedSession, responses=_not_found)
async def managed_session(session_id: SessionId, request: Request, user: Manager) -> ManagedSession:
    """One session of a rep: the transcript (techniques on each rep line, coach notes), the
    scorecard and the coaching notes written about it."""
    found: ManagedSession = await run_in_threadpool(
        _managed_session, _db(request), _service(request), user.id, session_id
    )
    return found


@manager_router.get("/reps/{rep_id}/notes", response_model=list[Note], responses=_not_found)
async def rep_notes(rep_id: DbId, request: Request, user: Manager) -> list[Note]:
    """The coaching notes a rep has received (from any manager), newest first."""
    found: list[Note] = await run_in_threadpool(_rep_notes, _db(request), _service(request), user.id, rep_id)
    return found


@manager_router.post(
    "/reps/{rep_id}/notes",
    response_model=Note,
    status_code=status.HTTP_201_CREATED,
    responses={
        **_not_found,
        422: {"model": ErrorResponse, "description": "Empty text or longer than 2000 characters."},
    },
)
async def write_note(
    rep_id: DbId, body: NoteRequest, request: Request, user: Manager, background: BackgroundTasks
) -> Note:
    """Write a coaching note to a rep, optionally about one of their sessions.

    A rep with a linked Telegram account also gets the note there, once it is stored; when
    Telegram cannot be reached that is logged and the note is still written."""
    note: Note = await run_in_threadpool(
        partial(_add_note, _db(request), _service(request), user.id, rep_id, body)
    )
    telegram = getattr(request.app.state, "telegram", None)
    if telegram is not None:  # after the commit above; push_note never raises
        background.add_task(telegram.push_note, note.id)
    return note


@notes_router.get("", response_model=list[Note])
async def my_notes(request: Request, user: SignedIn) -> list[Note]:
    """My coaching notes, newest first, with who wrote them and the session they are about."""
    found: list[Note] = await run_in_threadpool(_my_notes, _db(request), _service(request), user.id)
    return found


@notes_router.post(
    "/{note_id}/read",
    response_model=Note,
    responses={404: {"model": ErrorResponse, "description": "No such note of mine."}},
)
async def mark_read(note_id: DbId, request: Request, user: SignedIn) -> Note:
    """Mark one of my notes as read (again is fine: the first time is kept)."""
    note: Note = await run_in_threadpool(_mark_read, _db(request), _service(request), user.id, note_id)
    return note


__all__ = ["MANAGER_ROLES", "manager_router", "manager_user", "notes_router", "progress"]
