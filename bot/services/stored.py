"""Reading back what a turn left in the database: its stored answer, its turns as views."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.engine.machine import SessionState
from bot.engine.results import RehearsalError, SessionView, TurnResult, TurnView
from bot.engine.runtime import PlayedTurn
from bot.storage import RehearsalSession, Store, Turn, TurnSession
from bot.storage.models import utcnow
from bot.vocab import Mode


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def record_response(
    s: Store, channel: str, message_id: str, response: dict[str, Any], *, session_id: str | None = None
) -> None:
    """Store the result with the message's claim (made now when this transaction made none)."""
    s.inbound.record_response(channel, message_id, response, session_id=session_id)


def stored_result(
    s: Store, rehearsal: RehearsalSession | TurnSession, channel: str, message_id: str
) -> TurnResult:
    stored = s.inbound.get(channel, message_id)
    if stored is not None and stored.response:
        data: dict[str, Any] = dict(stored.response)
        data["duplicate"] = True
        return TurnResult.from_dict(data)
    if stored is not None and stored.session_id not in (None, rehearsal.id):
        raise RehearsalError(f"message {message_id} belongs to another session")
    # Claimed but with no stored answer (a message that was rejected after claiming cannot
    # happen: the claim rolls back with it), so answer with the session as it stands.
    return TurnResult(
        session_id=rehearsal.id,
        status=rehearsal.status,
        stage=rehearsal.stage or "",
        step=rehearsal.step or "",
        trust=rehearsal.trust,
        duplicate=True,
    )


def turn_view(turn: Turn) -> TurnView:
    return TurnView(
        seq=turn.seq,
        speaker=turn.speaker,
        text=turn.text,
        techniques=list(turn.techniques or []),
        stage=turn.stage,
        step=turn.step,
        trust=turn.trust,
        created_at=iso(turn.created_at),
    )


def gather_history(s: Store, session_id: str, state: SessionState) -> None:
    """Put back the entries a visit kept on its rep turns (``history_apart``) in front of the
    lines played since its state was loaded: done once, when the visit closes, so the closing
    state and its scorecard see every line, as a visit stored before 0017 does."""
    if state.history_apart:
        state.history[:0] = s.turns.entries(session_id)
        state.history_apart = False


def store_turn(
    s: Store,
    rehearsal: RehearsalSession | TurnSession,
    state: SessionState,
    text: str,
    played: PlayedTurn,
    entry: dict[str, Any] | None = None,
) -> TurnResult:
    """Store a rep line's turns and the new state; ``entry`` (the line's history entry, for a
    visit whose state leaves its history out) goes on the rep's turn. A ``TurnSession`` (a web
    line) whose visit goes on is stored with two Core statements; one that ends loads the ORM
    row for ``end``."""
    outcome = played.outcome
    scorecard = None if played.scorecard is None else played.scorecard.to_json()
    if isinstance(rehearsal, TurnSession):
        if state.active:
            rep_seq = _store_live(s, rehearsal, state, text, played, entry)
            return _result(rehearsal.id, state, text, played, rep_seq, scorecard)
        loaded = s.sessions.get(rehearsal.id)  # the caller holds its lock
        if loaded is None:
            raise RehearsalError(f"session {rehearsal.id} is gone")
        rehearsal = loaded
    # The three turns go to the database in one batch at commit (a third of a turn's time).
    line = s.turns.add(
        rehearsal, "rep", text, techniques=list[str](outcome.techniques), entry=entry, flush=False
    )
    rehearsal.stage, rehearsal.step, rehearsal.trust = state.stage, state.step, state.trust
    s.turns.add(rehearsal, "customer", outcome.reply, revealed=outcome.revealed, flush=False)
    if played.note:
        s.turns.add(rehearsal, "coach", played.note, flush=False)
    s.sessions.set_state(rehearsal, state.to_dict())
    s.sessions.add_revealed(rehearsal.user_id, rehearsal.scenario_id, outcome.revealed)
    if not state.active:
        s.sessions.end(rehearsal, status=state.status, scorecard=scorecard)
    return _result(rehearsal.id, state, text, played, line.seq, scorecard)


def _store_live(
    s: Store,
    rehearsal: TurnSession,
    state: SessionState,
    text: str,
    played: PlayedTurn,
    entry: dict[str, Any] | None,
) -> int:
    """``store_turn``'s rows for a visit that goes on, as the ORM path writes them: the rep's
    line with the stage, step and trust it was said at, the customer's and the coach's with the
    new ones. Returns the rep line's seq."""
    outcome = played.outcome
    seq, language = rehearsal.next_seq, rehearsal.language
    turns = [_row(seq, "rep", text, language, rehearsal, techniques=list(outcome.techniques), entry=entry)]
    rehearsal.stage, rehearsal.step, rehearsal.trust = state.stage, state.step, state.trust
    reply = _row(seq + 1, "customer", outcome.reply, language, rehearsal, revealed=list(outcome.revealed))
    turns.append(reply)
    if played.note:
        turns.append(_row(seq + 2, "coach", played.note, language, rehearsal))
    rehearsal.next_seq = seq + len(turns)
    rehearsal.state = state.to_dict()
    s.sessions.save_turn(rehearsal, turns)
    s.sessions.add_revealed(rehearsal.user_id, rehearsal.scenario_id, outcome.revealed)
    return seq


def _row(
    seq: int,
    speaker: str,
    text: str,
    language: str,
    at: TurnSession,
    *,
    techniques: list[str] | None = None,
    revealed: list[str] | None = None,
    entry: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "seq": seq,
        "speaker": speaker,
        "text": text,
        "language": language,
        "techniques": techniques or [],
        "stage": at.stage,
        "step": at.step,
        "trust": at.trust,
        "revealed": revealed or [],
        "entry": entry,
        "created_at": utcnow(),
    }


def _result(
    session_id: str,
    state: SessionState,
    text: str,
    played: PlayedTurn,
    rep_seq: int,
    scorecard: dict[str, Any] | None,
) -> TurnResult:
    outcome = played.outcome
    # An exam tells the rep nothing about their line until the scorecard.
    sealed = state.mode == Mode.EXAM and state.active
    return TurnResult(
        session_id=session_id,
        status=state.status,
        stage=state.stage,
        step=state.step,
        trust=state.trust,
        rep_text=text,
        techniques=[] if sealed else list(outcome.techniques),
        customer_reply=outcome.reply,
        coach_note=played.note,
        revealed=[] if sealed else list(outcome.revealed),
        scorecard=scorecard,
        rep_seq=rep_seq,
    )


def session_view(rehearsal: RehearsalSession | TurnSession, title: str, turns: list[TurnView]) -> SessionView:
    """The channels' view of a visit; a ``TurnSession`` (loaded for a line) is an active visit's."""
    ended = rehearsal if isinstance(rehearsal, RehearsalSession) else None
    return SessionView(
        id=rehearsal.id,
        user_id=rehearsal.user_id,
        scenario_id=rehearsal.scenario_id,
        scenario_version=rehearsal.scenario_version,
        title=title,
        language=rehearsal.language,
        mode=rehearsal.mode,
        channel=rehearsal.channel,
        status=rehearsal.status,
        stage=rehearsal.stage,
        step=rehearsal.step,
        trust=rehearsal.trust,
        started_at=iso(rehearsal.started_at) or "",
        ended_at=iso(ended.ended_at) if ended is not None else None,
        scorecard=ended.scorecard if ended is not None else None,
        turns=turns,
        private=bool(rehearsal.private),
    )
