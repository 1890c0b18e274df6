"""Start-up time: from launching the README's server command to the first request it can serve.

    .venv/bin/python benchmarks/startup.py [CHECKOUT] [--runs 5] [--postgres URL]

Each run launches ``coach serve`` (the README's command: Alembic upgrade, the bundled scenarios
and question bank loaded and validated, the classifier built, uvicorn listening) pinned to core
0, on a fresh SQLite file, and polls ``/readyz`` every 10 ms: ``ready`` is when it first answers
200 (the moment ``coach serve`` prints the URL to open). Then it stops the server and starts it
again on the same, now migrated, database: a restart. Prints the median and the worst of each,
and the server's resident memory once ready. With ``--postgres``, the same on a throwaway schema
of that database. CHECKOUT (default: this one) is the code started (``PYTHONPATH``), so the same
script times an older checkout.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from support import free_port, postgres_schema  # benchmarks/support.py

ROOT = Path(__file__).resolve().parent.parent
# The README's `coach serve`, started as `python -c` so that CHECKOUT's code is the one run.
COACH = [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())"]


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its children (uvicorn may fork), in MB."""
    total = 0
    for line in subprocess.run(
        ["ps", "-o", "rss=", "--ppid", str(pid), "-p", str(pid)], capture_output=True, text=True, check=False
    ).stdout.split():
        total += int(line)
    return total / 1024


def start_once(url: str, checkout: Path) -> tuple[float, float]:
    """Seconds until ``/readyz`` answers 200, and the server's memory then (MB)."""
    port = free_port()
    env = {
        **os.environ,
        "COACH_DATABASE_URL": url,
        "COACH_DEMO_ACCOUNTS": "false",
        "PYTHONPATH": str(checkout),
    }
    command = ["taskset", "-c", "0", *COACH, "serve", "--port", str(port)]
    began = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=checkout, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"coach serve exited with {process.returncode}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    return time.perf_counter() - began, rss_mb(process.pid)
            except httpx.HTTPError:
                pass
            if time.perf_counter() - began > 120:
                raise RuntimeError("not ready after 120 s")
            time.sleep(0.01)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def summary(name: str, seconds: list[float], memory: list[float]) -> str:
    return (
        f"{name:<34} median {statistics.median(seconds):6.2f} s   worst {max(seconds):6.2f} s   "
        f"memory once ready {statistics.median(memory):5.0f} MB   (runs={len(seconds)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("checkout", nargs="?", type=Path, default=ROOT)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", metavar="URL", help="also measure on this PostgreSQL database")
    args = parser.parse_args()
    fresh: list[tuple[float, float]] = []
    again: list[tuple[float, float]] = []
    pg_fresh: list[tuple[float, float]] = []
    pg_again: list[tuple[float, float]] = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'coach.sqlite3'}"
            fresh.append(start_once(url, args.checkout))
            again.append(start_once(url, args.checkout))
        if args.postgres:
            with postgres_schema(args.postgres, "startup") as url:
                pg_fresh.append(start_once(url, args.checkout))
                pg_again.append(start_once(url, args.checkout))
    rows = [("SQLite, new database", fresh), ("SQLite, restart", again)]
    if args.postgres:
        rows += [("PostgreSQL, new schema", pg_fresh), ("PostgreSQL, restart", pg_again)]
    print(f"{args.checkout}: coach serve until /readyz answers 200, core 0, load {os.getloadavg()[0]:.2f}:")
    for name, runs in rows:
        print(summary(name, [r[0] for r in runs], [r[1] for r in runs]))


if __name__ == "__main__":
    main()
