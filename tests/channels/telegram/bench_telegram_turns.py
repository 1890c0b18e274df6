"""Time Telegram turns end to end in-process: webhook POST → PTB → engine → database → Bot API.

Not a test (pytest does not collect it); run it by hand:

    .venv/bin/python tests/channels/telegram/bench_telegram_turns.py [DATABASE_URL] [--turns N]

On PostgreSQL the run uses a throwaway schema, dropped afterwards.

Each timed request is one rep line posted to /telegram/webhook of the real app; the time covers
the update's whole handling, including the reply sent to the local fake Bot API over HTTP.
Turns are spaced by ``--gap`` (default 50 ms) so the bot's 30-messages-a-second limiter is not
what is measured; with ``--gap 0`` it is (about 33 ms a turn once its burst of 30 is spent).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests/: live_servers, used by the fakes
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "benchmarks"))  # support.postgres_schema

from support import postgres_schema
from telegram_fakes import FakeBotAPI, Updates, build_app, running, telegram_settings
from test_telegram_rehearsal import METHOD_LINES_ZH, begin_rehearsal

from bot.storage import upgrade


async def bench(url: str, turns: int, gap: float) -> list[float]:
    upgrade(url)
    fake = FakeBotAPI()
    fake.start()
    timings: list[float] = []
    try:
        updates = Updates(user_id=int(time.time()) % 1_000_000)
        async with running(build_app(telegram_settings(url, fake))) as webhook:
            await webhook.post(updates.text("/start"))
            await begin_rehearsal(webhook, fake, updates, language="zh", mode="practice")
            await webhook.post(updates.text(METHOD_LINES_ZH[0]))  # warm-up: loads the classifier
            for index in range(turns):
                await asyncio.sleep(gap)
                update = updates.text(METHOD_LINES_ZH[index % 3])  # early-visit lines keep it going
                started = time.perf_counter()
                response = await webhook.post(update)
                timings.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
    finally:
        fake.stop()
    return timings


def scratch(url: str) -> AbstractContextManager[str]:
    """``url`` itself for SQLite; on PostgreSQL a fresh schema in it, dropped at the end."""
    return postgres_schema(url) if url.startswith("postgres") else nullcontext(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url", nargs="?", help="default: a fresh SQLite file")
    parser.add_argument("--turns", type=int, default=30)
    parser.add_argument(
        "--gap",
        type=float,
        default=0.05,
        help="seconds between turns; below 1/30 s the bot's rate limiter (30 sends/s) sets the pace",
    )
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    with scratch(url) as scratch_url:
        timings = sorted(asyncio.run(bench(scratch_url, args.turns, args.gap)))
    p99 = timings[min(len(timings) - 1, round(0.99 * (len(timings) - 1)))]
    print(
        f"{len(timings)} turns on {url.split(':')[0]}: median {statistics.median(timings) * 1000:.1f} ms, "
        f"p99 {p99 * 1000:.1f} ms, max {timings[-1] * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
