"""What the bot says, before it is queued: ``Outgoing`` messages, and the one direct send.

Everything a handler answers goes through the outbox (``outgoing.py`` makes the payloads,
the services queue them with what the update did, ``sender.py`` sends them), so a failed send
is retried instead of lost. Only the apology after an unexpected error is sent directly, once
and best effort: the update's transaction rolled back, so there is nothing in the outbox.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Bot, InlineKeyboardMarkup, Message

from bot.services import Kind

from .splitting import split_html

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outgoing:
    """One message to send; ``edit`` replaces the message whose inline button was pressed.

    ``kind`` is the outbox's (a turn's customer reply, the coach's note…); ``note_ids`` are the
    coaching notes the message shows, marked read once it is delivered.
    """

    html: str
    keyboard: InlineKeyboardMarkup | None = None
    edit: bool = False
    kind: str = Kind.REPLY
    note_ids: tuple[int, ...] = ()
    joins: bool = False  # sent as one message with the next joining one when they fit


async def send_html(
    bot: Bot, chat_id: int, html: str, keyboard: InlineKeyboardMarkup | None = None
) -> list[Message]:
    """Send ``html`` now, split into Telegram-sized pieces; the keyboard goes on the last one."""
    pieces = split_html(html)
    sent = []
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        sent.append(await bot.send_message(chat_id, piece, reply_markup=keyboard if last else None))
    return sent


__all__ = ["Outgoing", "send_html"]
