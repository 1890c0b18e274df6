"""Plain values the rehearsal service hands to channels, beside the engine's own (``bot.engine.results``)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine.results import RehearsalError, SessionView, TurnResult

TELEGRAM_CHANNEL = "telegram"


def telegram_turn_id(update_id: int) -> str:
    """The message id a Telegram text update's turn is claimed under, with the turn."""
    return f"tg-update:{update_id}"


def telegram_update_id(update_id: int) -> str:
    """The message id any other Telegram update is claimed under."""
    return str(update_id)


@dataclass(frozen=True)
class LinkedRep:
    """The user behind a Telegram account; ``language`` as stored (channels pick their UI language)."""

    user_id: int
    name: str
    language: str
    # False once an admin deactivated the user: the bot refuses politely and plays nothing.
    active: bool = True
    # Where the rep's times are shown: their own zone, else their team's; None: UTC.
    time_zone: str | None = None


@dataclass(frozen=True)
class ActiveTurn:
    """A line said into the rep's active session, whichever channel started it.

    ``session`` is None when there is no active session; ``result`` is None when nothing was
    played (no session, a rejected line, or a redelivery: ``duplicate``).
    """

    session: SessionView | None
    result: TurnResult | None = None
    rejected: RehearsalError | None = None
    duplicate: bool = False


@dataclass(frozen=True)
class ScenarioCard:
    """A scenario introduced in one of its languages (the one asked for, if it has it)."""

    id: str
    language: str
    title: str
    purpose: str
    customer_name: str
    customer_title: str


@dataclass(frozen=True)
class TelegramLine:
    """A Telegram text update as the rehearsal service handled it; ``rep`` None: not linked."""

    rep: LinkedRep | None
    turn: ActiveTurn
