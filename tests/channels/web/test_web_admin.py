# ruff: noqa: F811  (pytest fixtures imported from test_web_manager are parameters here)
"""Admins manage teams and users over HTTP: create, move, deactivate (which signs the user out
at once) and import from CSV (all or nothing); every route refused to everyone else."""

from __future__ import annotations

from typing import Any

import httpx
from test_web_manager import PASSWORD, Client, as_user, people  # noqa: F401 (fixtures)

ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/admin/teams", None),
    ("POST", "/api/admin/teams", {"name": "华北"}),
    ("GET", "/api/admin/users", None),
    ("POST", "/api/admin/users", {"login": "newbie", "password": "river-stone-42"}),
    ("PATCH", "/api/admin/users/1", {"active": True}),
    ("POST", "/api/admin/users/import", {"csv": "login\nsomeone\n"}),
]


async def test_only_admins(client: httpx.AsyncClient, as_user: Client, people: dict[str, int]) -> None:
    for method, path, body in ROUTES:
        response = await client.request(method, path, json=body)
        assert response.status_code == 401, path
    for login in ("wang", "zhao", "boss_e", "boss_w", "coach"):  # reps, managers, a trainer
        http = await as_user(login)
        for method, path, body in ROUTES:
            response = await http.request(method, path, json=body)
            assert response.status_code == 403, (login, path)
            assert response.json()["error"]["code"] == "not_an_admin"
    admin = await as_user("root")
    for method, path, body in ROUTES:
        response = await admin.request(method, path, json=body)
        assert response.status_code in (200, 201), (path, response.text)
    for login in ("wang", "boss_e"):  # the admin page's HTML is public; its data is not
        assert (await (await as_user(login)).get("/admin")).status_code == 200


async def test_create_move_and_deactivate(
    client: httpx.AsyncClient, as_user: Client, people: dict[str, int]
) -> None:
    admin = await as_user("root")
    team = await admin.post("/api/admin/teams", json={"name": "华南"})
    assert team.status_code == 201
    south = team.json()["id"]
    again = await admin.post("/api/admin/teams", json={"name": "华南"})
    assert again.status_code == 422 and "exists" in again.json()["error"]["message"]

    created = await admin.post(
        "/api/admin/users",
        json={"login": "zhou", "name": "周杰", "role": "rep", "team_id": south, "password": PASSWORD},
    )
    assert created.status_code == 201, created.text
    zhou = created.json()
    assert (zhou["team"], zhou["role"], zhou["active"]) == ("华南", "rep", True)
    weak = await admin.post("/api/admin/users", json={"login": "wu", "password": "short"})
    assert weak.status_code == 422
    taken = await admin.post("/api/admin/users", json={"login": "wang", "password": PASSWORD})
    assert taken.status_code == 422 and "exists" in taken.json()["error"]["message"]
    nowhere = await admin.post("/api/admin/users", json={"login": "wu", "password": PASSWORD, "team_id": 999})
    assert nowhere.status_code == 404

    # Moving a rep moves them between managers' scopes.
    east = await as_user("boss_e")
    assert "wang" in [r["login"] for r in (await east.get("/api/manager/reps")).json()]
    moved = await admin.patch(f"/api/admin/users/{people['wang']}", json={"move": True, "team_id": south})
    assert moved.status_code == 200 and moved.json()["team"] == "华南"
    assert "wang" not in [r["login"] for r in (await east.get("/api/manager/reps")).json()]
    unteamed = await admin.patch(f"/api/admin/users/{people['wang']}", json={"move": True, "team_id": None})
    assert unteamed.json()["team"] is None

    # Deactivation ends the user's sign-in at once, on every browser.
    zhao = await as_user("zhao")
    assert (await zhao.get("/api/me")).status_code == 200
    off = await admin.patch(f"/api/admin/users/{people['zhao']}", json={"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    assert (await zhao.get("/api/me")).status_code == 401
    refused = await client.post("/api/auth/login", json={"login": "zhao", "password": PASSWORD})
    assert refused.status_code == 401
    on = await admin.patch(f"/api/admin/users/{people['zhao']}", json={"active": True})
    assert on.json()["active"] is True
    assert (
        await client.post("/api/auth/login", json={"login": "zhao", "password": PASSWORD})
    ).status_code == 200
    me = await admin.patch(f"/api/admin/users/{people['root']}", json={"active": False})
    assert me.status_code == 422
    assert (await admin.patch("/api/admin/users/999999", json={"active": False})).status_code == 404
    assert (await admin.patch(f"/api/admin/users/{people['zhao']}", json={})).status_code == 422
    listed = {u["login"]: u for u in (await admin.get("/api/admin/users")).json()}
    assert listed["zhou"]["team"] == "华南" and listed["zhao"]["active"] is True


async def test_import_reports_bad_rows_and_imports_nothing(as_user: Client, people: dict[str, int]) -> None:
    admin = await as_user("root")
    bad = "login,name,role,team\nkong,孔,rep,华南\nwang,重名,rep,华南\n,无名,rep,华南\nma,马,chief,华南\n"
    response = await admin.post("/api/admin/users/import", json={"csv": bad})
    assert response.status_code == 200
    answer = response.json()
    assert answer["created"] == []
    assert [(p["row"], p["reason"].split(" ")[0]) for p in answer["problems"]] == [
        (3, "login"),
        (4, "login:"),
        (5, "role"),
    ]
    users = {u["login"] for u in (await admin.get("/api/admin/users")).json()}
    assert "kong" not in users and "华南" not in {
        t["name"] for t in (await admin.get("/api/admin/teams")).json()
    }
    header = await admin.post("/api/admin/users/import", json={"csv": "name,role\n孔,rep\n"})
    assert header.json()["problems"][0]["row"] == 1

    good = "login,name,role,team,password\nkong,孔明,rep,华南,\nma,马超,manager,华南,river-stone-42\n"
    response = await admin.post("/api/admin/users/import", json={"csv": good})
    answer = response.json()
    assert answer["problems"] == []
    made = {c["login"]: c["password"] for c in answer["created"]}
    assert made["ma"] is None and made["kong"]  # a password made for the row without one
    kong = await as_user_with(admin, "kong", made["kong"])
    assert kong["role"] == "rep"


async def as_user_with(admin: httpx.AsyncClient, login: str, password: str) -> dict[str, Any]:
    """Sign in with a fresh cookie jar on the same app (the admin's transport)."""
    async with httpx.AsyncClient(transport=admin._transport, base_url="http://testserver") as http:
        response = await http.post("/api/auth/login", json={"login": login, "password": password})
        assert response.status_code == 200, response.text
        return dict(response.json())
