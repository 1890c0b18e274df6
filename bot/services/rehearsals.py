"""``RehearsalService``: the engine over the database, for every channel.

Every call is one transaction. A rep line locks its session (``BEGIN IMMEDIATE`` on SQLite, a
row lock on PostgreSQL), claims the channel's message id in the same transaction, and stores
the rep turn, the customer's reply, the coach's note and the new state together: all of it or
none. A redelivered message id finds the stored result and stores nothing. Scenario versions in
the database (published ones, picked up per start) are ``scripts.py``; channels' values ``views.py``.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Sequence
from dataclasses import replace

from bot.config import Settings, get_settings
from bot.engine.library import ScenarioLibrary
from bot.engine.machine import SessionState
from bot.engine.results import (
    MessageRejected,
    NotYourSession,
    RehearsalError,
    ScenarioSummary,
    SessionClosed,
    SessionNotFound,
    SessionView,
    TurnResult,
)
from bot.engine.runtime import Classify, ScenarioRuntime, default_classify
from bot.storage import Database, RehearsalSession, Store, TurnSession, store

from .rehearsals_api import LineReply
from .scripts import ScriptVersions
from .stored import gather_history, record_response, session_view, store_turn, stored_result, turn_view
from .telegram import post_answer
from .user_settings import linked
from .views import (
    TELEGRAM_CHANNEL,
    ActiveTurn,
    ScenarioCard,
    TelegramLine,
    telegram_turn_id,
    telegram_update_id,
)
from .web_sessions import signed_turn

log = logging.getLogger(__name__)
turn_log = logging.getLogger("bot.turn")
MODES = ("practice", "exam")


class RehearsalService:
    """Implements ``RehearsalsAPI`` over ``bot.storage``."""

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
        self.versions = ScriptVersions(self.library)

    @property
    def classify(self) -> Classify:
        if self._classify is None:
            self._classify = default_classify()
        return self._classify

    # -- reading ---------------------------------------------------------------------------

    def scenarios(self, language: str | None = None, *, fresh: bool = True) -> list[ScenarioSummary]:
        if fresh:  # the published versions (one read); not inside a caller's transaction
            self.versions.refresh_from(self.db)
        return self.library.summaries(language)

    def scenario_card(self, scenario_id: str, language: str | None) -> ScenarioCard:
        """The scenario in ``language`` when it has it, else in its first language; no database."""
        runtime = self.library.latest(scenario_id)
        scenario = runtime.scenario
        chosen = runtime.language_for(language)
        return ScenarioCard(
            id=runtime.id,
            language=chosen,
            title=scenario.title.get(chosen),
            purpose=scenario.purpose.get(chosen),
            customer_name=scenario.customer.name.get(chosen),
            customer_title=scenario.customer.title.get(chosen),
        )

    def session(self, session_id: str, *, user_id: int | None = None) -> SessionView:
        with store(self.db) as s:
            rehearsal = self._owned(s, session_id, user_id)
            return self._view(s, rehearsal, with_turns=True)

    def sessions_for(self, user_id: int, *, limit: int = 50) -> list[SessionView]:
        return self.sessions_page(user_id, limit=limit)

    def sessions_page(self, user_id: int, *, limit: int = 50, before: str | None = None) -> list[SessionView]:
        """The rep's sessions, newest first, ``limit`` at a time; ``before`` is the last id seen."""
        with store(self.db) as s:
            found = s.sessions.for_user(user_id, limit=limit, before=before)
            return [self._view(s, r, with_turns=False) for r in found]

    def active_session(self, user_id: int, *, with_turns: bool = True) -> SessionView | None:
        """The rep's active visit (one index seek); ``with_turns=False`` skips its growing transcript."""
        with store(self.db) as s:
            return self.active_session_in(s, user_id, with_turns=with_turns)

    def active_session_in(self, s: Store, user_id: int, *, with_turns: bool = True) -> SessionView | None:
        rehearsal = s.sessions.active_for_user(user_id)
        return self._view(s, rehearsal, with_turns=with_turns) if rehearsal is not None else None

    def view_in(self, s: Store, rehearsal: RehearsalSession) -> SessionView:
        """A session with its transcript, inside a caller's transaction."""
        return self._view(s, rehearsal, with_turns=True)

    def views_in(self, s: Store, rehearsals: Sequence[RehearsalSession]) -> list[SessionView]:
        """Sessions without their transcripts, inside a caller's transaction."""
        return [self._view(s, r, with_turns=False) for r in rehearsals]

    def turns_after(
        self, session_id: str, seq: int, *, user_id: int | None = None, limit: int | None = None
    ) -> SessionView:
        """Only the turns after ``seq`` (at most ``limit``): what a live view lacks, or a next page."""
        with store(self.db) as s:
            rehearsal = self._owned(s, session_id, user_id)
            return self._view(s, rehearsal, with_turns=True, after_seq=seq, limit=limit)

    def titles(self, session_ids: Sequence[str]) -> dict[str, str]:
        """Session id → scenario title in the session's language, for sessions that exist."""
        wanted = sorted({session_id for session_id in session_ids if session_id})
        if not wanted:
            return {}
        with store(self.db) as s:
            return self.titles_in(s, wanted)

    def titles_in(self, s: Store, session_ids: Sequence[str]) -> dict[str, str]:
        """``titles`` inside a caller's transaction (one query, whatever the number of sessions)."""
        return {row.id: self._title(s, row) for row in s.sessions.many(session_ids)}

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
        visit: str = "fresh",
        private: bool = False,  # only the rep reads its lines; never an assignment (check_private)
    ) -> TurnResult:
        """Start a visit. ``visit="follow_up"`` makes the customer remember what this rep's
        earlier visits to the scenario uncovered; ``"fresh"`` (the default) starts from nothing."""
        with store(self.db, write=True) as s:
            return self.start_in(
                s, user_id, scenario_id, language=language, mode=mode, channel=channel,
                seed=seed, visit=visit, private=private,
            )  # fmt: skip

    def start_in(
        self,
        s: Store,
        user_id: int,
        scenario_id: str,
        *,
        language: str,
        mode: str,
        channel: str,
        seed: int | None = None,
        visit: str = "fresh",
        private: bool = False,
    ) -> TurnResult:
        """``start`` inside a caller's transaction (a Telegram press: claim, start, reply)."""
        if visit not in ("fresh", "follow_up"):
            raise ValueError(f"visit must be 'fresh' or 'follow_up', not {visit!r}")
        mode = mode if mode in MODES else "practice"
        seed = secrets.randbelow(2**31) if seed is None else int(seed)
        user = s.users.get(user_id)
        if user is None:
            raise NotYourSession(f"no user {user_id}")
        runtime = self.versions.current(s, scenario_id)  # the published version, this worker's
        language = runtime.language_for(language)
        # What earlier visits brought out: one row kept by store_turn, not every old state.
        prior = s.sessions.revealed_before(user_id, scenario_id) if visit == "follow_up" else []
        state, opening = runtime.start(lang=language, mode=mode, seed=seed, prior=prior, visit=visit)
        state.history_apart = True  # each line's entry goes on its turn (gather_history at the close)
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
            private=private,
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
        self,
        session_id: str,
        text: str,
        *,
        user_id: int | None = None,
        channel: str,
        message_id: str | None = None,
        sign_in: str | None = None,
    ) -> TurnResult:
        """``sign_in``: the web's cookie token, checked in this transaction (raises NotSignedIn)."""
        text = self._checked(text)
        with store(self.db, write=True) as s:
            if sign_in is not None:
                found, user_id = signed_turn(s, session_id, sign_in)
                rehearsal = self._owned_row(found, session_id, user_id)
            elif user_id is None:
                raise TypeError("send needs user_id or sign_in")
            else:
                rehearsal = self._owned_for_turn(s, session_id, user_id)
            # The session's lock serialises every claim of this (session-scoped) message id, so
            # a lookup now and the claim stored with the answer are enough (record_response).
            if message_id is not None and s.inbound.claimed(channel, message_id):
                return stored_result(s, rehearsal, channel, message_id)
            if rehearsal.status != "active":
                raise SessionClosed(f"session {session_id} has ended")
            return self._play(s, rehearsal, text, channel, message_id)

    def send_to_active(
        self, user_id: int, text: str, *, channel: str, message_id: str | None = None
    ) -> ActiveTurn:
        """A line into the rep's active session (raises MessageRejected); one transaction."""
        text = self._checked(text)
        with store(self.db, write=True) as s:
            return self._to_active(s, user_id, text, channel, message_id, None)

    def telegram_line(
        self,
        telegram_user_id: int,
        update_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        reply: LineReply | None = None,
    ) -> TelegramLine:
        """A Telegram text update: find the rep and the active session, claim, play; one transaction.

        A line that cannot be played (no session, rejected text) claims the update instead, so
        Telegram's redelivery is answered once. With ``chat_id`` and ``reply``, the answer the
        channel words for the line is queued in the outbox in the same transaction: it exists
        exactly when the turn does, and the chat, having written, is unblocked.
        """
        try:
            checked, rejected = self._checked(text), None
        except MessageRejected as error:
            checked, rejected = "", error
        with store(self.db, write=True) as s:
            line = self._telegram_line(s, telegram_user_id, update_id, checked, rejected)
            messages = reply(line) if reply is not None and chat_id is not None else []
            if messages and chat_id is not None:
                session_id = line.turn.session.id if line.turn.session else None
                post_answer(s, update_id, chat_id, messages, session_id=session_id)
            return line

    def _telegram_line(
        self,
        s: Store,
        telegram_user_id: int,
        update_id: int,
        checked: str,
        rejected: MessageRejected | None,
    ) -> TelegramLine:
        if s.inbound.claimed(TELEGRAM_CHANNEL, telegram_update_id(update_id)):
            return TelegramLine(None, ActiveTurn(None, duplicate=True))
        user = s.users.by_telegram(telegram_user_id)
        if user is None:
            return TelegramLine(None, self._claim_update(s, update_id, ActiveTurn(None)))
        rep = linked(user)
        if not user.active:  # deactivated: nothing is played or stored but the update's claim
            return TelegramLine(rep, self._claim_update(s, update_id, ActiveTurn(None)))
        turn = self._to_active(s, user.id, checked, TELEGRAM_CHANNEL, telegram_turn_id(update_id), rejected)
        if turn.result is None and not turn.duplicate:
            turn = self._claim_update(s, update_id, turn)
        return TelegramLine(rep, turn)

    @staticmethod
    def _claim_update(s: Store, update_id: int, turn: ActiveTurn) -> ActiveTurn:
        if s.inbound.claim(TELEGRAM_CHANNEL, telegram_update_id(update_id)):
            return turn
        return replace(turn, duplicate=True)

    def _to_active(
        self,
        s: Store,
        user_id: int,
        text: str,
        channel: str,
        message_id: str | None,
        rejected: MessageRejected | None,
    ) -> ActiveTurn:
        # Core statements, as a web line (``send``): the ORM's load and unit of work cost most of
        # a Telegram turn's CPU (docs/benchmarks.md).
        session_id = s.sessions.active_id_for_user(user_id)
        rehearsal = s.sessions.for_turn(session_id, lock=True) if session_id is not None else None
        if rehearsal is None or rehearsal.status != "active":  # ended while we waited for the lock
            return ActiveTurn(None)
        view = self._view(s, rehearsal, with_turns=False)
        if rejected is not None:
            return ActiveTurn(view, rejected=rejected)
        if message_id is not None and not s.inbound.claim(channel, message_id, session_id=rehearsal.id):
            return ActiveTurn(view, stored_result(s, rehearsal, channel, message_id), duplicate=True)
        return ActiveTurn(view, self._play(s, rehearsal, text, channel, message_id))

    def _checked(self, text: str) -> str:
        # PostgreSQL cannot store NUL in text, and no rep means one: drop it rather than fail.
        text = (text or "").replace("\x00", "").strip()
        if not text:
            raise MessageRejected("the message is empty")
        if len(text) > self.settings.max_message_chars:
            raise MessageRejected(f"the message is longer than {self.settings.max_message_chars} characters")
        return text

    def _play(
        self,
        s: Store,
        rehearsal: RehearsalSession | TurnSession,
        text: str,
        channel: str,
        message_id: str | None,
    ) -> TurnResult:
        started = time.perf_counter()
        runtime = self._runtime(s, rehearsal)
        state = SessionState.from_dict(rehearsal.state)
        played = runtime.say(state, text, self.classify)
        entry = state.history[-1] if state.history_apart and state.history else None
        if not state.active and state.history_apart:
            # The line closed the visit: its scorecard and closing state need every line (play
            # leaves the scorecard to us).
            gather_history(s, rehearsal.id, state)
            played = replace(played, scorecard=runtime.scorecard(state))
        result = store_turn(s, rehearsal, state, text, played, entry)
        if message_id is not None:
            record_response(s, channel, message_id, result.to_dict(), session_id=rehearsal.id)
        outcome = played.outcome
        figures = {
            "session": rehearsal.id,
            "channel": channel,
            "technique": outcome.techniques[0] if outcome.techniques else "",
            "event": outcome.event,
            "trust_change": outcome.trust_delta,
            "ms": round((time.perf_counter() - started) * 1000, 2),
        }
        # One line a turn, its figures as record attributes for a structured (JSON) handler.
        turn_log.info(
            "turn %(session)s via %(channel)s: %(technique)s → %(event)s, "
            "trust %(trust_change)+.2f, %(ms).1f ms",
            figures,
            extra=figures,
        )
        return result

    def hint(self, session_id: str, *, user_id: int) -> str:
        with store(self.db, write=True) as s:
            return self.hint_in(s, session_id, user_id=user_id)

    def hint_in(self, s: Store, session_id: str, *, user_id: int) -> str:
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
            return self.end_in(s, session_id, user_id=user_id)

    def end_in(self, s: Store, session_id: str, *, user_id: int) -> TurnResult:
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
        gather_history(s, rehearsal.id, state)
        played = runtime.end(state)
        scorecard = None if played.scorecard is None else played.scorecard.to_json()
        rehearsal.stage, rehearsal.step, rehearsal.trust = state.stage, state.step, state.trust
        s.sessions.set_state(rehearsal, state.to_dict())
        if played.outcome.reply:
            s.turns.add(rehearsal, "customer", played.outcome.reply)
        s.sessions.add_revealed(rehearsal.user_id, rehearsal.scenario_id, played.outcome.revealed)
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

    @staticmethod
    def _owned_for_turn(s: Store, session_id: str, user_id: int) -> TurnSession:
        """``_owned(..., lock=True)`` reading only the columns a line needs (``TurnSession``)."""
        return RehearsalService._owned_row(s.sessions.for_turn(session_id, lock=True), session_id, user_id)

    @staticmethod
    def _owned_row(rehearsal: TurnSession | None, session_id: str, user_id: int) -> TurnSession:
        if rehearsal is None:
            raise SessionNotFound(f"no session {session_id}")
        if rehearsal.user_id != user_id:
            raise NotYourSession(f"session {session_id} belongs to another user")
        return rehearsal

    def _runtime(self, s: Store, rehearsal: RehearsalSession | TurnSession) -> ScenarioRuntime:
        return self.versions.runtime(s, rehearsal.scenario_id, rehearsal.scenario_version)

    def _title(self, s: Store, rehearsal: RehearsalSession | TurnSession) -> str:
        try:
            return self._runtime(s, rehearsal).scenario.title.get(rehearsal.language)
        except RehearsalError:
            return rehearsal.scenario_id

    def _view(
        self,
        s: Store,
        rehearsal: RehearsalSession | TurnSession,
        *,
        with_turns: bool,
        after_seq: int = 0,
        limit: int | None = None,
    ) -> SessionView:
        title = self._title(s, rehearsal)
        stored = s.turns.for_session(rehearsal.id, after_seq=after_seq, limit=limit) if with_turns else []
        return session_view(rehearsal, title, [turn_view(t) for t in stored])
