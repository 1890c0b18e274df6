"""The JSON API under ``/api/`` that the chat page (and any other client) uses.

Every call into the engine or the database runs in a worker thread, so the event loop keeps
serving other requests and event streams while a turn is stored.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from bot.config import Settings
from bot.services import (
    LINK_CODE_TTL,
    CheckGate,
    PasswordRejected,
    RehearsalsAPI,
    Services,
    SessionView,
    TooBusy,
    UserNotFound,
)

from .auth import COOKIE_NAME, CurrentUser, SessionCookies, as_current_user, current_user, sign_in_token
from .errors import ApiError, services
from .events import TurnSignals, turn_stream
from .input import MAX_DB_ID, SessionId, is_invisible
from .observability import SIGN_IN_FAILURES, TURNS
from .schemas import (
    ErrorResponse,
    Flag,
    FlagRequest,
    Hint,
    LinkCode,
    LoginRequest,
    Me,
    MessageRequest,
    PasswordChange,
    Scenario,
    SessionDetail,
    SessionSummary,
    StartRequest,
    Turn,
    TurnOutcome,
)

WEB_CHANNEL = "web"
T = TypeVar("T")

_errors: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Not signed in."},
    503: {"model": ErrorResponse, "description": "The database is not answering; retry."},
}
_session_errors: dict[int | str, dict[str, Any]] = {
    **_errors,
    403: {"model": ErrorResponse, "description": "The session belongs to another rep."},
    404: {"model": ErrorResponse, "description": "No such session."},
}

router = APIRouter(prefix="/api", responses=_errors)
# A route parameter of this type requires a signed-in user (401 otherwise).
SignedIn = Annotated[CurrentUser, Depends(current_user)]
# The same, checked by the service in the call's own transaction (NotSignedIn: 401).
SignInToken = Annotated[str, Depends(sign_in_token)]


def _service(request: Request) -> RehearsalsAPI:
    return services(request).rehearsals


# --- sign-in -------------------------------------------------------------------------------


def _me(user: CurrentUser) -> Me:
    return Me(
        id=user.id,
        login=user.login,
        display_name=user.display_name,
        role=user.role,
        language=user.language,
    )


def _gate(request: Request) -> CheckGate:
    gate: CheckGate = request.app.state.check_gate
    return gate


async def in_check_thread(gate: CheckGate, call: Callable[[], T]) -> T:
    """``call`` on the gate's own threads (with this request's context: its log lines keep the
    request id), not on the pool that serves every other request's database work."""
    context = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(gate.executor, partial(context.run, call))


def _address(request: Request) -> str:
    return request.client.host if request.client else ""


def _too_busy(retry_after: int) -> ApiError:
    return ApiError(
        429,
        "too_many_sign_ins",
        "Too many sign-ins at once; try again in a moment.",
        headers={"Retry-After": str(retry_after)},
    )


@router.post(
    "/auth/login",
    response_model=Me,
    tags=["auth"],
    responses={
        401: {"model": ErrorResponse, "description": "Wrong login or password."},
        429: {"model": ErrorResponse, "description": "Too many failed sign-ins, or too many at once."},
    },
)
async def login(body: LoginRequest, request: Request, response: Response) -> Me:
    """Check login and password; on success start a session and set its cookie."""
    services_: Services = services(request)
    throttle = services_.throttle
    address = _address(request)
    if _gate(request).full:  # refused before the throttle's database read: a flood costs next to nothing
        SIGN_IN_FAILURES.labels("busy").inc()
        raise _too_busy(TooBusy.retry_after_seconds)
    if await run_in_threadpool(throttle.blocked, body.login, address):
        SIGN_IN_FAILURES.labels("throttled").inc()
        raise ApiError(429, "too_many_attempts", "Too many failed sign-ins; wait a few minutes.")
    check = partial(services_.accounts.check_credentials, body.login, body.password, _gate(request))
    try:
        user = await in_check_thread(_gate(request), check)
    except TooBusy as busy:
        SIGN_IN_FAILURES.labels("busy").inc()
        raise _too_busy(busy.retry_after_seconds) from None
    if user is None:
        SIGN_IN_FAILURES.labels("wrong_credentials").inc()
        await run_in_threadpool(throttle.failed, body.login, address)
        raise ApiError(401, "wrong_credentials", "Wrong login or password.")
    await run_in_threadpool(throttle.succeeded, body.login)
    issue = partial(services_.web_sessions.issue, user.id, user_agent=request.headers.get("user-agent"))
    cookies: SessionCookies = request.app.state.cookies
    cookies.set(response, await run_in_threadpool(issue))
    return _me(as_current_user(user))


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, tags=["auth"])
async def logout(request: Request, response: Response) -> None:
    """End this session on the server and forget the cookie (signing out twice is fine)."""
    await run_in_threadpool(services(request).web_sessions.revoke, request.cookies.get(COOKIE_NAME))
    cookies: SessionCookies = request.app.state.cookies
    cookies.clear(response)


