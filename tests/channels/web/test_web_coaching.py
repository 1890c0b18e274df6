"""Review 3.0, line comments, assignments and team analytics over HTTP (SQLite and PostgreSQL):
every new route for the rep, another rep, a manager of another team, a trainer, an admin and
someone signed out; then the PDCA loop through the API with before/after scores."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from web_support import add_user, sign_in

SCENARIO = "precision-parts-returns"
SHORT = ["王总您好，我是李明，老周介绍我过来的，谢谢您抽时间。"]
DEEP = [
    *SHORT,
    "听说你们主要给新能源车做精密零件，对吧？",
    "看您有点疲惫，是刚从主机厂那边回来吗？最近他们的要求是不是又变了？",
    "退货为什么会翻倍呢？",
    "为什么会这样呢？",
    "除此之外还有别的困扰吗？",
]
PASSWORD = "secret-pass-1"
WHO = ("wang", "zhao", "boss_w", "coach", "root", None)  # rep, other rep, other manager, trainer, admin, out

Client = Callable[[str | None], Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def as_user(app: FastAPI) -> AsyncIterator[Client]:
    """A client of its own signed in as ``login`` (None: signed out)."""
    opened: list[httpx.AsyncClient] = []

    async def open_client(login: str | None) -> httpx.AsyncClient:
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        opened.append(http)
        if login is not None:
            await sign_in(http, login, PASSWORD)
        return http

    yield open_client
    for http in opened:
        await http.aclose()


@pytest.fixture
def people(app: FastAPI) -> dict[str, int]:
    db = app.state.db
    return {
        "boss_e": add_user(db, "boss_e", PASSWORD, role="manager", team="华东", display_name="陈经理"),
        "wang": add_user(db, "wang", PASSWORD, team="华东", display_name="王小明"),
        "zhao": add_user(db, "zhao", PASSWORD, team="华东", display_name="赵丽"),
        "boss_w": add_user(db, "boss_w", PASSWORD, role="manager", team="华西", display_name="West Boss"),
        "liu": add_user(db, "liu", PASSWORD, team="华西", display_name="刘强"),
        "root": add_user(db, "root", PASSWORD, role="admin", display_name="Admin"),
        "coach": add_user(db, "coach", PASSWORD, role="trainer", team="华东", display_name="Trainer"),
    }


async def rehearse(http: httpx.AsyncClient, lines: list[str], *, start: str | None = None) -> dict[str, Any]:
    """One visit through the rep's API (from an assignment with ``start``); the /end outcome."""
    if start is None:
        opening = await http.post("/api/sessions", json={"scenario_id": SCENARIO, "language": "zh"})
    else:
        opening = await http.post(start)
    assert opening.status_code == 201, opening.text
    session_id = opening.json()["session_id"]
    for n, line in enumerate(lines):
        response = await http.post(
            f"/api/sessions/{session_id}/messages", json={"text": line, "client_message_id": f"l{n}"}
        )
        assert response.status_code == 200, response.text
    response = await http.post(f"/api/sessions/{session_id}/end")
    assert response.status_code == 200, response.text
    return dict(response.json())


def due(days: float = 3) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def assignment(**extra: Any) -> dict[str, Any]:
    return {
        "scenario_id": SCENARIO,
        "mode": "practice",
        "language": "zh",
        "due_at": due(),
        "pass_mark": 1,
        **extra,
    }


