"""Upgrade in place: a database written by an earlier release is migrated and its data read on.

Each database in tests/data/releases/ was written by that release's own code (see the README
there). On PostgreSQL the same rows are first copied into a schema at that release's revision,
so both backends start from what the release stored. What each check expects is read from the
release's file itself, so a check states a rule ("every session the release stored is listed"),
not a remembered number.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import MetaData, create_engine, insert, select, text, update

from bot.app import create_app
from bot.config import Settings
from bot.storage import Database, RehearsalSession, normalise_url, store, upgrade

sys.path.insert(0, str(Path(__file__).parent / "channels" / "telegram"))
from telegram_fakes import FakeBotAPI, telegram_settings

RELEASES = Path(__file__).parent / "data" / "releases"
REP = ("oldrep", "old-release-pw-1")
MANAGER = ("oldmanager", "old-release-pw-2")
ADMIN = ("oldadmin", "old-release-pw-4")
COOKIE = "coach_session"


@dataclass(frozen=True)
class Release:
    commit: str
    revision: str

    @property
    def file(self) -> Path:
        return RELEASES / f"release-{self.commit}.sqlite3"

    @property
    def cookies(self) -> dict[str, str]:
        """The sign-in cookies the generator's browsers held (only releases that stored sign-ins)."""
        return dict(json.loads(self.file.with_suffix(".cookies.json").read_text()))

    def rows(self, sql: str, **params: Any) -> list[Any]:
        """Rows of the release's own file: what the release stored, before any upgrade."""
        engine = create_engine(f"sqlite:///{self.file}")
        try:
            with engine.connect() as connection:
                return list(connection.execute(text(sql), params))
        finally:
            engine.dispose()

    def rep_sessions(self, login: str = REP[0]) -> list[Any]:
        return self.rows(
            "SELECT s.id, s.status, s.language, s.mode, s.channel, s.scorecard FROM rehearsal_sessions s "
            "JOIN users u ON u.id = s.user_id WHERE u.login = :login",
            login=login,
        )


BEFORE_REFACTOR = Release("67ee12f", "0002")
# Outbox, web sign-ins, judgement flags, WeCom links, revealed facts, the score column.
SIGN_INS_AND_OUTBOX = Release("348e830", "0007")
ALL_RELEASES = [BEFORE_REFACTOR, SIGN_INS_AND_OUTBOX]


def _copy_release_into(release: Release, url: str) -> None:
    """Put the release's rows into the database at ``url``, at the release's schema revision."""
    upgrade(url, release.revision)
    source = create_engine(f"sqlite:///{release.file}")
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


def _release_url(release: Release, database_url: str, tmp_path: Path) -> str:
    if database_url.startswith("sqlite"):
        copy = tmp_path / release.file.name
        shutil.copy(release.file, copy)
        return f"sqlite:///{copy}"
    _copy_release_into(release, database_url)
    return database_url


@pytest.fixture(params=ALL_RELEASES, ids=lambda r: r.commit)
def release(request: pytest.FixtureRequest) -> Release:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def release_url(release: Release, database_url: str, tmp_path: Path) -> str:
    return _release_url(release, database_url, tmp_path)


@pytest.fixture
def release_0007_url(database_url: str, tmp_path: Path) -> str:
    """Release 348e830's data: the rows only releases from schema 0007 on could store."""
    return _release_url(SIGN_INS_AND_OUTBOX, database_url, tmp_path)


def _settings(url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": url,
        "secret_key": "release-upgrade-test-secret",
        "telegram_bot_token": None,
        "demo_accounts": False,
        # The old active visits are long idle: the sweep would close them as the app starts.
        # Off here, so they can be continued; test_the_idle_sweep_closes_old_active_visits has it on.
        "idle_close_hours": 0,
        **overrides,
    }
    return Settings(**values)


