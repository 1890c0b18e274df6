"""Upgrade in place: a database written by an earlier release is migrated and its sessions read on.

The database in tests/data/releases/ was written by that release's own code (see the README there).
On PostgreSQL the same rows are first copied into a schema at that release's revision, so both
backends start from what the release stored.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import MetaData, create_engine, insert, select

from bot.app import create_app
from bot.config import Settings
from bot.storage import normalise_url, upgrade

RELEASES = Path(__file__).parent / "data" / "releases"
RELEASE_DB = RELEASES / "release-67ee12f.sqlite3"
RELEASE_REVISION = "0002"
REP = ("oldrep", "old-release-pw-1")
MANAGER = ("oldmanager", "old-release-pw-2")


def _copy_release_into(url: str) -> None:
    """Put the release's rows into the database at ``url``, at the release's schema revision."""
    upgrade(url, RELEASE_REVISION)
    source = create_engine(f"sqlite:///{RELEASE_DB}")
    target = create_engine(normalise_url(url))
    tables = MetaData()
    tables.reflect(source)
    try:
        with source.connect() as read, target.begin() as write:
            for table in tables.sorted_tables:
                if table.name == "alembic_version":
                    continue
                rows = [dict(row._mapping) for row in read.execute(select(table))]
                if rows:
                    write.execute(insert(table), rows)
            if target.dialect.name == "postgresql":
                # Serial ids continue after the copied rows, as they did in the release's database.
                for table in tables.sorted_tables:
                    if "id" in table.c and str(table.c.id.type) == "INTEGER":
                        write.exec_driver_sql(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"COALESCE((SELECT MAX(id) FROM {table.name}), 1))"
                        )
    finally:
        source.dispose()
        target.dispose()


@pytest.fixture
def release_url(database_url: str, tmp_path: Path) -> str:
    if database_url.startswith("sqlite"):
        copy = tmp_path / "release.sqlite3"
        shutil.copy(RELEASE_DB, copy)
        return f"sqlite:///{copy}"
    _copy_release_into(database_url)
    return database_url


@pytest.fixture
async def upgraded_app(release_url: str) -> AsyncIterator[FastAPI]:
    settings = Settings(  # type: ignore[call-arg]
        database_url=release_url,
        secret_key="release-upgrade-test-secret",
        telegram_bot_token=None,
        demo_accounts=False,
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@asynccontextmanager
async def _signed_in(app: FastAPI, login: str, password: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        response = await http.post("/api/auth/login", json={"login": login, "password": password})
        assert response.status_code == 200, response.text
        yield http


async def test_old_sessions_are_listed_read_and_continued(upgraded_app: FastAPI) -> None:
    async with _signed_in(upgraded_app, *REP) as http:
        sessions = (await http.get("/api/sessions")).json()
        assert len(sessions) == 4
        by_scenario = {(s["scenario_id"], s["language"]): s for s in sessions}
        finished = [s for s in sessions if s["status"] != "active"]
        assert len(finished) == 2
        for summary in finished:
            detail = (await http.get(f"/api/sessions/{summary['id']}")).json()
            assert detail["scorecard"]["score"] >= 0
            turns = (await http.get(f"/api/sessions/{summary['id']}/turns")).json()
            assert [t["seq"] for t in turns] == list(range(1, len(turns) + 1))

        english = by_scenario[("precision-parts-returns", "en")]
        before = (await http.get(f"/api/sessions/{english['id']}/turns")).json()
        reply = await http.post(
            f"/api/sessions/{english['id']}/messages",
            json={"text": "What else has been getting in the way?", "client_message_id": "after-upgrade-1"},
        )
        assert reply.status_code == 200, reply.text
        after = (await http.get(f"/api/sessions/{english['id']}/turns")).json()
        assert after[: len(before)] == before
        assert after[len(before)]["text"] == "What else has been getting in the way?"
        assert after[len(before)]["seq"] == before[-1]["seq"] + 1

        ended = await http.post(f"/api/sessions/{english['id']}/end")
        assert ended.status_code == 200, ended.text
        notes = (await http.get("/api/notes")).json()
        assert [n["text"] for n in notes] == ["上次的为什么问得很好，下次多问问后果。"]


async def test_the_manager_still_sees_the_old_team_and_transcripts(upgraded_app: FastAPI) -> None:
    async with _signed_in(upgraded_app, *MANAGER) as http:
        reps = (await http.get("/api/manager/reps")).json()
        assert [r["login"] for r in reps] == ["oldrep"]
        sessions = (await http.get(f"/api/manager/reps/{reps[0]['id']}/sessions")).json()
        assert len(sessions) == 4
        for summary in sessions:
            managed = await http.get(f"/api/manager/sessions/{summary['id']}")
            assert managed.status_code == 200, managed.text


async def test_the_release_scripts_become_versions_in_the_database(upgraded_app: FastAPI) -> None:
    """The scenario texts the release stored stay readable versions (numbered by 0009), the
    newer bundled files are published over them, and the old sessions still read on their own."""
    from bot.engine.library import ScenarioLibrary
    from bot.storage import store

    bundled = {
        r.id: r.version for r in ScenarioLibrary.from_directory(RELEASES.parents[2] / "dialogues").bundled()
    }
    db = upgraded_app.state.db
    with store(db) as s:
        published = s.scripts.published("scenario")
        assert {script_id: row.version for script_id, row in published.items()} == bundled
        old = s.scripts.get("scenario", "precision-parts-returns", "3")
        assert old is not None and old.number == 3 and old.content and 'version: "3"' in old.content
    history = upgraded_app.state.services.scripts.history("precision-parts-returns")
    assert [h.version for h in history][-1] == "3" and history[0].version == bundled[
        "precision-parts-returns"
    ]
    assert history[0].diff.startswith("--- v3\n+++ v")
    async with _signed_in(upgraded_app, *REP) as http:
        sessions = (await http.get("/api/sessions")).json()
        old_ones = [s for s in sessions if s["scenario_id"] == "precision-parts-returns"]
        assert old_ones and all(s["scenario_version"] == "3" for s in old_ones)
        for summary in old_ones:
            detail = (await http.get(f"/api/sessions/{summary['id']}")).json()
            assert detail["title"] and detail["title"] != "precision-parts-returns"
