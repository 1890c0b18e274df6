"""Two uvicorn worker processes on one PostgreSQL database, many concurrent messages.

Also the live push: a turn stored by another process (as the Telegram channel does) reaches an
open event stream.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from web_support import LiveServer, add_rep, sign_in

from bot.services import RehearsalService
from bot.storage import Database

SCENARIO = "precision-parts-returns"
# Polite, shallow lines: whatever order the workers run them in, the customer stays in the visit.
LINES = [
    "王总您好，谢谢您抽时间见我。",
    "你们主要给新能源车做零件，对吧？",
    "看您挺忙的，最近是不是刚出差回来？",
    "你们厂是在这个园区里吧？",
    "最近订单多吗？",
    "您在这里工作很多年了吧？",
    "这条产线是去年新上的吗？",
    "你们的客户主要在华东吗？",
    "最近主机厂那边的要求是不是又变了？",
    "您平时主要负责生产这一块，对吧？",
    "今年的产量比去年多吗？",
    "最近产线忙不忙？",
]


async def _session_for(http: httpx.AsyncClient) -> str:
    response = await http.post("/api/sessions", json={"scenario_id": SCENARIO, "language": "zh"})
    assert response.status_code == 201, response.text
    return str(response.json()["session_id"])


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_workers_store_every_turn_once_in_order(
    database_url: str, live_server_factory: Callable[..., LiveServer]
) -> None:
    # Both workers migrate the fresh schema as they start (one at a time, by advisory lock).
    server = await asyncio.to_thread(live_server_factory, database_url, workers=2)
    db = Database(database_url)
    try:
        for login in ("rep-a", "rep-b"):
            await asyncio.to_thread(add_rep, db, login, "pass-1234")
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=0)
        async with (
            httpx.AsyncClient(base_url=server.url, limits=limits, timeout=60) as a,
            httpx.AsyncClient(base_url=server.url, limits=limits, timeout=60) as b,
        ):
            await sign_in(a, "rep-a", "pass-1234")
            await sign_in(b, "rep-b", "pass-1234")
            plan: list[tuple[httpx.AsyncClient, str, str, str]] = []
            for client in (a, a, b, b):
                session_id = await _session_for(client)
                for i, line in enumerate(LINES):
                    plan.append((client, session_id, line, f"{session_id[:8]}-{i}"))
                # Every third line is sent twice at once, as a client retrying a slow reply would.
                plan += [p for p in plan[-len(LINES) :] if int(p[3].rsplit("-", 1)[1]) % 3 == 0]

            async def send(item: tuple[httpx.AsyncClient, str, str, str]) -> dict[str, Any]:
                client, session_id, text, message_id = item
                response = await client.post(
                    f"/api/sessions/{session_id}/messages",
                    json={"text": text, "client_message_id": message_id},
                )
                assert response.status_code == 200, response.text
                return dict(response.json())

            started = time.perf_counter()
            results = await asyncio.gather(*(send(item) for item in plan))
            elapsed = time.perf_counter() - started
            print(f"{len(plan)} concurrent messages over 2 workers in {elapsed:.2f} s")

            reply_of: dict[str, str] = {}
            for (_client, _sid, _text, message_id), result in zip(plan, results, strict=True):
                assert result["customer_reply"], result
                assert reply_of.setdefault(message_id, result["customer_reply"]) == result["customer_reply"]

            for client, session_id in {(p[0], p[1]) for p in plan}:
                turns = (await client.get(f"/api/sessions/{session_id}")).json()["turns"]
                assert [t["seq"] for t in turns] == list(range(1, len(turns) + 1))  # gap-free
                assert [t["speaker"] for t in turns] == ["customer"] + ["rep", "customer", "coach"] * len(
                    LINES
                )
                rep_lines = [t["text"] for t in turns if t["speaker"] == "rep"]
                assert sorted(rep_lines) == sorted(LINES)  # each line stored exactly once
                # No lost reply: every reply a client got is the one stored right after its line.
                for index, turn in enumerate(turns):
                    if turn["speaker"] == "rep":
                        message_id = next(p[3] for p in plan if p[1] == session_id and p[2] == turn["text"])
                        assert turns[index + 1]["text"] == reply_of[message_id]
    finally:
        db.dispose()


async def _read_events(response: httpx.Response, want: int, timeout: float) -> list[tuple[str, Any]]:
    """Parse server-sent events until ``want`` turn events arrived (or time runs out)."""
    events: list[tuple[str, Any]] = []
    name = ""

    async def consume() -> None:
        nonlocal name
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: "):
                events.append((name, json.loads(line[len("data: ") :])))
                if sum(1 for n, _ in events if n == "turn") >= want:
                    return

    await asyncio.wait_for(consume(), timeout)
    return events


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_event_stream_pushes_turns_stored_by_another_process(
    database_url: str, live_server_factory: Callable[..., LiveServer]
) -> None:
    server = await asyncio.to_thread(live_server_factory, database_url)
    db = Database(database_url)
    try:
        user_id = await asyncio.to_thread(add_rep, db, "rep-c", "pass-1234")
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            await sign_in(http, "rep-c", "pass-1234")
            session_id = await _session_for(http)
            async with http.stream(
                "GET", f"/api/sessions/{session_id}/events", params={"after": 1}
            ) as stream:
                assert stream.status_code == 200
                assert stream.headers["content-type"].startswith("text/event-stream")
                # The same rep continues the visit from Telegram: another process stores the turn.
                engine = RehearsalService(db)
                started = time.perf_counter()
                await asyncio.to_thread(
                    engine.send, session_id, "王总您好，谢谢您抽时间。", user_id=user_id, channel="telegram"
                )
                events = await _read_events(stream, want=3, timeout=10)
                latency = time.perf_counter() - started
            print(f"a turn stored by another process reached the open stream in {latency:.2f} s")
            turns = [data for name, data in events if name == "turn"]
            assert [t["seq"] for t in turns] == [2, 3, 4]
            assert [t["speaker"] for t in turns] == ["rep", "customer", "coach"]
            assert turns[0]["text"] == "王总您好，谢谢您抽时间。"
            assert any(name == "status" and data["status"] == "active" for name, data in events)
            assert latency < 5
    finally:
        db.dispose()