@asynccontextmanager
async def _running(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def upgraded_app(release_url: str) -> AsyncIterator[FastAPI]:
    async with _running(_settings(release_url)) as application:
        yield application


@pytest.fixture
async def upgraded_0007_app(release_0007_url: str) -> AsyncIterator[FastAPI]:
    async with _running(_settings(release_0007_url)) as application:
        yield application


def _client(app: FastAPI, cookie: str | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://testserver",
        cookies={COOKIE: cookie} if cookie else None,
    )


@asynccontextmanager
async def _signed_in(app: FastAPI, login: str, password: str) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(app) as http:
        response = await http.post("/api/auth/login", json={"login": login, "password": password})
        assert response.status_code == 200, response.text
        yield http


# --- every release ---------------------------------------------------------------------------


async def test_old_sessions_are_listed_read_and_continued(
    upgraded_app: FastAPI, release: Release, release_url: str
) -> None:
    stored = release.rep_sessions()
    async with _signed_in(upgraded_app, *REP) as http:
        sessions = (await http.get("/api/sessions")).json()
        assert sorted(s["id"] for s in sessions) == sorted(row.id for row in stored)
        assert {s["id"]: s["status"] for s in sessions} == {row.id: row.status for row in stored}
        finished = [s for s in sessions if s["status"] != "active"]
        assert finished, "the release's file should hold finished visits"
        for summary in finished:
            detail = (await http.get(f"/api/sessions/{summary['id']}")).json()
            assert detail["scorecard"]["score"] >= 0
            turns = (await http.get(f"/api/sessions/{summary['id']}/turns")).json()
            assert [t["seq"] for t in turns] == list(range(1, len(turns) + 1))

        (english,) = [s for s in sessions if s["language"] == "en" and s["status"] == "active"]
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
        assert ended.json()["scorecard"]["score"] >= 0
        # Its history stayed in its state (the form before 0017): the old lines and the new one.
        (old_state,) = release.rows("SELECT state FROM rehearsal_sessions WHERE id = :i", i=english["id"])[0]
        old_history = json.loads(old_state)["history"]
        database = Database(release_url)
        try:
            with store(database) as s:
                row = s.session.get(RehearsalSession, english["id"])
                assert row is not None
                closing = row.state["history"]
        finally:
            database.dispose()
        assert closing[: len(old_history)] == old_history and len(closing) == len(old_history) + 1
        assert closing[-1]["text"] == "What else has been getting in the way?"
        notes = (await http.get("/api/notes")).json()
        stored_notes = release.rows(
            "SELECT n.text FROM coaching_notes n JOIN users u ON u.id = n.rep_id "
            "WHERE u.login = :login ORDER BY n.created_at DESC",
            login=REP[0],
        )
        assert [n["text"] for n in notes] == [row.text for row in stored_notes]


async def test_the_manager_still_sees_the_old_team_and_transcripts(
    upgraded_app: FastAPI, release: Release
) -> None:
    async with _signed_in(upgraded_app, *MANAGER) as http:
        reps = (await http.get("/api/manager/reps")).json()
        assert [r["login"] for r in reps] == ["oldrep"]
        sessions = (await http.get(f"/api/manager/reps/{reps[0]['id']}/sessions")).json()
        assert len(sessions) == len(release.rep_sessions())
        for summary in sessions:
            managed = await http.get(f"/api/manager/sessions/{summary['id']}")
            assert managed.status_code == 200, managed.text


async def test_the_idle_sweep_closes_old_active_visits(release_url: str, release: Release) -> None:
    """Today's sweep meets the release's active visits, long idle: each is closed as abandoned
    with the scorecard of what the rep did, and the finished ones are left as they were."""
    stored = {row.id: row.status for row in release.rep_sessions()}
    assert "active" in stored.values()
    async with _running(_settings(release_url, idle_close_hours=24)) as app:
        # A day and more after the release's last write, whenever this test runs (the start-up
        # sweep has closed them already once the file is that old).
        later = datetime.now(UTC) + timedelta(hours=25)
        await asyncio.to_thread(app.state.services.idle.close_idle, later)
        async with _signed_in(app, *REP) as http:
            for session_id, status in stored.items():
                detail = (await http.get(f"/api/sessions/{session_id}")).json()
                assert detail["status"] == (status if status != "active" else "abandoned"), session_id
                assert detail["scorecard"]["score"] >= 0


# --- what releases from schema 0007 on stored ------------------------------------------------


async def test_old_sign_ins_are_still_valid_or_cleanly_expired(
    upgraded_0007_app: FastAPI, release_0007_url: str
) -> None:
    cookies = SIGN_INS_AND_OUTBOX.cookies
    (expires_at,) = SIGN_INS_AND_OUTBOX.rows(
        "SELECT w.expires_at FROM web_sessions w JOIN users u ON u.id = w.user_id "
        "WHERE u.login = :login AND w.revoked_at IS NULL AND w.user_agent = 'Old desktop browser'",
        login=REP[0],
    )[0]
    still_valid = datetime.fromisoformat(expires_at).replace(tzinfo=UTC) > datetime.now(UTC)
    async with _client(upgraded_0007_app, cookies["rep_token"]) as http:
        me = await http.get("/api/me")
        if still_valid:
            assert me.status_code == 200, me.text
            assert me.json()["login"] == REP[0]
        else:
            assert me.status_code == 401 and me.json()["error"]["code"] == "not_signed_in", me.text

    async with _client(upgraded_0007_app, cookies["revoked_token"]) as http:
        revoked = await http.get("/api/me")
        assert revoked.status_code == 401 and revoked.json()["error"]["code"] == "not_signed_in", revoked.text

    # The manager's sign-in as it is once its fourteen days have passed: refused cleanly, and
    # signing in again works.
    engine = create_engine(normalise_url(release_0007_url))
    try:
        with engine.begin() as connection:
            manager_id = connection.execute(
                text("SELECT id FROM users WHERE login = :login"), {"login": MANAGER[0]}
            ).scalar_one()
            web_sessions = MetaData()
            web_sessions.reflect(connection, only=["web_sessions"])
            table = web_sessions.tables["web_sessions"]
            connection.execute(
                update(table)
                .where(table.c.user_id == manager_id)
                .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
            )
    finally:
        engine.dispose()
    async with _client(upgraded_0007_app, cookies["manager_token"]) as http:
        expired = await http.get("/api/manager/reps")
        assert expired.status_code == 401 and expired.json()["error"]["code"] == "not_signed_in", expired.text
    async with _signed_in(upgraded_0007_app, *MANAGER) as http:
        assert (await http.get("/api/manager/reps")).status_code == 200


async def test_old_judgement_flags_are_still_listed(upgraded_0007_app: FastAPI) -> None:
    stored = SIGN_INS_AND_OUTBOX.rows("SELECT id, status, text, suggested, label FROM judgement_flags")
    assert {row.status for row in stored} == {"pending", "accepted"}
    feedback = upgraded_0007_app.state.services.feedback
    pending = await asyncio.to_thread(feedback.pending)
    accepted = await asyncio.to_thread(feedback.accepted)
    assert [(f.id, f.text, f.suggested) for f in pending] == [
        (row.id, row.text, row.suggested) for row in stored if row.status == "pending"
    ]
    assert [(f.id, f.text, f.label) for f in accepted] == [
        (row.id, row.text, row.label) for row in stored if row.status == "accepted"
    ]
    # A pending flag can still be reviewed.
    reviewed = await asyncio.to_thread(feedback.reject, pending[0].id, "upgrade-test")
    assert reviewed.status == "rejected"


async def test_old_visits_of_every_kind_are_read_continued_and_ended(upgraded_0007_app: FastAPI) -> None:
    stored = SIGN_INS_AND_OUTBOX.rep_sessions()
    assert {row.status for row in stored} == {"active", "ended", "closed_by_customer"}
    assert {row.channel for row in stored} == {"web", "cli"}
    (follow_up_id,) = SIGN_INS_AND_OUTBOX.rows(
        "SELECT id FROM rehearsal_sessions WHERE json_extract(state, '$.visit') = 'follow_up'"
    )[0]
    async with _signed_in(upgraded_0007_app, *REP) as http:
        for row in stored:
            detail = (await http.get(f"/api/sessions/{row.id}")).json()
            assert detail["status"] == row.status
            if row.scorecard is not None:  # the scorecard the release stored reads back as stored
                assert detail["scorecard"] == json.loads(row.scorecard)

        for row in stored:
            if row.status != "active":
                refused = await http.post(
                    f"/api/sessions/{row.id}/messages", json={"text": "还在吗？", "client_message_id": "late"}
                )
                assert refused.status_code == 409, refused.text
                continue
            line = (
                "您刚才说的这些，对交付有什么影响？"
                if row.language == "zh"
                else "What does that mean for you?"
            )
            reply = await http.post(
                f"/api/sessions/{row.id}/messages", json={"text": line, "client_message_id": "after-upgrade"}
            )
            assert reply.status_code == 200, reply.text
            assert reply.json()["customer_reply"]
            if row.mode == "practice":
                hint = await http.post(f"/api/sessions/{row.id}/hint")
                assert hint.status_code == 200 and hint.json()["hint"], hint.text
            ended = await http.post(f"/api/sessions/{row.id}/end")
            assert ended.status_code == 200, ended.text
            assert ended.json()["scorecard"]["score"] >= 0
            if row.id == follow_up_id:
                assert ended.json()["status"] == "ended"

    # The Telegram-only rep's visit, read by the admin (who sees every rep).
    (telegram_visit,) = SIGN_INS_AND_OUTBOX.rows(
        "SELECT id, scorecard FROM rehearsal_sessions WHERE channel = 'telegram'"
    )
    async with _signed_in(upgraded_0007_app, *ADMIN) as http:
        managed = await http.get(f"/api/manager/sessions/{telegram_visit.id}")
        assert managed.status_code == 200, managed.text
        assert managed.json()["scorecard"] == json.loads(telegram_visit.scorecard)


async def test_pending_outbox_rows_are_delivered_by_todays_dispatcher(release_0007_url: str) -> None:
    """The release queued a note push and an answer that no worker sent before the upgrade:
    today's dispatcher sends exactly those, once each, and nothing that was sent already."""
    pending = SIGN_INS_AND_OUTBOX.rows(
        "SELECT id, chat_key, kind, payload FROM outbox_messages WHERE status = 'pending' ORDER BY id"
    )
    assert {row.kind for row in pending} == {"push", "reply"}
    (note_text,) = SIGN_INS_AND_OUTBOX.rows("SELECT text FROM coaching_notes ORDER BY id DESC LIMIT 1")[0]
    fake = FakeBotAPI()
    fake.start()
    try:
        settings = telegram_settings(release_0007_url, fake, idle_close_hours=0)
        async with _running(settings) as app:
            deadline = time.monotonic() + 30
            while (await asyncio.to_thread(app.state.services.outbox.backlog)).depth:
                assert time.monotonic() < deadline, "the old pending rows were never delivered"
                await asyncio.sleep(0.05)
        delivered = fake.delivered()
        assert sorted(str(call.params["chat_id"]) for call in delivered) == sorted(
            row.chat_key for row in pending
        )
        assert any(note_text in call.params["text"] for call in delivered)
        for row in pending:
            texts = fake.sent_texts(int(row.chat_key))
            assert json.loads(row.payload)["text"] in texts
    finally:
        fake.stop()


async def test_the_release_scripts_become_versions_in_the_database(upgraded_app: FastAPI) -> None:
    """The scenario texts a release stored stay readable versions (numbered by 0009), a newer
    bundled file is published over them, and the old sessions still read on their own version."""
    from bot.engine.library import ScenarioLibrary
    from bot.storage import store

    dialogues = RELEASES.parents[2] / "dialogues"
    bundled = {r.id: int(r.version) for r in ScenarioLibrary.from_directory(dialogues).bundled()}
    db = upgraded_app.state.db
    async with _signed_in(upgraded_app, *REP) as http:
        sessions = (await http.get("/api/sessions")).json()
        assert sessions
        for summary in sessions:
            detail = (await http.get(f"/api/sessions/{summary['id']}")).json()
            assert detail["title"] and detail["title"] != summary["scenario_id"]
    with store(db) as s:
        published = s.scripts.published("scenario")
        for script_id, number in bundled.items():
            row = published[script_id]
            assert row.number == s.scripts.highest_number("scenario", script_id) >= number
            assert row.content and f'version: "{row.version}"' in row.content
        for summary in sessions:  # every old session's version is a stored, numbered text
            old = s.scripts.get("scenario", summary["scenario_id"], summary["scenario_version"])
            assert old is not None and old.content and old.number == int(summary["scenario_version"])
    older = {(s["scenario_id"], s["scenario_version"]) for s in sessions} - {
        (script_id, row.version) for script_id, row in published.items()
    }
    for script_id, version in older:
        history = upgraded_app.state.services.scripts.history(script_id)
        assert version in [h.version for h in history]
        assert history[0].diff.startswith(f"--- v{history[1].version}\n+++ v{history[0].version}\n")
