# ruff: noqa: F811  (pytest fixtures imported from test_web_manager are parameters here)
"""Who may use the sessions list, the exports, the report and the admin routes: a rep, another
rep, a manager of another team, a trainer, an admin and nobody signed in, on every new route."""

from __future__ import annotations

from typing import Any

import httpx
from test_web_manager import LINES, Client, as_user, people, rehearse  # noqa: F401 (fixtures)


def manager_routes(rep_id: int) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("GET", "/api/manager/sessions", None),
        ("GET", "/api/manager/filters", None),
        ("GET", "/api/manager/export?format=csv", None),
        ("GET", "/api/manager/export?format=jsonl", None),
        ("GET", f"/manage/reps/{rep_id}/report", None),
    ]


async def call(
    http: httpx.AsyncClient, method: str, path: str, body: dict[str, Any] | None
) -> httpx.Response:
    return (
        await http.request(method, path, json=body) if body is not None else await http.request(method, path)
    )


async def test_manager_routes_by_role(
    client: httpx.AsyncClient, as_user: Client, people: dict[str, int]
) -> None:
    wang = await as_user("wang")
    visit = await rehearse(wang, LINES)
    routes = manager_routes(people["wang"])
    for method, path, body in routes:
        anonymous = await call(client, method, path, body)
        assert anonymous.status_code == 401, path
        assert anonymous.json()["error"]["code"] == "not_signed_in"
    # The rep themself, another rep, a trainer: not managers.
    for login in ("wang", "zhao", "coach"):
        http = wang if login == "wang" else await as_user(login)
        for method, path, body in routes:
            refused = await call(http, method, path, body)
            assert refused.status_code == 403, (login, path)
            assert refused.json()["error"]["code"] == "not_a_manager"

    own = await as_user("boss_e")
    other = await as_user("boss_w")
    admin = await as_user("root")
    for http in (own, admin):
        for method, path, body in routes:
            assert (await call(http, method, path, body)).status_code == 200, path
        assert visit["session_id"] in (await http.get("/api/manager/export?format=jsonl")).text
        listed = (await http.get("/api/manager/sessions")).json()["sessions"]
        assert visit["session_id"] in [row["id"] for row in listed]
    # A manager of another team: the lists are empty of this team, the report is not found.
    assert (await other.get("/api/manager/sessions")).json()["sessions"] == []
    assert (await other.get(f"/api/manager/sessions?rep={people['wang']}")).json()["total"] == 0
    assert visit["session_id"] not in (await other.get("/api/manager/export?format=csv")).text
    foreign = await other.get(f"/manage/reps/{people['wang']}/report")
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "rep_not_found"
    options = (await other.get("/api/manager/filters")).json()
    assert [r["login"] for r in options["reps"]] == ["liu"] and [t["name"] for t in options["teams"]] == [
        "华西"
    ]
    for path in (f"/manage/reps/{people['boss_e']}/report", "/manage/reps/999999/report"):
        assert (await admin.get(path)).status_code == 404  # not a rep; nobody
    assert (await admin.get("/manage/reps/0/report")).status_code == 422


async def test_the_printable_report(as_user: Client, people: dict[str, int]) -> None:
    wang = await as_user("wang")
    ended = [await rehearse(wang, LINES), await rehearse(wang, LINES[:2])]
    await rehearse(wang, LINES[:1], end=False)
    manager = await as_user("boss_e")
    page = await manager.get(f"/manage/reps/{people['wang']}/report", params={"lang": "en"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    scores = [e["scorecard"]["score"] for e in ended]
    assert "王小明" in html and "Practice report" in html and "@media print" not in html
    assert 'href="/static/report.css' in html
    assert 'data-figure="visits">3<' in html and f'data-figure="scored">{len(scores)}<' in html
    assert f'data-figure="average">{round(sum(scores) / 2, 1)}<' in html
    assert f'data-figure="best">{max(scores)}<' in html
    assert 'data-outcome="active"' in html and 'data-outcome="ended"' in html
    assert html.count("data-session=") == 3
    chinese = (await manager.get(f"/manage/reps/{people['wang']}/report", params={"lang": "zh"})).text
    assert "练习报告" in chinese and "进行中" in chinese
