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


ROUTES = [
    ("GET", URL),
    ("GET", "/api/studio/review"),
    ("POST", "/api/studio/review/1/accept"),
    ("POST", "/api/studio/review/1/reject"),
    ("GET", "/api/studio/models/current"),
    ("POST", "/api/studio/models"),
]


@pytest.mark.parametrize("role", ["rep", "manager"])
async def test_reps_and_managers_are_refused_every_trainer_route(app: FastAPI, role: str) -> None:
    async with as_role(app, role) as http:
        for method, url in ROUTES:
            response = await http.request(method, url)
            assert response.status_code == 403, (method, url, response.text)
            assert response.json()["error"]["code"] == "not_a_trainer"
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as anon:
        for method, url in ROUTES:
            assert (await anon.request(method, url)).status_code == 401, (method, url)


@pytest.mark.parametrize("role", ["trainer", "admin"])
async def test_trainers_and_admins_review_flagged_lines(
    app: FastAPI, rep: httpx.AsyncClient, role: str
) -> None:
    session_id = (await start(rep))["session_id"]
    ids = []
    for n, line in enumerate(["王总您好，我是李明，谢谢您抽时间。", "退货为什么会翻倍呢？"], start=1):
        assert (await say(rep, session_id, line, f"m{n}")).status_code == 200
        turns = (await rep.get(f"/api/sessions/{session_id}")).json()["turns"]
        seq = next(t["seq"] for t in turns if t["text"] == line)
        flagged = await rep.post(
            f"/api/sessions/{session_id}/turns/{seq}/flag", json={"suggested": "what_else"}
        )
        ids.append(flagged.json()["id"])
    async with as_role(app, role) as trainer:
        queue = (await trainer.get("/api/studio/review")).json()
        assert [f["id"] for f in queue] == ids
        accepted = await trainer.post(f"/api/studio/review/{ids[1]}/accept", json={"label": "why"})
        assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
        assert (await trainer.post(f"/api/studio/review/{ids[0]}/reject")).json()["status"] == "rejected"
        assert (await trainer.get("/api/studio/review")).json() == []
        bad = await trainer.post(f"/api/studio/review/{ids[0]}/accept", json={"label": "shouting"})
        assert bad.status_code == 422
        assert (await trainer.post("/api/studio/review/999999/reject")).status_code == 404
        current = (await trainer.get("/api/studio/models/current")).json()
        assert current["id"] is None and current["bank_version"]  # the shipped model until a retrain
        # A retrain names the bank it means; another version is refused before any training.
        stale = await trainer.post("/api/studio/models", json={"bank_version": "0.0.1"})
        assert stale.status_code == 422 and stale.json()["error"]["code"] == "bank_version_mismatch"
        assert (await trainer.post("/api/studio/models")).status_code == 422
    (flag,) = app.state.services.feedback.accepted()
    assert (flag.label, flag.reviewer) == ("why", f"user-{role}")
