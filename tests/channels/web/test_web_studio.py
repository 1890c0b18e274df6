"""The trainer studio over HTTP: every studio route against every role, and a trainer checking,
testing, previewing, publishing and rolling back a scenario, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from web_support import LiveServer, add_user, make_settings, sign_in

from bot.app import create_app
from bot.engine.library import ScenarioLibrary
from bot.storage import Database

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "dialogues" / "precision_parts_returns.yaml"
SCENARIO = "precision-parts-returns"
OPENING = "Have a seat. I have a meeting at half past ten, so let's keep it short."
NEW_OPENING = "Please sit down. I have a call at half past ten, so let's keep it short."
PASSWORD = "studio-pass-1"

# Every studio route with a request that does nothing lasting (an unknown version, an empty
# script): the test below fails when a route is added without a line here.
ROUTES: dict[tuple[str, str], dict[str, Any] | None] = {
    ("GET", "/api/studio/scripts"): None,
    ("GET", "/api/studio/scripts/{script_id}"): None,
    ("PUT", "/api/studio/scripts/{script_id}/draft"): {"text": "id: x\n"},
    ("DELETE", "/api/studio/scripts/{script_id}/draft"): None,
    ("POST", "/api/studio/check"): {"text": "id: [\n"},
    ("POST", "/api/studio/scripts/{script_id}/tests"): {"text": ""},
    ("POST", "/api/studio/scripts/{script_id}/publish"): {"text": "", "message": "no"},
    ("GET", "/api/studio/scripts/{script_id}/versions"): None,
    ("POST", "/api/studio/scripts/{script_id}/rollback"): {"version": "999"},
    ("POST", "/api/studio/reader"): {"text": ""},
    ("POST", "/api/studio/preview/start"): {"text": ""},
    ("POST", "/api/studio/preview/say"): {"text": "", "state": {}, "line": "hello"},
    # Statistics and the review queue (studio_stats.py): an unknown scenario, flag ids that do
    # not parse, and a retrain without the bank version it must name.
    ("GET", "/api/studio/scenarios/{scenario_id}/statistics"): None,
    ("GET", "/api/studio/review"): None,
    ("POST", "/api/studio/review/{flag_id}/accept"): None,
    ("POST", "/api/studio/review/{flag_id}/reject"): None,
    ("GET", "/api/studio/models/current"): None,
    ("POST", "/api/studio/models"): None,
    # A new scenario under an id that does not parse; the models, and ids that do not parse.
    ("POST", "/api/studio/scripts"): {"id": "Not An Id"},
    ("GET", "/api/studio/models"): None,
    ("GET", "/api/studio/models/jobs/{job_id}"): None,
    ("POST", "/api/studio/models/{model_id}/rollback"): None,
    # The question bank (studio_bank.py): a technique id that does not parse, except the list.
    ("GET", "/api/studio/bank"): None,
    ("GET", "/api/studio/bank/{technique_id}"): None,
    ("PUT", "/api/studio/bank/{technique_id}/draft"): {"text": "id: why\n"},
    ("DELETE", "/api/studio/bank/{technique_id}/draft"): None,
    ("POST", "/api/studio/bank/{technique_id}/check"): {"text": "id: [\n"},
    ("POST", "/api/studio/bank/{technique_id}/publish"): {"text": "", "message": "no"},
    ("GET", "/api/studio/bank/{technique_id}/versions"): None,
    ("POST", "/api/studio/bank/{technique_id}/rollback"): {"version": "999"},
}


@pytest.fixture
async def studio_app(database_url: str) -> AsyncIterator[FastAPI]:
    """The app with a library of its own: publishing changes what that library serves."""
    settings = make_settings(database_url)
    application = create_app(settings, library=ScenarioLibrary.from_directory(settings.dialogues_dir))
    async with application.router.lifespan_context(application):
        for role in ("rep", "manager", "trainer", "admin"):
            add_user(application.state.db, role, PASSWORD, role=role)
        yield application


@pytest.fixture
async def http(studio_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=studio_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def studio_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every studio route the app serves, from its OpenAPI description."""
    return {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/api/studio/")
        for method in operations
    }


@pytest.mark.parametrize("role", [None, "rep", "manager", "trainer", "admin"])
async def test_every_studio_route_answers_only_trainers_and_admins(
    role: str | None, studio_app: FastAPI, http: httpx.AsyncClient
) -> None:
    assert studio_routes(studio_app) == set(ROUTES)
    if role is not None:
        await sign_in(http, role, PASSWORD)
    for (method, path), body in ROUTES.items():
        url = path.replace("{script_id}", SCENARIO)
        response = await http.request(method, url, json=body)
        if role is None:
            assert response.status_code == 401, (method, path, response.text)
        elif role in ("rep", "manager"):
            assert response.status_code == 403, (method, path, response.text)
            assert response.json()["error"]["code"] == "not_a_trainer"
        else:
            assert response.status_code in (200, 204, 404, 422), (method, path, response.text)
    # The published version is what it was: nobody's requests changed it.
    if role in ("trainer", "admin"):
        listed = (await http.get("/api/studio/scripts")).json()
        shipped = ScenarioLibrary.from_paths([EXAMPLE]).latest(SCENARIO).version
        assert {s["id"]: s["version"] for s in listed}[SCENARIO] == shipped


