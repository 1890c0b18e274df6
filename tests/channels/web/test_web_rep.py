"""The rep's API beside the rehearsal, over HTTP through the real app: auth state without a 401,
the briefing cards, one visit at a time, honest states, progress, technique explanations and the
time-zone setting."""

from __future__ import annotations

from typing import Any

import httpx

SCENARIO = "precision-parts-returns"
PITCHES = [
    "Mr Wang, our monitoring system is the best on the market and cuts defects by half.",
    "Over three hundred plants already use it, and we have a special discount this month.",
    "Sign this month and we'll add a twenty percent discount on top, how about it?",
    "Honestly, ours is the best system you can buy, you should just try it.",
]


async def start(http: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await http.post("/api/sessions", json={"scenario_id": SCENARIO, "language": "en", **body})


async def test_auth_state_answers_200_signed_in_or_not(client: httpx.AsyncClient) -> None:
    signed_out = await client.get("/api/auth/state")
    assert signed_out.status_code == 200 and signed_out.json() == {"signed_in": False, "me": None}
    client.cookies.set("coach_session", "forged-token")
    assert (await client.get("/api/auth/state")).json()["signed_in"] is False
    client.cookies.clear()
    await client.post("/api/auth/login", json={"login": "demo", "password": "demo1234"})
    found = (await client.get("/api/auth/state")).json()
    assert found["signed_in"] is True and found["me"]["login"] == "demo" and found["me"]["time_zone"] is None


async def test_scenario_cards_carry_the_briefing_in_both_languages(rep: httpx.AsyncClient) -> None:
    scenario = next(s for s in (await rep.get("/api/scenarios")).json() if s["id"] == SCENARIO)
    en, zh = scenario["cards"]["en"], scenario["cards"]["zh"]
    assert (en["name"], en["company"], en["title"]) == (
        "Wang Jianguo",
        "Huadong Precision Components",
        "VP of Production",
    )
    assert (zh["name"], zh["industry"]) == ("王建国", "汽车零部件")
    assert en["briefing"].startswith("Old Zhou introduced you") and zh["briefing"].startswith("老周")
    assert en["purpose"] and "why" in scenario["trains"]


async def test_one_visit_at_a_time_continue_or_end_it(rep: httpx.AsyncClient) -> None:
    assert (await rep.get("/api/active-session")).json() == {"session": None}
    first = (await start(rep)).json()["session_id"]
    active = (await rep.get("/api/active-session")).json()["session"]
    assert active["id"] == first and active["status"] == "active" and active["title"]

    # "End it and start this one": the open visit ends (with its scorecard), the new one starts.
    second = await start(rep, end_active=True)
    assert second.status_code == 201
    ended = (await rep.get(f"/api/sessions/{first}")).json()
    assert ended["status"] == "ended" and ended["scorecard"] is not None
    assert (await rep.get("/api/active-session")).json()["session"]["id"] == second.json()["session_id"]
    assert (await start(rep, end_active="yes please")).status_code == 422  # bad input, nothing lost
    assert (await rep.get("/api/active-session")).json()["session"]["id"] == second.json()["session_id"]


async def test_the_list_says_walked_out_and_ended(rep: httpx.AsyncClient) -> None:
    walked = (await start(rep)).json()["session_id"]
    for n, line in enumerate(PITCHES):
        result = await rep.post(
            f"/api/sessions/{walked}/messages", json={"text": line, "client_message_id": f"p{n}"}
        )
        if result.json()["status"] != "active":
            break
    assert result.json()["status"] == "closed_by_customer"
    listed = {s["id"]: s for s in (await rep.get("/api/sessions")).json()}
    assert listed[walked]["status"] == "closed_by_customer" and listed[walked]["score"] is not None
    en = (await rep.get("/i18n/en.json")).json()
    zh = (await rep.get("/i18n/zh.json")).json()
    assert en["status.closed_by_customer"] == "walked out" and zh["status.closed_by_customer"]
    assert en["status.abandoned"] and en["status.ended"] and en["status.active"]


async def test_progress_and_technique_explanations(rep: httpx.AsyncClient) -> None:
    empty = (await rep.get("/api/progress")).json()
    assert empty["visits"] == 0 and empty["weakest"] is None and empty["assignments"] == []
    session = (await start(rep)).json()["session_id"]
    await rep.post(
        f"/api/sessions/{session}/messages",
        json={"text": "Why have the returns doubled?", "client_message_id": "w1"},
    )
    await rep.post(f"/api/sessions/{session}/end")
    found = (await rep.get("/api/progress")).json()
    assert found["visits"] == 1 and found["trend"][0]["session_id"] == session
    assert found["weakest"] and found["next"]["technique"] == found["weakest"]
    assert found["next"]["title"]["en"]

    why = (await rep.get("/api/techniques/why", params={"lang": "en"})).json()
    assert why["name"] == "Ask why" and why["definition"] and why["mistakes"] and why["examples"]
    assert (await rep.get("/api/techniques/why", params={"lang": "zh"})).json()["name"] == "问“为什么”"
    assert (await rep.get("/api/techniques/shouting")).status_code == 422
    assert (await rep.get("/api/techniques/why", params={"lang": "fr"})).status_code == 422


async def test_rep_api_needs_a_sign_in(client: httpx.AsyncClient) -> None:
    for path in ("/api/progress", "/api/active-session", "/api/techniques/why"):
        assert (await client.get(path)).status_code == 401
    assert (await client.put("/api/me/settings", json={"time_zone": "Asia/Shanghai"})).status_code == 401


async def test_time_zone_setting(rep: httpx.AsyncClient) -> None:
    first = await rep.put("/api/me/settings", json={"time_zone": "Asia/Shanghai", "only_if_unset": True})
    assert first.status_code == 200 and first.json() == {"time_zone": "Asia/Shanghai"}
    # The browser's zone does not replace one already chosen; an explicit change does.
    kept = await rep.put("/api/me/settings", json={"time_zone": "Europe/London", "only_if_unset": True})
    assert kept.json() == {"time_zone": "Asia/Shanghai"}
    bad = await rep.put("/api/me/settings", json={"time_zone": "Mars/Olympus"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "unknown_time_zone"
    changed = await rep.put("/api/me/settings", json={"time_zone": "Europe/London"})
    assert changed.json() == {"time_zone": "Europe/London"}
    assert (await rep.get("/api/auth/state")).json()["me"]["time_zone"] == "Europe/London"


async def test_progress_page_is_served(client: httpx.AsyncClient) -> None:
    page = await client.get("/progress")
    assert page.status_code == 200 and "/static/vendor/chart.umd.js" in page.text
    vendored = await client.get("/static/vendor/chart.umd.js")
    assert vendored.status_code == 200 and vendored.text.startswith("/*!\n * Chart.js v4.4.7")
