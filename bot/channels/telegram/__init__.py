"""The Telegram channel: webhook route, bot commands and the rehearsal flow over Telegram.

``app.py`` builds the bot and its life cycle, ``webhook.py`` the route, ``handlers.py`` what the
bot answers, ``claims.py`` answering each update once, ``callbacks.py`` the inline buttons,
``delivery.py`` sending; ``texts.py`` and ``formatting.py`` the words and their layout.
"""

from __future__ import annotations

from .app import TelegramChannel, bot_api_urls
from .delivery import Outgoing
from .splitting import TELEGRAM_MAX_CHARS, split_html
from .webhook import ALLOWED_UPDATES, SECRET_HEADER, WEBHOOK_PATH

__all__ = [
    "ALLOWED_UPDATES",
    "SECRET_HEADER",
    "TELEGRAM_MAX_CHARS",
    "WEBHOOK_PATH",
    "Outgoing",
    "TelegramChannel",
    "bot_api_urls",
    "split_html",
]
