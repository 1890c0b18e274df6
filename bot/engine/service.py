"""``RehearsalService``: the engine over the database, the one object channels talk to.

Every call is one transaction. A rep line locks its session (``BEGIN IMMEDIATE`` on SQLite, a
row lock on PostgreSQL), claims the channel's message id in the same transaction, and stores
the rep turn, the customer's reply, the coach's note and the new state together: all of it or
none. A redelivered message id finds the stored result and stores nothing.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from typing import Any

from bot.config import Settings, get_settings
from bot.storage import Database, ProcessedMessage, RehearsalSession, Store, Turn, store

from .library import ScenarioLibrary
from .machine import SessionState
from .results import (
    MessageRejected,
    NotYourSession,
    RehearsalError,
    ScenarioSummary,
    SessionClosed,
    SessionNotFound,
    SessionView,
    TurnResult,
    TurnView,
    UnknownScenario,
)
from .runtime import Classify, PlayedTurn, ScenarioRuntime, default_classify

log = logging.getLogger(__name__)
MODES = ("practice", "exam")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


class RehearsalService:
    """Implements ``RehearsalAPI`` over ``bot.storage``."""

    def __init__(
        self,
        db: Database,
        library: ScenarioLibrary | None = None,
        settings: Settings | None = None,
        *,
        classify: Classify | None = None,
    ) -> None:
        self.db = db
        self.settings = settings or get_settings()
        self.library = library or ScenarioLibrary.from_directory(self.settings.dialogues_dir)
        self._classify = classify
        self._versions_recorded = False
        self._recorded: set[tuple[str, str]] = set()  # versions known to be in this database

    @property
    def classify(self) -> Classify:
        if self._classify is None:
            self._classify = default_classify()
        return self._classify

    # -- reading ---------------------------------------------------------------------------

    def scenarios(self, language: str | None = None) -> list[ScenarioSummary]:
        return self.library.summaries(language)

    def session(self, session_id: str, *, user_id: int | None = None) -> SessionView:
        with store(self.db) as s:
            rehearsal = self._owned(s, session_id, user_id)
            return self._view(s, rehearsal, with_turns=True)

    def sessions_for(self, user_id: int, *, limit: int = 50) -> list[SessionView]:
        with store(self.db) as s:
            return [self._view(s, r, with_turns=False) for r in s.sessions.for_user(user_id, limit=limit)]

    def active_session(self, user_id: int) -> SessionView | None:
        with store(self.db) as s:
            rehearsal = s.sessions.active_for_user(user_id)
            return self._view(s, rehearsal, with_turns=True) if rehearsal is not None else None

    # -- a rehearsal's life ------------------------------------------------------------------

    def start(
        self,
        user_id: int,
        scenario_id: str,
        *,
        language: str,
        mode: str,
        channel: str,
        seed: int | None = None,
    ) -> TurnResult:
        runtime = self.library.latest(scenario_id)
        language = runtime.language_for(language)
        mode = mode if mode in MODES else "practice"
        seed = secrets.randbelow(2**31) if seed is None else int(seed)
        with store(self.db, write=True) as s:
            user = s.users.get(user_id)
            if user is None:
                raise NotYourSession(f"no user {user_id}")
            if not self._versions_recorded:
                # Every loaded version goes into script_versions once per process; a file changed
                # without a new version is reported here and refused below when played.
                for problem in self.library.record_all(s):
                    log.warning("scenario not recorded: %s", problem)
                self._versions_recorded = True
            if (runtime.id, runtime.version) not in self._recorded:
                try:
                    self.library.record(runtime, s)
                except ValueError as exc:  # the file changed under a version sessions already use
                    raise UnknownScenario(f"{exc}; raise its version to use it") from None
                self._recorded.add((runtime.id, runtime.version))
            prior = self._revealed_before(s, user_id, scenario_id)
            state, opening = runtime.start(lang=language, mode=mode, seed=seed, prior=prior)
            rehearsal = s.sessions.create(
                user=user,
                scenario_id=runtime.id,
                scenario_version=runtime.version,
                channel=channel,
                mode=mode,
                language=language,
                seed=seed,
                state=state.to_dict(),
                stage=state.stage,
                step=state.step,
                trust=state.trust,
            )
            s.turns.add(rehearsal, "customer", opening)
            return TurnResult(
                session_id=rehearsal.id,
                status=rehearsal.status,
                stage=state.stage,
                step=state.step,
                trust=state.trust,
                customer_reply=opening,
            )

    def send(
        self, session_id: str, text: str, *, user_id: int, channel: str, message_id: str | None = None
    ) -> TurnResult:
        # PostgreSQL cannot store NUL in text, and no rep means one: drop it rather than fail.
        text = (text or "").replace("\x00", "").strip()
        if not text:
            raise MessageRejected("the message is empty")
        if len(text) > self.settings.max_message_chars:
            raise MessageRejected(f"the message is longer than {self.settings.max_message_chars} characters")
        with store(self.db, write=True) as s:
            rehearsal = self._owned(s, session_id, user_id, lock=True)
            if message_id is not None and not s.inbound.claim(channel, message_id, session_id=session_id):
                return self._stored_result(s, rehearsal, channel, message_id)
            if rehearsal.status != "active":
                raise SessionClosed(f"session {session_id} has ended")
            runtime = self._runtime(s, rehearsal)
            state = SessionState.from_dict(rehearsal.state)
            played = runtime.say(state, text, self.classify)
            result = self._store_turn(s, rehearsal, state, text, played)
            if message_id is not None:
                self._record_response(s, channel, message_id, result.to_dict())
            return result

    def hint(self, session_id: str, *, user_id: int) -> str:
        with store(self.db, write=True) as s:
            rehearsal = self._owned(s, session_id, user_id, lock=True)
            if rehearsal.status != "active":
                raise SessionClosed(f"session {session_id} has ended")
            runtime = self._runtime(s, rehearsal)
            state = SessionState.from_dict(rehearsal.state)
            text = runtime.hint(state)
            s.sessions.set_state(rehearsal, state.to_dict())
            s.turns.add(rehearsal, "coach", text)
            return text

    def end(self, session_id: str, *, user_id: int, channel: str) -> TurnResult:
        with store(self.db, write=True) as s:
            rehearsal = self._owned(s, session_id, user_id, lock=True)
            if rehearsal.status != "active":
                # Already over (ended before, or the customer walked out): the same scorecard again.
                return TurnResult(
                    session_id=rehearsal.id,
                    status=rehearsal.status,
                    stage=rehearsal.stage or "",
                    step=rehearsal.step or "",
                    trust=rehearsal.trust,
                    scorecard=rehearsal.scorecard,
                    duplicate=True,
                )
            runtime = self._runtime(s, rehearsal)
            state = SessionState.from_dict(rehearsal.state)
            played = runtime.end(state)
            scorecard = None if played.scorecard is None else played.scorecard.to_json()
            rehearsal.stage, rehearsal.step, rehearsal.trust = state.stage, state.step, state.trust
            s.sessions.set_state(rehearsal, state.to_dict())
            if played.outcome.reply:
                s.turns.add(rehearsal, "customer", played.outcome.reply)
            s.sessions.end(rehearsal, status="ended", scorecard=scorecard)
            return TurnResult(
                session_id=rehearsal.id,
                status="ended",
                stage=state.stage,
                step=state.step,
                trust=state.trust,
                customer_reply=played.outcome.reply or None,
                scorecard=scorecard,
            )

    # -- helpers -----------------------------------------------------------------------------

    def _owned(
        self, s: Store, session_id: str, user_id: int | None, *, lock: bool = False
    ) -> RehearsalSession:
        rehearsal = s.sessions.get(session_id, for_update=lock)
        if rehearsal is None:
            raise SessionNotFound(f"no session {session_id}")
        if user_id is not None and rehearsal.user_id != user_id:
            raise NotYourSession(f"session {session_id} belongs to another user")
        return rehearsal

    def _runtime(self, s: Store, rehearsal: RehearsalSession) -> ScenarioRuntime:
        return self.library.version(rehearsal.scenario_id, rehearsal.scenario_version, s)

    def _revealed_before(self, s: Store, user_id: int, scenario_id: str) -> list[str]:
        """What earlier visits of this rep to this scenario brought out (for revisits)."""
        facts: list[str] = []
        for earlier in reversed(s.sessions.previous_for_scenario(user_id, scenario_id)):
            state = earlier.state or {}
            for fact in [*state.get("revealed", []), *state.get("prior", [])]:
                if fact not in facts:
                    facts.append(fact)
        return facts

    def _store_turn(
        self, s: Store, rehearsal: RehearsalSession, state: SessionState, text: str, played: PlayedTurn
    ) -> TurnResult:
        outcome = played.outcome
        scorecard = None if played.scorecard is None else played.scorecard.to_json()
        # The three turns go to the database in one batch at commit (a third of a turn's time).
        s.turns.add(rehearsal, "rep", text, techniques=list[str](outcome.techniques), flush=False)
        rehearsal.stage, rehearsal.step, rehearsal.trust = state.stage, state.step, state.trust
        s.turns.add(rehearsal, "customer", outcome.reply, revealed=outcome.revealed, flush=False)
        if played.note:
            s.turns.add(rehearsal, "coach", played.note, flush=False)
        s.sessions.set_state(rehearsal, state.to_dict())
        if not state.active:
            s.sessions.end(rehearsal, status=state.status, scorecard=scorecard)
        return TurnResult(
            session_id=rehearsal.id,
            status=state.status,
            stage=state.stage,
            step=state.step,
            trust=state.trust,
            rep_text=text,
            techniques=list(outcome.techniques),
            customer_reply=outcome.reply,
            coach_note=played.note,
            revealed=list(outcome.revealed),
            scorecard=scorecard,
        )

    @staticmethod
    def _record_response(s: Store, channel: str, message_id: str, response: dict[str, Any]) -> None:
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

    def _stored_result(
        self, s: Store, rehearsal: RehearsalSession, channel: str, message_id: str
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

    def _view(self, s: Store, rehearsal: RehearsalSession, *, with_turns: bool) -> SessionView:
        title = rehearsal.scenario_id
        try:
            runtime = self.library.version(rehearsal.scenario_id, rehearsal.scenario_version, s)
            title = runtime.scenario.title.get(rehearsal.language)
        except RehearsalError:
            pass
        turns = [self._turn_view(t) for t in s.turns.for_session(rehearsal.id)] if with_turns else []
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
            started_at=_iso(rehearsal.started_at) or "",
            ended_at=_iso(rehearsal.ended_at),
            scorecard=rehearsal.scorecard,
            turns=turns,
        )

    @staticmethod
    def _turn_view(turn: Turn) -> TurnView:
        return TurnView(
            seq=turn.seq,
            speaker=turn.speaker,
            text=turn.text,
            techniques=list(turn.techniques or []),
            stage=turn.stage,
            step=turn.step,
            trust=turn.trust,
            created_at=_iso(turn.created_at),
        )
