"""Telegram answers queued in the outbox with the update's claim: each update answered once,
and never lost once claimed.

A command that changes nothing is worded first, then claimed and queued in one transaction
(:meth:`TelegramAnswers.answer`): the answer exists exactly when the claim does. A command
that changes something claims first, acts, then queues its answer (:meth:`~TelegramAnswers.post`).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.storage import Database, Store, store

from .outbox import Outbound, post
from .views import TELEGRAM_CHANNEL, LinkedRep, telegram_turn_id, telegram_update_id


def telegram_group(update_id: int) -> str:
    """The outbox group of everything one Telegram update answers (merged when it fits)."""
    return f"tg:{update_id}"


def claim_update_in(s: Store, update_id: int) -> bool:
    """Claim a non-text update in ``s``'s transaction; False: it was handled before."""
    if s.inbound.get(TELEGRAM_CHANNEL, telegram_turn_id(update_id)) is not None:
        return False  # already handled as a rehearsal turn
    return s.inbound.claim(TELEGRAM_CHANNEL, telegram_update_id(update_id))


def post_answer(
    s: Store,
    update_id: int,
    chat_id: int,
    messages: Sequence[Outbound],
    *,
    session_id: str | None = None,
    unblock_chat: bool = True,
) -> None:
    """Queue the answer to one update in ``s``'s transaction; the chat, having written, is
    unblocked (a push, which the user did not ask for, passes ``unblock_chat=False``)."""
    if messages:
        post(
            s,
            channel=TELEGRAM_CHANNEL,
            chat_key=str(chat_id),
            messages=messages,
            group_key=telegram_group(update_id),
            session_id=session_id,
            unblock_chat=unblock_chat,
        )


class TelegramAnswers:
    """Claim-and-queue use cases for the Telegram channel; each call is one transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def answer(self, update_id: int, chat_id: int, messages: Sequence[Outbound]) -> bool:
        """Claim the update and queue ``messages`` together; False (nothing queued): a redelivery."""
        with store(self.db, write=True) as s:
            if not claim_update_in(s, update_id):
                return False
            post_answer(s, update_id, chat_id, messages)
            return True

    def post(self, update_id: int, chat_id: int, messages: Sequence[Outbound]) -> int:
        """Queue the answer to an update claimed before (by its own use case)."""
        if not messages:
            return 0
        with store(self.db, write=True) as s:
            post_answer(s, update_id, chat_id, messages)
        return len(messages)

    def notice(self, chat_id: int, messages: Sequence[Outbound]) -> int:
        """Queue messages that answer no claimed update (a group chat's notice)."""
        if not messages:
            return 0
        with store(self.db, write=True) as s:
            post(s, channel=TELEGRAM_CHANNEL, chat_key=str(chat_id), messages=messages)
        return len(messages)


__all__ = ["LinkedRep", "TelegramAnswers", "claim_update_in", "post_answer", "telegram_group"]