async def test_every_new_route_answers_each_role_as_it_should(
    as_user: Client, people: dict[str, int]
) -> None:
    wang = await as_user("wang")
    session_id = (await rehearse(wang, SHORT))["session_id"]
    boss = await as_user("boss_e")
    made = await boss.post("/api/manager/assignments", json=assignment(rep_ids=[people["wang"]]))
    assert made.status_code == 201, made.text
    assignment_id = made.json()[0]["id"]
    clients = {who: (wang if who == "wang" else await as_user(who)) for who in WHO}
    review = {"session_ids": [session_id], "attitude": "好"}
    manager_routes: list[tuple[str, str, Any, int]] = [
        ("POST", f"/api/manager/sessions/{session_id}/comments", {"seq": 2, "text": "好问题"}, 201),
        ("GET", f"/api/manager/sessions/{session_id}/comments", None, 200),
        ("GET", f"/api/manager/review-draft?session={session_id}", None, 200),
        ("POST", "/api/manager/reviews", review, 201),
        ("GET", f"/api/manager/reps/{people['wang']}/reviews", None, 200),
        ("POST", "/api/manager/assignments", assignment(rep_ids=[people["wang"]]), 201),
    ]
    for method, path, body, ok in manager_routes:
        for who, wanted in (
            ("wang", 403),
            ("zhao", 403),
            ("boss_w", 404),
            ("coach", 403),
            ("root", ok),
            (None, 401),
        ):
            response = await clients[who].request(method, path, json=body)
            assert response.status_code == wanted, (method, path, who, response.text)
        assert (await boss.request(method, path, json=body)).status_code == ok, (method, path)
    # Team-wide lists: only managers and admins, and only their teams.
    for path in ("/api/manager/assignments", "/api/manager/analytics"):
        for who, wanted in (("wang", 403), ("zhao", 403), ("coach", 403), (None, 401)):
            assert (await clients[who].get(path)).status_code == wanted, (path, who)
    west = (await clients["boss_w"].get("/api/manager/assignments")).json()
    assert west == []
    west_reps = {r["id"] for r in (await clients["boss_w"].get("/api/manager/analytics")).json()["reps"]}
    assert west_reps == {people["liu"]}
    admin_reps = {r["id"] for r in (await clients["root"].get("/api/manager/analytics")).json()["reps"]}
    assert {people["wang"], people["liu"]} <= admin_reps
    # The rep's side: their own only.
    for who in WHO:
        mine = await clients[who].get("/api/assignments")
        reviews = await clients[who].get("/api/reviews")
        if who is None:
            assert mine.status_code == reviews.status_code == 401
            continue
        assert {a["rep_id"] for a in mine.json()} <= {people[who]}
        assert (len(mine.json()) > 0) == (who == "wang")
        assert (len(reviews.json()) > 0) == (who == "wang")
        comments = await clients[who].get(f"/api/sessions/{session_id}/comments")
        assert comments.status_code == (200 if who == "wang" else 403), who
        start = await clients[who].post(f"/api/assignments/{assignment_id}/start")
        assert start.status_code == (201 if who == "wang" else 404), (who, start.text)
    assert (await clients[None].get(f"/api/sessions/{session_id}/comments")).status_code == 401
    assert (await clients[None].post(f"/api/assignments/{assignment_id}/start")).status_code == 401


async def test_bad_input_gets_a_clear_error_and_stores_nothing(
    as_user: Client, people: dict[str, int]
) -> None:
    wang = await as_user("wang")
    session_id = (await rehearse(wang, SHORT))["session_id"]
    boss = await as_user("boss_e")
    bad = [
        ("/api/manager/assignments", assignment(rep_ids=[people["wang"]], pass_mark=120), 422),
        ("/api/manager/assignments", assignment(rep_ids=[people["wang"]], scenario_id="nope"), 404),
        ("/api/manager/assignments", assignment(), 422),  # nobody to assign to
        ("/api/manager/reviews", {"session_ids": []}, 422),
        ("/api/manager/reviews", {"session_ids": [session_id], "plan": [{"technique": "juggling"}]}, 422),
        (f"/api/manager/sessions/{session_id}/comments", {"seq": 2, "text": "   "}, 422),
        (f"/api/manager/sessions/{session_id}/comments", {"seq": 999, "text": "没有这句"}, 404),
    ]
    private = await wang.post(
        "/api/sessions", json={"scenario_id": SCENARIO, "language": "zh", "private": True}
    )
    assert private.status_code == 201, private.text
    bad.append(  # a private visit's lines are the rep's alone
        (f"/api/manager/sessions/{private.json()['session_id']}/comments", {"seq": 1, "text": "看不到"}, 403)
    )
    for path, body, wanted in bad:
        response = await boss.post(path, json=body)
        assert response.status_code == wanted, (path, body, response.text)
        assert response.json()["error"]["code"]
    assert (await boss.get("/api/manager/assignments")).json() == []
    assert (await boss.get(f"/api/manager/reps/{people['wang']}/reviews")).json() == []
    assert (await boss.get(f"/api/manager/sessions/{session_id}/comments")).json() == []


