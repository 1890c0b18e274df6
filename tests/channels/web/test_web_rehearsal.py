"""A rehearsal through the JSON API: real engine, real database, real HTTP into FastAPI."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from fastapi import FastAPI
from web_support import add_rep, sign_in

SCENARIO = "precision-parts-returns"
# A rep who follows the method (from the scenario's own trainer test).
METHOD_ZH = [
    "王总您好，我是李明，老周介绍我过来的，谢谢您抽时间。",
    "听说你们主要给新能源车做精密零件，对吧？",
    "看您有点疲惫，是刚从主机厂那边回来吗？最近他们的要求是不是又变了？",
    "退货为什么会翻倍呢？",
    "为什么要到终检才发现呢？",
]


async def start(http: httpx.AsyncClient, *, language: str = "zh", mode: str = "practice") -> dict[str, Any]:
    response = await http.post(
        "/api/sessions", json={"scenario_id": SCENARIO, "language": language, "mode": mode}
    )
    assert response.status_code == 201, response.text
    return response.json()


async def say(http: httpx.AsyncClient, session_id: str, text: str, message_id: str) -> httpx.Response:
    return await http.post(
        f"/api/sessions/{session_id}/messages", json={"text": text, "client_message_id": message_id}
    )


async def transcript(http: httpx.AsyncClient, session_id: str) -> dict[str, Any]:
    response = await http.get(f"/api/sessions/{session_id}")
    assert response.status_code == 200, response.text
    return response.json()


async def test_scenarios_are_listed_per_language(rep: httpx.AsyncClient) -> None:
    every = (await rep.get("/api/scenarios")).json()
    assert SCENARIO in {s["id"] for s in every}
    zh = (await rep.get("/api/scenarios", params={"lang": "zh"})).json()
    assert zh and all("zh" in s["languages"] for s in zh)
    scenario = next(s for s in zh if s["id"] == SCENARIO)
    assert scenario["title"]["zh"] and scenario["customer"]["name"]
    assert (await rep.get("/api/scenarios", params={"lang": "fr"})).status_code == 422


async def test_a_whole_visit_in_practice_mode(rep: httpx.AsyncClient) -> None:
    opening = await start(rep)
    session_id = opening["session_id"]
    assert opening["status"] == "active" and opening["customer_reply"]
    assert opening["stage"] == "first_impression"

    for n, line in enumerate(METHOD_ZH):
        response = await say(rep, session_id, line, f"m{n}")
        assert response.status_code == 200, response.text
        turn = response.json()
        assert turn["rep_text"] == line
        assert turn["customer_reply"], line
        assert turn["coach_note"], line  # practice mode: a note after every line
        assert turn["techniques"]
    assert turn["stage"] == "liking" and turn["step"] == "analysis"

    hint = await rep.post(f"/api/sessions/{session_id}/hint")
    assert hint.status_code == 200 and hint.json()["hint"]

    view = await transcript(rep, session_id)
    seqs = [t["seq"] for t in view["turns"]]
    assert seqs == list(range(1, len(seqs) + 1))
    speakers = [t["speaker"] for t in view["turns"]]
    assert speakers[0] == "customer"
    assert speakers[1:16] == ["rep", "customer", "coach"] * 5
    assert speakers[16] == "coach"  # the hint
    assert [t["text"] for t in view["turns"] if t["speaker"] == "rep"] == METHOD_ZH
    assert view["status"] == "active" and view["mode"] == "practice" and view["channel"] == "web"
    later = (await rep.get(f"/api/sessions/{session_id}/turns", params={"after": 14})).json()
    assert [t["seq"] for t in later] == seqs[14:]

    ended = await rep.post(f"/api/sessions/{session_id}/end")
    assert ended.status_code == 200
    card = ended.json()["scorecard"]
    assert ended.json()["status"] == "ended"
    assert 0 <= card["score"] <= 100
    assert card["stage_reached"] == "liking"
    assert card["techniques"]["counts"]["why"] == 2
    assert set(card["coaching"]) == {"keep", "start", "stop"}
    again = await rep.post(f"/api/sessions/{session_id}/end")
    assert again.json()["scorecard"] == card and again.json()["duplicate"] is True

    closed = await say(rep, session_id, "还有一个问题", "late")
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "session_closed"
    assert (await rep.post(f"/api/sessions/{session_id}/hint")).status_code == 409

    mine = (await rep.get("/api/sessions")).json()
    assert mine[0]["id"] == session_id and mine[0]["score"] == card["score"]
    assert mine[0]["status"] == "ended" and "turns" not in mine[0]
    assert (await transcript(rep, session_id))["scorecard"] == card


async def test_the_same_client_message_id_stores_one_turn(rep: httpx.AsyncClient) -> None:
    session_id = (await start(rep))["session_id"]
    first = await say(rep, session_id, METHOD_ZH[0], "same-id")
    second = await say(rep, session_id, METHOD_ZH[0], "same-id")
    assert first.status_code == second.status_code == 200
    assert second.json()["customer_reply"] == first.json()["customer_reply"]
    assert second.json()["duplicate"] is True and first.json()["duplicate"] is False
    turns = (await transcript(rep, session_id))["turns"]
    assert [t["speaker"] for t in turns] == ["customer", "rep", "customer", "coach"]


async def test_concurrent_lines_with_repeats_are_stored_once_each_in_order(rep: httpx.AsyncClient) -> None:
    session_id = (await start(rep))["session_id"]
    lines = [(f"第{i}个问题：最近怎么样？", f"c{i}") for i in range(8)]
    sent = lines + lines[:4]  # four lines are retried while the first try is still running
    responses = await asyncio.gather(*(say(rep, session_id, text, mid) for text, mid in sent))
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    replies: dict[str, str] = {}
    for (_text, mid), response in zip(sent, responses, strict=True):
        replies.setdefault(mid, response.json()["customer_reply"])
        assert replies[mid] == response.json()["customer_reply"]
    turns = (await transcript(rep, session_id))["turns"]
    assert [t["seq"] for t in turns] == list(range(1, len(turns) + 1))
    assert [t["speaker"] for t in turns] == ["customer"] + ["rep", "customer", "coach"] * 8
    assert sorted(t["text"] for t in turns if t["speaker"] == "rep") == sorted(
        f"第{i}个问题：最近怎么样？" for i in range(8)
    )


async def test_exam_mode_keeps_the_coach_silent(rep: httpx.AsyncClient) -> None:
    session_id = (await start(rep, language="en", mode="exam"))["session_id"]
    turn = (await say(rep, session_id, "Good morning Mr Wang, thank you for your time.", "e1")).json()
    assert turn["customer_reply"] and turn["coach_note"] is None
    view = await transcript(rep, session_id)
    assert view["language"] == "en" and view["mode"] == "exam"
    assert [t["speaker"] for t in view["turns"]] == ["customer", "rep", "customer"]


async def test_an_exam_shows_no_judgement_of_a_line_until_it_ends(rep: httpx.AsyncClient) -> None:
    session_id = (await start(rep, language="en", mode="exam"))["session_id"]
    await say(rep, session_id, "Good morning Mr Wang, thank you for your time.", "s1")
    turn = (await say(rep, session_id, "Why do the returns only show up at final inspection?", "s2")).json()
    assert turn["status"] == "active" and turn["techniques"] == [] and turn["revealed"] == []
    paged = (await rep.get(f"/api/sessions/{session_id}/turns", params={"after": 0})).json()
    for seen in [(await transcript(rep, session_id))["turns"], paged]:
        assert [t["techniques"] for t in seen if t["speaker"] == "rep"] == [[], []]
        assert all(t["trust"] is None and t["stage"] is None for t in seen)

    ended = (await rep.post(f"/api/sessions/{session_id}/end")).json()
    assert ended["scorecard"]["techniques"]["counts"]  # the scorecard judges every line
    after = (await transcript(rep, session_id))["turns"]
    assert all(t["techniques"] for t in after if t["speaker"] == "rep")
    assert all(isinstance(t["trust"], float) for t in after if t["speaker"] == "customer")


async def test_errors_are_clear_and_store_nothing(rep: httpx.AsyncClient, app: FastAPI) -> None:
    session_id = (await start(rep))["session_id"]
    unknown = await rep.post("/api/sessions", json={"scenario_id": "no-such-visit", "language": "zh"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_scenario"
    missing = await say(rep, "0" * 32, "你好", "x1")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "session_not_found"
    assert (await rep.get(f"/api/sessions/{'0' * 32}")).status_code == 404

    blank = await say(rep, session_id, "   \n ", "x2")
    assert blank.status_code == 422 and blank.json()["error"]["code"] == "message_rejected"
    too_long = await say(rep, session_id, "问" * 2001, "x3")
    assert too_long.status_code == 413 and too_long.json()["error"]["code"] == "message_too_long"
    bad_id = await say(rep, session_id, "你好", "has spaces/and slashes")
    assert bad_id.status_code == 422
    assert len((await transcript(rep, session_id))["turns"]) == 1  # only the opening

    add_rep(app.state.db, "li", "li-password")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        await sign_in(other, "li", "li-password")
        for response in (
            await other.get(f"/api/sessions/{session_id}"),
            await say(other, session_id, "你好", "o1"),
            await other.post(f"/api/sessions/{session_id}/hint"),
            await other.post(f"/api/sessions/{session_id}/end"),
            await other.get(f"/api/sessions/{session_id}/events"),
        ):
            assert response.status_code == 403, response.text
            assert response.json()["error"]["code"] == "not_your_session"
        assert (await other.get("/api/sessions")).json() == []
    assert len((await transcript(rep, session_id))["turns"]) == 1


def _parse_events(body: str) -> list[tuple[str, int | None, dict[str, Any]]]:
    events = []
    for block in body.split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":")
        )
        if "event" in fields:
            event_id = int(fields["id"]) if "id" in fields else None
            events.append((fields["event"], event_id, json.loads(fields["data"])))
    return events


async def test_event_stream_replays_from_a_point_and_ends_with_the_visit(rep: httpx.AsyncClient) -> None:
    session_id = (await start(rep))["session_id"]
    for n, line in enumerate(METHOD_ZH[:2]):
        assert (await say(rep, session_id, line, f"s{n}")).status_code == 200
    await rep.post(f"/api/sessions/{session_id}/end")

    response = await rep.get(f"/api/sessions/{session_id}/events")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = _parse_events(response.text)
    turns = [(event_id, data) for name, event_id, data in events if name == "turn"]
    assert [event_id for event_id, _ in turns] == list(range(1, len(turns) + 1))
    assert [data["seq"] for _, data in turns] == [event_id for event_id, _ in turns]
    name, _, status = events[-1]
    assert name == "status" and status["status"] == "ended" and status["scorecard"]["score"] >= 0

    # A reconnecting EventSource says where it stopped; only later turns come again.
    resumed = await rep.get(f"/api/sessions/{session_id}/events", headers={"Last-Event-ID": "4"})
    assert [d["seq"] for n, _, d in _parse_events(resumed.text) if n == "turn"] == [
        seq for seq, _ in turns if seq > 4
    ]


async def test_a_visit_begun_in_telegram_continues_on_the_web(rep: httpx.AsyncClient, app: FastAPI) -> None:
    me = (await rep.get("/api/me")).json()
    service = app.state.services.rehearsals
    begun = await asyncio.to_thread(
        service.start, me["id"], SCENARIO, language="zh", mode="practice", channel="telegram"
    )
    await asyncio.to_thread(
        service.send, begun.session_id, METHOD_ZH[0], user_id=me["id"], channel="telegram", message_id="tg-1"
    )
    listed = (await rep.get("/api/sessions")).json()
    assert listed[0]["id"] == begun.session_id and listed[0]["channel"] == "telegram"
    assert listed[0]["status"] == "active"

    turn = await say(rep, begun.session_id, METHOD_ZH[1], "web-1")
    assert turn.status_code == 200 and turn.json()["customer_reply"]
    view = await transcript(rep, begun.session_id)
    assert [t["text"] for t in view["turns"] if t["speaker"] == "rep"] == METHOD_ZH[:2]
    assert [t["seq"] for t in view["turns"]] == list(range(1, 8))


async def test_an_open_stream_of_an_active_visit_ends_in_time_for_a_reconnect(
    rep: httpx.AsyncClient, app: FastAPI
) -> None:
    # Streams end by themselves (15 s in production) so an open tab never blocks a shutdown;
    # the browser reconnects with Last-Event-ID and misses nothing.
    app.state.event_stream_seconds = 0.3
    session_id = (await start(rep))["session_id"]
    response = await asyncio.wait_for(rep.get(f"/api/sessions/{session_id}/events"), 10)
    assert response.text.startswith("retry: 1000")
    events = _parse_events(response.text)
    assert [(name, event_id) for name, event_id, _ in events] == [("turn", 1), ("status", 1)]
    assert events[1][2]["status"] == "active"
