"""The WeCom (企业微信) channel: callbacks in, replies out through the transactional outbox.

``WeComChannel`` holds the callback crypto, the API client with its token, and the outbox
``Sender`` the composition root registers with a ``Dispatcher`` for ``channel="wecom"``.
Blocking work (the services) runs in worker threads; the database is the only state, so any
worker can take any callback.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from fastapi import Request
from fastapi.responses import PlainTextResponse, Response

from bot.config import Settings
from bot.services import Services, is_database_unavailable

from . import handlers
from .api import WeComClient, WeComSender, wecom_pacing
from .crypto import CallbackCrypto, CallbackRejected
from .dispatch import handle
from .handlers import pieces
from .webhook import callback_router, forbidden, signed

logger = logging.getLogger(__name__)

#: Seconds WeCom is asked to wait (it retries on its own schedule anyway).
RETRY_AFTER_DB_DOWN = 5


class WeComChannel:
    """Build it with the settings, include ``router``, register ``sender``, then ``start`` it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.crypto = CallbackCrypto(settings)
        self.client = WeComClient(settings)
        self.sender = WeComSender(self.client, rate_limit_wait=settings.wecom_rate_limit_wait)
        self.pacing = wecom_pacing(settings)
        self.router = callback_router(self.verify, self.receive)
        self._services: Services | None = None

    def start(self, services: Services) -> None:
        self._services = services
        # A manager's note is queued for the rep's WeCom in the transaction that stores it.
        render = partial(handlers.pushed_note, default=self.settings.default_lang)
        services.wecom.push_notes(lambda note, lang: pieces(render(note, lang)))
        # So is each new assignment and its reminder, like in Telegram.
        announce = partial(handlers.assignment_texts, default=self.settings.default_lang)
        services.wecom.announce_assignments(
            services.assignments, lambda view, reminder, lang: pieces(announce(view, reminder, lang))
        )

    async def stop(self) -> None:
        await self.client.close()

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("WeComChannel.start() has not been called")
        return self._services

    async def verify(self, request: Request) -> Response:
        query = signed(request)
        echostr = request.query_params.get("echostr")
        if query is None or not echostr:
            return forbidden()
        try:
            return PlainTextResponse(self.crypto.verify_url(*query, echostr))
        except CallbackRejected as error:
            logger.info("WeCom URL verification refused: %s", error)
            return forbidden()

    async def receive(self, request: Request) -> Response:
        query = signed(request)
        if query is None:
            return forbidden()
        signature, timestamp, nonce = query
        try:
            inbound = self.crypto.decrypt(await request.body(), signature, timestamp, nonce)
        except CallbackRejected as error:
            logger.info("WeCom callback refused: %s", error)
            return forbidden()
        try:
            await asyncio.to_thread(handle, self.services, self.settings, inbound)
        except Exception as error:
            if is_database_unavailable(error):
                logger.warning("Database unavailable while handling a WeCom message: %s", error)
                return PlainTextResponse(
                    "database unavailable", status_code=503, headers={"Retry-After": str(RETRY_AFTER_DB_DOWN)}
                )
            raise
        return PlainTextResponse("")


__all__ = ["WeComChannel"]
