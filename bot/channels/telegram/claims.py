"""Each update is answered once: the claim (in the database, through the services) decides.

Telegram redelivers an update until the webhook answers 200, and several workers may hold the
same update at once. Actions that change something claim the update first; the others claim it
after acting, so an action cut short by a database failure runs again on Telegram's retry
(concurrent duplicates may both act; only one reply goes out).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.channels.metrics import WEBHOOK_DUPLICATES
from bot.config import Settings
from bot.services import (
    CommandsInTransaction,
    LinkedRep,
    MessageRejected,
    NotYourSession,
    Outbound,
    RehearsalError,
    Services,
    SessionClosed,
    SessionNotFound,
    UnknownScenario,
)

from .delivery import Outgoing
from .outgoing import outbound
from .texts import text, ui_language


@dataclass(frozen=True)
class Rep:
    """The rep behind a Telegram user, as far as the bot needs to know."""

    user_id: int
    name: str
    lang: str
    active: bool = True
    time_zone: str | None = None  # where the rep's times are shown (None: UTC)

    @classmethod
    def of(cls, linked: LinkedRep | None) -> Rep | None:
        if linked is None:
            return None
        return cls(linked.user_id, linked.name, ui_language(linked.language), linked.active, linked.time_zone)


@dataclass(frozen=True)
class Sender:
    """Who sent an update: the ids, the language their Telegram app is set to, the chat the
    answer goes to, and the message whose inline button was pressed (an answer may replace it)."""

    update_id: int
    telegram_user_id: int
    language_code: str | None
    chat_id: int | None = None
    pressed: int | None = None


def error_text(error: RehearsalError, lang: str, settings: Settings) -> str:
    """What the rep is told when the service refused an action."""
    if isinstance(error, MessageRejected):
        return text("message_rejected", lang, limit=settings.max_message_chars)
    if isinstance(error, SessionClosed):
        return text("session_closed", lang)
    if isinstance(error, SessionNotFound | NotYourSession):
        return text("no_session", lang)
    if isinstance(error, UnknownScenario):
        return text("choice_expired", lang)
    return text("error", lang)


def need_start(sender: Sender, settings: Settings) -> list[Outgoing]:
    return [Outgoing(text("need_start", ui_language(sender.language_code, settings.default_lang)))]


def deactivated(rep: Rep) -> list[Outgoing]:
    """The polite refusal for a user an admin deactivated (nothing is played or changed)."""
    return [Outgoing(text("deactivated", rep.lang))]


def duplicate() -> list[Outgoing]:
    """Telegram delivered an update again (or two workers got it): counted, answered once."""
    WEBHOOK_DUPLICATES.inc()
    return []


def run_claimed(
    services: Services,
    settings: Settings,
    sender: Sender,
    action: Callable[[Rep | None], list[Outgoing]],
    *,
    claim_first: bool,
) -> bool:
    """Run ``action`` for the sender's rep (None: not linked) and queue what it returns, at most
    once per update. False: the update was handled before (a redelivery), nothing queued.

    An action that changes nothing is claimed together with its answer (one transaction: the
    answer exists exactly when the claim does); one that changes something claims first.
    """
    accounts = services.accounts
    if claim_first:
        claimed, linked = accounts.claim_telegram_update(sender.update_id, sender.telegram_user_id)
        if not claimed:
            duplicate()
            return False
        outgoing = _act(Rep.of(linked), action, settings)
        if sender.chat_id is not None:
            services.telegram.post(
                sender.update_id, sender.chat_id, outbound(outgoing, pressed=sender.pressed)
            )
        return True
    outgoing = _act(Rep.of(accounts.telegram_rep(sender.telegram_user_id)), action, settings)
    if sender.chat_id is None:
        claimed = accounts.claim_telegram_update(sender.update_id, sender.telegram_user_id)[0]
    else:
        claimed = services.telegram.answer(
            sender.update_id, sender.chat_id, outbound(outgoing, pressed=sender.pressed)
        )
    if not claimed:
        duplicate()
    return claimed


def run_visit_command(
    services: Services,
    settings: Settings,
    sender: Sender,
    action: Callable[[Rep, CommandsInTransaction], list[Outgoing]],
) -> bool:
    """/hint, /end or the press that starts a visit: the claim, the change and the queued answer
    in one transaction (``TelegramCommands.run``). False: a redelivery, nothing done."""

    def act(linked: LinkedRep | None, visits: CommandsInTransaction) -> list[Outbound]:
        run = for_rep(lambda rep: action(rep, visits), sender, settings)
        return outbound(_act(Rep.of(linked), run, settings), pressed=sender.pressed)

    claimed = services.telegram_commands.run(sender.update_id, sender.telegram_user_id, sender.chat_id, act)
    if not claimed:
        duplicate()
    return claimed


def _act(
    rep: Rep | None, action: Callable[[Rep | None], list[Outgoing]], settings: Settings
) -> list[Outgoing]:
    try:
        return action(rep)
    except RehearsalError as error:
        return [Outgoing(error_text(error, rep.lang if rep else settings.default_lang, settings))]


def for_rep(
    action: Callable[[Rep], list[Outgoing]], sender: Sender, settings: Settings
) -> Callable[[Rep | None], list[Outgoing]]:
    """``action`` for a linked, active rep; anyone else is asked to send /start first, and a
    deactivated user is refused."""

    def run(rep: Rep | None) -> list[Outgoing]:
        if rep is None:
            return need_start(sender, settings)
        return action(rep) if rep.active else deactivated(rep)

    return run


__all__ = [
    "Rep",
    "Sender",
    "deactivated",
    "duplicate",
    "error_text",
    "for_rep",
    "need_start",
    "run_claimed",
    "run_visit_command",
]
