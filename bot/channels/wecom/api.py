"""WeCom's application message API: the access token, ``message/send``, and the outbox Sender.

wechatpy's ``WeChatClient`` is synchronous (``requests``) and raises on every error code, while
the outbox needs an async send whose outcome is classified (sent, retry later, refused, the
member is gone). So the two calls are made here with httpx, against ``COACH_WECOM_API_BASE``:

- ``GET  {base}/gettoken?corpid=…&corpsecret=…`` → ``access_token``, ``expires_in`` (7200 s)
- ``POST {base}/message/send?access_token=…`` with ``{"touser", "msgtype": "text", "agentid", "text"}``

The token is cached per process until a minute before it expires; a token WeCom reports as
expired or invalid (42001, 40014) is fetched again and the send retried once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any, Final

import httpx

from bot.config import Settings
from bot.services.outbox import Pacing, SendResult

logger = logging.getLogger(__name__)

#: The token expired or is not valid (any more): fetch a new one and send again.
TOKEN_ERRORS: Final = frozenset({40014, 42001, 42007, 42009})
#: WeCom is busy or we call too often: not delivered, try again after a while.
RETRY_ERRORS: Final = frozenset({-1, 45009, 45033, 45047})
#: The member left, or the application may not reach them: stop sending to them.
GONE_ERRORS: Final = frozenset({60111, 81013})
#: Seconds to wait after "API rate limit" (45009): WeCom counts calls per minute.
RATE_LIMIT_WAIT: Final = 60.0
#: Refresh the token this long before WeCom says it expires.
TOKEN_MARGIN: Final = 60.0
TIMEOUT: Final = 10.0


class WeComError(Exception):
    """WeCom answered with an error code."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"WeCom error {errcode}: {errmsg}")
        self.errcode = errcode


def wecom_pacing(settings: Settings) -> Pacing:
    """The outbox pace for WeCom: bot-wide per second, and per member (30 a minute by default)."""
    return Pacing(
        rate=max(1, int(settings.wecom_rate)),
        chat_rate=settings.wecom_chat_rate,
        chat_burst=settings.wecom_chat_burst,
    )


class WeComClient:
    """The two API calls the channel makes, with a cached, refreshed access token."""

    def __init__(self, settings: Settings, *, http: httpx.AsyncClient | None = None) -> None:
        self.base = settings.wecom_api_base.rstrip("/")
        self.corp_id = settings.wecom_corp_id or ""
        self.secret = settings.wecom_secret or ""
        self.agent_id = settings.wecom_agent_id
        self._http = http or httpx.AsyncClient(timeout=TIMEOUT)
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def close(self) -> None:
        await self._http.aclose()

    async def token(self, *, refresh: bool = False, stale: str | None = None) -> str:
        """The access token; ``refresh`` fetches a new one unless another send already has."""
        async with self._lock:
            fresh = self._token is not None and time.monotonic() < self._expires_at
            if fresh and not (refresh and self._token == stale):
                assert self._token is not None
                return self._token
            response = await self._http.get(
                f"{self.base}/gettoken", params={"corpid": self.corp_id, "corpsecret": self.secret}
            )
            response.raise_for_status()
            data = response.json()
            if data.get("errcode", 0) != 0:
                raise WeComError(int(data["errcode"]), str(data.get("errmsg", "")))
            self._token = str(data["access_token"])
            lifetime = float(data.get("expires_in", 7200))
            self._expires_at = time.monotonic() + max(0.0, lifetime - TOKEN_MARGIN)
            return self._token

    async def send_text(self, userid: str, content: str, token: str) -> dict[str, Any]:
        """One ``message/send`` call; WeCom's JSON answer (errcode 0: accepted)."""
        body = {"touser": userid, "msgtype": "text", "agentid": self.agent_id, "text": {"content": content}}
        response = await self._http.post(
            f"{self.base}/message/send", params={"access_token": token}, json=body
        )
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data


def _delivered_to(data: Mapping[str, Any], userid: str) -> bool:
    """errcode 0 but the member listed as invalid: WeCom dropped the message for them."""
    invalid = str(data.get("invaliduser") or "")
    return userid not in invalid.split("|")


class WeComSender:
    """The outbox's Sender for ``channel="wecom"``: one text message to one member per claim."""

    def __init__(self, client: WeComClient, *, rate_limit_wait: float = RATE_LIMIT_WAIT) -> None:
        self.client = client
        self.rate_limit_wait = rate_limit_wait

    async def send(self, chat_key: str, payload: Mapping[str, Any]) -> SendResult:
        try:
            token = await self.client.token()
        except (httpx.HTTPError, WeComError, ValueError, KeyError) as error:
            # Nothing was sent yet: safe to retry.
            return SendResult.retry(error=f"gettoken: {type(error).__name__} {error}"[:200])
        content = str(payload.get("text", ""))
        try:
            data = await self.client.send_text(chat_key, content, token)
            if int(data.get("errcode", 0)) in TOKEN_ERRORS:
                token = await self.client.token(refresh=True, stale=token)
                data = await self.client.send_text(chat_key, content, token)
        except httpx.HTTPStatusError as error:
            return SendResult.retry(error=f"HTTP {error.response.status_code}")
        except (WeComError, httpx.TransportError) as error:
            if isinstance(error, httpx.ConnectError):
                return SendResult.retry(error="connect error")  # never reached WeCom
            raise
        return self._outcome(chat_key, data)

    def _outcome(self, userid: str, data: Mapping[str, Any]) -> SendResult:
        errcode = int(data.get("errcode", 0))
        error = f"{errcode} {data.get('errmsg', '')}"[:200]
        if errcode == 0:
            return SendResult.sent() if _delivered_to(data, userid) else SendResult.blocked("invaliduser")
        if errcode == 45009:
            return SendResult.retry(self.rate_limit_wait, error)
        if errcode in RETRY_ERRORS or errcode in TOKEN_ERRORS:
            return SendResult.retry(error=error)
        if errcode in GONE_ERRORS:
            return SendResult.blocked(error)
        return SendResult.failed(error)


__all__ = ["WeComClient", "WeComError", "WeComSender", "wecom_pacing"]
