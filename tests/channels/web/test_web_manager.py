"""Managers over HTTP: team scope, progress from real rehearsals, transcripts, coaching notes.

Every figure is checked against what the engine itself reported while the rehearsals ran
through the rep's API (the scorecards returned by ``/end``), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from web_support import add_user, sign_in

SCENARIO = "precision-parts-returns"
LINES = [
    "王总您好，我是李明，老周介绍我过来的，谢谢您抽时间。",
    "听说你们主要给新能源车做精密零件，对吧？",
    "看您有点疲惫，是刚从主机厂那边回来吗？最近他们的要求是不是又变了？",
    "退货为什么会翻倍呢？",
]
PASSWORD = "secret-pass-1"

Client = Callable[[str], Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def as_user(app: FastAPI) -> AsyncIterator[Client]:
    """Sign in as a login (password ``PASSWORD``) in a client of its own: its own cookie jar."""
    opened: list[httpx.AsyncClient] = []

    async def open_client(login: str) -> httpx.AsyncClient:
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        opened.append(http)
        await sign_in(http, login, PASSWORD)
        return http

    yield open_client
    for http in opened:
        await http.aclose()


@pytest.fixture
def people(app: FastAPI) -> dict[str, int]:
    """Two teams: east (manager ``boss_e``, reps ``wang`` and ``zhao``), west (``boss_w``, ``liu``)."""
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


async def rehearse(http: httpx.AsyncClient, lines: list[str], *, end: bool = True) -> dict[str, Any]:
    """One visit through the rep's API; returns the /end outcome (or the last turn when left open)."""
    opening = await http.post("/api/sessions", json={"scenario_id": SCENARIO, "language": "zh"})
    assert opening.status_code == 201, opening.text
    session_id = opening.json()["session_id"]
    outcome: dict[str, Any] = opening.json()
    for n, line in enumerate(lines):
        response = await http.post(
            f"/api/sessions/{session_id}/messages", json={"text": line, "client_message_id": f"l{n}"}
        )
        assert response.status_code == 200, response.text
        outcome = response.json()
    if end:
        response = await http.post(f"/api/sessions/{session_id}/end")
        assert response.status_code == 200, response.text
        outcome = response.json()
        assert outcome["scorecard"] is not None
    return outcome


