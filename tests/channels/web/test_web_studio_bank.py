"""The question bank and the technique model in the studio, over HTTP: every role against the
new routes, a trainer editing, publishing and rolling back a technique, a new scenario drafted
before any publish, and a retrain as a background job (one job for two requests, polled, its
model used, rolled back) with the real trainer."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from test_web_studio_stats import as_role
from web_support import LiveServer, add_user, sign_in

from bot.config import PROJECT_ROOT
from bot.storage import Database

FILE = PROJECT_ROOT / "questionbank" / "why.yaml"
OLD = '    - "Answering the why yourself and robbing the customer of the discovery."\n'

ROUTES = [
    ("GET", "/api/studio/bank", None),
    ("GET", "/api/studio/bank/why", None),
    ("PUT", "/api/studio/bank/why/draft", {"text": "id: why\n"}),
    ("DELETE", "/api/studio/bank/why/draft", None),
    ("POST", "/api/studio/bank/why/check", {"text": "id: why\n"}),
    ("POST", "/api/studio/bank/why/publish", {"text": "id: why\n"}),
    ("GET", "/api/studio/bank/why/versions", None),
    ("POST", "/api/studio/bank/why/rollback", {"version": "1"}),
    ("POST", "/api/studio/scripts", {"id": "a-new-one"}),
    ("GET", "/api/studio/models", None),
    ("GET", "/api/studio/models/jobs/1", None),
    ("POST", "/api/studio/models/0/rollback", None),
    ("POST", "/api/studio/models", {"bank_version": "2.3.0"}),
]


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.mark.parametrize("role", ["rep", "manager"])
async def test_reps_and_managers_are_refused_every_new_route(app: FastAPI, role: str) -> None:
    async with as_role(app, role) as http:
        for method, url, body in ROUTES:
            response = await http.request(method, url, json=body)
            assert response.status_code == 403, (method, url, response.text)
            assert response.json()["error"]["code"] == "not_a_trainer"
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as anon:
        for method, url, body in ROUTES:
            assert (await anon.request(method, url, json=body)).status_code == 401, (method, url)
    # Nothing they sent changed anything.
    async with as_role(app, "trainer") as trainer:
        listed = {t["id"]: t for t in (await trainer.get("/api/studio/bank")).json()["techniques"]}
        assert listed["why"]["version"] == "1" and listed["why"]["draft_by"] is None
        assert all(s["id"] != "a-new-one" for s in (await trainer.get("/api/studio/scripts")).json())
        assert (await trainer.get("/api/studio/models")).json()["models"] == []


@pytest.mark.parametrize("role", ["trainer", "admin"])
async def test_a_trainer_edits_publishes_and_rolls_back_a_technique(app: FastAPI, role: str) -> None:
    text = FILE.read_text("utf-8")
    assert OLD in text
    async with as_role(app, role) as http:
        listing = (await http.get("/api/studio/bank")).json()
        assert listing["version"] == "2.3.0" and len(listing["techniques"]) == 16
        why = next(t for t in listing["techniques"] if t["id"] == "why")
        assert (why["version"], why["published_by"], why["name"]["zh"]) == (
            "1",
            "questionbank/",
            "问“为什么”",
        )
        assert (await http.get("/api/studio/bank/why")).json()["text"] == text
        assert (await http.get("/api/studio/bank/nope")).status_code == 422

        # An error: at its line, worded for the trainer; publishing is refused with it.
        broken = text.replace("  needs_question: true", "  needs_question: sometimes", 1)
        answer = await http.post("/api/studio/bank/why/check", json={"text": broken, "lang": "en"})
        (problem,) = answer.json()["problems"]
        assert problem["line"] == line_of(text, "needs_question:") and problem["severity"] == "error"
        refused = await http.post("/api/studio/bank/why/publish", json={"text": broken, "message": "x"})
        assert (
            refused.status_code == 422 and refused.json()["error"]["problems"][0]["line"] == problem["line"]
        )
        draft = await http.put("/api/studio/bank/why/draft", json={"text": broken})
        assert draft.json()["draft_by"] == f"user-{role}" and draft.json()["text"] == broken

        # Fixed, with a new mistake written in: published as version 2, the draft gone.
        new = '    - "Asking why before the customer has said what the problem is."\n'
        edited = text.replace(OLD, OLD + new, 1)
        assert (await http.post("/api/studio/bank/why/check", json={"text": edited})).json() == {
            "problems": []
        }
        published = await http.post(
            "/api/studio/bank/why/publish", json={"text": edited, "message": "one more"}
        )
        assert published.json() == {"script_id": "why", "version": "2", "created": True}
        opened = (await http.get("/api/studio/bank/why")).json()
        assert (opened["version"], opened["text"], opened["draft_by"]) == ("2", edited, None)
        assert (await http.get("/api/studio/bank")).json()["version"].startswith("2.3.0+")
        versions = (await http.get("/api/studio/bank/why/versions")).json()
        assert [v["version"] for v in versions] == ["2", "1"] and f"+{new}" in versions[0]["diff"]
        # The coach's explanation under a note reads the published bank at once.
        guide = (await http.get("/api/techniques/why", params={"lang": "en"})).json()
        assert new.strip()[3:-1] in guide["mistakes"]
        # So do the coaches' hints, in the scenarios loaded before the publish too.
        coach = app.state.services.rehearsals.library.latest("precision-parts-returns").coach
        assert new.strip()[3:-1] in coach.bank().technique("why").mistakes["en"]

        back = await http.post("/api/studio/bank/why/rollback", json={"version": "1"})
        assert (
            back.json()["version"] == "3" and (await http.get("/api/studio/bank/why")).json()["text"] == text
        )
        assert (await http.get("/api/studio/bank")).json()["version"] == "2.3.0"
        missing = await http.post("/api/studio/bank/why/rollback", json={"version": "99"})
        assert missing.status_code == 404


async def test_a_new_scenario_is_drafted_before_any_publish(app: FastAPI) -> None:
    async with as_role(app, "trainer") as http:
        created = await http.post("/api/studio/scripts", json={"id": "cold-storage-visit"})
        assert created.status_code == 201, created.text
        assert created.json()["version"] is None and "id: cold-storage-visit" in created.json()["text"]
        again = await http.post("/api/studio/scripts", json={"id": "cold-storage-visit"})
        assert again.status_code == 409 and again.json()["error"]["code"] == "script_exists"
        taken = await http.post("/api/studio/scripts", json={"id": "precision-parts-returns"})
        assert taken.status_code == 409
        listed = {s["id"]: s for s in (await http.get("/api/studio/scripts")).json()}
        assert listed["cold-storage-visit"]["draft_by"] == "user-trainer"
        assert listed["cold-storage-visit"]["version"] is None
        # The draft keeps the trainer's edits; it does not validate yet, so it cannot be published.
        saved = await http.put(
            "/api/studio/scripts/cold-storage-visit/draft", json={"text": created.json()["text"] + "# more\n"}
        )
        assert saved.status_code == 200 and saved.json()["text"].endswith("# more\n")
        problems = await http.post(
            "/api/studio/check", json={"text": saved.json()["text"], "script_id": "cold-storage-visit"}
        )
        assert problems.json()["problems"]
        refused = await http.post(
            "/api/studio/scripts/cold-storage-visit/publish", json={"text": saved.json()["text"]}
        )
        assert refused.status_code == 422


async def test_two_retrain_requests_at_once_start_one_job(app: FastAPI) -> None:
    models = app.state.services.models
    started: list[object] = []
    models.background = started.append  # the job is kept, not run: this test is about starting
    async with as_role(app, "trainer") as one, as_role(app, "admin") as two:
        body = {"bank_version": "2.3.0"}
        first, second = await asyncio.gather(
            one.post("/api/studio/models", json=body), two.post("/api/studio/models", json=body)
        )
        assert first.status_code == second.status_code == 202
        assert first.json()["id"] == second.json()["id"]
        assert sorted([first.json()["created"], second.json()["created"]]) == [False, True]
        assert len(started) == 1
        job = (await one.get(f"/api/studio/models/jobs/{first.json()['id']}")).json()
        assert job["status"] == "running" and job["model_id"] is None
        assert (await one.get("/api/studio/models")).json()["running"]["id"] == job["id"]
        assert (await one.get("/api/studio/models/jobs/999")).status_code == 404
        stale = await one.post("/api/studio/models", json={"bank_version": "1.0.0"})
        assert stale.status_code == 422 and stale.json()["error"]["code"] == "bank_version_mismatch"


def test_two_workers_starting_at_once_start_one_job(db: object) -> None:
    """The same race between threads straight on the service, on each backend."""
    from bot.services import ModelVersions
    from bot.storage import Database

    assert isinstance(db, Database)
    workers = [ModelVersions(db, PROJECT_ROOT / "questionbank") for _ in range(2)]
    started: list[object] = []
    results: list[tuple[int, bool]] = []
    for worker in workers:
        worker.background = started.append
    barrier = threading.Barrier(2)

    def start(worker: ModelVersions) -> None:
        barrier.wait()
        job, created = worker.start_retrain(role="trainer", author="lin", bank_version="2.3.0")
        results.append((job.id, created))

    threads = [threading.Thread(target=start, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({job_id for job_id, _ in results}) == 1
    assert sorted(created for _, created in results) == [False, True] and len(started) == 1


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_retrain_runs_in_the_background_and_can_be_rolled_back(app: FastAPI, tmp_path: Path) -> None:
    """The real trainer (a minute or two): the request returns at once, the job is polled."""
    async with as_role(app, "trainer") as http:
        before = time.monotonic()
        answer = await http.post("/api/studio/models", json={"bank_version": "2.3.0"})
        assert answer.status_code == 202 and time.monotonic() - before < 20
        job_id = answer.json()["id"]
        deadline = time.monotonic() + 900
        while True:
            job = (await http.get(f"/api/studio/models/jobs/{job_id}")).json()
            if job["status"] != "running" or time.monotonic() > deadline:
                break
            await asyncio.sleep(2)
        assert job["status"] == "done", job
        listed = (await http.get("/api/studio/models")).json()
        assert listed["current"]["id"] == job["model_id"] and listed["running"] is None
        assert listed["current"]["bank_version"] == listed["bank_version"] == "2.3.0"
        assert app.state.services.models.model_id == job["model_id"]

        # Back to the shipped model (0), then to the trained one: each stored as the newest.
        shipped = (await http.post("/api/studio/models/0/rollback")).json()
        info = json.loads((PROJECT_ROOT / "questionbank" / "model" / "technique.json").read_text("utf-8"))[
            "info"
        ]
        assert shipped["id"] > job["model_id"] and shipped["source_hash"] == info["source_hash"]
        assert app.state.services.models.current().id == shipped["id"]
        again = (await http.post(f"/api/studio/models/{job['model_id']}/rollback")).json()
        assert again["source_hash"] == job_source(listed, job["model_id"])
        assert (await http.post("/api/studio/models/12345/rollback")).status_code == 404


def job_source(listed: dict[str, object], model_id: int) -> str:
    models = listed["models"]
    assert isinstance(models, list)
    return str(next(m["source_hash"] for m in models if m["id"] == model_id))


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_technique_published_through_one_worker_reaches_the_other(
    database_url: str, live_server_factory: Callable[..., LiveServer]
) -> None:
    """Two uvicorn workers on PostgreSQL: every request after the publish, whichever worker
    answers it (a new connection each), explains the technique with the published text."""
    server = await asyncio.to_thread(live_server_factory, database_url, workers=2)
    db = Database(database_url)
    try:
        await asyncio.to_thread(add_user, db, "trainer", "pass-1234", role="trainer")
    finally:
        db.dispose()
    new = '    - "Giving the reason before the customer has had a chance to say it."\n'
    wanted = new.strip()[3:-1]
    limits = httpx.Limits(max_keepalive_connections=0)  # a new connection, maybe another worker
    async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=60) as http:
        await sign_in(http, "trainer", "pass-1234")
        for _ in range(12):  # both workers have loaded the bank before the publish
            guide = (await http.get("/api/techniques/why", params={"lang": "en"})).json()
            assert wanted not in guide["mistakes"]
        edited = FILE.read_text("utf-8").replace(OLD, OLD + new, 1)
        published = await http.post("/api/studio/bank/why/publish", json={"text": edited, "message": "m"})
        assert published.status_code == 200, published.text
        # Each worker checks every 2 s, then loads the published bank (a few seconds on a busy
        # machine): wait until twelve answers in a row, on new connections, have the new text.
        deadline = time.monotonic() + 60
        answers: list[list[str]] = []
        while time.monotonic() < deadline:
            answers = [
                (await http.get("/api/techniques/why", params={"lang": "en"})).json()["mistakes"]
                for _ in range(12)
            ]
            if all(wanted in mistakes for mistakes in answers):
                break
            await asyncio.sleep(1)
    assert all(wanted in mistakes for mistakes in answers)
