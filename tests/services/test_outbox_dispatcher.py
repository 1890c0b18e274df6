"""The dispatcher against a real database (SQLite and PostgreSQL) and a fake network edge.

Real time here: these tests check what workers do together (order, no double sends, the
shared limit, fairness, restarts), so the clock is the one the workers share.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter

import pytest
from outbox_support import TELEGRAM, UNPACED, FakeSender, messages, put, statuses, until

from bot.services.outbox import Dispatcher, Pacing, RetryPolicy, SendResult, enqueue
from bot.storage import Database


def _dispatcher(db: Database, sender: FakeSender, pacing: Pacing = UNPACED, **kwargs: float) -> Dispatcher:
    return Dispatcher(db, {TELEGRAM: sender}, pacing={TELEGRAM: pacing}, poll_interval=0.05, **kwargs)


def _all_settled(db: Database, chats: list[str]) -> bool:
    return all(status in ("sent", "failed", "blocked") for chat in chats for status in statuses(db, chat))


async def test_order_per_chat_holds_under_concurrent_enqueue(db: Database) -> None:
    """Four threads write turns to one chat while the dispatcher sends: every message arrives
    once, in the order each writer committed them, and in the chat's sequence order."""
    sender = FakeSender(delay=0.002)
    dispatcher = _dispatcher(db, sender)
    await dispatcher.start()

    def writer(name: str) -> None:
        for i in range(25):
            with db.session(write=True) as session:
                enqueue(session, channel=TELEGRAM, chat_key="42", payload={"text": f"{name}-{i:02d}"})

    threads = [threading.Thread(target=writer, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    await asyncio.to_thread(lambda: [t.join() for t in threads])
    await until(lambda: statuses(db, "42") == ["sent"] * 100)
    await dispatcher.stop()
    delivered = sender.texts("42")
    assert sorted(delivered) == sorted(f"w{n}-{i:02d}" for n in range(4) for i in range(25))
    for n in range(4):
        mine = [t for t in delivered if t.startswith(f"w{n}-")]
        assert mine == sorted(mine)
    assert delivered == [m.payload["text"] for m in messages(db, "42")]  # sequence order


async def test_two_workers_never_send_a_message_twice(db: Database) -> None:
    """Two dispatchers on two database handles, as two worker processes would have."""
    other = Database(db.url)
    senders = [FakeSender(delay=0.003), FakeSender(delay=0.003)]
    chats = [str(c) for c in range(12)]
    for chat in chats:
        put(db, chat, *(f"{chat}:{i:02d}" for i in range(15)))
    # Small batches: neither worker can take every chat's head at once, so both take part.
    workers = [_dispatcher(db, senders[0], batch_size=4), _dispatcher(other, senders[1], batch_size=4)]
    try:
        for worker in workers:
            await worker.start()
        await until(lambda: _all_settled(db, chats), timeout=30)
        for worker in workers:
            await worker.stop()
    finally:
        other.dispose()
    delivered = [d for s in senders for d in s.calls]
    counts = Counter(d.payload["text"] for d in delivered)
    assert len(counts) == 12 * 15 and set(counts.values()) == {1}
    assert all(s.calls for s in senders)  # both workers did take part
    for chat in chats:
        in_time = sorted((d for d in delivered if d.chat_key == chat), key=lambda d: d.at)
        assert [d.payload["text"] for d in in_time] == [f"{chat}:{i:02d}" for i in range(15)]


async def test_the_bot_wide_limit_holds_across_two_workers(db: Database) -> None:
    """Never more than 30 sends in any one-second window, whichever worker sends them."""
    other = Database(db.url)
    senders = [FakeSender(), FakeSender()]
    chats = [str(c) for c in range(75)]
    for chat in chats:
        put(db, chat, "hello")
    pacing = Pacing(rate=30, window=1.0, chat_rate=1.0, chat_burst=3)
    workers = [_dispatcher(db, senders[0], pacing), _dispatcher(other, senders[1], pacing)]
    try:
        for worker in workers:
            await worker.start()
        await until(lambda: _all_settled(db, chats), timeout=30)
        for worker in workers:
            await worker.stop()
    finally:
        other.dispose()
    times = sorted(d.at for s in senders for d in s.calls)
    assert len(times) == 75
    busiest = max(sum(1 for t in times[i:] if t < start + 1.0) for i, start in enumerate(times))
    assert busiest <= 30
    assert busiest >= 25  # and the limit is used, not just respected
    # How soon the last one goes (~2.2 s for 75 at 30/s; 2.6 s with both cores busy) is not
    # asked: one CI run took 10 s, a stall of the shared machine we could not reproduce.
    # Throughput is benchmarks/load.py's to show; here, the limit held and was used.


async def test_per_chat_pacing_is_about_one_per_second_after_a_small_burst(db: Database) -> None:
    sender = FakeSender()
    dispatcher = _dispatcher(db, sender, Pacing(rate=30, chat_rate=1.0, chat_burst=3))
    put(db, "1", *(f"m{i}" for i in range(6)))
    await dispatcher.start()
    await until(lambda: statuses(db, "1") == ["sent"] * 6, timeout=10)
    await dispatcher.stop()
    offsets = [d.at - sender.calls[0].at for d in sender.calls]
    # The burst goes out without waiting for the pace (well under the second the pace would take).
    assert offsets[2] < 0.9, offsets
    # Then one a second, counted from the first claim: the k-th message never before k - 2 s. That
    # is the invariant a loaded machine cannot break; how late it comes depends on the scheduler
    # (a shared 2-core machine under load stalled a whole run by seconds), so only the order is
    # asked of the rest.
    for k in range(3, 6):
        assert offsets[k] >= k - 2 - 0.05, offsets
    assert offsets == sorted(offsets)


async def test_a_busy_chat_does_not_starve_another(db: Database) -> None:
    """A chat with 100 queued (fast enough to fill the bot-wide limit on its own) does not hold
    another chat's single message back: it goes out within the next claims, counted in the
    busy chat's sends between (time is not asked: a loaded machine stretches it)."""
    sender = FakeSender()
    pacing = Pacing(rate=10, window=1.0, chat_rate=1000, chat_burst=1000)
    dispatcher = _dispatcher(db, sender, pacing)
    put(db, "busy", *(f"b{i}" for i in range(100)))
    await dispatcher.start()
    await until(lambda: len(sender.calls) >= 15, timeout=10)  # the limit is saturated
    enqueued = time.time()
    put(db, "quiet", "hello")
    await until(lambda: "hello" in sender.texts("quiet"), timeout=10)
    await dispatcher.stop()
    sent_at = next(d.at for d in sender.calls if d.chat_key == "quiet")
    overtaken = [d for d in sender.calls if d.chat_key == "busy" and enqueued < d.at < sent_at]
    assert len(overtaken) <= 2  # the busy chat's head in flight, and at most one beside it


async def test_retry_after_and_server_errors_are_retried_then_delivered(db: Database) -> None:
    sender = FakeSender(
        script={0: SendResult.retry(0.4, "429 Too Many Requests"), 1: SendResult.retry(None, "500")}
    )
    dispatcher = _dispatcher(db, sender, policy=RetryPolicy(base=0.2))
    put(db, "1", "hello", "second")
    await dispatcher.start()
    await until(lambda: statuses(db, "1") == ["sent", "sent"])
    await dispatcher.stop()
    assert sender.texts() == ["hello", "hello", "hello", "second"]
    first, second, third = (d.at for d in sender.calls[:3])
    assert second - first >= 0.4  # retry_after honoured
    assert third - second >= 0.1  # backoff: at least half of base
    assert dispatcher.metrics.retries == 2 and dispatcher.metrics.sent == 2


async def test_a_timeout_is_resent_once_and_counted(db: Database) -> None:
    sender = FakeSender(answer=lambda chat, payload: SendResult.unknown("timeout"))
    dispatcher = _dispatcher(db, sender, policy=RetryPolicy(base=0.05))
    put(db, "1", "maybe", "after")
    await dispatcher.start()
    await until(lambda: statuses(db, "1") == ["failed", "failed"])
    await dispatcher.stop()
    assert sender.texts() == ["maybe", "maybe", "after", "after"]
    assert dispatcher.metrics.resends == 2 and dispatcher.metrics.unknown_outcomes == 4


async def test_a_hanging_send_is_given_up_as_unknown(db: Database) -> None:
    class Hanging(FakeSender):
        async def send(self, chat_key: str, payload: object) -> SendResult:  # type: ignore[override]
            result = await super().send(chat_key, payload)  # type: ignore[arg-type]
            if len(self.calls) == 1:
                await asyncio.sleep(10)
            return result

    sender = Hanging()
    dispatcher = _dispatcher(db, sender, send_timeout=0.2, policy=RetryPolicy(base=0.05))
    put(db, "1", "hello")
    await dispatcher.start()
    await until(lambda: statuses(db, "1") == ["sent"])
    await dispatcher.stop()
    assert sender.texts() == ["hello", "hello"] and dispatcher.metrics.resends == 1


async def test_403_blocks_the_chat_and_its_queue_stops(db: Database) -> None:
    sender = FakeSender(
        answer=lambda chat, payload: SendResult.blocked("403 Forbidden") if chat == "1" else SendResult.sent()
    )
    dispatcher = _dispatcher(db, sender)
    put(db, "1", "one", "two", "three")
    put(db, "2", "other")
    await dispatcher.start()
    await until(lambda: _all_settled(db, ["1", "2"]))
    await dispatcher.stop()
    assert sender.texts("1") == ["one"]
    assert statuses(db, "1") == ["blocked"] * 3 and statuses(db, "2") == ["sent"]


async def test_a_restarted_worker_delivers_what_was_pending(db: Database) -> None:
    """State lives in the database: a new dispatcher (a restarted process, its own database
    handle) picks up where the stopped one left off, and a send the old one never finished
    (killed mid-send) is re-sent once its lease runs out."""
    put(db, "1", *(f"m{i}" for i in range(5)))
    sender = FakeSender()
    first = _dispatcher(db, sender, Pacing(rate=30, chat_rate=1.0, chat_burst=2))
    await first.start()
    await until(lambda: len(sender.calls) >= 2)
    await first.stop()
    assert statuses(db, "1").count("pending") >= 2

    hanging = FakeSender(delay=30)
    killed = _dispatcher(db, hanging, policy=RetryPolicy(lease=0.5), send_timeout=20)
    await killed.start()
    await until(lambda: len(hanging.calls) == 1)
    await killed.stop(timeout=0.1)  # the process dies with a send in flight

    restarted_db = Database(db.url)
    try:
        second = _dispatcher(restarted_db, sender, policy=RetryPolicy(lease=0.5))
        await second.start()
        await until(lambda: statuses(db, "1") == ["sent"] * 5)
        await second.stop()
    finally:
        restarted_db.dispose()
    assert [d.payload["text"] for d in sender.calls] == [f"m{i}" for i in range(5)]
    assert second.metrics.leases_lost == 1 and second.metrics.resends == 1


async def test_a_commit_wakes_the_dispatcher_at_once(db: Database) -> None:
    sender = FakeSender()
    dispatcher = Dispatcher(db, {TELEGRAM: sender}, pacing={TELEGRAM: UNPACED}, poll_interval=30)
    await dispatcher.start()
    await asyncio.sleep(0.1)  # it is now asleep for up to 30 s
    committed = time.time()
    await asyncio.to_thread(put, db, "1", "hello")
    await until(lambda: bool(sender.calls), timeout=2)
    await dispatcher.stop()
    assert sender.calls[0].at - committed < 1.0


async def test_a_rolled_back_enqueue_sends_nothing(db: Database) -> None:
    sender = FakeSender()
    dispatcher = _dispatcher(db, sender)
    await dispatcher.start()
    with pytest.raises(RuntimeError), db.session(write=True) as session:
        enqueue(session, channel=TELEGRAM, chat_key="1", payload={"text": "never"})
        raise RuntimeError("turn failed")
    put(db, "2", "real")
    await until(lambda: bool(sender.calls))
    await asyncio.sleep(0.2)
    await dispatcher.stop()
    assert sender.texts() == ["real"]


async def test_an_idle_dispatcher_sleeps_between_polls(db: Database) -> None:
    """After a send the chat's pace is spent but nothing is queued: no reason to look again
    before the next poll (a spinning dispatcher would hammer the database)."""
    sender = FakeSender()
    dispatcher = Dispatcher(
        db, {TELEGRAM: sender}, pacing={TELEGRAM: Pacing(chat_rate=1.0, chat_burst=3)}, poll_interval=0.1
    )
    rounds = 0
    claim_due = dispatcher.outbox.claim_due

    def counting(channel: str, limit: int = 30):  # type: ignore[no-untyped-def]
        nonlocal rounds
        rounds += 1
        return claim_due(channel, limit)

    dispatcher.outbox.claim_due = counting  # type: ignore[method-assign]
    put(db, "1", "hello")
    await dispatcher.start()
    await until(lambda: statuses(db, "1") == ["sent"])
    rounds = 0
    await asyncio.sleep(1.0)
    await dispatcher.stop()
    assert rounds <= 12
