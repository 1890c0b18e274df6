"""The reliability issue's sign-in, session, input and operations defects, over HTTP into the
real app on both databases (tests that only touch the HTTP layer run on SQLite)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from conftest import _library
from fastapi import FastAPI
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from web_support import DEMO_LOGIN, DEMO_PASSWORD, add_rep, add_user, make_settings, sign_in

from bot import passwords
from bot.app import create_app
from bot.channels.web.auth import COOKIE_NAME
from bot.channels.web.input import isolate_bidi, json_depth
from bot.channels.web.observability import JsonFormatter, RequestIdFilter, request_id_var
from bot.channels.web.security import DEFAULT_SECRET, SignInGate
from bot.passwords import CheckGate
from bot.services import web_sessions
from bot.storage import Database, store

HTTP_LAYER_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
NEW_PASSWORD = "salt-river-17-lantern"
JSON = {"content-type": "application/json"}


@asynccontextmanager
async def started_app(
    database_url: str, monkeypatch: pytest.MonkeyPatch, **overrides: object
) -> AsyncIterator[FastAPI]:
    """Another app instance (another worker) on the same database, with its own settings."""
    settings = make_settings(database_url, **overrides)
    application = create_app(settings, library=_library(settings.dialogues_dir))
    async with application.router.lifespan_context(application):
        yield application


def http(application: FastAPI, *, raise_errors: bool = True) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=application, raise_app_exceptions=raise_errors)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


# --- 1. forged sign-in ---------------------------------------------------------------------


async def test_a_cookie_forged_offline_with_the_default_key_is_refused(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The old cookie was the user id and sha256(password hash) signed with the secret key; for
    a rep made by Telegram /start (no password) that is computable by anyone who knows the
    public default key. The server now runs with that key and still refuses it."""
    async with started_app(database_url, monkeypatch, secret_key=DEFAULT_SECRET) as application:
        with store(application.state.db, write=True) as s:
            telegram_rep = s.users.create("From Telegram", role="rep").id
        fingerprint = hashlib.sha256(b"").hexdigest()[:16]
        forged = URLSafeTimedSerializer(DEFAULT_SECRET, salt="coach.web.session.v1").dumps(
            {"uid": telegram_rep, "pw": fingerprint}
        )
        async with http(application) as client:
            client.cookies.set(COOKIE_NAME, forged)
            response = await client.get("/api/me")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_signed_in"


# --- 5. input that used to be a 500 on PostgreSQL ------------------------------------------


