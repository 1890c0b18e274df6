"""How long the managers' sessions list, its transcript search and the export take.

    .venv/bin/python benchmarks/sessions_list.py [--reps 50] [--sessions 40] [--turns 20] [--postgres URL]

A fresh database (SQLite in a temporary directory, or a new schema on ``--postgres``) gets
``reps`` reps in one team with ``sessions`` ended sessions each and ``turns`` turns per session
(Chinese lines; one session in 50 says 退货). Then, in-process through ``BrowseService`` for the
team's manager: the first page (newest, 50), a page deep in by keyset, the first page by score
(offset), a search for 退货 (LIKE '%退货%' over every turn), and the CSV export of one rep. Each
call runs 5 times; the median is printed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, text  # noqa: E402

from bot.services import BrowseService, RehearsalService, SessionFilter  # noqa: E402
from bot.services.export import to_csv  # noqa: E402
from bot.storage import Database, RehearsalSession, Turn, store, upgrade  # noqa: E402

LINE = "王总，您刚才说交期很紧，能具体说说最近哪几个客户在催吗？"
NEEDLE_LINE = "退货为什么会翻倍呢？"


def fill(db: Database, reps: int, sessions: int, turns: int, version: str) -> tuple[int, int]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with store(db, write=True) as s:
        team = s.users.get_or_create_team("华东")
        manager = s.users.create("经理", login="boss", role="manager", team=team)
        rep_ids = [s.users.create(f"销售{n}", login=f"rep{n}", team=team).id for n in range(reps)]
        manager_id = manager.id
    n = 0
    for rep_id in rep_ids:
        rows: list[dict[str, Any]] = []
        lines: list[dict[str, Any]] = []
        for _ in range(sessions):
            sid = uuid.uuid4().hex
            moment = start + timedelta(minutes=n * 7)
            rows.append(
                {
                    "id": sid,
                    "user_id": rep_id,
                    "scenario_id": "precision-parts-returns",
                    "scenario_version": version,
                    "channel": "web",
                    "mode": "practice",
                    "language": "zh",
                    "status": "ended",
                    "trust": 0.5,
                    "seed": 1,
                    "state": {},
                    "next_seq": turns + 1,
                    "scorecard": {"score": (n * 37) % 101},
                    "score": (n * 37) % 101,
                    "started_at": moment,
                    "updated_at": moment,
                    "ended_at": moment,
                    "private": False,
                }
            )
            for seq in range(1, turns + 1):
                said = NEEDLE_LINE if (n % 50 == 0 and seq == turns // 2) else LINE
                lines.append(
                    {
                        "session_id": sid,
                        "seq": seq,
                        "speaker": "rep" if seq % 2 else "customer",
                        "text": said,
                        "language": "zh",
                        "techniques": ["open_question"],
                        "revealed": [],
                        "created_at": moment + timedelta(seconds=seq),
                    }
                )
            n += 1
        with store(db, write=True) as s:
            s.session.execute(insert(RehearsalSession), rows)
            s.session.execute(insert(Turn), lines)
    return manager_id, rep_ids[0]


def timed(call: Callable[[], object], runs: int = 5) -> float:
    call()  # warm
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--postgres", help="a PostgreSQL URL: run there, in a new schema")
    args = parser.parse_args()
    schema = None
    if args.postgres:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{args.postgres}{'&' if '?' in args.postgres else '?'}options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    upgrade(url)
    db = Database(url)
    try:
        rehearsals = RehearsalService(db)
        version = rehearsals.library.latest("precision-parts-returns").version
        manager, rep = fill(db, args.reps, args.sessions, args.turns, version)
        browse = BrowseService(db, rehearsals)
        first = browse.sessions(manager, SessionFilter())
        deep = first
        for _ in range(10):
            deep = browse.sessions(manager, SessionFilter(cursor=deep.next_cursor))
        found = browse.sessions(manager, SessionFilter(text="退货", limit=200))
        total = args.reps * args.sessions
        print(
            f"{args.reps} reps x {args.sessions} sessions x {args.turns} turns = {total * args.turns} turns"
        )
        print(f"search 退货 finds {found.total} sessions (expected {(total + 49) // 50})")
        figures = {
            "list, first page (50)": lambda: browse.sessions(manager, SessionFilter()),
            "list, page 11 (keyset)": lambda: browse.sessions(
                manager, SessionFilter(cursor=deep.next_cursor)
            ),
            "list by score, first page": lambda: browse.sessions(manager, SessionFilter(sort="score_high")),
            "search 退货 (LIKE, every turn)": lambda: browse.sessions(manager, SessionFilter(text="退货")),
            "export one rep (CSV)": lambda: to_csv(browse.export(manager, SessionFilter(rep_id=rep))),
        }
        for name, call in figures.items():
            print(f"{name:34s} {timed(call):8.1f} ms (median of 5)")
    finally:
        db.dispose()
        if schema:
            with admin.connect() as c:
                c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
