"""Telegram commands that change a visit (/hint, /end, the button that starts a visit): the
update's claim, the change and the queued answer in one transaction.

Claiming first, acting, then queueing in three transactions left two holes: a crash after the
claim lost the answer (Telegram's redelivery found the update claimed and said nothing), and a
crash after the action lost it too. Here all three commit together or none does, so a crash
anywhere leaves the update unclaimed and Telegram's redelivery runs it once, as if for the
first time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from bot.engine.results import ScenarioSummary, SessionView, TurnResult
from bot.storage import Database, Store, store

from .outbox import Outbound
from .telegram import claim_update_in, post_answer
from .views import LinkedRep

if TYPE_CHECKING:
    from .feedback import FeedbackService, FlagView
    from .rehearsals import RehearsalService


class VisitCommands(Protocol):
    """What a visit-changing command may do. ``RehearsalService`` itself (each call its own
    transaction) and the view bound to one command's transaction both offer it."""

    def scenarios(self, language: str | None = None) -> list[ScenarioSummary]: ...

    def active_session(self, user_id: int, *, with_turns: bool = True) -> SessionView | None: ...

    def hint(self, session_id: str, *, user_id: int) -> str: ...

    def end(self, session_id: str, *, user_id: int, channel: str) -> TurnResult: ...

    def start(
        self, user_id: int, scenario_id: str, *, language: str, mode: str, channel: str
    ) -> TurnResult: ...


class Flagging(Protocol):
    """Storing a rep's "judged wrong" flag: ``FeedbackService`` and a command's transaction."""

    def flag(
        self, user_id: int, session_id: str, seq: int, suggested: str | None, channel: str
    ) -> FlagView: ...


class CommandsInTransaction(VisitCommands, Flagging, Protocol):
    """What one command's transaction offers: the visit changes and the flag."""


class _InTransaction:
    """``CommandsInTransaction`` inside one open transaction ``s``."""

    def __init__(
        self, rehearsals: RehearsalService, s: Store, feedback: FeedbackService | None = None
    ) -> None:
        self._rehearsals = rehearsals
        self._s = s
        self._feedback = feedback

    def flag(self, user_id: int, session_id: str, seq: int, suggested: str | None, channel: str) -> FlagView:
        if self._feedback is None:
            raise RuntimeError("these commands were built without the feedback service")
        return self._feedback.flag_in(self._s, user_id, session_id, seq, suggested, channel)

    def scenarios(self, language: str | None = None) -> list[ScenarioSummary]:
        self._rehearsals.versions.refresh(self._s)  # what was published, read in this transaction
        return self._rehearsals.library.summaries(language)

    def active_session(self, user_id: int, *, with_turns: bool = True) -> SessionView | None:
        return self._rehearsals.active_session_in(self._s, user_id, with_turns=with_turns)

    def hint(self, session_id: str, *, user_id: int) -> str:
        return self._rehearsals.hint_in(self._s, session_id, user_id=user_id)

    def end(self, session_id: str, *, user_id: int, channel: str) -> TurnResult:
        return self._rehearsals.end_in(self._s, session_id, user_id=user_id)

    def start(self, user_id: int, scenario_id: str, *, language: str, mode: str, channel: str) -> TurnResult:
        return self._rehearsals.start_in(
            self._s, user_id, scenario_id, language=language, mode=mode, channel=channel
        )


def commands_in(
    s: Store, rehearsals: RehearsalService, feedback: FeedbackService | None = None
) -> CommandsInTransaction:
    """The commands bound to the open transaction ``s`` (WeCom's commands use them too)."""
    return _InTransaction(rehearsals, s, feedback)


#: How the channel acts and words the answer, given the rep (None: not linked) and the commands.
CommandAct = Callable[[LinkedRep | None, CommandsInTransaction], Sequence[Outbound]]


class TelegramCommands:
    """Claim, act and queue the answer: one transaction per changing Telegram update (/hint,
    /end, the press that starts a visit, the press that flags a judgement)."""

    def __init__(
        self, db: Database, rehearsals: RehearsalService, feedback: FeedbackService | None = None
    ) -> None:
        self.db = db
        self.rehearsals = rehearsals
        self.feedback = feedback

    def run(self, update_id: int, telegram_user_id: int, chat_id: int | None, act: CommandAct) -> bool:
        """Claim ``update_id``, run ``act`` and queue what it returns, together; False (nothing
        done): the update was handled before. An exception from ``act`` (other than the refusals
        it words itself) or from queueing rolls everything back, the claim included."""
        with store(self.db, write=True) as s:
            if not claim_update_in(s, update_id):
                return False
            user = s.users.by_telegram(telegram_user_id)
            linked = LinkedRep(user.id, user.display_name, user.language, user.active) if user else None
            messages = act(linked, commands_in(s, self.rehearsals, self.feedback))
            if chat_id is not None:
                post_answer(s, update_id, chat_id, messages)
            return True


__all__ = [
    "CommandAct",
    "CommandsInTransaction",
    "Flagging",
    "TelegramCommands",
    "VisitCommands",
    "commands_in",
]
