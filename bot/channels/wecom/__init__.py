"""The WeCom (企业微信) channel: a self-built application's callbacks and message API.

``app.py`` (the channel) → ``webhook.py`` (the callback URL) → ``crypto.py`` (wechatpy) →
``dispatch.py`` → ``handlers.py`` (the words) → ``bot.services.wecom`` (claim, turn, outbox) →
``api.py`` (the outbox's Sender: token, ``message/send``). See docs/wecom.md.
"""

from __future__ import annotations

from .app import WeComChannel

__all__ = ["WeComChannel"]
