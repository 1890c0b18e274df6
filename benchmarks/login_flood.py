"""Sign-in flood: another user's latency while 40 concurrent bad sign-ins hit a live server.

Starts ``uvicorn server:app`` (one worker, a fresh SQLite database) from a source tree, signs one
user in, and measures that user's ``GET /api/me`` latency first alone, then while ``--flood``
clients keep posting wrong passwords for never-seen logins (each one a full Argon2 check in the
old code). Also reports the server's peak resident memory.

The per-address throttle is raised out of the way (COACH_SIGN_IN_FAILURES_PER_ADDRESS), so what
is measured is the cap on concurrent hash checks, not the address throttle ending the flood.

    .venv/bin/python benchmarks/login_flood.py                   # this tree
    git archive 75f2073 | tar -x -C /tmp/before                  # the code before the fix
    .venv/bin/python benchmarks/login_flood.py --tree /tmp/before
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from support import free_port  # benchmarks/support.py

ROOT = Path(__file__).resolve().parent.parent
LOGIN, PASSWORD = "measure", "measure-pass-2026-x"


def rss_mb(pid: int) -> float:
    """Resident memory of the server and its children (uvicorn's worker)."""
    total = 0
    for candidate in [pid, *children(pid)]:
        try:
            for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the server and its children so far (load-independent: what
    each request costs, whatever else the machine is running)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for candidate in [pid, *children(pid)]:
        try:
            fields = Path(f"/proc/{candidate}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
        except FileNotFoundError:
            pass
    return total


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def create_user(tree: Path, database_url: str) -> None:
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from bot.storage import Database, store, upgrade; from bot.passwords import hash_password;"
        "upgrade(sys.argv[2]); db = Database(sys.argv[2]);"
        "s = store(db, write=True).__enter__();"
        f"s.users.create('Measure', login='{LOGIN}', password_hash=hash_password('{PASSWORD}'));"
        "s.session.commit()"
    )
    subprocess.run([sys.executable, "-c", script, str(tree), database_url], check=True, cwd=tree)


async def measure(url: str, cookie: str, seconds: float) -> list[float]:
    times = []
    async with httpx.AsyncClient(base_url=url, cookies={"coach_session": cookie}, timeout=60) as client:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            started = time.perf_counter()
            response = await client.get("/api/me")
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
            await asyncio.sleep(0.02)
    return times


async def flood(url: str, stop: asyncio.Event, index: int, codes: dict[int, int]) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        n = 0
        while not stop.is_set():
            n += 1
            response = await client.post(
                "/api/auth/login", json={"login": f"flood-{index}-{n}", "password": "wrong-password"}
            )
            codes[response.status_code] = codes.get(response.status_code, 0) + 1


async def run(tree: Path, concurrency: int, seconds: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        database_url = f"sqlite:///{tmp}/bench.sqlite3"
        create_user(tree, database_url)
        port = free_port()
        env = {
            **os.environ,
            "COACH_DATABASE_URL": database_url,
            "COACH_SECRET_KEY": "benchmark-secret-0123456789",
            "COACH_DEMO_ACCOUNTS": "false",
            "COACH_SIGN_IN_FAILURES_PER_ADDRESS": "100000000",
            "TELEGRAM_BOT_TOKEN": "",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "server:app", "--port", str(port), "--log-level", "warning"],
            cwd=tree,
            env=env,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if httpx.get(f"{url}/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
            signed = httpx.post(f"{url}/api/auth/login", json={"login": LOGIN, "password": PASSWORD})
            cookie = signed.cookies["coach_session"]
            idle = await measure(url, cookie, seconds / 2)
            rss_idle = rss_mb(server.pid)
            stop = asyncio.Event()
            codes: dict[int, int] = {}
            flooders = [asyncio.create_task(flood(url, stop, i, codes)) for i in range(concurrency)]
            peak = rss_idle
            cpu_before = cpu_seconds(server.pid)
            loaded_task = asyncio.create_task(measure(url, cookie, seconds))
            while not loaded_task.done():
                peak = max(peak, rss_mb(server.pid))
                await asyncio.sleep(0.2)
            loaded = loaded_task.result()
            stop.set()
            await asyncio.gather(*flooders)
            flood_cpu = cpu_seconds(server.pid) - cpu_before
        finally:
            server.terminate()
            server.wait(10)
    print(f"tree: {tree}")
    print(f"alone:  median {statistics.median(idle):.1f} ms, max {max(idle):.1f} ms, RSS {rss_idle:.0f} MB")
    print(
        f"{concurrency} bad sign-ins at once: median {statistics.median(loaded):.1f} ms, "
        f"p95 {statistics.quantiles(loaded, n=20)[-1]:.1f} ms, max {max(loaded):.1f} ms, "
        f"peak RSS {peak:.0f} MB, sign-in answers {dict(sorted(codes.items()))}"
    )
    answered = sum(codes.values()) + len(loaded)
    print(
        f"server CPU during the flood: {flood_cpu:.1f} s for {answered} requests "
        f"({1000 * flood_cpu / max(answered, 1):.2f} ms each, Argon2 included); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tree", type=Path, default=ROOT, help="Source tree to serve (default: this one).")
    parser.add_argument("--flood", type=int, default=40, help="Concurrent bad sign-ins.")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    asyncio.run(run(args.tree.resolve(), args.flood, args.seconds))


if __name__ == "__main__":
    main()
