"""The Telegram channel: webhook route, bot commands and the rehearsal flow over Telegram."""

from __future__ import annotations

from .channel import ALLOWED_UPDATES, SECRET_HEADER, WEBHOOK_PATH, TelegramChannel, bot_api_urls
from .splitting import TELEGRAM_MAX_CHARS, split_html

__all__ = [
    "ALLOWED_UPDATES",
    "SECRET_HEADER",
    "TELEGRAM_MAX_CHARS",
    "WEBHOOK_PATH",
    "TelegramChannel",
    "bot_api_urls",
    "split_html",
]