@router.post(
    "/auth/password",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["auth"],
    responses={
        403: {"model": ErrorResponse, "description": "The current password is wrong."},
        422: {"model": ErrorResponse, "description": "The new password breaks the policy (code says which)."},
        429: {"model": ErrorResponse, "description": "Too many password checks at once or failures."},
    },
)
async def change_password(body: PasswordChange, request: Request, user: SignedIn) -> None:
    """Change my password; every other session of mine ends, this one stays signed in."""
    services_: Services = services(request)
    throttle = services_.throttle
    address = _address(request)
    if await run_in_threadpool(throttle.blocked, user.login, address):
        raise ApiError(429, "too_many_attempts", "Too many failed attempts; wait a few minutes.")
    check = partial(services_.accounts.check_credentials, user.login, body.current_password, _gate(request))
    try:
        confirmed = await in_check_thread(_gate(request), check)
    except TooBusy as busy:
        raise ApiError(
            429,
            "too_many_sign_ins",
            "Too many password checks at once; try again in a moment.",
            headers={"Retry-After": str(busy.retry_after_seconds)},
        ) from None
    if confirmed is None or confirmed.id != user.id:
        await run_in_threadpool(throttle.failed, user.login, address)
        raise ApiError(403, "wrong_password", "The current password is wrong.")
    change = partial(
        services_.web_sessions.set_password, user.id, body.new_password, keep_session_id=user.session_id
    )
    try:
        await run_in_threadpool(change)
    except PasswordRejected as rejected:
        violation = rejected.violation
        raise ApiError(422, violation.code, violation.en, zh=violation.zh) from None


@router.get("/me", response_model=Me, tags=["auth"])
async def me(user: SignedIn) -> Me:
    """The signed-in user."""
    return _me(user)


# --- scenarios and sessions ----------------------------------------------------------------


@router.get("/scenarios", response_model=list[Scenario], tags=["rehearsal"])
async def scenarios(
    request: Request,
    _user: SignedIn,
    lang: Annotated[
        str | None, Query(pattern="^(zh|en)$", description="Only scenarios in this language.")
    ] = None,
) -> list[Scenario]:
    """The scenarios a rep can rehearse."""
    found = await run_in_threadpool(_service(request).scenarios, lang)
    return [Scenario.of(s) for s in found]


@router.post(
    "/sessions",
    response_model=TurnOutcome,
    status_code=status.HTTP_201_CREATED,
    tags=["rehearsal"],
    responses={404: {"model": ErrorResponse, "description": "No such scenario."}},
)
async def start_session(body: StartRequest, request: Request, user: SignedIn) -> TurnOutcome:
    """Start a visit; the result holds the customer's opening line. With ``end_active`` the visit
    in progress (from any channel) ends first."""
    if body.end_active:
        active = await run_in_threadpool(partial(_service(request).active_session, user.id, with_turns=False))
        if active is not None:
            end = partial(_service(request).end, active.id, user_id=user.id, channel=WEB_CHANNEL)
            await run_in_threadpool(end)
            signals: TurnSignals = request.app.state.turn_signals
            signals.notify(active.id)
    start = partial(
        _service(request).start,
        user.id,
        body.scenario_id,
        language=body.language,
        mode=body.mode,
        channel=WEB_CHANNEL,
        private=body.private,
    )
    return TurnOutcome.of(await run_in_threadpool(start))


