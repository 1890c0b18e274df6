# ruff: noqa: F811  (pytest fixtures imported from test_web_manager are parameters here)
"""The managers' sessions list over HTTP: filters, sorting, paging, transcript search (a
two-character Chinese word, LIKE's wildcards taken literally), private practice and the exports,
on SQLite and PostgreSQL. Every visit is played through the rep's API (the real engine)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import update
from test_web_manager import LINES, Client, as_user, people, rehearse  # noqa: F401 (fixtures)

from bot.storage import RehearsalSession, Turn, store

RETURNS_LINE = "退货为什么会翻倍呢？"
FORMULA_LINE = '=HYPERLINK("http://evil.example","点我")'


async def listed(http: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await http.get("/api/manager/sessions", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def ids(page: dict[str, Any]) -> list[str]:
    return [row["id"] for row in page["sessions"]]


async def test_filters_search_sort_and_pages(as_user: Client, people: dict[str, int]) -> None:
    wang = await as_user("wang")
    returns = await rehearse(wang, LINES)  # says 退货
    greeting = await rehearse(wang, LINES[:2])
    exam = await wang.post("/api/sessions", json={"scenario_id": "precision-parts-returns", "mode": "exam"})
    assert exam.status_code == 201
    exam_id = exam.json()["session_id"]
    zhao = await as_user("zhao")
    going = await rehearse(zhao, LINES[:1], end=False)
    liu = await as_user("liu")
    west = await rehearse(liu, [RETURNS_LINE])

    east = await as_user("boss_e")
    everything = await listed(east)
    assert everything["total"] == 4 and everything["next_cursor"] is None
    # Newest first, only the manager's own team.
    assert ids(everything) == [going["session_id"], exam_id, greeting["session_id"], returns["session_id"]]
    assert {row["rep_login"] for row in everything["sessions"]} == {"wang", "zhao"}

    found = await listed(east, q="退货")
    assert ids(found) == [returns["session_id"]] and found["total"] == 1
    assert ids(await listed(east, q="不存在的词")) == []
    # LIKE's wildcards are searched for literally: no line holds a % or an _.
    assert ids(await listed(east, q="%")) == [] and ids(await listed(east, q="_")) == []
    assert ids(await listed(east, q="HELLO")) == []
    assert ids(await listed(await as_user("boss_w"), q="退货")) == [west["session_id"]]
    admin = await as_user("root")
    assert set(ids(await listed(admin, q="退货"))) == {returns["session_id"], west["session_id"]}
    west_team = next(
        t["id"] for t in (await admin.get("/api/manager/filters")).json()["teams"] if t["name"] == "华西"
    )
    assert ids(await listed(admin, team=west_team)) == [west["session_id"]]

    assert ids(await listed(east, rep=people["zhao"])) == [going["session_id"]]
    assert ids(await listed(east, rep=people["liu"])) == []  # another team's rep: nothing
    assert ids(await listed(east, mode="exam")) == [exam_id]
    assert ids(await listed(east, outcome="active")) == [going["session_id"], exam_id]
    assert set(ids(await listed(east, outcome="ended"))) == {returns["session_id"], greeting["session_id"]}

    scores = {
        returns["session_id"]: returns["scorecard"]["score"],
        greeting["session_id"]: greeting["scorecard"]["score"],
    }
    low, high = sorted(scores.values())
    assert set(ids(await listed(east, min_score=low, max_score=high))) == set(scores)
    top = max(scores, key=lambda k: scores[k])
    assert ids(await listed(east, min_score=high, max_score=high))[0] == top
    by_score = await listed(east, sort="score_high")
    assert ids(by_score)[:2] == sorted(scores, key=lambda k: -scores[k])  # unscored come last
    assert ids(await listed(east, sort="score_low"))[:2] == sorted(scores, key=lambda k: scores[k])
    assert ids(await listed(east, sort="oldest")) == list(reversed(ids(everything)))

    today = datetime.now(UTC).date()
    assert len(ids(await listed(east, since=today.isoformat(), until=today.isoformat()))) == 4
    assert ids(await listed(east, since=(today + timedelta(days=1)).isoformat())) == []
    assert ids(await listed(east, until=(today - timedelta(days=1)).isoformat())) == []

    # Keyset pages (newest, oldest) and offset pages (by score) each walk every session once.
    for sort in ("newest", "oldest", "score_high"):
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 1, "sort": sort}
            if cursor:
                params["cursor"] = cursor
            page = await listed(east, **params)
            seen += ids(page)
            assert page["total"] == 4
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == sorted(ids(everything)) and len(seen) == 4, sort

    bad = [
        await east.get("/api/manager/sessions", params={"mode": "party"}),
        await east.get("/api/manager/sessions", params={"min_score": 80, "max_score": 20}),
        await east.get("/api/manager/sessions", params={"since": "2026-02-30"}),
        await east.get("/api/manager/sessions", params={"cursor": "x:1"}),
        await east.get("/api/manager/sessions", params={"q": "长" * 101}),
    ]
    assert [r.status_code for r in bad] == [422] * 5


async def test_outcomes_are_told_apart(app: FastAPI, as_user: Client, people: dict[str, int]) -> None:
    wang = await as_user("wang")
    finished = await rehearse(wang, LINES)
    left = await rehearse(wang, LINES[:2], end=False)
    with store(app.state.db, write=True) as s:
        s.session.execute(
            update(RehearsalSession)
            .where(RehearsalSession.id == left["session_id"])
            .values(updated_at=datetime.now(UTC) - timedelta(hours=30))
        )
    assert app.state.services.idle.close_idle() == 1  # the lead's sweep: abandoned, partial scorecard
    manager = await as_user("boss_e")
    assert ids(await listed(manager, outcome="abandoned")) == [left["session_id"]]
    assert ids(await listed(manager, outcome="ended")) == [finished["session_id"]]
    assert ids(await listed(manager, outcome="closed_by_customer")) == []
    choices = (await manager.get("/api/manager/filters")).json()["outcomes"]
    assert {"ended", "closed_by_customer", "abandoned", "active"} <= set(choices)
    report = (await manager.get(f"/manage/reps/{people['wang']}/report", params={"lang": "en"})).text
    assert 'data-outcome="abandoned"' in report and 'data-outcome="ended"' in report


async def test_private_practice_shows_that_it_happened_never_its_lines(
    app: FastAPI, as_user: Client, people: dict[str, int]
) -> None:
    wang = await as_user("wang")
    opening = await wang.post(
        "/api/sessions", json={"scenario_id": "precision-parts-returns", "language": "zh", "private": True}
    )
    assert opening.status_code == 201
    private_id = opening.json()["session_id"]
    for n, line in enumerate(LINES):
        sent = await wang.post(
            f"/api/sessions/{private_id}/messages", json={"text": line, "client_message_id": f"p{n}"}
        )
        assert sent.status_code == 200
    ended = (await wang.post(f"/api/sessions/{private_id}/end")).json()
    own = (await wang.get(f"/api/sessions/{private_id}")).json()
    assert own["private"] is True and len(own["turns"]) > len(LINES)  # the rep reads every line
    assert own["scorecard"]["coaching"]
    other_rep = await as_user("zhao")
    assert (await other_rep.get(f"/api/sessions/{private_id}")).status_code == 403
    assert (await (await as_user("boss_w")).get(f"/api/manager/sessions/{private_id}")).status_code == 404

    manager = await as_user("boss_e")
    rows = (await listed(manager))["sessions"]
    assert [(r["id"], r["private"], r["score"]) for r in rows] == [
        (private_id, True, ended["scorecard"]["score"])
    ]
    assert ids(await listed(manager, q="翻倍")) == []  # its lines are not searched
    assert ids(await listed(manager, private="true")) == [private_id]
    assert ids(await listed(manager, private="false")) == []
    read = (await manager.get(f"/api/manager/sessions/{private_id}")).json()
    assert read["private"] is True and read["turns"] == []
    assert read["scorecard"]["score"] == ended["scorecard"]["score"]
    assert "coaching" not in read["scorecard"] and "revealed" not in read["scorecard"]
    assert read["scorecard"]["techniques"]["order"] == []  # counts only, not line by line
    assert sum(read["scorecard"]["techniques"]["counts"].values()) == len(LINES)
    # Its lines are the rep's alone: a manager cannot comment on one, whichever line is named.
    for seq in (1, 9999):
        refused = await manager.post(
            f"/api/manager/sessions/{private_id}/comments", json={"seq": seq, "text": "x"}
        )
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "private_visit"
    progress = {r["login"]: r for r in (await manager.get("/api/manager/reps")).json()}["wang"]
    assert progress["sessions"] == 1 and progress["average_score"] == ended["scorecard"]["score"]
    for fmt in ("csv", "jsonl"):
        body = (await manager.get("/api/manager/export", params={"format": fmt})).text
        assert private_id in body and "翻倍" not in body and "老周介绍" not in body, fmt


def stored_turns(app: FastAPI) -> dict[tuple[str, int], Turn]:
    with store(app.state.db) as s:
        return {(t.session_id, t.seq): t for t in s.session.query(Turn).all()}


def moment(value: Any) -> datetime:
    found = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return found if found.tzinfo else found.replace(tzinfo=UTC)


async def test_export_round_trip(app: FastAPI, as_user: Client, people: dict[str, int]) -> None:
    wang = await as_user("wang")
    first = await rehearse(wang, LINES)
    second = await rehearse(wang, [FORMULA_LINE, "+1 这是加号开头", "@所有人", LINES[1]])
    zhao = await as_user("zhao")
    await rehearse(zhao, LINES[:2], end=False)
    turns = stored_turns(app)
    assert len(turns) > 12

    manager = await as_user("boss_e")
    response = await manager.get("/api/manager/export", params={"format": "csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    raw = response.content
    assert raw.startswith("\ufeff".encode())  # the BOM Excel needs
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    seen = [(row["session_id"], int(row["seq"])) for row in rows]
    assert len(seen) == len(set(seen)) == len(turns) and set(seen) == set(turns)
    for row in rows:
        turn = turns[(row["session_id"], int(row["seq"]))]
        text = row["text"]
        if turn.text.startswith(("=", "+", "-", "@", "\t", "\r")):
            assert text == "'" + turn.text  # neutralised: a spreadsheet shows it as text
        else:
            assert text == turn.text
        assert row["techniques"] == ";".join(turn.techniques)
        assert row["speaker"] == turn.speaker
        assert moment(row["turn_time"]) == moment(turn.created_at)
    formula = next(row for row in rows if row["text"].startswith("'=HYPERLINK"))
    assert formula["session_id"] == second["session_id"]
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row.values())

    jsonl = await manager.get("/api/manager/export", params={"format": "jsonl"})
    assert jsonl.headers["content-type"].startswith("application/x-ndjson")
    records = [json.loads(line) for line in jsonl.text.splitlines()]
    sessions = [r for r in records if r["type"] == "session"]
    assert {s["session_id"] for s in sessions} >= {first["session_id"], second["session_id"]}
    lines = [r for r in records if r["type"] == "turn"]
    assert sorted((r["session_id"], r["seq"]) for r in lines) == sorted(turns)
    for record in lines:
        turn = turns[(record["session_id"], record["seq"])]
        assert record["text"] == turn.text and record["techniques"] == list(turn.techniques)
        assert moment(record["turn_time"]) == moment(turn.created_at)

    # The download respects the list's filters.
    only = await manager.get("/api/manager/export", params={"format": "jsonl", "q": "HYPERLINK"})
    assert {json.loads(line)["session_id"] for line in only.text.splitlines()} == {second["session_id"]}
    assert (await manager.get("/api/manager/export", params={"format": "xlsx"})).status_code == 422
