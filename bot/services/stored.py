"""Reading back what a turn left in the database: its stored answer, its turns as views."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.engine.machine import SessionState
from bot.engine.results import RehearsalError, TurnResult, TurnView
from bot.engine.runtime import PlayedTurn
from bot.storage import ProcessedMessage, RehearsalSession, Store, Turn
from bot.vocab import Mode


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def record_response(s: Store, channel: str, message_id: str, response: dict[str, Any]) -> None:
    """Attach the result to the message claimed in this transaction.

    The claimed row is already in the unit of work: updating it there saves the SELECT
    ``inbound.record_response`` would run (a tenth of a turn on SQLite).
    """
    for held in s.session.identity_map.values():
        if isinstance(held, ProcessedMessage) and (held.channel, held.external_id) == (
            channel,
            message_id,
        ):
            held.response = response
            return
    s.inbound.record_response(channel, message_id, response)


def stored_result(s: Store, rehearsal: RehearsalSession, channel: str, message_id: str) -> TurnResult:
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


def store_turn(
    s: Store, rehearsal: RehearsalSession, state: SessionState, text: str, played: PlayedTurn
) -> TurnResult:
    outcome = played.outcome
    scorecard = None if played.scorecard is None else played.scorecard.to_json()
    # The three turns go to the database in one batch at commit (a third of a turn's time).
    line = s.turns.add(rehearsal, "rep", text, techniques=list[str](outcome.techniques), flush=False)
    rehearsal.stage, rehearsal.step, rehearsal.trust = state.stage, state.step, state.trust
    s.turns.add(rehearsal, "customer", outcome.reply, revealed=outcome.revealed, flush=False)
    if played.note:
        s.turns.add(rehearsal, "coach", played.note, flush=False)
    s.sessions.set_state(rehearsal, state.to_dict())
    s.sessions.add_revealed(rehearsal.user_id, rehearsal.scenario_id, outcome.revealed)
    if not state.active:
        s.sessions.end(rehearsal, status=state.status, scorecard=scorecard)
    # An exam tells the rep nothing about their line until the scorecard.
    sealed = state.mode == Mode.EXAM and state.active
    return TurnResult(
        session_id=rehearsal.id,
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
        rep_seq=line.seq,
    )