async def test_deeply_nested_yaml_is_a_problem_at_its_line_not_a_server_error(
    http: httpx.AsyncClient,
) -> None:
    await sign_in(http, "trainer", PASSWORD)
    deep = "id: x\nopening: " + "[" * 500 + "]" * 500 + "\n"
    checked = await http.post("/api/studio/check", json={"text": deep, "script_id": SCENARIO})
    assert checked.status_code == 200 and checked.json()["problems"][0]["line"] == 2
    refused = await http.post(f"/api/studio/scripts/{SCENARIO}/publish", json={"text": deep, "message": "x"})
    assert refused.status_code == 422 and refused.json()["error"]["problems"][0]["line"] == 2
    tried = await http.post("/api/studio/preview/start", json={"text": deep, "language": "en"})
    assert tried.status_code < 500


async def test_a_script_over_the_size_limit_is_refused_with_what_a_page_can_say(
    http: httpx.AsyncClient,
) -> None:
    """The refusal names the field, the kind of problem and the limit, so the studio says it in
    the trainer's language instead of a generic English line."""
    await sign_in(http, "trainer", PASSWORD)
    huge = "id: x\n# " + "x" * 400_000 + "\n"
    for path in (
        f"/api/studio/scripts/{SCENARIO}/publish",
        "/api/studio/check",
        "/api/studio/bank/why/publish",
    ):
        refused = await http.post(path, json={"text": huge, "message": "big"})
        error = refused.json()["error"]
        assert refused.status_code == 422 and error["code"] == "invalid_request", path
        assert {"field": "text", "type": "string_too_long", "max_length": 400_000}.items() <= error[
            "details"
        ][0].items()


async def test_a_publish_based_on_an_older_version_is_refused_not_silently_undone(
    http: httpx.AsyncClient,
) -> None:
    await sign_in(http, "trainer", PASSWORD)
    opened = (await http.get(f"/api/studio/scripts/{SCENARIO}")).json()
    base, text = opened["version"], opened["text"]
    url = f"/api/studio/scripts/{SCENARIO}/publish"
    first = await http.post(url, json={"text": text + "# edit A\n", "message": "A", "base_version": base})
    assert first.status_code == 200 and first.json()["created"]
    second = await http.post(url, json={"text": text + "# edit B\n", "message": "B", "base_version": base})
    assert second.status_code == 409 and second.json()["error"]["code"] == "version_conflict"
    now = (await http.get(f"/api/studio/scripts/{SCENARIO}")).json()
    assert now["version"] == first.json()["version"] and "# edit A" in now["text"]
    rebased = await http.post(
        url, json={"text": now["text"] + "# edit B\n", "message": "B", "base_version": now["version"]}
    )
    assert (
        rebased.status_code == 200
        and "# edit A" in (await http.get(f"/api/studio/scripts/{SCENARIO}")).json()["text"]
    )


