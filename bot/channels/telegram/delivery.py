"""Sending to Telegram: HTML split into Telegram-sized pieces, edits of a pressed message, retries.

Retries after a 429 are PTB's ``AIORateLimiter`` (``SEND_RETRIES`` times, waiting Telegram's
``retry_after``); the parse mode is the application's default (HTML), set in ``app.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from telegram import Bot, InlineKeyboardMarkup, Message, Update

from .splitting import split_html

logger = logging.getLogger(__name__)

# A 429 from Telegram is retried this many times after waiting its retry_after.
SEND_RETRIES: Final = 3


@dataclass(frozen=True)
class Outgoing:
    """One message to send; ``edit`` replaces the message whose inline button was pressed."""

    html: str
    keyboard: InlineKeyboardMarkup | None = None
    edit: bool = False


async def send_html(
    bot: Bot, chat_id: int, html: str, keyboard: InlineKeyboardMarkup | None = None
) -> list[Message]:
    """Send ``html``, split into Telegram-sized pieces; the keyboard goes on the last one."""
    pieces = split_html(html)
    sent = []
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        sent.append(await bot.send_message(chat_id, piece, reply_markup=keyboard if last else None))
    return sent


async def deliver(bot: Bot, update: Update, outgoing: Sequence[Outgoing]) -> None:
    """Answer ``update`` in its chat; an ``edit`` message replaces the message whose button was pressed."""
    chat = update.effective_chat
    if chat is None:
        return
    pressed = update.callback_query.message if update.callback_query else None
    for message in outgoing:
        if message.edit and isinstance(pressed, Message):
            # An edit holds one message; anything beyond Telegram's limit follows as new ones.
            first, *rest = split_html(message.html)
            await pressed.edit_text(first, reply_markup=None if rest else message.keyboard)
            if rest:
                await send_html(bot, chat.id, "\n\n".join(rest), message.keyboard)
        else:
            await send_html(bot, chat.id, message.html, message.keyboard)


async def send_to_chats(bot: Bot, chats: Sequence[int], html: str, *, what: str) -> int:
    """Send ``html`` to each chat; a chat that fails is logged and skipped. Returns how many got it."""
    sent = 0
    for chat_id in chats:
        try:
            await send_html(bot, chat_id, html)
        except Exception:
            logger.warning("%s not pushed to chat %s", what, chat_id, exc_info=True)
        else:
            sent += 1
    return sent


__all__ = ["SEND_RETRIES", "Outgoing", "deliver", "send_html", "send_to_chats"]
