"""A visit left idle is closed as abandoned by the server's own sweep and listed as such."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy import update
from web_support import DEMO_LOGIN, DEMO_PASSWORD, add_rep, make_settings, sign_in

from bot.app import create_app
from bot.storage import store
from bot.storage.models import RehearsalSession, utcnow

SCENARIO = "precision-parts-returns"


async def test_the_server_closes_a_visit_left_idle_and_the_list_says_abandoned(database_url: str) -> None:
    first = create_app(make_settings(database_url))
    async with first.router.lifespan_context(first):
        add_rep(first.state.db, DEMO_LOGIN, DEMO_PASSWORD)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=first), base_url="http://testserver"
        ) as http:
            await sign_in(http)
            started = await http.post("/api/sessions", json={"scenario_id": SCENARIO, "language": "en"})
            session_id = started.json()["session_id"]
        with store(first.state.db, write=True) as s:  # the rep went quiet a day and a bit ago
            s.session.execute(
                update(RehearsalSession)
                .where(RehearsalSession.id == session_id)
                .values(updated_at=utcnow() - timedelta(hours=25))
            )

    second = create_app(make_settings(database_url))  # the next start sweeps straight away
    async with (
        second.router.lifespan_context(second),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=second), base_url="http://testserver") as http,
    ):
        await sign_in(http)
        for _ in range(100):
            listed = (await http.get("/api/sessions")).json()
            if listed[0]["status"] != "active":
                break
            await asyncio.sleep(0.05)
        assert listed[0]["id"] == session_id and listed[0]["status"] == "abandoned"
        view = (await http.get(f"/api/sessions/{session_id}")).json()
        assert view["status"] == "abandoned" and view["scorecard"]["status"] == "abandoned"
        refused = await http.post(
            f"/api/sessions/{session_id}/messages",
            json={"text": "Hello again", "client_message_id": "late-1"},
        )
        assert refused.status_code == 409
        assert (await http.get("/api/sessions/active")).status_code in (204, 404)
