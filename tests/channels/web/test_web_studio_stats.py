"""``GET /api/studio/scenarios/{id}/statistics`` over HTTP: every role against the route, and the
figures of a visit played through the API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from test_web_rehearsal import say, start
from web_support import add_user, sign_in

URL = "/api/studio/scenarios/precision-parts-returns/statistics"


@asynccontextmanager
async def as_role(app: FastAPI, role: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        add_user(app.state.db, f"user-{role}", "a-good-password-1", role=role, team="north")
        await sign_in(http, f"user-{role}", "a-good-password-1")
        yield http


@pytest.mark.parametrize(
    ("role", "status"), [("rep", 403), ("manager", 403), ("trainer", 200), ("admin", 200)]
)
async def test_every_role_against_the_statistics_route(app: FastAPI, role: str, status: int) -> None:
    async with as_role(app, role) as http:
        response = await http.get(URL)
        assert response.status_code == status, response.text
        if status == 403:
            assert response.json()["error"]["code"] == "not_a_trainer"
        else:
            assert response.json()["scenario_id"] == "precision-parts-returns"
            missing = await http.get("/api/studio/scenarios/nope/statistics")
            assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_scenario"


async def test_signed_out_is_401(client: httpx.AsyncClient) -> None:
    assert (await client.get(URL)).status_code == 401


async def test_a_visit_played_through_the_api_is_counted(app: FastAPI, rep: httpx.AsyncClient) -> None:
    session_id = (await start(rep))["session_id"]
    assert (await say(rep, session_id, "王总您好，我是李明，谢谢您抽时间。", "m1")).status_code == 200
    assert (
        await say(rep, session_id, "看您有点疲惫，是刚从主机厂那边回来吗？最近他们的要求是不是又变了？", "m2")
    ).status_code == 200
    async with as_role(app, "trainer") as trainer:
        stats = (await trainer.get(URL, params={"lang": "zh"})).json()
        bad = await trainer.get(URL, params={"lang": "fr"})
    assert stats["visits"] == 1 and stats["finished"] == 0
    returns = next(f for f in stats["facts"] if f["id"] == "returns")
    assert returns["visits"] == 1 and returns["median_rep_lines"] == 2 and returns["topic"]
    assert bad.status_code == 422