async def test_nul_control_characters_and_huge_ids_are_422_not_500(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    db = app.state.db
    add_user(db, "boss", "boss-pass-1", role="manager", team="T")
    rep_id = add_user(db, "lin", "lin-pass-1", team="T")
    nul_login = await client.post("/api/auth/login", json={"login": "de\x00mo", "password": "x"})
    assert nul_login.status_code == 422 and nul_login.json()["error"]["code"] == "invalid_request"
    await sign_in(client, "boss", "boss-pass-1")
    nul_note = await client.post(f"/api/manager/reps/{rep_id}/notes", json={"text": "a\x00b"})
    assert nul_note.status_code == 422
    bell_note = await client.post(f"/api/manager/reps/{rep_id}/notes", json={"text": "a\x07b"})
    assert bell_note.status_code == 422
    kept = await client.post(f"/api/manager/reps/{rep_id}/notes", json={"text": "第一行\n\t第二行"})
    assert kept.status_code == 201  # newlines and tabs are text
    for path in (
        "/api/manager/reps/2147483648/sessions",
        "/api/manager/reps/99999999999999999999/notes",
        "/api/manager/sessions/ab%00c",
    ):
        response = await client.get(path)
        assert response.status_code == 422, path
        assert response.json()["error"]["code"] == "invalid_request"
    assert (await client.get("/api/manager/reps/2147483647/sessions")).status_code == 404
    assert (await client.post("/api/notes/2147483648/read")).status_code == 422
    await sign_in(client)
    nul_path = await client.get("/api/sessions/ab%00c")
    assert nul_path.status_code == 422
    # Found by schemathesis (test_openapi_fuzz.py): a seq past the column was a 500 on both.
    scenario_id = (await client.get("/api/scenarios")).json()[0]["id"]
    started = await client.post("/api/sessions", json={"scenario_id": scenario_id})
    session_id = started.json()["session_id"]
    for query in ("turns?after=7784825911518265102827520", "events?after=2147483648"):
        response = await client.get(f"/api/sessions/{session_id}/{query}")
        assert response.status_code == 422, query
    listed = await client.get("/api/sessions", params={"before": "ab\x00c"})
    assert listed.status_code == 422


async def test_zero_width_only_text_is_rejected_like_empty_text(rep: httpx.AsyncClient, app: FastAPI) -> None:
    started = await rep.post(
        "/api/sessions", json={"scenario_id": "precision-parts-returns", "language": "zh"}
    )
    session_id = started.json()["session_id"]
    before = (await rep.get(f"/api/sessions/{session_id}/turns")).json()
    invisible = "\u200b\u200d\ufeff \u2060"
    said = await rep.post(
        f"/api/sessions/{session_id}/messages", json={"text": invisible, "client_message_id": "z1"}
    )
    assert said.status_code == 422 and said.json()["error"]["code"] == "message_rejected"
    nul = await rep.post(
        f"/api/sessions/{session_id}/messages", json={"text": "你好\x00", "client_message_id": "z2"}
    )
    assert nul.status_code == 422
    assert (await rep.get(f"/api/sessions/{session_id}/turns")).json() == before  # nothing stored
    visible = await rep.post(
        f"/api/sessions/{session_id}/messages", json={"text": "\u200b您好", "client_message_id": "z3"}
    )
    assert visible.status_code == 200  # a zero-width character next to text is fine


async def test_deeply_nested_json_is_a_400_not_a_recursion_error(rep: httpx.AsyncClient) -> None:
    deep = "[" * 5000 + "]" * 5000
    response = await rep.post("/api/sessions", content=deep, headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "json_too_deep"
    # Brackets inside strings are text, not nesting.
    assert json_depth(json.dumps({"text": "[" * 100}).encode()) == 1
    webhook = await rep.post("/telegram/webhook", content=deep, headers={"content-type": "application/json"})
    assert webhook.status_code == 400


@HTTP_LAYER_ONLY
async def test_the_webhook_takes_bodies_up_to_256_kib_and_the_api_stays_at_32(
    client: httpx.AsyncClient,
) -> None:
    body = json.dumps({"update_id": 1, "padding": "x" * 100_000})
    webhook = await client.post(
        "/telegram/webhook", content=body, headers={"content-type": "application/json"}
    )
    assert webhook.status_code != 413  # no bot configured here: 404/405, but not refused for size
    api = await client.post("/api/auth/login", content=body, headers={"content-type": "application/json"})
    assert api.status_code == 413
    huge = "x" * (257 * 1024)
    assert (await client.post("/telegram/webhook", content=huge)).status_code == 413


async def test_a_telegram_name_longer_than_the_column_is_cut_to_fit(db: Database) -> None:
    with store(db, write=True) as s:
        user = s.users.create("林" * 300 + "\x00", role="rep")
    with store(db) as s:
        stored = s.users.get(user.id)
        assert stored is not None and stored.display_name == "林" * 120


def test_bidi_text_is_isolated_when_shown() -> None:
    assert isolate_bidi("abc") == "abc"
    assert isolate_bidi("user\u202eexe.txt") == "\u2068user\u202eexe.txt\u2069"


# --- 6. sessions ----------------------------------------------------------------------------


async def test_sign_out_revokes_the_cookie_on_the_server(rep: httpx.AsyncClient) -> None:
    token = rep.cookies[COOKIE_NAME]
    assert (await rep.post("/api/auth/logout")).status_code == 204
    rep.cookies.set(COOKIE_NAME, token)  # a copy of the cookie, kept by an attacker
    assert (await rep.get("/api/me")).status_code == 401


async def test_a_password_change_keeps_this_session_and_ends_the_others(
    rep: httpx.AsyncClient, app: FastAPI
) -> None:
    async with http(app) as other:
        await sign_in(other)
        wrong = await rep.post(
            "/api/auth/password", json={"current_password": "nope", "new_password": NEW_PASSWORD}
        )
        assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "wrong_password"
        weak = await rep.post(
            "/api/auth/password", json={"current_password": DEMO_PASSWORD, "new_password": "a"}
        )
        assert weak.status_code == 422
        assert weak.json()["error"]["code"] == "password_too_short" and "密码" in weak.json()["error"]["zh"]
        common = await rep.post(
            "/api/auth/password", json={"current_password": DEMO_PASSWORD, "new_password": "password2024"}
        )
        assert common.json()["error"]["code"] == "password_too_common"
        assert (await other.get("/api/me")).status_code == 200  # refused changes end nothing
        changed = await rep.post(
            "/api/auth/password", json={"current_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD}
        )
        assert changed.status_code == 204
        assert (await rep.get("/api/me")).status_code == 200
        assert (await other.get("/api/me")).status_code == 401
    async with http(app) as fresh:
        assert (
            await fresh.post("/api/auth/login", json={"login": DEMO_LOGIN, "password": DEMO_PASSWORD})
        ).status_code == 401
        await sign_in(fresh, DEMO_LOGIN, NEW_PASSWORD)


async def test_deactivation_ends_sessions_and_refuses_sign_in(rep: httpx.AsyncClient, app: FastAPI) -> None:
    me = (await rep.get("/api/me")).json()
    web_sessions.set_active(app.state.db, me["id"], False)
    assert (await rep.get("/api/me")).status_code == 401
    again = await rep.post("/api/auth/login", json={"login": DEMO_LOGIN, "password": DEMO_PASSWORD})
    assert again.status_code == 401 and again.json()["error"]["code"] == "wrong_credentials"


async def test_a_turn_checks_its_sign_in_in_its_own_transaction(rep: httpx.AsyncClient, app: FastAPI) -> None:
    """The message route reads the sign-in inside the turn's transaction (no separate read):
    a revoked copy of the cookie and a deactivated user are refused and store nothing."""
    started = await rep.post(
        "/api/sessions", json={"scenario_id": "precision-parts-returns", "language": "en"}
    )
    session_id = started.json()["session_id"]
    path = f"/api/sessions/{session_id}/messages"

    async def rep_lines() -> int:
        return len(
            [
                t
                for t in (await rep.get(f"/api/sessions/{session_id}")).json()["turns"]
                if t["speaker"] == "rep"
            ]
        )

    said = await rep.post(path, json={"text": "Do you run two shifts?", "client_message_id": "live"})
    assert said.status_code == 200 and said.json()["customer_reply"]
    assert await rep_lines() == 1
    async with http(app) as copy:
        copy.cookies.set(COOKIE_NAME, rep.cookies[COOKIE_NAME])
        assert (await copy.post("/api/auth/logout")).status_code == 204  # the copy signs out
    refused = await rep.post(
        path, json={"text": "Do you run two shifts?", "client_message_id": "after-logout"}
    )
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "not_signed_in"
    await sign_in(rep)
    assert await rep_lines() == 1
    me = (await rep.get("/api/me")).json()
    web_sessions.set_active(app.state.db, me["id"], False)
    deactivated = await rep.post(path, json={"text": "What happens then?", "client_message_id": "inactive"})
    assert deactivated.status_code == 401
    web_sessions.set_active(app.state.db, me["id"], True)
    await sign_in(rep)
    assert await rep_lines() == 1
    rep.cookies.delete(COOKIE_NAME)
    assert (await rep.post(path, json={"text": "x", "client_message_id": "none"})).status_code == 401


@HTTP_LAYER_ONLY
async def test_secure_cookie_and_hsts_only_behind_an_https_public_url(
    database_url: str, monkeypatch: pytest.MonkeyPatch, client: httpx.AsyncClient, app: FastAPI
) -> None:
    plain = await client.post("/api/auth/login", json={"login": DEMO_LOGIN, "password": DEMO_PASSWORD})
    assert "secure" not in plain.headers["set-cookie"].lower()
    assert "strict-transport-security" not in plain.headers
    async with (
        started_app(database_url, monkeypatch, public_url="https://coach.example.com") as secure_app,
        http(secure_app) as secure_client,
    ):
        signed = await secure_client.post(
            "/api/auth/login", json={"login": DEMO_LOGIN, "password": DEMO_PASSWORD}
        )
    assert "; secure" in signed.headers["set-cookie"].lower()
    assert signed.headers["strict-transport-security"].startswith("max-age=31536000")


# --- 8. cross-site requests ----------------------------------------------------------------


async def test_a_cross_site_post_with_the_cookie_is_refused_and_same_origin_works(
    rep: httpx.AsyncClient,
) -> None:
    for header in (
        {"origin": "https://evil.example"},
        {"referer": "https://evil.example/page"},
        {"origin": "null"},
        {"origin": "http://testserver.evil.example"},
    ):
        response = await rep.post("/api/auth/logout", headers=header)
        assert response.status_code == 403, header
        assert response.json()["error"]["code"] == "cross_site_request"
    assert (await rep.get("/api/me")).status_code == 200  # the refused logout did nothing
    same = await rep.post("/api/telegram/link-code", headers={"origin": "http://testserver"})
    assert same.status_code == 200
    by_referer = await rep.post("/api/telegram/link-code", headers={"referer": "http://testserver/chat"})
    assert by_referer.status_code == 200
    # Behind a proxy that ends TLS the app sees http while the page's origin is https.
    behind_tls = await rep.post("/api/telegram/link-code", headers={"origin": "https://testserver"})
    assert behind_tls.status_code == 200


async def test_sec_fetch_site_decides_when_origin_and_referer_are_missing(rep: httpx.AsyncClient) -> None:
    """Origin, else Referer, else Sec-Fetch-Site: the first one sent decides; with none of the
    three (a non-browser client) a cookie-authenticated request passes."""
    zone = {"time_zone": "Asia/Shanghai"}
    cross = {"sec-fetch-site": "cross-site"}
    for method, path, body in (
        ("PUT", "/api/me/settings", zone),
        ("POST", "/api/telegram/link-code", None),
        ("POST", "/api/auth/logout", None),
    ):
        refused = await rep.request(method, path, json=body, headers=cross)
        assert refused.status_code == 403, path
        assert refused.json()["error"]["code"] == "cross_site_request"
    assert (await rep.get("/api/me")).json()["time_zone"] != "Asia/Shanghai"  # nothing changed
    assert (await rep.get("/api/me")).status_code == 200  # the refused logout did not sign out
    # An unknown value is not trusted either.
    assert (
        await rep.post("/api/telegram/link-code", headers={"sec-fetch-site": "elsewhere"})
    ).status_code == 403
    for value in ("same-origin", "same-site", "none", "Same-Origin"):
        allowed = await rep.post("/api/telegram/link-code", headers={"sec-fetch-site": value})
        assert allowed.status_code == 200, value
    # Origin and Referer come first: a foreign Origin is refused whatever Sec-Fetch-Site says,
    # and a same-origin Referer passes although the fetch metadata says cross-site.
    foreign = {"origin": "https://evil.example", "sec-fetch-site": "same-origin"}
    assert (await rep.post("/api/telegram/link-code", headers=foreign)).status_code == 403
    own_referer = {"referer": "http://testserver/chat", "sec-fetch-site": "cross-site"}
    assert (await rep.post("/api/telegram/link-code", headers=own_referer)).status_code == 200
    # An empty Origin is no claim: Referer decides.
    empty_origin = {"origin": "", "referer": "https://evil.example/"}
    assert (await rep.post("/api/telegram/link-code", headers=empty_origin)).status_code == 403
    # None of the three (curl, scripts): the cookie is accepted, the change is made.
    assert (await rep.put("/api/me/settings", json=zone)).json()["time_zone"] == "Asia/Shanghai"
    assert (await rep.post("/api/auth/logout")).status_code == 204
    assert (await rep.get("/api/me")).status_code == 401


@HTTP_LAYER_ONLY
async def test_requests_without_the_cookie_are_not_judged_by_origin(client: httpx.AsyncClient) -> None:
    """The check guards the cookie's ambient authority: a sign-in (no cookie yet) from a page
    that says cross-site is answered on its merits (401 for a wrong password), not 403."""
    response = await client.post(
        "/api/auth/login",
        json={"login": DEMO_LOGIN, "password": "not-the-password"},
        headers={"sec-fetch-site": "cross-site"},
    )
    assert response.status_code == 401


# --- 3. sign-in flood ----------------------------------------------------------------------


@HTTP_LAYER_ONLY
async def test_sign_ins_beyond_the_check_cap_are_429_without_hashing(
    client: httpx.AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = passwords.verify_password

    def counting(password_hash: str | None, password: str) -> bool:
        calls.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", counting)
    gate = CheckGate(1)
    app.state.check_gate = gate
    with gate.slot():  # one check is running: the cap is reached
        busy = await client.post("/api/auth/login", json={"login": "new-login-1", "password": "guess"})
        # Refused before routing reads the body: a body the route would call malformed is 429 too.
        unparsed = await client.post("/api/auth/login", content=b"{not json", headers=JSON)
    assert unparsed.status_code == 429
    free = await client.post("/api/auth/login", content=b"{not json", headers=JSON)
    assert free.status_code == 400  # with a free slot the route parses it
    assert busy.status_code == 429 and busy.headers["retry-after"] == "1"
    assert busy.json()["error"]["code"] == "too_many_sign_ins"
    assert calls == []  # refused before any Argon2 work
    await sign_in(client)
    assert calls == [DEMO_PASSWORD]


@HTTP_LAYER_ONLY
async def test_a_sign_in_finding_every_slot_taken_is_held_then_answered(
    client: httpx.AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Held for ``sign_in_hold`` seconds, then refused if the slot is still taken (no hashing) or
    let through if it was freed meanwhile; nothing is held beyond ``MAX_HELD``."""
    calls: list[str] = []
    real = passwords.verify_password

    def counting(password_hash: str | None, password: str) -> bool:
        calls.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", counting)
    gate = CheckGate(1)
    app.state.check_gate = gate
    app.state.sign_in_hold = 0.6
    body = {"login": DEMO_LOGIN, "password": DEMO_PASSWORD}
    with gate.slot():
        started = time.monotonic()
        held = await client.post("/api/auth/login", json=body)
        waited = time.monotonic() - started
    assert held.status_code == 429 and held.json()["error"]["code"] == "too_many_sign_ins"
    assert 0.6 <= waited < 5 and calls == []  # held for the hold, then refused without hashing

    slot = gate.slot()
    slot.__enter__()
    asyncio.get_running_loop().call_later(0.2, slot.__exit__, None, None, None)  # freed while held
    started = time.monotonic()
    through = await client.post("/api/auth/login", json=body)
    assert through.status_code == 200, through.text  # a real user gets in instead of a 429
    assert time.monotonic() - started >= 0.6 and calls == [DEMO_PASSWORD]

    monkeypatch.setattr(SignInGate, "MAX_HELD", 0)
    with gate.slot():
        started = time.monotonic()
        refused = await client.post("/api/auth/login", json=body)
    assert refused.status_code == 429 and time.monotonic() - started < 0.5  # no room to hold: at once


@HTTP_LAYER_ONLY
async def test_password_checks_run_on_the_gates_own_threads(
    client: httpx.AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not on the pool that serves everyone's database reads; the request id still reaches them."""
    seen: list[tuple[str, str | None]] = []
    real = passwords.verify_password

    def recording(password_hash: str | None, password: str) -> bool:
        seen.append((threading.current_thread().name, request_id_var.get()))
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", recording)
    wrong = await client.post(
        "/api/auth/login",
        json={"login": "nobody-here", "password": "a-wrong-guess"},
        headers={"x-request-id": "r-1"},
    )
    assert wrong.status_code == 401
    await sign_in(client)
    assert [name.startswith("password-check") for name, _ in seen] == [True, True]
    assert seen[0][1] == "r-1"


async def test_the_throttle_is_shared_by_two_app_instances_on_one_database(
    database_url: str, monkeypatch: pytest.MonkeyPatch, client: httpx.AsyncClient
) -> None:
    for i in range(5):
        response = await client.post("/api/auth/login", json={"login": DEMO_LOGIN, "password": f"bad{i}"})
        assert response.status_code == 401
    async with started_app(database_url, monkeypatch) as second_worker, http(second_worker) as other:
        for i in range(5):
            response = await other.post(
                "/api/auth/login", json={"login": DEMO_LOGIN, "password": f"bad{5 + i}"}
            )
            assert response.status_code == 401
        blocked = await other.post("/api/auth/login", json={"login": DEMO_LOGIN, "password": DEMO_PASSWORD})
    assert blocked.status_code == 429  # 5 + 5 failures across two workers reach the limit of 10
    assert (
        await client.post("/api/auth/login", json={"login": DEMO_LOGIN, "password": DEMO_PASSWORD})
    ).status_code == 429


@HTTP_LAYER_ONLY
async def test_one_address_trying_many_logins_is_throttled(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with started_app(database_url, monkeypatch, sign_in_failures_per_address=3) as application:
        add_rep(application.state.db, DEMO_LOGIN, DEMO_PASSWORD)
        async with http(application) as client:
            codes = [
                (
                    await client.post("/api/auth/login", json={"login": f"user{i}", "password": "x"})
                ).status_code
                for i in range(4)
            ]
    assert codes == [401, 401, 401, 429]


# --- errors, OpenAPI, operations -----------------------------------------------------------


@HTTP_LAYER_ONLY
async def test_405_names_the_allowed_methods_and_500_is_json(app: FastAPI) -> None:
    async def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/test-boom", boom, methods=["GET"])
    async with http(app, raise_errors=False) as client:
        wrong_method = await client.delete("/api/me")
        failed = await client.get("/api/test-boom")
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "GET"
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"
    assert failed.status_code == 500
    assert failed.json() == {
        "error": {"code": "internal_error", "message": "Something went wrong on our side; try again."}
    }


@HTTP_LAYER_ONLY
async def test_openapi_lists_every_response(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for operations in paths.values():
        for method, operation in operations.items():
            assert {"422", "500", "503"} <= set(operation["responses"]), method
            for status_code, response in operation["responses"].items():
                if status_code >= "400" and "content" in response:  # errors are JSON, pages' too
                    assert list(response["content"]) == ["application/json"], (method, status_code)
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, (method, status_code)
    assert {"400", "403", "413", "429"} <= set(paths["/api/auth/login"]["post"]["responses"])
    assert "409" in paths["/api/sessions/{session_id}/hint"]["post"]["responses"]
    assert "/api/auth/password" in paths


async def test_readyz_needs_a_write(client: httpx.AsyncClient, app: FastAPI) -> None:
    assert (await client.get("/readyz")).status_code == 200
    engine = app.state.db.engine
    engine.dispose()
    statement = (
        "PRAGMA query_only = ON" if app.state.db.is_sqlite else "SET default_transaction_read_only = on"
    )

    @event.listens_for(engine, "connect")
    def _read_only(dbapi_connection: Any, _record: Any) -> None:
        # Like a full disk or a read-only replica: reads answer, writes fail.
        cursor = dbapi_connection.cursor()
        cursor.execute(statement)
        cursor.close()
        if not app.state.db.is_sqlite:
            dbapi_connection.commit()

    ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert app.state.db.ping()  # SELECT 1 alone would have said ready


@HTTP_LAYER_ONLY
async def test_request_ids_and_metrics(client: httpx.AsyncClient) -> None:
    given = await client.get("/healthz", headers={"x-request-id": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = await client.get("/healthz", headers={"x-request-id": "bad id\nwith newline"})
    assert made.headers["x-request-id"] != "bad id\nwith newline" and len(made.headers["x-request-id"]) == 32
    await client.post("/api/auth/login", json={"login": DEMO_LOGIN, "password": "wrong"})
    metrics = (await client.get("/metrics")).text
    assert 'coach_sign_in_failures_total{reason="wrong_credentials"}' in metrics
    assert 'coach_errors_total{code="wrong_credentials"}' in metrics
    assert 'route="/api/auth/login"' in metrics and "coach_request_seconds_bucket" in metrics
    assert "coach_turns_total" in metrics and "coach_webhook_duplicates_total" in metrics


def test_json_log_lines_carry_the_request_id() -> None:
    record = logging.LogRecord("bot", logging.ERROR, __file__, 1, "failed %s", ("x",), None)
    token = request_id_var.set("req-42")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-42" and line["message"] == "failed x" and line["level"] == "ERROR"


def test_sql_errors_do_not_carry_the_bound_values(db: Database) -> None:
    secret_text = "the rep's private message 12345"
    with pytest.raises(IntegrityError) as failure, store(db, write=True) as s:
        s.users.create("a", login=secret_text)
        s.users.create("b", login=secret_text)
    if db.is_sqlite:  # PostgreSQL's own message quotes the key; the log line below hides it
        assert secret_text not in str(failure.value)
    record = logging.LogRecord(
        "bot",
        logging.ERROR,
        __file__,
        1,
        "store failed",
        (),
        (type(failure.value), failure.value, failure.tb),
    )
    line = JsonFormatter().format(record)
    assert secret_text not in line
    assert "IntegrityError" in line and "INSERT INTO users" in line and "test_web_security.py" in line


def test_made_request_ids_are_unique_hex_and_a_forked_child_draws_its_own_prefix() -> None:
    import multiprocessing
    import re

    from bot.channels.web.observability import new_request_id

    ids = [new_request_id() for _ in range(1000)]
    assert len(set(ids)) == 1000 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe()
    process = context.Process(target=lambda: child.send(new_request_id()))
    process.start()
    theirs = parent.recv()
    process.join()
    assert theirs[:16] != ids[0][:16]  # two workers forked from one parent never share ids
