"""CPU per Telegram update in-process, through the real webhook, for A/B runs of two checkouts.

    taskset -c 0 .venv/bin/python benchmarks/telegram_cpu.py [CHECKOUT] [--updates 300]
        [--postgres URL]

Eight reps linked to Telegram, each with an active practice visit, on a fresh SQLite file (or a
throwaway schema on ``--postgres``, dropped afterwards). The real app (``create_app``, its
middleware, PTB, the services) runs its lifespan with its bot on the fake Bot API of
``tests/channels/telegram``; its outbox dispatcher is then stopped, so what is measured is the
webhook's own work: each update a rep's text line (a fresh ``update_id``) posted with the
secret header through ``httpx.ASGITransport``, answered 200 once its turn and queued reply
(customer line + coach's note) are committed. After 30 warm-up updates, ``--updates`` updates;
prints the process CPU and the wall time per update, and checks that every update made one rep
turn and queued its answer. The turn runs in a worker thread (``asyncio.to_thread``), which
cProfile does not see; profile with py-spy instead (``pip install py-spy``):
``py-spy record --gil --format raw -o FILE -- .venv/bin/python benchmarks/telegram_cpu.py``.
CHECKOUT (default: this one) is put first on ``sys.path``, so the same script measures an older
checkout's code (the fake Bot API comes from CHECKOUT's tests).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rep_lines import line  # benchmarks/rep_lines.py: the rep lines, taken in turn
from support import postgres_schema  # benchmarks/support.py

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = "precision-parts-returns"

REPS = 8
BASE_ID = 7_100_000_000
SECRET = "telegram-cpu-webhook-secret"


@contextmanager
def scratch(url: str | None) -> Iterator[str]:
    """A fresh SQLite file, or a fresh schema on the PostgreSQL server ``url`` (dropped after)."""
    if url is None:
        yield f"sqlite:///{tempfile.mkdtemp(prefix='coach-telegram-cpu-')}/updates.sqlite3"
        return
    with postgres_schema(url, "tgcpu") as scoped:
        yield scoped


def prepare(url: str) -> None:
    """``REPS`` reps, each linked to Telegram user (and chat) ``BASE_ID + n``, in a visit."""
    from bot.config import Settings
    from bot.services import build_services
    from bot.storage import Database, store, upgrade

    upgrade(url)
    db = Database(url)
    try:
        services = build_services(db, Settings(database_url=url, demo_accounts=False))
        for n in range(REPS):
            account = services.accounts.create_user(f"tg{n}", "telegram-cpu-password-1", language="en")
            services.rehearsals.start(
                account.id, SCENARIO, language="en", mode="practice", channel="telegram", seed=n
            )
            with store(db, write=True) as s:
                user = s.users.get(account.id)
                assert user is not None
                s.users.link_telegram(BASE_ID + n, user, chat_id=BASE_ID + n)
    finally:
        db.dispose()


def update_body(n: int) -> bytes:
    chat = BASE_ID + n % REPS
    return json.dumps(
        {
            "update_id": 1_000_000 + n,
            "message": {
                "message_id": 1_000_000 + n,
                "date": 1700000000,
                "chat": {"id": chat, "type": "private", "first_name": "Rep"},
                "from": {"id": chat, "is_bot": False, "first_name": "Rep", "language_code": "en"},
                "text": line(n),
            },
        }
    ).encode()


async def run(url: str, updates: int) -> tuple[float, float]:
    import httpx
    from telegram_fakes import BOT_TOKEN, FakeBotAPI

    from bot.app import create_app
    from bot.config import Settings

    fake = FakeBotAPI(BOT_TOKEN)
    fake.start()
    settings = Settings(
        database_url=url,
        telegram_bot_token=BOT_TOKEN,
        telegram_webhook_secret=SECRET,
        telegram_api_base=fake.base_url,
        demo_accounts=False,
    )
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    app = create_app(settings)
    try:
        async with app.router.lifespan_context(app):
            if app.state.dispatcher is not None:  # the webhook's work only: nothing is sent
                await app.state.dispatcher.stop()
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

                async def post(n: int) -> None:
                    response = await client.post("/telegram/webhook", content=update_body(n), headers=headers)
                    assert response.status_code == 200, response.text

                for n in range(30):
                    await post(n)
                cpu, wall = time.process_time(), time.perf_counter()
                for n in range(30, 30 + updates):
                    await post(n)
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            check(app.state.db, 30 + updates)
    finally:
        fake.stop()
    return cpu, wall


def check(db: Any, updates: int) -> None:
    """Every update made one rep turn and queued its answer (nothing was sent)."""
    from sqlalchemy import func, select

    from bot.storage import Turn, store
    from bot.storage.models import OutboxMessage

    with store(db) as s:
        turns = s.session.scalar(select(func.count()).select_from(Turn).where(Turn.speaker == "rep"))
        answers = func.count(func.distinct(OutboxMessage.group_key))
        queued = s.session.scalar(select(answers).where(OutboxMessage.channel == "telegram"))
    assert turns == updates, f"{turns} rep turns for {updates} updates"
    assert queued == updates, f"{queued} answers queued for {updates} updates"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("checkout", nargs="?", default=str(ROOT))
    parser.add_argument("--updates", type=int, default=300)
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server (a throwaway schema)")
    args = parser.parse_args()
    checkout = Path(args.checkout).resolve()
    # The checkout's code first, then its tests (the fake Bot API and what it imports).
    sys.path[:0] = [str(checkout), str(checkout / "tests" / "channels" / "telegram"), str(checkout / "tests")]
    with scratch(args.postgres) as url:
        prepare(url)
        cpu, wall = asyncio.run(run(url, args.updates))
    database = "PostgreSQL" if args.postgres else "SQLite"
    print(
        f"{checkout} ({database}): CPU {1000 * cpu / args.updates:.2f} ms/update, "
        f"wall {1000 * wall / args.updates:.2f} ms/update"
    )


if __name__ == "__main__":
    main()
