"""The session list and the transcript page by keyset; without the new parameters they answer as before."""

from __future__ import annotations

import httpx
from test_web_rehearsal import METHOD_ZH, say, start


async def test_session_list_pages_with_before(rep: httpx.AsyncClient) -> None:
    started = []
    for _ in range(5):
        opening = await start(rep)
        started.append(opening["session_id"])
        assert (await rep.post(f"/api/sessions/{opening['session_id']}/end")).status_code == 200
    every = (await rep.get("/api/sessions")).json()
    ids = [s["id"] for s in every]
    assert set(started) <= set(ids)
    pages: list[str] = []
    before: str | None = None
    while True:
        params = {"limit": 2, **({"before": before} if before else {})}
        page = (await rep.get("/api/sessions", params=params)).json()
        if not page:
            break
        assert len(page) <= 2
        pages += [s["id"] for s in page]
        before = page[-1]["id"]
    assert pages == ids  # the same order, nothing twice, nothing left out
    assert (await rep.get("/api/sessions", params={"before": "no-such-session"})).json() == []


async def test_transcript_pages_with_after_and_limit(rep: httpx.AsyncClient) -> None:
    session_id = (await start(rep))["session_id"]
    for n, line in enumerate(METHOD_ZH[:3]):
        assert (await say(rep, session_id, line, f"m{n}")).status_code == 200
    whole = (await rep.get(f"/api/sessions/{session_id}/turns")).json()
    assert len(whole) >= 7
    seen: list[int] = []
    after = 0
    while page := (
        await rep.get(f"/api/sessions/{session_id}/turns", params={"after": after, "limit": 3})
    ).json():
        assert len(page) <= 3
        seen += [t["seq"] for t in page]
        after = page[-1]["seq"]
    assert seen == [t["seq"] for t in whole]
