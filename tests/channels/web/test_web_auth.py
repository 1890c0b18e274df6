"""Sign-in, the session cookie, request hygiene and the page shell, over HTTP into the real app."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI
from itsdangerous import URLSafeTimedSerializer
from web_support import DEMO_LOGIN, DEMO_PASSWORD, sign_in

from bot.channels.web.auth import COOKIE_NAME
from bot.services import web_sessions
from bot.storage import store

# These check the HTTP layer (routing, cookies, parsing, limits); the database backend does not
# change them, so they run on SQLite only. Everything that stores or reads rows runs on both.
HTTP_LAYER_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

PROTECTED = [
    ("GET", "/api/me"),
    ("GET", "/api/scenarios"),
    ("GET", "/api/sessions"),
    ("POST", "/api/sessions"),
    ("GET", "/api/sessions/abc"),
    ("GET", "/api/sessions/abc/turns"),
    ("POST", "/api/sessions/abc/messages"),
    ("POST", "/api/sessions/abc/hint"),
    ("POST", "/api/sessions/abc/end"),
    ("GET", "/api/sessions/abc/events"),
    ("POST", "/api/telegram/link-code"),
]


@HTTP_LAYER_ONLY
async def test_root_redirects_to_chat(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 307
    assert response.headers["location"] == "/chat"


@HTTP_LAYER_ONLY
async def test_chat_page_and_assets_are_served_locally(client: httpx.AsyncClient) -> None:
    page = await client.get("/chat")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "销售提问教练" in page.text
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text)
    assert {a.split("?")[0] for a in assets} >= {"/static/chat.js", "/static/chat.css", "/static/favicon.svg"}
    for asset in assets:
        response = await client.get(asset)
        assert response.status_code == 200, asset
        # Offline-proof: no asset pulls anything from another host (the SVG namespace is not a fetch).
        urls = re.findall(r"https?://[^\s\"'<>)]+", response.text)
        assert [u for u in urls if not u.startswith("http://www.w3.org/")] == [], asset
    assert "<script>" not in page.text  # the CSP forbids inline script; none is needed


@HTTP_LAYER_ONLY
async def test_api_answers_401_json_without_a_session(client: httpx.AsyncClient) -> None:
    for method, path in PROTECTED:
        body = {"text": "hi", "client_message_id": "m1"} if path.endswith("messages") else None
        response = await client.request(method, path, json=body)
        assert response.status_code == 401, (method, path)
        assert response.json()["error"]["code"] == "not_signed_in"


async def test_sign_in_sets_a_signed_httponly_lax_cookie(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/login", json={"login": DEMO_LOGIN, "password": DEMO_PASSWORD})
    assert response.status_code == 200
    assert response.json()["login"] == DEMO_LOGIN and response.json()["role"] == "rep"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=")
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Path=/" in cookie
    me = await client.get("/api/me")
    assert me.status_code == 200 and me.json()["display_name"] == "演示销售 Demo Rep"


async def test_wrong_password_and_unknown_login_are_the_same_401(client: httpx.AsyncClient) -> None:
    wrong = await client.post("/api/auth/login", json={"login": DEMO_LOGIN, "password": "nope"})
    unknown = await client.post("/api/auth/login", json={"login": "nobody", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert "set-cookie" not in wrong.headers
    assert (await client.get("/api/me")).status_code == 401


async def test_sign_out_ends_the_session(rep: httpx.AsyncClient) -> None:
    assert (await rep.post("/api/auth/logout")).status_code == 204
    assert (await rep.get("/api/me")).status_code == 401


@HTTP_LAYER_ONLY
async def test_forged_and_tampered_cookies_are_refused(client: httpx.AsyncClient, app: FastAPI) -> None:
    await sign_in(client)
    real = client.cookies[COOKIE_NAME]
    client.cookies.clear()
    forged = URLSafeTimedSerializer("another-secret", salt="coach.web.session.v1").dumps(
        {"uid": 1, "pw": "x"}
    )
    for token in (forged, real[:-2] + ("AA" if not real.endswith("AA") else "BB"), "garbage"):
        client.cookies.set(COOKIE_NAME, token)
        response = await client.get("/api/me")
        assert response.status_code == 401, token
        client.cookies.clear()
    client.cookies.set(COOKIE_NAME, real)
    assert (await client.get("/api/me")).status_code == 200


async def test_a_new_password_signs_old_browsers_out(rep: httpx.AsyncClient, app: FastAPI) -> None:
    with store(app.state.db) as s:
        user = s.users.by_login(DEMO_LOGIN)
        assert user is not None
    # An administrator's reset (coach users set-password) ends every session of the user.
    web_sessions.set_password(app.state.db, user.id, "salt-river-17-lantern")
    response = await rep.get("/api/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_signed_in"


@HTTP_LAYER_ONLY
async def test_repeated_wrong_passwords_are_throttled(client: httpx.AsyncClient) -> None:
    codes = [
        (await client.post("/api/auth/login", json={"login": DEMO_LOGIN, "password": f"bad{i}"})).status_code
        for i in range(11)
    ]
    assert codes[:10] == [401] * 10 and codes[10] == 429
    # Even the right password waits out the window: guessing gains nothing by trying it last.
    right = await client.post("/api/auth/login", json={"login": DEMO_LOGIN, "password": DEMO_PASSWORD})
    assert right.status_code == 429


@HTTP_LAYER_ONLY
async def test_malformed_json_is_a_400(rep: httpx.AsyncClient) -> None:
    response = await rep.post(
        "/api/sessions", content=b'{"scenario_id": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"


@HTTP_LAYER_ONLY
async def test_unknown_and_missing_fields_are_a_422_naming_them(rep: httpx.AsyncClient) -> None:
    response = await rep.post("/api/sessions", json={"scenario": "x"})
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert fields == {"scenario_id", "scenario"}
    response = await rep.post("/api/sessions", json={"scenario_id": "x", "mode": "rehearse"})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "mode"


@HTTP_LAYER_ONLY
async def test_oversized_bodies_are_a_413_before_parsing(rep: httpx.AsyncClient) -> None:
    big = b'{"text": "' + b"x" * 40_000 + b'", "client_message_id": "m1"}'
    response = await rep.post(
        "/api/sessions/abc/messages", content=big, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"

    async def chunks():  # no Content-Length: the limit is enforced while reading
        for _ in range(40):
            yield b"x" * 1024

    response = await rep.post(
        "/api/sessions/abc/messages", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


async def test_link_code_is_one_time_and_belongs_to_me(rep: httpx.AsyncClient, app: FastAPI) -> None:
    response = await rep.post("/api/telegram/link-code")
    assert response.status_code == 200
    body = response.json()
    assert body["command"] == f"/start {body['code']}" and body["expires_in_seconds"] == 900
    with store(app.state.db, write=True) as s:
        user = s.users.redeem_link_code(body["code"])
        assert user is not None and user.login == DEMO_LOGIN
        assert s.users.redeem_link_code(body["code"]) is None
    second = (await rep.post("/api/telegram/link-code")).json()["code"]
    assert second != body["code"]


@HTTP_LAYER_ONLY
async def test_openapi_documents_the_api(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    paths = spec["paths"]
    for path in (
        "/api/auth/login",
        "/api/me",
        "/api/scenarios",
        "/api/sessions",
        "/api/sessions/{session_id}",
        "/api/sessions/{session_id}/messages",
        "/api/sessions/{session_id}/hint",
        "/api/sessions/{session_id}/end",
        "/api/sessions/{session_id}/events",
        "/api/telegram/link-code",
    ):
        assert path in paths, path
    send = paths["/api/sessions/{session_id}/messages"]["post"]
    assert send["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("MessageRequest")
    assert {"403", "404", "409", "413", "422", "503"} <= set(send["responses"])
    assert "client_message_id" in spec["components"]["schemas"]["MessageRequest"]["properties"]
    assert "/chat" not in paths


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ok"}
    assert ready.headers["x-content-type-options"] == "nosniff"
    assert ready.headers["x-frame-options"] == "DENY"


async def test_the_pages_name_every_stage_step_technique_and_angle_in_both_languages(
    client: httpx.AsyncClient,
) -> None:
    from bot.engine.scenario import ANGLES, STAGES, STEPS, TECHNIQUES

    # /i18n/<lang>.json is the catalogue export both pages (chat and manager) load.
    tables = {lang: (await client.get(f"/i18n/{lang}.json")).json() for lang in ("zh", "en")}
    wanted = [f"stage.{i}" for i in STAGES] + [f"step.{i}" for i in STEPS]
    wanted += [f"technique.{i}" for i in TECHNIQUES] + [f"angle.{i}" for i in ANGLES]
    wanted += ["step.ended", "step.closed_by_customer", "status.active", "status.ended"]
    for key in wanted:
        assert tables["zh"].get(key) and tables["en"].get(key), f"no label for {key}"
        assert re.search(r"[\u4e00-\u9fff]", tables["zh"][key]), f"{key} has no Chinese name"
        assert tables["zh"][key] != tables["en"][key], f"{key} is not translated"