async def test_a_trainer_checks_tests_previews_publishes_and_rolls_back(http: httpx.AsyncClient) -> None:
    await sign_in(http, "trainer", PASSWORD)
    listed = {s["id"]: s for s in (await http.get("/api/studio/scripts")).json()}
    shipped = listed[SCENARIO]["version"]
    opened = (await http.get(f"/api/studio/scripts/{SCENARIO}")).json()
    text = opened["text"]
    assert text == EXAMPLE.read_text("utf-8") and opened["version"] == shipped

    # A problem comes back at its line, and publishing is refused with it.
    lines = text.splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith("difficulty:"))
    broken = "".join([*lines[:index], "difficulty: [medium\n", *lines[index + 1 :]])
    problems = (await http.post("/api/studio/check", json={"text": broken, "script_id": SCENARIO})).json()
    assert problems["problems"] and problems["problems"][0]["line"] >= index + 1
    publish_url = f"/api/studio/scripts/{SCENARIO}/publish"
    refused = await http.post(publish_url, json={"text": broken, "message": "x"})
    assert refused.status_code == 422 and refused.json()["error"]["problems"]

    # The fixed text: its tests pass, the side panel reads it, the preview plays it unsaved.
    edited = text.replace(OPENING, NEW_OPENING, 1)
    assert (await http.post("/api/studio/check", json={"text": edited})).json() == {"problems": []}
    tests = (await http.post(f"/api/studio/scripts/{SCENARIO}/tests", json={"text": edited})).json()
    assert tests["passed"] and len(tests["tests"]) >= 1
    reader = (await http.post("/api/studio/reader", json={"text": edited, "lang": "en"})).json()
    assert reader["customer"]["name"] and reader["facts"] and reader["implications"] and reader["tests"]
    start = (await http.post("/api/studio/preview/start", json={"text": edited, "lang": "en"})).json()
    assert start["reply"] == NEW_OPENING
    said = await http.post(
        "/api/studio/preview/say",
        json={"text": edited, "state": start["state"], "line": "Thank you for your time, Mr. Wang."},
    )
    assert said.status_code == 200 and said.json()["reply"]
    assert (await http.get("/api/sessions")).json() == []  # the preview stored no session

    draft = (await http.put(f"/api/studio/scripts/{SCENARIO}/draft", json={"text": edited})).json()
    assert draft["draft_by"] == "trainer" and draft["text"] == edited
    published = await http.post(
        f"/api/studio/scripts/{SCENARIO}/publish", json={"text": edited, "message": "friendlier opening"}
    )
    assert published.status_code == 200, published.text
    following = str(int(shipped) + 1)
    assert published.json() == {"script_id": SCENARIO, "version": following, "created": True}
    history = (await http.get(f"/api/studio/scripts/{SCENARIO}/versions")).json()
    assert [h["version"] for h in history] == [following, shipped]
    assert history[0]["message"] == "friendlier opening" and f"+    - {NEW_OPENING}" in history[0]["diff"]

    # Reps' new sessions start on it; rollback publishes the old content as the next version.
    await http.post("/api/auth/logout")
    await sign_in(http, "rep", PASSWORD)
    started = (await http.post("/api/sessions", json={"scenario_id": SCENARIO, "language": "en"})).json()
    detail = (await http.get(f"/api/sessions/{started['session_id']}")).json()
    assert detail["scenario_version"] == following
    await http.post("/api/auth/logout")
    await sign_in(http, "admin", PASSWORD)
    back = (await http.post(f"/api/studio/scripts/{SCENARIO}/rollback", json={"version": shipped})).json()
    assert back["version"] == str(int(shipped) + 2)
    assert OPENING in (await http.get(f"/api/studio/scripts/{SCENARIO}")).json()["text"]


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_version_published_on_one_server_is_used_by_the_next_session_on_the_other(
    database_url: str, tmp_path: Path
) -> None:
    """Two server processes on one PostgreSQL database: no restart, no message between them."""
    servers = [LiveServer(database_url, log_path=tmp_path / f"server-{n}.log") for n in (1, 2)]
    try:
        for server in servers:  # a loaded machine can take a while to import and seed
            await asyncio.to_thread(server.wait_ready, 180.0)
        await _publish_on_one_start_on_the_other(database_url, *servers)
    finally:
        for server in servers:
            server.stop()


async def _publish_on_one_start_on_the_other(
    database_url: str, first: LiveServer, second: LiveServer
) -> None:
    db = Database(database_url)
    try:
        await asyncio.to_thread(add_user, db, "trainer", PASSWORD, role="trainer")
        await asyncio.to_thread(add_user, db, "rep", PASSWORD)
    finally:
        db.dispose()
    async with (
        httpx.AsyncClient(base_url=first.url, timeout=120) as trainer,
        httpx.AsyncClient(base_url=second.url, timeout=120) as rep,
    ):
        await sign_in(trainer, "trainer", PASSWORD)
        await sign_in(rep, "rep", PASSWORD)
        before = (await rep.post("/api/sessions", json={"scenario_id": SCENARIO, "language": "en"})).json()
        text = (await trainer.get(f"/api/studio/scripts/{SCENARIO}")).json()["text"]
        published = await trainer.post(
            f"/api/studio/scripts/{SCENARIO}/publish",
            json={"text": text.replace(OPENING, NEW_OPENING, 1), "message": "new opening"},
        )
        assert published.status_code == 200, published.text
        version = published.json()["version"]
        await rep.post(f"/api/sessions/{before['session_id']}/end")
        after = (await rep.post("/api/sessions", json={"scenario_id": SCENARIO, "language": "en"})).json()
        detail = (await rep.get(f"/api/sessions/{after['session_id']}")).json()
        assert detail["scenario_version"] == version
        old = (await rep.get(f"/api/sessions/{before['session_id']}")).json()
        assert old["scenario_version"] != version
        listed = (await rep.get("/api/scenarios")).json()
        assert {s["id"]: s["version"] for s in listed}[SCENARIO] == version
