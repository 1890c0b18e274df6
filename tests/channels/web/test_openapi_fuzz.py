"""schemathesis against the app's own OpenAPI: every operation, signed in, on both databases.

A real uvicorn process on a real database (an SQLite file; PostgreSQL too when it answers, as
for every database test). A rep and a manager of one team sign in over HTTP; the rep has a
rehearsal with turns and the manager has written them a note, so the generated cases reach real
rows (the path ids are drawn from the generated values *and* those known ids) and not only 404s.
Each operation runs as the role it is for (``/api/manager/...`` as the manager, the rest as the
rep), with the cookie and a same-origin ``Origin`` header, so the Origin check lets the
state-changing requests through.

Every one of schemathesis's checks runs on every response (no 5xx, status code, content type,
headers and body as the schema says, bad input refused, ...). The number of examples is bounded
and the generation derandomized, so a run is reproducible and takes about a minute per database.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from web_support import LiveServer, add_user, make_settings

from bot.app import create_app
from bot.services import web_sessions
from bot.storage import Database, upgrade

MAX_EXAMPLES = 30
# Each of these runs a real Argon2 check (~0.1 s, more on a loaded machine): fewer, so the whole
# module stays around a minute per database.
PASSWORD_CHECKING = {"/api/auth/login": 8, "/api/auth/password": 8}
LOGOUT = "/api/auth/logout"
REP_LOGIN, MANAGER_LOGIN, PASSWORD = "fuzz-rep", "fuzz-manager", "fuzz-river-lantern-42"


class FuzzTarget:
    """The running server, its database, and what the seeding left in it."""

    def __init__(self, server: LiveServer, db: Database) -> None:
        self.server = server
        self.db = db
        self.rep_id = add_user(db, REP_LOGIN, PASSWORD, team="fuzz-team")
        self.manager_id = add_user(db, MANAGER_LOGIN, PASSWORD, role="manager", team="fuzz-team")
        self.sessions = {REP_LOGIN: self._signed_in(REP_LOGIN), MANAGER_LOGIN: self._signed_in(MANAGER_LOGIN)}
        self.known_ids = self._seed()

    def _signed_in(self, login: str) -> requests.Session:
        """A requests session with the sign-in cookie (got over HTTP) and this site's Origin."""
        session = requests.Session()
        response = session.post(
            f"{self.server.url}/api/auth/login", json={"login": login, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        session.headers["Origin"] = self.server.url
        return session

    def _seed(self) -> dict[str, Any]:
        """A rehearsal with turns and a note, made over HTTP like a user would."""
        rep, manager, url = self.sessions[REP_LOGIN], self.sessions[MANAGER_LOGIN], self.server.url
        scenario_id = rep.get(f"{url}/api/scenarios").json()[0]["id"]
        started = rep.post(f"{url}/api/sessions", json={"scenario_id": scenario_id})
        assert started.status_code == 201, started.text
        session_id = started.json()["session_id"]
        for number, line in enumerate(("您好，我是来拜访的销售。", "贵公司现在的门店有多少家？")):
            body = {"text": line, "client_message_id": f"seed-{number}"}
            sent = rep.post(f"{url}/api/sessions/{session_id}/messages", json=body)
            assert sent.status_code == 200, sent.text
        note = manager.post(
            f"{url}/api/manager/reps/{self.rep_id}/notes", json={"text": "多问一个开放式问题。"}
        )
        assert note.status_code == 201, note.text
        return {"session_id": session_id, "rep_id": self.rep_id, "note_id": note.json()["id"], "seq": 1}

    def session_for(self, path: str) -> requests.Session:
        if path == LOGOUT:
            # Signing out revokes the cookie; give it a fresh session of its own each time.
            session = requests.Session()
            session.cookies.set(self._cookie_name(), web_sessions.issue(self.db, self.rep_id))
            session.headers["Origin"] = self.server.url
            return session
        return self.sessions[MANAGER_LOGIN if path.startswith("/api/manager/") else REP_LOGIN]

    def _cookie_name(self) -> str:
        return next(iter(self.sessions[REP_LOGIN].cookies.keys()))


@pytest.fixture(scope="module")
def fuzz_target(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzTarget]:
    database_url = module_database_url
    upgrade(database_url)
    db = Database(database_url)
    log_path: Path = tmp_path_factory.mktemp("fuzz-log") / "uvicorn.log"
    server = LiveServer(database_url, log_path=log_path)
    try:
        server.wait_ready(timeout=120)  # a loaded CI machine starts it slowly
        yield FuzzTarget(server, db)
    finally:
        server.stop()
        db.dispose()


@pytest.fixture(scope="module")
def api_schema(fuzz_target: FuzzTarget) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_url(f"{fuzz_target.server.url}/openapi.json")
    # A body over the size limit is refused with 413 (documented on every state-changing
    # operation): a rejection, which schemathesis's default list for invalid data leaves out.
    rejection = schema.config.checks.negative_data_rejection
    rejection.expected_statuses = [*rejection.expected_statuses, "413"]
    known = fuzz_target.known_ids

    @schema.hook
    def flatmap_path_parameters(_context: schemathesis.HookContext, path_parameters: dict[str, Any]) -> Any:
        """Half the cases aim at rows that exist, so the operations get past their 404."""
        if not path_parameters:
            return st.just(path_parameters)
        existing = {name: known[name] for name in path_parameters if name in known}
        return st.sampled_from([path_parameters, {**path_parameters, **existing}])

    return schema


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every documented operation, read from the app itself (no server needed)."""
    paths = create_app(make_settings("sqlite://")).openapi()["paths"]
    return [(method.upper(), path) for path, operations in paths.items() for method in operations]


@pytest.mark.slow
@pytest.mark.parametrize(("method", "path"), _operations(), ids=lambda value: str(value))
def test_every_operation_answers_within_its_schema(
    method: str, path: str, api_schema: schemathesis.BaseSchema, fuzz_target: FuzzTarget
) -> None:
    operation = api_schema[path][method]
    session = fuzz_target.session_for(path)
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
    )

    @given(case=cases)
    @settings(
        max_examples=PASSWORD_CHECKING.get(path, MAX_EXAMPLES),
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def answers_within_its_schema(case: schemathesis.Case) -> None:
        case.call_and_validate(session=fuzz_target.session_for(path) if path == LOGOUT else session)

    answers_within_its_schema()
