"""Does a call cost more as history piles up? Latency at 1k / 10k / 50k stored sessions.

    .venv/bin/python benchmarks/growth.py [--sizes 1000,10000,50000] [--postgres URL] [--profile CALL]
                                          [--calls progress,start]

For each size a fresh database is filled with that many ended sessions (each with 6 turns, a real
engine state and scorecard): half belong to the measured rep (spread over the four scenarios),
the rest to 19 teammates; one manager sees the team. Then, in-process through the services:

- ``turn (web send)``: ``RehearsalService.send`` into the rep's active visit;
- ``turn (telegram line)``: ``RehearsalService.telegram_line`` (find the rep and the active
  session, claim, play);
- ``turn at line 240``: ``send`` into a visit that already has 240 turns;
- ``start``: ``RehearsalService.start`` of the scenario the rep has visited most (then ended);
- ``team progress``: ``CoachingService.team_progress`` for the manager;
- ``transcript``: ``RehearsalService.session`` of one stored session (6 turns);
- ``my sessions``: ``sessions_for(limit=50)``; ``rep sessions``: ``rep_sessions(limit=200)``.

Prints the median and p99 of each, and the ratio of the largest size to the smallest.
``--profile start`` (or any row name's first word) prints cProfile's top entries for that call
at the largest size instead of timing it.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
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

from rep_lines import line as rep_line  # noqa: E402 - benchmarks/rep_lines.py
from support import postgres_schema  # noqa: E402 - benchmarks/support.py

from bot.config import Settings  # noqa: E402
from bot.engine.library import ScenarioLibrary  # noqa: E402
from bot.services import build_services  # noqa: E402
from bot.services.views import TELEGRAM_CHANNEL  # noqa: E402, F401
from bot.storage import Database, RehearsalSession, Turn, store, upgrade  # noqa: E402

try:  # the per-rep running totals (0015); older commits have none
    from bot.storage.rep_totals import rebuild as rebuild_totals
except ImportError:  # pragma: no cover - benchmarking an older commit
    rebuild_totals = None  # type: ignore[assignment]

SCENARIO = "precision-parts-returns"
LINES = [
    "Good morning Mr Wang, I'm Tom Reed. Thank you for making time for me.",
    "Your plant mainly makes parts for electric cars, is that right?",
    "Why have the returns doubled?",
    "Why do the defects only show up at final inspection?",
    "Besides the returns, is there anything else that worries you?",
    "If the audit fails in October, what happens then?",
]
TEAMMATES = 19
TURNS_PER_SESSION = 6


def _sample(samples: list[float]) -> tuple[float, float]:
    ms = sorted(samples)
    return statistics.median(ms), ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]


class Bench:
    """A filled database and the services over it."""

    def __init__(self, url: str, size: int, library: ScenarioLibrary) -> None:
        upgrade(url)
        self.db = Database(url)
        self.services = build_services(self.db, Settings(database_url=url, demo_accounts=False), library)
        self.rehearsals = self.services.rehearsals
        self.rehearsals.classify  # noqa: B018 - load the classifier outside the timed region
        with store(self.db, write=True) as s:
            team = s.users.get_or_create_team("bench")
            rep = s.users.create("rep", login="rep", team=team)
            mates = [s.users.create(f"mate {n}", login=f"mate{n}", team=team) for n in range(TEAMMATES)]
            manager = s.users.create("boss", login="boss", role="manager", team=team)
            s.users.link_telegram(777, rep)
            self.rep, self.manager = rep.id, manager.id
            mate_ids = [m.id for m in mates]
        self._fill(size, mate_ids, library)

    def _fill(self, size: int, mate_ids: list[int], library: ScenarioLibrary) -> None:
        # One real ended visit gives the state and scorecard every stored session copies.
        played = self.rehearsals.start(
            self.rep, SCENARIO, language="en", mode="practice", channel="cli", seed=1
        )
        for n, line in enumerate(LINES):
            self.rehearsals.send(
                played.session_id, line, user_id=self.rep, channel="cli", message_id=f"seed{n}"
            )
        self.rehearsals.end(played.session_id, user_id=self.rep, channel="cli")
        with store(self.db) as s:
            model = s.sessions.get(played.session_id)
            assert model is not None
            state, scorecard = dict(model.state), dict(model.scorecard or {})
            self.transcript_id = model.id
        scenarios = [summary.id for summary in library.summaries()]
        versions = {sid: library.latest(sid).version for sid in scenarios}
        rng = random.Random(7)
        now = datetime.now(UTC)
        sessions: list[dict[str, Any]] = []
        turns: list[dict[str, Any]] = []
        for n in range(size - 1):
            owner = self.rep if n % 2 == 0 else mate_ids[n % len(mate_ids)]
            scenario = SCENARIO if n % 4 == 0 else rng.choice(scenarios)
            started = now - timedelta(minutes=10 * (size - n))
            session_id = uuid.uuid4().hex
            sessions.append(
                dict(
                    id=session_id, user_id=owner, scenario_id=scenario, scenario_version=versions[scenario],
                    channel="web", mode="practice", language="en", status="ended", stage=state.get("stage"),
                    step=state.get("step"), trust=float(state.get("trust", 0)), seed=n, state=state,
                    next_seq=TURNS_PER_SESSION + 1,
                    scorecard={**scorecard, "score": rng.randrange(20, 95)},
                    started_at=started, updated_at=started + timedelta(minutes=5),
                    ended_at=started + timedelta(minutes=5),
                )
            )  # fmt: skip
            for seq in range(1, TURNS_PER_SESSION + 1):
                turns.append(
                    dict(
                        session_id=session_id, seq=seq, speaker="rep" if seq % 2 else "customer",
                        text=LINES[seq - 1], language="en", techniques=[], revealed=[],
                        created_at=started,
                    )
                )  # fmt: skip
        _with_score = {"score"} & set(RehearsalSession.__table__.columns.keys())
        if _with_score:
            for row in sessions:
                row["score"] = row["scorecard"]["score"]
        with self.db.engine.begin() as connection:
            for chunk in range(0, len(sessions), 5000):
                connection.execute(RehearsalSession.__table__.insert(), sessions[chunk : chunk + 5000])
            for chunk in range(0, len(turns), 20000):
                connection.execute(Turn.__table__.insert(), turns[chunk : chunk + 20000])
            if rebuild_totals is not None:  # the rows went in bulk, past the end of a visit
                rebuild_totals(connection)
        if self.db.is_sqlite:
            with self.db.engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE")
        else:
            with self.db.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")

    def new_visit(self, turns: int = 0) -> str:
        session_id = self.rehearsals.start(
            self.rep, SCENARIO, language="en", mode="practice", channel="web", seed=3
        ).session_id
        if turns:  # a long visit: its turns stored directly, the engine state left as it is
            with store(self.db, write=True) as s:
                rehearsal = s.sessions.get(session_id, for_update=True)
                assert rehearsal is not None
                for n in range(turns):
                    s.turns.add(rehearsal, "rep" if n % 2 else "customer", "Is that right?", flush=False)
        return session_id

    def end(self, session_id: str) -> None:
        self.rehearsals.end(session_id, user_id=self.rep, channel="web")

    def calls(self) -> dict[str, Callable[[int], Callable[[], object]]]:
        """Row name → a factory that prepares the n-th timed call (untimed) and returns it."""
        r, c = self.rehearsals, self.services.coaching
        state: dict[str, Any] = {"visit": None, "long": None, "update": 10_000}

        def visit(long: bool) -> str:
            key = "long" if long else "visit"
            if state[key] is None:
                for other in ("visit", "long"):
                    if state[other] is not None:
                        self.end(state[other])
                        state[other] = None
                state[key] = self.new_visit(240 if long else 0)
            return str(state[key])

        def send(long: bool) -> Callable[[int], Callable[[], object]]:
            def prepare(n: int) -> Callable[[], object]:
                session_id = visit(long)
                line = rep_line(n)  # lines in turn: a repeated one would be found in the topic memo
                key = "long" if long else "visit"

                def call() -> object:
                    result = r.send(
                        session_id, line, user_id=self.rep, channel="web", message_id=uuid.uuid4().hex
                    )
                    if result.status != "active":  # the customer walked out: a new visit next time
                        state[key] = None
                    return result

                return call

            return prepare

        def telegram(n: int) -> Callable[[], object]:
            visit(False)
            state["update"] += 1
            update = state["update"]

            def call() -> object:
                line = r.telegram_line(777, update, rep_line(n))
                if line.turn.result is None or line.turn.result.status != "active":
                    state["visit"] = None
                return line

            return call

        def start(n: int) -> Callable[[], object]:
            for key in ("visit", "long"):
                if state[key] is not None:
                    self.end(state[key])
                    state[key] = None

            def call() -> object:
                state["visit"] = r.start(
                    self.rep, SCENARIO, language="en", mode="practice", channel="web"
                ).session_id
                return state["visit"]

            return call

        return {
            "turn (web send)": send(False),
            "turn (telegram line)": telegram,
            "turn at line 240": send(True),
            "start": start,
            "team progress": lambda n: lambda: c.team_progress(self.manager),
            "transcript": lambda n: lambda: r.session(self.transcript_id, user_id=self.rep),
            "my sessions": lambda n: lambda: r.sessions_for(self.rep, limit=50),
            "rep sessions": lambda n: lambda: c.rep_sessions(self.manager, self.rep, limit=200),
        }

    def close(self) -> None:
        self.db.dispose()


def measure(bench: Bench, repeats: int, only: list[str]) -> dict[str, tuple[float, float]]:
    results: dict[str, tuple[float, float]] = {}
    for name, prepare in bench.calls().items():
        if only and not any(word in name for word in only):
            continue
        samples: list[float] = []
        for n in range(repeats + 3):
            call = prepare(n)
            began = time.perf_counter()
            call()
            if n >= 3:  # the first calls warm caches
                samples.append((time.perf_counter() - began) * 1000)
        results[name] = _sample(samples)
    return results


def profile(bench: Bench, wanted: str) -> None:
    for name, prepare in bench.calls().items():
        if wanted in name:
            for n in range(3):
                prepare(n)()
            profiler = cProfile.Profile()
            for n in range(3, 23):
                call = prepare(n)
                profiler.enable()
                call()
                profiler.disable()
            print(f"--- cProfile: {name}, 20 calls")
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
            return
    raise SystemExit(f"no call named {wanted!r}")


def with_postgres_schema(url: str, body: Callable[[str], Any]) -> Any:
    with postgres_schema(url) as scoped:
        return body(scoped)


def run(
    url: str, size: int, library: ScenarioLibrary, repeats: int, wanted: str | None, only: list[str]
) -> Any:
    began = time.perf_counter()
    bench = Bench(url, size, library)
    print(f"  filled {size:,} sessions in {time.perf_counter() - began:.0f} s", file=sys.stderr)
    try:
        if wanted:
            profile(bench, wanted)
            return {}
        return measure(bench, repeats, only)
    finally:
        bench.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="1000,10000,50000", help="stored sessions (default 1000,10000,50000)"
    )
    parser.add_argument("--repeats", type=int, default=40, help="timed calls per row (default 40)")
    parser.add_argument("--postgres", metavar="URL", help="measure on PostgreSQL instead of SQLite")
    parser.add_argument("--profile", metavar="CALL", help="cProfile one call at the largest size")
    parser.add_argument(
        "--calls", default="", help="time only the rows whose name holds one of these words (comma-separated)"
    )
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    only = [word for word in args.calls.split(",") if word]
    library = ScenarioLibrary.from_directory(ROOT / "dialogues")
    if args.profile:
        sizes = sizes[-1:]
    table: dict[int, dict[str, tuple[float, float]]] = {}
    for size in sizes:
        if args.postgres:
            table[size] = with_postgres_schema(
                args.postgres,
                lambda url, size=size: run(url, size, library, args.repeats, args.profile, only),
            )
        else:
            with tempfile.TemporaryDirectory() as folder:
                url = f"sqlite:///{Path(folder) / 'growth.sqlite3'}"
                table[size] = run(url, size, library, args.repeats, args.profile, only)
    if args.profile:
        return
    backend = "PostgreSQL" if args.postgres else "SQLite (file, WAL)"
    print(
        f"{backend}; median / p99 ms of {args.repeats} calls; "
        f"ratio = median at {sizes[-1]:,} / at {sizes[0]:,}"
    )
    header = f"{'call':<22}" + "".join(f"{f'{size:,} sessions':>22}" for size in sizes) + f"{'ratio':>8}"
    print(header)
    for name in table[sizes[0]]:
        cells = "".join(f"{f'{table[s][name][0]:.2f} / {table[s][name][1]:.2f}':>22}" for s in sizes)
        ratio = table[sizes[-1]][name][0] / table[sizes[0]][name][0]
        print(f"{name:<22}{cells}{ratio:>7.2f}x")


if __name__ == "__main__":
    main()
