"""A database outage: the API answers 503 with a clear error, and recovers by itself."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from live_servers import TcpProxy, proxy_to
from web_support import DEMO_LOGIN, DEMO_PASSWORD, LiveServer, add_rep, make_settings, sign_in

from bot.app import create_app
from bot.storage import Database

SCENARIO = "precision-parts-returns"


@pytest.fixture
def proxy(database_url: str) -> Iterator[TcpProxy]:
    tcp = proxy_to(database_url)
    yield tcp
    tcp.cut()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_database_outage_gives_503_then_recovers(database_url: str, proxy: TcpProxy) -> None:
    app = create_app(make_settings(proxy.url_for(database_url)))
    async with app.router.lifespan_context(app):
        # Blocking calls go to a thread: the event loop keeps serving the app meanwhile.
        await asyncio.to_thread(add_rep, app.state.db, DEMO_LOGIN, DEMO_PASSWORD)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            await sign_in(http)
            assert (await http.get("/api/me")).status_code == 200
            started = await http.post("/api/sessions", json={"scenario_id": SCENARIO, "language": "zh"})
            session_id = started.json()["session_id"]
            line = {"text": "王总您好，谢谢您抽时间。", "client_message_id": "during-outage"}

            proxy.cut()
            during = await http.post(f"/api/sessions/{session_id}/messages", json=line)
            assert during.status_code == 503
            assert during.json()["error"]["code"] == "database_unavailable"
            for method, path in (
                ("GET", "/api/me"),
                ("POST", "/api/telegram/link-code"),
                ("GET", "/readyz"),
            ):
                response = await http.request(method, path)
                assert response.status_code == 503, (path, response.text)
            response = await http.get("/api/me")
            assert response.json()["error"]["code"] == "database_unavailable"
            assert response.headers["retry-after"] == "2"
            login = await http.post("/api/auth/login", json={"login": DEMO_LOGIN, "password": DEMO_PASSWORD})
            assert login.status_code == 503

            proxy.start()
            assert (await http.get("/readyz")).status_code == 200
            assert (await http.get("/api/me")).status_code == 200
            assert (await http.post("/api/telegram/link-code")).status_code == 200
            # The client retries the same line with the same id: stored once, now.
            after = await http.post(f"/api/sessions/{session_id}/messages", json=line)
            assert after.status_code == 200 and after.json()["duplicate"] is False
            turns = (await http.get(f"/api/sessions/{session_id}")).json()["turns"]
            assert [t["speaker"] for t in turns] == ["customer", "rep", "customer", "coach"]


async def _next_event(lines: AsyncIterator[str], timeout: float = 10.0) -> tuple[str, dict[str, Any]]:
    """The next named event of a server-sent event stream."""

    async def read() -> tuple[str, dict[str, Any]]:
        name = ""
        async for line in lines:
            if line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: ") and name:
                return name, json.loads(line[len("data: ") :])
        raise AssertionError("the stream ended")

    return await asyncio.wait_for(read(), timeout)


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_an_open_event_stream_rides_out_an_outage(
    database_url: str, proxy: TcpProxy, live_server_factory: Callable[..., LiveServer]
) -> None:
    proxied = proxy.url_for(database_url)
    server = await asyncio.to_thread(live_server_factory, proxied)
    db = Database(proxied)
    try:
        await asyncio.to_thread(add_rep, db, DEMO_LOGIN, DEMO_PASSWORD)
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            await sign_in(http)
            started = await http.post("/api/sessions", json={"scenario_id": SCENARIO, "language": "zh"})
            session_id = started.json()["session_id"]
            async with http.stream("GET", f"/api/sessions/{session_id}/events") as stream:
                lines = stream.aiter_lines()
                assert (await _next_event(lines))[0] == "turn"  # the opening line
                assert (await _next_event(lines))[0] == "status"

                proxy.cut()
                name, data = await _next_event(lines)
                assert (name, data) == ("unavailable", {"code": "database_unavailable"})

                proxy.start()
                name, data = await _next_event(lines)
                while name == "unavailable":  # until the pool reconnects
                    name, data = await _next_event(lines)
                assert name == "status" and data["status"] == "active"  # "back"

                line = {"text": "王总您好，谢谢您抽时间。", "client_message_id": "after-outage"}
                assert (await http.post(f"/api/sessions/{session_id}/messages", json=line)).status_code == 200
                name, data = await _next_event(lines)
                assert name == "turn" and data["seq"] == 2 and data["speaker"] == "rep"
    finally:
        await asyncio.to_thread(db.dispose)