@router.get("/sessions", response_model=list[SessionSummary], tags=["rehearsal"])
async def my_sessions(
    request: Request,
    user: SignedIn,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[
        str | None,
        Query(
            max_length=64,
            pattern=r"^[A-Za-z0-9_-]+$",
            description="The last session id of the previous page.",
        ),
    ] = None,
) -> list[SessionSummary]:
    """My sessions, newest first, ``limit`` at a time; the next page is ``?before=<last id>``."""
    page = partial(_service(request).sessions_page, user.id, limit=limit, before=before)
    views = await run_in_threadpool(page)
    return [SessionSummary.of(v) for v in views]


async def _load(request: Request, session_id: str, user: CurrentUser) -> SessionView:
    view: SessionView = await run_in_threadpool(
        partial(_service(request).session, session_id, user_id=user.id)
    )
    return view.as_seen_by_rep()


async def _after(
    request: Request, session_id: str, user: CurrentUser, seq: int, limit: int | None = None
) -> SessionView:
    view: SessionView = await run_in_threadpool(
        partial(_service(request).turns_after, session_id, seq, user_id=user.id, limit=limit)
    )
    return view.as_seen_by_rep()


@router.get(
    "/sessions/{session_id}", response_model=SessionDetail, tags=["rehearsal"], responses=_session_errors
)
async def get_session(session_id: SessionId, request: Request, user: SignedIn) -> SessionDetail:
    """One session with its whole transcript (and the scorecard once it ended)."""
    return SessionDetail.of(await _load(request, session_id, user))


@router.get(
    "/sessions/{session_id}/turns", response_model=list[Turn], tags=["rehearsal"], responses=_session_errors
)
async def get_turns(
    session_id: SessionId,
    request: Request,
    user: SignedIn,
    after: Annotated[int, Query(ge=0, le=MAX_DB_ID, description="Only turns with a larger seq.")] = 0,
    limit: Annotated[
        int | None, Query(ge=1, le=1000, description="At most this many (all when left out).")
    ] = None,
) -> list[Turn]:
    """The transcript from a given point: what a client that has seen up to ``after`` is missing.
    Paged: ``?after=<last seq>&limit=N``."""
    view = await _after(request, session_id, user, after, limit)
    return [Turn.of(t) for t in view.turns]


@router.post(
    "/sessions/{session_id}/messages",
    response_model=TurnOutcome,
    tags=["rehearsal"],
    responses={
        **_session_errors,
        409: {"model": ErrorResponse, "description": "The visit has ended."},
        413: {"model": ErrorResponse, "description": "The message or body is too long."},
        422: {"model": ErrorResponse, "description": "The message was rejected (empty, invalid)."},
    },
)
async def send_message(
    session_id: SessionId, body: MessageRequest, request: Request, token: SignInToken
) -> TurnOutcome:
    """Say something to the customer. Sending the same ``client_message_id`` again is safe."""
    settings: Settings = request.app.state.settings
    if is_invisible(body.text):  # zero-width characters only: as empty as blank text
        raise ApiError(422, "message_rejected", "The message is empty.")
    if len(body.text) > settings.max_message_chars:
        raise ApiError(
            413, "message_too_long", f"A message may have at most {settings.max_message_chars} characters."
        )
    send = partial(
        _service(request).send,
        session_id,
        body.text,
        sign_in=token,
        channel=WEB_CHANNEL,
        # Scoped to the session: two clients that happen to pick the same id never collide.
        message_id=f"{session_id}:{body.client_message_id}",
    )
    result = await run_in_threadpool(send)
    TURNS.labels(WEB_CHANNEL).inc()
    signals: TurnSignals = request.app.state.turn_signals
    signals.notify(session_id)
    return TurnOutcome.of(result)


