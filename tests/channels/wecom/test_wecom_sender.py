"""The outbox Sender's reading of WeCom's answers (httpx's MockTransport stands in for WeCom)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from wecom_fakes import AGENT_ID, CORP_ID, SECRET

from bot.channels.wecom.api import WeComClient, WeComSender
from bot.config import Settings
from bot.services.outbox import SendOutcome


def sender_answering(answer: dict[str, Any], calls: list[httpx.Request]) -> WeComSender:
    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if request.url.path.endswith("/gettoken"):
            return httpx.Response(200, json={"errcode": 0, "access_token": "t", "expires_in": 7200})
        return httpx.Response(200, json=answer)

    settings = Settings(
        wecom_corp_id=CORP_ID,
        wecom_agent_id=AGENT_ID,
        wecom_secret=SECRET,
        wecom_api_base="http://wecom.test/cgi-bin",
    )
    http = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    return WeComSender(WeComClient(settings, http=http), rate_limit_wait=7.0)


@pytest.mark.parametrize(
    ("answer", "outcome", "retry_after"),
    [
        ({"errcode": 0, "errmsg": "ok"}, SendOutcome.SENT, None),
        ({"errcode": 0, "errmsg": "ok", "invaliduser": "alice"}, SendOutcome.BLOCKED, None),
        ({"errcode": 45009, "errmsg": "api freq out of limit"}, SendOutcome.RETRY_AFTER, 7.0),
        ({"errcode": -1, "errmsg": "system busy"}, SendOutcome.RETRY_AFTER, None),
        ({"errcode": 60111, "errmsg": "userid not found"}, SendOutcome.BLOCKED, None),
        ({"errcode": 40003, "errmsg": "invalid userid"}, SendOutcome.FAILED_PERMANENTLY, None),
    ],
)
async def test_each_answer_has_its_outcome(
    answer: dict[str, Any], outcome: SendOutcome, retry_after: float | None
) -> None:
    calls: list[httpx.Request] = []
    result = await sender_answering(answer, calls).send("alice", {"text": "您好"})
    assert (result.outcome, result.retry_after) == (outcome, retry_after)
    sent = json.loads(calls[-1].content)
    assert sent == {"touser": "alice", "msgtype": "text", "agentid": AGENT_ID, "text": {"content": "您好"}}
    assert calls[0].url.params["corpid"] == CORP_ID and calls[-1].url.params["access_token"] == "t"


async def test_an_unreachable_token_endpoint_is_retried_not_unknown() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    settings = Settings(wecom_corp_id=CORP_ID, wecom_agent_id=AGENT_ID, wecom_secret=SECRET)
    client = WeComClient(settings, http=httpx.AsyncClient(transport=httpx.MockTransport(refuse)))
    result = await WeComSender(client).send("alice", {"text": "您好"})
    assert result.outcome is SendOutcome.RETRY_AFTER  # nothing reached WeCom: safe to send later
