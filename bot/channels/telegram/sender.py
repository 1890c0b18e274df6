"""The outbox's sender for Telegram: one Bot API request per claim, its outcome classified.

The dispatcher (``bot.services.outbox``) claims queued messages and hands each payload here;
what PTB answers or raises becomes a ``SendResult``, and the outbox retries, gives up or stops
the chat accordingly (docs/outbox.md). Payloads are what ``outgoing.py`` queued: ``text`` and
``parse_mode``, an inline keyboard as ``reply_markup`` (a dict), and ``edit_message_id`` when
the message replaces the one whose button was pressed.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any, Final

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.services import SendResult

logger = logging.getLogger(__name__)

EDIT_KEY: Final = "edit_message_id"
# Telegram's answer to an edit that changes nothing: the text is there, so it counts as sent.
_NOT_MODIFIED: Final = "message is not modified"
# PTB's TimedOut for a full connection pool: the request never left, so it is safe to retry.
_POOL_TIMEOUT: Final = "Pool timeout"


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _short(prefix: str, error: TelegramError) -> str:
    # PTB's message is Telegram's description ("Bad Request: can't parse entities…"), never our text.
    return f"{prefix} {error.message}"[:200]


def classify(error: TelegramError) -> SendResult:
    """What a PTB error means for the message (the order matters: BadRequest and TimedOut are
    NetworkErrors in PTB)."""
    if isinstance(error, RetryAfter):
        with warnings.catch_warnings():  # PTB 22 warns that the type will become timedelta
            warnings.simplefilter("ignore")
            wait = _seconds(error.retry_after)
        return SendResult.retry(wait, "429 Too Many Requests")
    if isinstance(error, Forbidden):
        return SendResult.blocked(_short("403", error))
    if isinstance(error, BadRequest):
        if _NOT_MODIFIED in error.message.lower():
            return SendResult.sent()
        return SendResult.failed(_short("400", error))
    if isinstance(error, ChatMigrated | InvalidToken):
        return SendResult.failed(_short(type(error).__name__, error))
    if isinstance(error, TimedOut):
        if _POOL_TIMEOUT in error.message:
            return SendResult.retry(error="pool timeout (not sent)")
        # The request may have reached Telegram: one counted re-send at most.
        return SendResult.unknown("timeout")
    if isinstance(error, NetworkError):  # 5xx, connection refused or reset
        return SendResult.retry(error=_short("network", error))
    return SendResult.retry(error=_short(type(error).__name__, error))


class TelegramSender:
    """Sends one outbox payload with PTB's bot; ``ready`` starts the bot if it is not yet up."""

    def __init__(self, bot: Callable[[], Bot], ready: Callable[[], Awaitable[bool]]) -> None:
        self._bot = bot
        self._ready = ready

    async def send(self, chat_key: str, payload: Mapping[str, Any]) -> SendResult:
        if not await self._ready():
            return SendResult.retry(error="Bot API not reachable: bot not started")
        bot = self._bot()
        markup = payload.get("reply_markup")
        keyboard = InlineKeyboardMarkup.de_json(dict(markup), bot) if markup else None
        try:
            await self._request(bot, int(chat_key), payload, keyboard)
        except TelegramError as error:
            result = classify(error)
            logger.info("Telegram send to chat %s: %s (%s)", chat_key, result.outcome, result.error)
            return result
        return SendResult.sent()

    @staticmethod
    async def _request(bot: Bot, chat_id: int, payload: Mapping[str, Any], keyboard: Any) -> None:
        text, parse_mode = str(payload["text"]), payload.get("parse_mode")
        if payload.get(EDIT_KEY) is not None:
            try:
                await bot.edit_message_text(
                    text,
                    chat_id=chat_id,
                    message_id=int(payload[EDIT_KEY]),
                    parse_mode=parse_mode,
                    reply_markup=keyboard,
                )
                return
            except BadRequest as error:
                if _NOT_MODIFIED in error.message.lower():
                    return
                # The pressed message cannot be edited (too old, deleted): say it anew instead.
                logger.info("Edit refused in chat %s (%s); sending a new message", chat_id, error.message)
        await bot.send_message(chat_id, text, parse_mode=parse_mode, reply_markup=keyboard)


__all__ = ["EDIT_KEY", "TelegramSender", "classify"]
