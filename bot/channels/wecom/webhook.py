"""The callback URL: GET verifies it (WeCom's echostr), POST receives encrypted messages.

A callback whose signature does not match gets 403 and nothing is read or stored. A message is
acted on and its replies queued before the answer, so an answer means the turn is stored; the
outbox sends the replies. The answer is empty: WeCom's passive reply is not used (replies go
through the message API, within its limits and retry rules).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

CALLBACK_PATH: Final = "/wecom/callback"

Handler = Callable[[Request], Awaitable[Response]]


def callback_router(verify: Handler, receive: Handler) -> APIRouter:
    """The FastAPI routes WeCom calls."""
    router = APIRouter(tags=["wecom"])

    @router.get(
        CALLBACK_PATH,
        summary="WeCom callback URL verification",
        response_class=PlainTextResponse,
        responses={403: {"description": "The signature does not match."}},
    )
    async def wecom_verify(request: Request) -> Response:
        """WeCom checks the URL when it is saved: answer the decrypted ``echostr``."""
        return await verify(request)

    @router.post(
        CALLBACK_PATH,
        summary="WeCom callback",
        response_class=PlainTextResponse,
        responses={
            200: {"description": "Handled (or a retry, ignored); the replies are queued."},
            403: {"description": "The signature does not match; nothing was read."},
            503: {"description": "Database unavailable; WeCom retries."},
        },
    )
    async def wecom_callback(request: Request) -> Response:
        """One encrypted message from WeCom (``msg_signature``, ``timestamp``, ``nonce``)."""
        return await receive(request)

    return router


def forbidden() -> Response:
    return PlainTextResponse("forbidden", status_code=403)


def signed(request: Request) -> tuple[str, str, str] | None:
    """``msg_signature``, ``timestamp``, ``nonce`` from the query; None when one is missing."""
    query = request.query_params
    values = (query.get("msg_signature"), query.get("timestamp"), query.get("nonce"))
    if not all(values):
        return None
    return values  # type: ignore[return-value]


__all__ = ["CALLBACK_PATH", "callback_router", "forbidden", "signed"]