async def test_the_pdca_loop_through_the_api(as_user: Client, people: dict[str, int]) -> None:
    wang, zhao = await as_user("wang"), await as_user("zhao")
    before = await rehearse(wang, SHORT)
    await rehearse(zhao, DEEP)
    boss = await as_user("boss_e")
    draft = (await boss.get(f"/api/manager/review-draft?session={before['session_id']}")).json()
    gaps = [g for g in draft["skills"] if g["gap"]]
    assert "why" in {g["technique"] for g in gaps}
    mate = {c["technique"]: c for c in draft["colleagues"]}["why"]
    assert mate["rep_id"] == people["zhao"] and mate["worked"] == 2
    comment = await boss.post(
        f"/api/manager/sessions/{before['session_id']}/comments",
        json={"seq": 2, "text": "先问背景再介绍自己"},
    )
    assert comment.status_code == 201
    written = await boss.post(
        "/api/manager/reviews",
        json={
            "session_ids": [before["session_id"]],
            "attitude": "愿意学",
            "knowledge": "不熟悉质检流程",
            "skills": [{"technique": "why", "note": "没有追问"}],
            "improving": "每个问题追问两次",
            "plan": [{"technique": "why", "colleague_id": mate["rep_id"], "action": "读赵丽的记录"}],
            "assignments": [assignment(pass_mark=before["scorecard"]["score"] + 1)],
        },
    )
    assert written.status_code == 201, written.text
    review = written.json()
    assert review["plan"][0]["colleague_name"] == "赵丽"
    assert review["before"] == before["scorecard"]["score"] and review["after"] is None
    (mine,) = (await wang.get("/api/assignments")).json()
    assert mine["status"] == "open" and mine["review_id"] == review["id"]
    assert [c["seq"] for c in (await wang.get(f"/api/sessions/{before['session_id']}/comments")).json()] == [
        2
    ]
    after = await rehearse(wang, DEEP, start=f"/api/assignments/{mine['id']}/start")
    assert after["scorecard"]["score"] > before["scorecard"]["score"]
    (checked,) = (await boss.get(f"/api/manager/reps/{people['wang']}/reviews")).json()
    assert checked["assignments"][0]["status"] == "passed"
    assert checked["after"] == after["scorecard"]["score"]
    follow = await boss.post(
        "/api/manager/reviews", json={"session_ids": [after["session_id"]], "follow_up_of": review["id"]}
    )
    assert follow.status_code == 201 and follow.json()["follow_up_of"] == review["id"]
    # The analytics count both of wang's visits and their techniques.
    figures = {r["id"]: r for r in (await boss.get("/api/manager/analytics")).json()["reps"]}
    assert figures[people["wang"]]["scored"] == 2 and figures[people["wang"]]["techniques"]["why"] == 2


async def test_assigning_to_an_unknown_or_foreign_rep_names_it_and_assigns_nothing(
    as_user: Client, people: dict[str, int]
) -> None:
    """Every id that is not a rep of the manager's team is named in one 404, even next to valid
    ones or with ``team``; ids no row could have are 422 (on PostgreSQL they were a 500)."""
    boss = await as_user("boss_e")
    unknown = 2**31 - 2
    for rep_ids, named in (
        ([people["wang"], unknown], [unknown]),
        ([people["liu"]], [people["liu"]]),  # a rep of another team
        ([people["coach"], people["boss_e"]], [people["coach"], people["boss_e"]]),  # not reps
        ([unknown, people["wang"], unknown, people["liu"]], [unknown, people["liu"]]),
    ):
        for team in (False, True):
            response = await boss.post(
                "/api/manager/assignments", json=assignment(rep_ids=rep_ids, team=team)
            )
            assert response.status_code == 404, (rep_ids, response.text)
            error = response.json()["error"]
            assert error["code"] == "rep_not_found"
            assert error["message"] == (
                f"No such rep in your team: {', '.join(map(str, named))}. Nothing was assigned."
            )
    for bad_id in (0, -3, 2**31, 2**40):
        response = await boss.post("/api/manager/assignments", json=assignment(rep_ids=[bad_id]))
        assert response.status_code == 422, (bad_id, response.text)
        assert response.json()["error"]["code"] == "invalid_request"
    assert (await boss.get("/api/manager/assignments")).json() == []  # nothing was assigned
    # The same rep twice is one assignment.
    twice = await boss.post("/api/manager/assignments", json=assignment(rep_ids=[people["wang"]] * 2))
    assert twice.status_code == 201 and [a["rep_id"] for a in twice.json()] == [people["wang"]]
