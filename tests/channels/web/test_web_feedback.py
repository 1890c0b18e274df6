"""Flagging a judgement through the JSON API: the flag reaches the trainers' review queue."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from test_web_rehearsal import say, start, transcript
from web_support import add_rep, sign_in

WHY = "退货为什么会翻倍呢？"


async def _rep_line(rep: httpx.AsyncClient) -> tuple[str, int]:
    session_id = (await start(rep))["session_id"]
    assert (await say(rep, session_id, WHY, "m1")).status_code == 200
    turns = (await transcript(rep, session_id))["turns"]
    return session_id, next(t["seq"] for t in turns if t["text"] == WHY)


async def test_a_flag_with_a_suggestion_reaches_the_queue(app: FastAPI, rep: httpx.AsyncClient) -> None:
    session_id, seq = await _rep_line(rep)
    response = await rep.post(f"/api/sessions/{session_id}/turns/{seq}/flag", json={"suggested": "what_else"})
    assert response.status_code == 200, response.text
    flag = response.json()
    assert (flag["text"], flag["suggested"], flag["status"]) == (WHY, "what_else", "pending")
    assert flag["predicted"][0] == "why"

    # Again, without a body: the same flag, now just "wrong".
    again = await rep.post(f"/api/sessions/{session_id}/turns/{seq}/flag")
    assert again.status_code == 200 and again.json()["id"] == flag["id"]
    queue = app.state.services.feedback.pending()
    assert [(f.id, f.seq, f.suggested, f.channel) for f in queue] == [(flag["id"], seq, None, "web")]


async def test_only_a_reps_own_lines_with_known_techniques(app: FastAPI, rep: httpx.AsyncClient) -> None:
    session_id, seq = await _rep_line(rep)
    url = f"/api/sessions/{session_id}/turns"
    assert (await rep.post(f"{url}/{seq + 1}/flag")).json()["error"]["code"] == "not_a_rep_line"
    unknown = await rep.post(f"{url}/{seq}/flag", json={"suggested": "shouting"})
    assert unknown.status_code == 422
    assert (await rep.post(f"/api/sessions/nope/turns/{seq}/flag")).status_code == 404

    add_rep(app.state.db, "other", "other-pass-1", "Other")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as other:
        await sign_in(other, "other", "other-pass-1")
        assert (await other.post(f"{url}/{seq}/flag")).status_code == 403
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as anon:
        assert (await anon.post(f"{url}/{seq}/flag")).status_code == 401
    assert app.state.services.feedback.pending() == []


async def test_the_flag_route_is_documented(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    route = spec["paths"]["/api/sessions/{session_id}/turns/{seq}/flag"]["post"]
    assert {"401", "403", "404", "422"} <= set(route["responses"])
    assert "suggested" in spec["components"]["schemas"]["FlagRequest"]["properties"]


async def test_a_flag_is_one_transaction_besides_the_sign_in_check(
    app: FastAPI, rep: httpx.AsyncClient
) -> None:
    """The sign-in cookie is read in its own transaction by every signed-in request (GET /api/me
    is nothing else); the flag's checks, the classifier's second look and the stored flag are one."""
    from sqlalchemy import event

    session_id, seq = await _rep_line(rep)
    engine = app.state.db.engine
    count = [0]

    def began(_connection: object) -> None:
        count[0] += 1

    event.listen(engine, "begin", began)
    try:
        assert (await rep.get("/api/me")).status_code == 200
        sign_in_check, count[0] = count[0], 0
        flagged = await rep.post(
            f"/api/sessions/{session_id}/turns/{seq}/flag", json={"suggested": "what_else"}
        )
        flag_request, count[0] = count[0], 0
    finally:
        event.remove(engine, "begin", began)
    assert flagged.status_code == 200
    assert (sign_in_check, flag_request) == (1, 2)
