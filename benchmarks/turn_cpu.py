"""CPU per web turn in-process, for A/B runs of two checkouts on a shared machine.

    taskset -c 0 .venv/bin/python benchmarks/turn_cpu.py [CHECKOUT] [--turns 300] [--postgres URL]

One rep signed in (a real web session) with an active visit on a fresh SQLite file; after 30
warm-up turns, ``--turns`` web turns through the services as the message route makes them
(``send(sign_in=token)``, or for a checkout without it, the sign-in read and then ``send``).
Prints the process CPU and the wall time per turn, and the CPU per turn near the start of the
visit and at its end (a turn's work should not grow with the visit's length). CHECKOUT
(default: this one) is put first on ``sys.path``, so the same script measures an older
checkout's code.
"""

from __future__ import annotations

import argparse
import cProfile
import inspect
import sys
import tempfile
import time
from pathlib import Path

from rep_lines import line  # benchmarks/rep_lines.py: the rep lines, taken in turn
from support import postgres_schema

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("checkout", nargs="?", default=str(ROOT))
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server instead of SQLite")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the timed turns")
    args = parser.parse_args()
    if args.postgres:
        with postgres_schema(args.postgres, "turncpu") as url:
            measure(args, url)
    else:
        measure(args, f"sqlite:///{tempfile.mkdtemp(prefix='coach-turn-cpu-')}/turns.sqlite3")


def measure(args: argparse.Namespace, url: str) -> None:
    sys.path.insert(0, args.checkout)
    from bot.config import Settings
    from bot.services import build_services
    from bot.storage import Database, upgrade

    upgrade(url)
    services = build_services(Database(url), Settings(database_url=url, demo_accounts=False))
    rep = services.accounts.create_user("turns", "turn-cpu-password-1", language="en")
    visit = services.rehearsals.start(
        rep.id, "precision-parts-returns", language="en", mode="practice", channel="web", seed=1
    )
    token = services.web_sessions.issue(rep.id)
    folded = "sign_in" in inspect.signature(services.rehearsals.send).parameters

    def turn(n: int) -> None:
        message_id = f"{visit.session_id}:m{n}"
        if folded:
            services.rehearsals.send(
                visit.session_id, line(n), sign_in=token, channel="web", message_id=message_id
            )
            return
        user = services.web_sessions.read(token)
        assert user is not None
        services.rehearsals.send(
            visit.session_id, line(n), user_id=user.id, channel="web", message_id=message_id
        )

    for n in range(30):
        turn(n)
    per_turn = []
    profiler = cProfile.Profile() if args.profile else None
    cpu, wall = time.process_time(), time.perf_counter()
    for n in range(30, 30 + args.turns):
        before = time.process_time()
        if profiler is not None:
            profiler.enable()
        turn(n)
        if profiler is not None:
            profiler.disable()
        per_turn.append(time.process_time() - before)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if profiler is not None:
        profiler.dump_stats(args.profile)
    label = "sign-in in the turn" if folded else "sign-in read first"
    window = min(50, len(per_turn))
    first, last = per_turn[:window], per_turn[-window:]
    print(
        f"{args.checkout} ({label}): CPU {1000 * cpu / args.turns:.2f} ms/turn, "
        f"wall {1000 * wall / args.turns:.2f} ms/turn; CPU at lines 31-{30 + window} "
        f"{1000 * sum(first) / window:.2f} ms, at the last {window} lines "
        f"{1000 * sum(last) / window:.2f} ms"
    )


if __name__ == "__main__":
    main()