def utc(stamp: str) -> datetime:
    moment = datetime.fromisoformat(stamp)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def by_login(reps: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {rep["login"]: rep for rep in reps}


async def test_only_managers_and_admins(
    client: httpx.AsyncClient, as_user: Client, people: dict[str, int]
) -> None:
    paths = [
        "/api/manager/reps",
        f"/api/manager/reps/{people['wang']}/sessions",
        f"/api/manager/reps/{people['wang']}/notes",
        "/api/manager/sessions/0123456789abcdef0123456789abcdef",
    ]
    for path in paths:
        anonymous = await client.get(path)
        assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "not_signed_in"
    for login in ("wang", "coach"):  # a rep, a trainer
        http = await as_user(login)
        for path in paths:
            response = await http.get(path)
            assert response.status_code == 403, (login, path)
            assert response.json()["error"]["code"] == "not_a_manager"
        refused = await http.post(f"/api/manager/reps/{people['zhao']}/notes", json={"text": "好"})
        assert refused.status_code == 403
    manager = await as_user("boss_e")
    assert (await manager.get(f"/api/manager/reps/{people['zhao']}/notes")).json() == []


async def test_a_manager_sees_only_their_team(as_user: Client, people: dict[str, int]) -> None:
    liu = await as_user("liu")
    west_visit = await rehearse(liu, LINES[:1])
    east = await as_user("boss_e")

    reps = (await east.get("/api/manager/reps")).json()
    assert [r["login"] for r in reps] == ["wang", "zhao"]  # no managers, trainers or other teams
    assert all(r["team"] == "华东" for r in reps)
    foreign = [
        await east.get(f"/api/manager/reps/{people['liu']}/sessions"),
        await east.get(f"/api/manager/reps/{people['liu']}/notes"),
        await east.post(f"/api/manager/reps/{people['liu']}/notes", json={"text": "不是你的销售"}),
        await east.get(f"/api/manager/reps/{people['boss_w']}/sessions"),  # not a rep at all
        await east.get("/api/manager/reps/999999/sessions"),
    ]
    assert [r.status_code for r in foreign] == [404] * 5
    assert {r.json()["error"]["code"] for r in foreign} == {"rep_not_found"}
    session = await east.get(f"/api/manager/sessions/{west_visit['session_id']}")
    assert session.status_code == 404 and session.json()["error"]["code"] == "session_not_found"

    west = await as_user("boss_w")
    assert [r["login"] for r in (await west.get("/api/manager/reps")).json()] == ["liu"]
    assert (await west.get(f"/api/manager/reps/{people['liu']}/notes")).json() == []  # nothing stored
    assert (await west.get(f"/api/manager/sessions/{west_visit['session_id']}")).status_code == 200

    admin = await as_user("root")
    assert {"wang", "zhao", "liu"} <= {r["login"] for r in (await admin.get("/api/manager/reps")).json()}
    assert (await admin.get(f"/api/manager/sessions/{west_visit['session_id']}")).status_code == 200


async def test_progress_comes_from_the_rehearsals(as_user: Client, people: dict[str, int]) -> None:
    wang = await as_user("wang")
    first = await rehearse(wang, LINES[:1])
    second = await rehearse(wang, LINES)
    third = await rehearse(wang, LINES[1:3])
    going = await rehearse(wang, LINES[:2], end=False)  # still going: counted, not finished
    turns = (await wang.get(f"/api/sessions/{going['session_id']}")).json()["turns"]
    scores = [first["scorecard"]["score"], second["scorecard"]["score"], third["scorecard"]["score"]]

    manager = await as_user("boss_e")
    reps = by_login((await manager.get("/api/manager/reps")).json())
    figures = reps["wang"]
    assert figures["id"] == people["wang"] and figures["name"] == "王小明"
    assert figures["sessions"] == 4 and figures["finished"] == 3
    assert figures["average_score"] == round(sum(scores) / 3, 1)
    assert figures["best_score"] == max(scores)
    assert figures["trend"] == scores  # oldest first
    assert figures["unread_notes"] == 0
    # The latest line counts, not only when that visit started (the session row is stamped a
    # moment before its turns, in the same transaction).
    last = utc(figures["last_practised"])
    assert utc(turns[-4]["created_at"]) < last <= utc(turns[-1]["created_at"]) + timedelta(seconds=1)
    idle = reps["zhao"]
    assert (idle["sessions"], idle["finished"], idle["average_score"], idle["best_score"]) == (
        0,
        0,
        None,
        None,
    )
    assert idle["trend"] == [] and idle["last_practised"] is None

    sessions = (await manager.get(f"/api/manager/reps/{people['wang']}/sessions")).json()
    assert len(sessions) == 4
    assert sessions[0]["status"] == "active" and sessions[0]["score"] is None  # newest first
    assert [s["score"] for s in reversed(sessions[1:])] == scores
    mine = (await wang.get("/api/sessions")).json()
    assert [s["id"] for s in sessions] == [s["id"] for s in mine]


async def test_the_trend_holds_the_last_ten(as_user: Client, people: dict[str, int]) -> None:
    zhao = await as_user("zhao")
    scores = [(await rehearse(zhao, LINES[n % 2 : n % 2 + 1]))["scorecard"]["score"] for n in range(11)]
    manager = await as_user("boss_e")
    figures = by_login((await manager.get("/api/manager/reps")).json())["zhao"]
    assert figures["finished"] == 11 and figures["trend"] == scores[-10:]
    assert figures["average_score"] == round(sum(scores) / 11, 1)


async def test_the_transcript_as_the_manager_reads_it(as_user: Client, people: dict[str, int]) -> None:
    wang = await as_user("wang")
    ended = await rehearse(wang, LINES)
    session_id = ended["session_id"]
    own = (await wang.get(f"/api/sessions/{session_id}")).json()

    manager = await as_user("boss_e")
    response = await manager.get(f"/api/manager/sessions/{session_id}")
    assert response.status_code == 200, response.text
    view = response.json()
    assert view["rep"] == {"id": people["wang"], "name": "王小明", "login": "wang"}
    assert view["turns"] == own["turns"]
    assert view["scorecard"] == ended["scorecard"] and view["score"] == ended["scorecard"]["score"]
    rep_lines = [t for t in view["turns"] if t["speaker"] == "rep"]
    assert [t["text"] for t in rep_lines] == LINES
    assert all(t["techniques"] for t in rep_lines)
    assert "why" in rep_lines[-1]["techniques"]
    assert sum(t["speaker"] == "coach" for t in view["turns"]) == len(LINES)  # practice: a note a line
    assert view["turns"][0]["speaker"] == "customer" and view["notes"] == []
    assert view["status"] == "ended" and view["title"]
    missing = await manager.get("/api/manager/sessions/nope")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "session_not_found"


async def test_coaching_notes_round_trip(as_user: Client, people: dict[str, int]) -> None:
    wang = await as_user("wang")
    ended = await rehearse(wang, LINES[:2])
    session_id = ended["session_id"]
    title = (await wang.get(f"/api/sessions/{session_id}")).json()["title"]
    assert (await wang.get("/api/notes")).json() == []

    manager = await as_user("boss_e")
    general = await manager.post(f"/api/manager/reps/{people['wang']}/notes", json={"text": "整体不错。"})
    assert general.status_code == 201, general.text
    about = await manager.post(
        f"/api/manager/reps/{people['wang']}/notes",
        json={"text": "  第二句可以先问一个“为什么”。  ", "session_id": session_id},
    )
    assert about.status_code == 201, about.text
    note = about.json()
    assert note["text"] == "第二句可以先问一个“为什么”。"  # trimmed
    assert note["session_id"] == session_id and note["session_title"] == title
    assert note["author_name"] == "陈经理" and note["read_at"] is None
    assert by_login((await manager.get("/api/manager/reps")).json())["wang"]["unread_notes"] == 2

    mine = (await wang.get("/api/notes")).json()
    assert [n["id"] for n in mine] == [note["id"], general.json()["id"]]  # newest first
    assert mine[0]["author_name"] == "陈经理" and mine[0]["session_title"] == title
    assert mine[1]["session_id"] is None and all(n["read_at"] is None for n in mine)
    on_session = (await manager.get(f"/api/manager/sessions/{session_id}")).json()["notes"]
    assert [n["id"] for n in on_session] == [note["id"]]

    # Only the rep the note is for can mark it read.
    for other in (await as_user("zhao"), manager):
        refused = await other.post(f"/api/notes/{note['id']}/read")
        assert refused.status_code == 404 and refused.json()["error"]["code"] == "note_not_found"
    read = await wang.post(f"/api/notes/{note['id']}/read")
    assert read.status_code == 200 and read.json()["read_at"] is not None
    again = await wang.post(f"/api/notes/{note['id']}/read")
    assert again.json()["read_at"] == read.json()["read_at"]  # the first reading is kept
    assert (await wang.post("/api/notes/999999/read")).status_code == 404

    assert by_login((await manager.get("/api/manager/reps")).json())["wang"]["unread_notes"] == 1
    listed = (await manager.get(f"/api/manager/reps/{people['wang']}/notes")).json()
    assert [(n["id"], n["read_at"] is None) for n in listed] == [
        (note["id"], False),
        (general.json()["id"], True),
    ]
    assert (await (await as_user("zhao")).get("/api/notes")).json() == []  # notes are per rep


async def test_invalid_notes_store_nothing(as_user: Client, people: dict[str, int]) -> None:
    liu = await as_user("liu")
    foreign_session = (await rehearse(liu, LINES[:1]))["session_id"]
    manager = await as_user("boss_e")
    url = f"/api/manager/reps/{people['wang']}/notes"
    for body in (
        {"text": ""},
        {"text": "   \n "},
        {"text": "话" * 2001},
        {},
        {"text": "好", "extra": 1},
        {"text": "好", "session_id": ""},
    ):
        response = await manager.post(url, json=body)
        assert response.status_code == 422, body
        assert response.json()["error"]["code"] == "invalid_request"
    wrong_session = await manager.post(url, json={"text": "好", "session_id": foreign_session})
    assert wrong_session.status_code == 404 and wrong_session.json()["error"]["code"] == "session_not_found"
    assert (await manager.get(url)).json() == []
    assert (await (await as_user("wang")).get("/api/notes")).json() == []

    longest = await manager.post(url, json={"text": "话" * 2000})
    assert longest.status_code == 201 and len(longest.json()["text"]) == 2000


async def test_the_openapi_document_describes_the_manager_api(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    paths = document["paths"]
    assert set(paths["/api/manager/reps"]) == {"get"}
    assert set(paths["/api/manager/reps/{rep_id}/notes"]) == {"get", "post"}
    assert "/api/manager/reps/{rep_id}/sessions" in paths
    assert "/api/manager/sessions/{session_id}" in paths
    assert "/api/notes" in paths and "/api/notes/{note_id}/read" in paths
    schemas = document["components"]["schemas"]
    assert {"RepProgress", "Note", "NoteRequest", "ManagedSession"} <= set(schemas)
    assert schemas["NoteRequest"]["properties"]["text"]["maxLength"] == 2000


async def test_the_manage_page_is_served_offline(client: httpx.AsyncClient) -> None:
    page = await client.get("/manage")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    html = page.text
    assert '<html lang="zh-CN">' in html and "团队看板" in html
    assert "/static/common.js" in html and "/static/manage.js" in html and "/static/manage.css" in html
    assert "http://" not in html and "https://" not in html  # no CDN
    for asset in ("common.js", "manage.js", "manage.css"):
        assert (await client.get(f"/static/{asset}")).status_code == 200
    catalogue = await client.get("/i18n/en.json")
    assert catalogue.status_code == 200 and catalogue.json()["web.manage.brand"] == "Team dashboard"


def test_the_manage_page_has_every_text_in_both_languages() -> None:
    from bot.channels.web.pages import STATIC_DIR, TEMPLATES_DIR
    from bot.i18n import web_catalogue

    script = (STATIC_DIR / "manage.js").read_text(encoding="utf-8")
    script += (STATIC_DIR / "common.js").read_text(encoding="utf-8")
    html = (TEMPLATES_DIR / "manage.html").read_text(encoding="utf-8")
    used = set(re.findall(r'data-i18n(?:-placeholder|-aria)?="([\w.]+)"', html))
    used |= set(re.findall(r'\bt\("([\w.]+)"', script + html))
    assert len(used) > 50
    zh, en = web_catalogue("zh"), web_catalogue("en")
    assert used <= zh.keys() and used <= en.keys(), f"no text for {sorted(used - (zh.keys() & en.keys()))}"


PITCH = "您好，我们的系统是业内最好的，价格也最便宜，您今天就签了吧！"


async def test_walk_outs_and_abandoned_visits_are_not_counted_as_finished(
    app: FastAPI, as_user: Client, people: dict[str, int]
) -> None:
    from sqlalchemy import update

    from bot.storage import store
    from bot.storage.models import RehearsalSession, utcnow

    wang = await as_user("wang")
    ended = await rehearse(wang, LINES[:3])
    walked = await rehearse(wang, [], end=False)
    for n in range(12):  # the customer loses patience with a rep who only pitches
        reply = await wang.post(
            f"/api/sessions/{walked['session_id']}/messages",
            json={"text": PITCH, "client_message_id": f"p{n}"},
        )
        if reply.json()["status"] != "active":
            break
    assert reply.json()["status"] == "closed_by_customer"
    idle = await rehearse(wang, LINES[:1], end=False)
    with store(app.state.db, write=True) as s:
        s.session.execute(
            update(RehearsalSession)
            .where(RehearsalSession.id == idle["session_id"])
            .values(updated_at=utcnow() - timedelta(days=2))
        )
    assert app.state.services.idle.close_idle() == 1

    figures = by_login((await (await as_user("boss_e")).get("/api/manager/reps")).json())["wang"]
    assert (figures["sessions"], figures["finished"], figures["walked_out"], figures["abandoned"]) == (
        3,
        1,
        1,
        1,
    )
    cards = [c for c in (ended, reply.json()) if c.get("scorecard")]
    assert figures["scored"] == 3  # the average says what it counts: every visit with a scorecard
    assert len(cards) == 2 and figures["best_score"] >= max(c["scorecard"]["score"] for c in cards)
