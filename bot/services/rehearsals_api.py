"""``RehearsalsAPI``: what channels call on the rehearsal service (``RehearsalAPI`` plus the
calls shaped for channels), kept apart from the service that implements it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from bot.engine.results import RehearsalAPI, SessionView, TurnResult

from .outbox import Outbound
from .views import ActiveTurn, ScenarioCard, TelegramLine

#: How a channel words its answer to a Telegram line; the service queues it with the turn.
LineReply = Callable[[TelegramLine], Sequence[Outbound]]


class RehearsalsAPI(RehearsalAPI, Protocol):
    """``RehearsalAPI`` plus the calls shaped for channels. Every call is one transaction."""

    def send(  # sign_in: the web's cookie token, checked in the turn's transaction
        self,
        session_id: str,
        text: str,
        *,
        user_id: int | None = None,
        channel: str,
        message_id: str | None = None,
        sign_in: str | None = None,
    ) -> TurnResult: ...

    def send_to_active(
        self, user_id: int, text: str, *, channel: str, message_id: str | None = None
    ) -> ActiveTurn: ...

    def telegram_line(
        self,
        telegram_user_id: int,
        update_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        reply: LineReply | None = None,
    ) -> TelegramLine: ...

    def active_session(self, user_id: int, *, with_turns: bool = True) -> SessionView | None: ...

    def turns_after(
        self, session_id: str, seq: int, *, user_id: int | None = None, limit: int | None = None
    ) -> SessionView: ...

    def sessions_page(
        self, user_id: int, *, limit: int = 50, before: str | None = None
    ) -> list[SessionView]: ...

    def scenario_card(self, scenario_id: str, language: str | None) -> ScenarioCard: ...

    def titles(self, session_ids: Sequence[str]) -> dict[str, str]: ...


__all__ = ["LineReply", "RehearsalsAPI"]