@router.post(
    "/sessions/{session_id}/hint",
    response_model=Hint,
    tags=["rehearsal"],
    responses={**_session_errors, 409: {"model": ErrorResponse, "description": "The visit has ended."}},
)
async def hint(session_id: SessionId, request: Request, user: SignedIn) -> Hint:
    """A question to try next, for the current step of the visit."""
    text = await run_in_threadpool(partial(_service(request).hint, session_id, user_id=user.id))
    return Hint(hint=text)


@router.post(
    "/sessions/{session_id}/end", response_model=TurnOutcome, tags=["rehearsal"], responses=_session_errors
)
async def end_session(session_id: SessionId, request: Request, user: SignedIn) -> TurnOutcome:
    """End the visit; the result carries the scorecard. Ending twice returns the same scorecard."""
    end = partial(_service(request).end, session_id, user_id=user.id, channel=WEB_CHANNEL)
    result = await run_in_threadpool(end)
    signals: TurnSignals = request.app.state.turn_signals
    signals.notify(session_id)
    return TurnOutcome.of(result)


@router.get(
    "/sessions/{session_id}/events",
    tags=["rehearsal"],
    responses={
        **_session_errors,
        200: {"content": {"text/event-stream": {}}, "description": "Server-sent events."},
    },
    response_class=StreamingResponse,
)
async def session_events(
    session_id: SessionId,
    request: Request,
    user: SignedIn,
    after: Annotated[int, Query(ge=0, le=MAX_DB_ID, description="Send turns with a larger seq.")] = 0,
) -> StreamingResponse:
    """Server-sent events: ``turn`` for each new turn (from any channel), ``status`` when the
    stage, step, trust or status changes. The stream ends after the visit ends, and otherwise
    every 15 seconds: EventSource reconnects by itself and resumes after ``Last-Event-ID``."""
    await _after(request, session_id, user, after)  # 404 / 403 before the stream starts
    last_event_id = request.headers.get("last-event-id", "")
    if last_event_id.isdigit():  # a reconnecting EventSource resumes where it stopped
        after = max(after, int(last_event_id))
    stream = turn_stream(
        partial(_after, request, session_id, user),
        session_id,
        request.app.state.turn_signals,
        after_seq=after,
        is_disconnected=request.is_disconnected,
        max_seconds=request.app.state.event_stream_seconds,
    )
    return StreamingResponse(
        stream,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.post(
    "/sessions/{session_id}/turns/{seq}/flag",
    response_model=Flag,
    tags=["rehearsal"],
    responses={
        **_session_errors,
        404: {"model": ErrorResponse, "description": "No such session, or turn seq is not a rep line."},
        422: {"model": ErrorResponse, "description": "Not a technique id."},
    },
)
async def flag_judgement(
    session_id: str, seq: int, request: Request, user: SignedIn, body: FlagRequest | None = None
) -> Flag:
    """Say the coach judged my line ``seq`` wrong, optionally with the right technique: it goes to
    the trainers' review queue. Flagging the line again replaces the suggestion."""
    suggested = body.suggested.value if body is not None and body.suggested is not None else None
    flag = partial(services(request).feedback.flag, user.id, session_id, seq, suggested, WEB_CHANNEL)
    return Flag.of(await run_in_threadpool(flag))


# --- Telegram linking ----------------------------------------------------------------------


@router.post("/telegram/link-code", response_model=LinkCode, tags=["telegram"])
async def telegram_link_code(request: Request, user: SignedIn) -> LinkCode:
    """A one-time code that links a Telegram account to me: send ``/start CODE`` to the bot."""
    try:
        code = await run_in_threadpool(services(request).accounts.issue_link_code, user.id)
    except UserNotFound:
        raise ApiError(401, "not_signed_in", "Sign in first.") from None
    return LinkCode(
        code=code, command=f"/start {code}", expires_in_seconds=int(LINK_CODE_TTL.total_seconds())
    )


__all__ = ["WEB_CHANNEL", "router"]
