"""Team analytics of 50 reps x 40 visits: how long the manager's /api/manager/analytics answer takes.

Plays a few real visits through the engine (so the scorecards are real), copies them into 50
reps x 40 finished visits spread over 60 days, then times one ``AnalyticsService.team`` call for
the whole team (every visit in the period) and one over the last 30 days, and one HTTP request
of the real app through its routing and JSON. One run each, as the issue asks; prints the figures.

    .venv/bin/python benchmarks/team_analytics.py [--postgres URL] [--reps 50] [--visits 40]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bot.app import create_app
from bot.config import PROJECT_ROOT, Settings
from bot.engine.library import ScenarioLibrary
from bot.passwords import hash_password
from bot.services import AnalyticsService, RehearsalService
from bot.storage import Database, RehearsalSession, store, upgrade
from bot.storage.reviews import record_figures

SCENARIO = "precision-parts-returns"
VISITS = [
    ["王总您好，我是李明，老周介绍我过来的，谢谢您抽时间。"],
    [
        "王总您好，我是李明，老周介绍我过来的，谢谢您抽时间。",
        "听说你们主要给新能源车做精密零件，对吧？",
        "看您有点疲惫，是刚从主机厂那边回来吗？最近他们的要求是不是又变了？",
        "退货为什么会翻倍呢？",
        "为什么会这样呢？",
        "除此之外还有别的困扰吗？",
    ],
    [
        "王总您好，我是李明，谢谢您抽时间。",
        "我们的检测设备很先进，可以帮您解决问题。",
    ],
]
TARGET_MS = 200.0


def seed(url: str, reps: int, visits: int) -> int:
    """The manager's id, after seeding ``reps`` reps with ``visits`` finished visits each."""
    upgrade(url)
    db = Database(url)
    library = ScenarioLibrary.from_directory(PROJECT_ROOT / "dialogues")
    rehearsals = RehearsalService(db, library, Settings(database_url=url))
    password = hash_password("bench-pass-1")
    with store(db, write=True) as s:
        team = s.users.get_or_create_team("bench")
        manager = s.users.create(
            "经理", login="bench-boss", role="manager", team=team, password_hash=password
        )
        ids = [s.users.create(f"销售{i:02d}", login=f"bench-rep{i:02d}", team=team).id for i in range(reps)]
        manager_id = manager.id
    played = []
    for lines in VISITS:  # real visits: real scorecards and line histories to copy
        session_id = rehearsals.start(
            ids[0], SCENARIO, language="zh", mode="practice", channel="web"
        ).session_id
        for line in lines:
            rehearsals.send(session_id, line, user_id=ids[0], channel="web")
        rehearsals.end(session_id, user_id=ids[0], channel="web")
        played.append(session_id)
    now = datetime.now(UTC)
    with store(db, write=True) as s:
        templates = [s.sessions.get(i) for i in played]
        for rep_index, rep_id in enumerate(ids):
            for n in range(visits - (len(played) if rep_index == 0 else 0)):
                source = templates[(rep_index + n) % len(templates)]
                assert source is not None
                started = now - timedelta(days=60 * n / visits, minutes=rep_index)
                copy = RehearsalSession(
                    user_id=rep_id,
                    scenario_id=source.scenario_id,
                    scenario_version=source.scenario_version,
                    channel="web",
                    mode="practice",
                    language="zh",
                    status="closed_by_customer" if (n + rep_index) % 9 == 0 else source.status,
                    stage=source.stage,
                    step=source.step,
                    trust=source.trust,
                    state=source.state,
                    next_seq=source.next_seq,
                    scorecard=source.scorecard,
                    score=source.score,
                    started_at=started,
                    updated_at=started + timedelta(minutes=9),
                    ended_at=started + timedelta(minutes=10),
                )
                s.session.add(copy)
                s.session.flush()
                # What ending the visit keeps for analytics (SessionRepository.end does this).
                record_figures(s.session, copy, dict(source.scorecard or {}))
    db.dispose()
    return manager_id


def timed(call: object) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()  # type: ignore[operator]
    return (time.perf_counter() - started) * 1000, result


async def over_http(url: str) -> tuple[float, float, int]:
    app = create_app(Settings(database_url=url, demo_accounts=False, telegram_bot_token=None))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            login = await http.post(
                "/api/auth/login", json={"login": "bench-boss", "password": "bench-pass-1"}
            )
            login.raise_for_status()
            took = []
            for _ in range(2):  # the first request after start-up, then the next one
                started = time.perf_counter()
                response = await http.get("/api/manager/analytics")
                took.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
            return took[0], took[1], len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL (an empty database) instead of a SQLite file")
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--visits", type=int, default=40)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="team-analytics-"))
    url = args.postgres or f"sqlite:///{folder / 'bench.sqlite3'}"
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    started = time.perf_counter()
    manager_id = seed(url, args.reps, args.visits)
    seconds = time.perf_counter() - started
    print(f"seeded {args.reps} reps x {args.visits} visits in {seconds:.1f} s ({url.split(':')[0]})")
    db = Database(url)
    service = AnalyticsService(db)
    whole_ms, whole = timed(lambda: service.team(manager_id))
    since = datetime.now(UTC) - timedelta(days=30)
    month_ms, month = timed(lambda: service.team(manager_id, since=since))
    db.dispose()
    visits = sum(r.sessions for r in whole.reps)  # type: ignore[attr-defined]
    month_visits = sum(r.sessions for r in month.reps)  # type: ignore[attr-defined]
    first_ms, http_ms, size = asyncio.run(over_http(url))
    reps = len(whole.reps)  # type: ignore[attr-defined]
    print(f"service, every visit:   {whole_ms:7.1f} ms  ({visits} visits, {reps} reps)")
    print(f"service, last 30 days:  {month_ms:7.1f} ms  ({month_visits} visits)")
    print(f"HTTP GET /api/manager/analytics: first {first_ms:7.1f} ms, next {http_ms:7.1f} ms")
    print(f"  ({size} bytes of JSON)")
    print(f"target {TARGET_MS:.0f} ms: {'met' if max(whole_ms, http_ms) < TARGET_MS else 'NOT met'}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
