"""Claiming and settling outbox messages on a real database (SQLite and PostgreSQL).

The clock is controlled, so pacing and backoff are checked to the second without waiting.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

import pytest
from outbox_support import TELEGRAM, UNPACED, Clock, messages, put, statuses
from sqlalchemy.orm import Session

from bot.services.outbox import Claim, Outbound, Outbox, Pacing, RetryPolicy, enqueue, post, unblock
from bot.storage import Database, store
from bot.storage.outbox import OutboxRepository

Write = Callable[[Session, str], object]


def _enqueue(session: Session, text: str) -> object:
    return enqueue(session, channel=TELEGRAM, chat_key="1", payload={"text": text})


def _post(session: Session, text: str) -> object:
    """A turn's answer as channels queue it: the chat wrote, so it is unblocked."""
    return post(
        session, channel=TELEGRAM, chat_key="1", messages=[Outbound({"text": text})], unblock_chat=True
    )


WRITERS = pytest.mark.parametrize("write", [_enqueue, _post], ids=["enqueue", "post"])


def _outbox(db: Database, clock: Clock, pacing: Pacing = UNPACED, **policy: float) -> Outbox:
    return Outbox(
        db, pacing={TELEGRAM: pacing}, policy=RetryPolicy(**policy), clock=clock, rng=random.Random(1)
    )


def _claim(outbox: Outbox, limit: int = 100) -> list[Claim]:
    return outbox.claim_due(TELEGRAM, limit).claims


def _note(db: Database, text: str) -> int:
    with store(db, write=True) as s:
        manager = s.users.create("Wang", role="manager")
        rep = s.users.create("Li", role="rep")
        return s.notes.add(author=manager, rep=rep, text=text).id


def _read_at(db: Database, note_id: int) -> object:
    with store(db) as s:
        note = s.notes.get(note_id)
        assert note is not None
        return note.read_at


def test_enqueue_belongs_to_the_callers_transaction(db: Database) -> None:
    with pytest.raises(RuntimeError), db.session(write=True) as session:
        enqueue(session, channel=TELEGRAM, chat_key="1", payload={"text": "lost with the turn"})
        raise RuntimeError("the turn failed")
    assert messages(db, "1") == []
    with store(db, write=True) as s:
        enqueue(s, channel=TELEGRAM, chat_key="1", payload={"text": "stored with the turn"})
    assert [m.payload["text"] for m in messages(db, "1")] == ["stored with the turn"]


def test_only_the_head_of_each_chat_is_claimed(db: Database) -> None:
    clock = Clock()
    outbox = _outbox(db, clock)
    put(db, "a", "a1", "a2")
    put(db, "b", "b1")
    first = _claim(outbox)
    assert sorted(c.payload["text"] for c in first) == ["a1", "b1"]
    # a2 waits while a1 is in flight, however due it is.
    assert _claim(outbox) == []
    outbox.mark_sent(next(c for c in first if c.chat_key == "a"))
    assert [c.payload["text"] for c in _claim(outbox)] == ["a2"]


def test_reply_and_note_of_one_turn_go_out_as_one_message_and_the_note_is_read_on_delivery(
    db: Database,
) -> None:
    clock = Clock()
    outbox = _outbox(db, clock)
    note_id = _note(db, "Ask why first.")
    with db.session(write=True) as session:
        enqueue(session, channel=TELEGRAM, chat_key="1", payload={"text": "reply"}, group_key="turn-7")
        enqueue(
            session,
            channel=TELEGRAM,
            chat_key="1",
            payload={"text": "note"},
            kind="note",
            group_key="turn-7",
            note_id=note_id,
        )
        enqueue(session, channel=TELEGRAM, chat_key="1", payload={"text": "next turn"}, group_key="turn-8")
    [claim] = _claim(outbox)
    assert claim.payload["text"] == "reply\n\nnote" and claim.kinds == ("reply", "note")
    assert _read_at(db, note_id) is None  # claimed is not delivered
    assert outbox.mark_sent(claim)
    assert _read_at(db, note_id) is not None
    assert statuses(db, "1") == ["sent", "sent", "pending"]
    assert [c.payload["text"] for c in _claim(outbox)] == ["next turn"]


def test_a_note_that_never_arrives_stays_unread(db: Database) -> None:
    outbox = _outbox(db, Clock())
    note_id = _note(db, "Ask why first.")
    put(db, "1", "note", note_id=note_id, kind="note")
    [claim] = _claim(outbox)
    assert outbox.mark_failed(claim, error="400 Bad Request", permanent=True) == "failed"
    assert _read_at(db, note_id) is None
    assert messages(db, "1")[0].last_error == "400 Bad Request"


def test_retry_after_is_honoured(db: Database) -> None:
    clock = Clock()
    outbox = _outbox(db, clock)
    put(db, "1", "hello")
    [claim] = _claim(outbox)
    assert outbox.mark_failed(claim, retry_after=5, error="429 Too Many Requests") == "pending"
    clock.advance(4.9)
    assert _claim(outbox) == []
    clock.advance(0.1)
    [again] = _claim(outbox)
    assert again.message_ids == claim.message_ids and again.attempt == 2 and not again.resend


def test_server_errors_back_off_exponentially_then_give_up(db: Database) -> None:
    clock = Clock()
    outbox = _outbox(db, clock, base=1.0, cap=8.0, max_attempts=5)
    put(db, "1", "hello")
    waits = []
    for attempt in range(1, 6):
        [claim] = _claim(outbox)
        assert claim.attempt == attempt
        status = outbox.mark_failed(claim, error="502 Bad Gateway")
        if attempt == 5:
            assert status == "failed"
            break
        due = messages(db, "1")[0].not_before.timestamp()
        waits.append(due - clock.now)
        clock.advance(waits[-1] - 0.01)
        assert _claim(outbox) == []  # not before the backoff is over
        clock.advance(0.02)
    for attempt, wait in enumerate(waits, start=1):
        ceiling = min(8.0, 2 ** (attempt - 1))
        assert ceiling / 2 - 0.01 <= wait <= ceiling + 0.01, (attempt, waits)
    clock.advance(1000)
    assert _claim(outbox) == []
    assert statuses(db, "1") == ["failed"]


def test_a_failed_message_does_not_hold_up_the_chat(db: Database) -> None:
    outbox = _outbox(db, Clock())
    put(db, "1", "bad", "good")
    [claim] = _claim(outbox)
    outbox.mark_failed(claim, error="400", permanent=True)
    assert [c.payload["text"] for c in _claim(outbox)] == ["good"]


def test_a_timeout_allows_exactly_one_resend(db: Database) -> None:
    clock = Clock()
    outbox = _outbox(db, clock)
    put(db, "1", "hello")
    [first] = _claim(outbox)
    assert not first.resend
    assert outbox.mark_unknown(first, error="timeout") == "pending"
    clock.advance(5)
    [second] = _claim(outbox)
    assert second.resend and second.message_ids == first.message_ids
    assert outbox.mark_unknown(second, error="timeout") == "failed"
    clock.advance(1000)
    assert _claim(outbox) == []
    [message] = messages(db, "1")
    assert (message.status, message.resends, message.attempts) == ("failed", 1, 2)
    assert "hello" not in (message.last_error or "")  # errors never carry the text


def test_an_answer_after_a_resend_still_delivers(db: Database) -> None:
    clock = Clock()
    outbox = _outbox(db, clock)
    put(db, "1", "hello")
    [first] = _claim(outbox)
    outbox.mark_unknown(first)
    clock.advance(5)
    [second] = _claim(outbox)
    assert outbox.mark_sent(second)
    assert statuses(db, "1") == ["sent"]


def test_a_lost_lease_is_an_unknown_outcome_and_the_late_answer_is_ignored(db: Database) -> None:
    """A worker that claimed and then hung (or was killed): after the lease another worker
    re-sends once; the first worker's late outcome must not change the new claim's state."""
    clock = Clock()
    outbox = _outbox(db, clock, lease=30)
    put(db, "1", "hello", "after")
    [stuck] = _claim(outbox)
    clock.advance(29)
    assert _claim(outbox) == []  # the lease still holds
    clock.advance(2)
    batch = outbox.claim_due(TELEGRAM, 10)
    [taken_over] = batch.claims
    assert batch.leases_lost == 1
    assert taken_over.resend and taken_over.message_ids == stuck.message_ids
    assert outbox.mark_failed(stuck, error="late 502") is None
    assert not outbox.mark_sent(stuck)
    assert outbox.mark_sent(taken_over)
    assert [c.payload["text"] for c in _claim(outbox)] == ["after"]


def test_blocked_chat_stops_its_queue_until_it_writes_again(db: Database) -> None:
    outbox = _outbox(db, Clock())
    put(db, "1", "one", "two", "three")
    put(db, "2", "other")
    claims = {c.chat_key: c for c in _claim(outbox)}
    assert outbox.mark_blocked(claims["1"], error="403 Forbidden: bot was blocked by the user") == 3
    outbox.mark_sent(claims["2"])
    assert statuses(db, "1") == ["blocked"] * 3
    put(db, "1", "while blocked")
    assert _claim(outbox) == []
    with db.session(write=True) as session:
        assert unblock(session, channel=TELEGRAM, chat_key="1")
    put(db, "1", "welcome back")
    assert [c.payload["text"] for c in _claim(outbox)] == ["welcome back"]
    assert statuses(db, "1") == ["blocked"] * 4 + ["sending"]


def test_a_post_numbers_its_messages_after_the_chat_s_and_unblocks_only_when_asked(db: Database) -> None:
    """``post`` takes one sequence number per message, after those ``enqueue`` took, in one
    transaction; into a blocked chat its messages are stopped unless the chat wrote again."""
    outbox = _outbox(db, Clock())
    put(db, "1", "one")
    (claim,) = _claim(outbox)
    assert outbox.mark_blocked(claim, error="403 Forbidden: bot was blocked by the user") == 1
    pushed = [Outbound({"text": "push a"}), Outbound({"text": "push b"})]
    with db.session(write=True) as session:
        assert post(session, channel=TELEGRAM, chat_key="1", messages=pushed) == 2
    assert _claim(outbox) == []
    answer = [Outbound({"text": "reply"}, joins=True), Outbound({"text": "note"}, kind="note", joins=True)]
    with db.session(write=True) as session:
        post(session, channel=TELEGRAM, chat_key="1", messages=answer, group_key="tg:9", unblock_chat=True)
        enqueue(session, channel=TELEGRAM, chat_key="1", payload={"text": "after"})
    found = messages(db, "1")
    assert [(m.seq, m.payload["text"], m.status) for m in found] == [
        (1, "one", "blocked"),
        (2, "push a", "blocked"),
        (3, "push b", "blocked"),
        (4, "reply", "pending"),
        (5, "note", "pending"),
        (6, "after", "pending"),
    ]
    assert [(m.kind, m.group_key) for m in found[3:5]] == [("reply", "tg:9"), ("note", "tg:9")]
    with db.session() as session:
        chat = OutboxRepository(session).get_chat(TELEGRAM, "1")
        assert chat is not None and chat.blocked_at is None and chat.next_seq == 7
    assert [c.payload["text"] for c in _claim(outbox)] == ["reply\n\nnote"]


def test_a_post_to_a_new_chat_starts_it_at_one_and_nothing_is_queued_when_rolled_back(db: Database) -> None:
    with pytest.raises(RuntimeError), db.session(write=True) as session:
        post(
            session, channel=TELEGRAM, chat_key="7", messages=[Outbound({"text": "lost"})], unblock_chat=True
        )
        raise RuntimeError("the turn failed")
    assert messages(db, "7") == []
    with db.session(write=True) as session:
        post(
            session, channel=TELEGRAM, chat_key="7", messages=[Outbound({"text": "kept"})], unblock_chat=True
        )
    assert [(m.seq, m.payload["text"], m.status) for m in messages(db, "7")] == [(1, "kept", "pending")]


def test_per_chat_pacing_allows_a_small_burst_then_one_per_second(db: Database) -> None:
    clock = Clock()
    outbox = _outbox(db, clock, Pacing(rate=1000, chat_rate=1.0, chat_burst=3))
    put(db, "1", *(f"m{i}" for i in range(10)))

    def send_what_is_due() -> int:
        count = 0
        while claims := _claim(outbox):
            for claim in claims:
                outbox.mark_sent(claim)
            count += len(claims)
        return count

    assert send_what_is_due() == 3
    clock.advance(0.9)
    assert send_what_is_due() == 0
    clock.advance(0.1)
    assert send_what_is_due() == 1
    clock.advance(1.0)
    assert send_what_is_due() == 1
    clock.advance(3.0)  # idle time refills the burst, no more
    assert send_what_is_due() == 3
    assert outbox.claim_due(TELEGRAM, 10).wake_in == pytest.approx(1.0, abs=0.01)


def test_the_bot_wide_limit_holds_per_window(db: Database) -> None:
    clock = Clock()
    pacing = Pacing(rate=30, window=1.0, slack=0.1, chat_rate=1.0, chat_burst=3)
    outbox = _outbox(db, clock, pacing)
    for chat in range(45):
        put(db, str(chat), "hi")
    first = _claim(outbox)
    assert len(first) == 30
    for claim in first:
        outbox.mark_sent(claim)  # answered at once: stamped now
    clock.advance(0.5)
    batch = outbox.claim_due(TELEGRAM, 100)
    assert batch.claims == [] and batch.wake_in == pytest.approx(0.6, abs=0.01)
    clock.advance(0.6)
    assert len(_claim(outbox)) == 15


def test_sends_in_flight_hold_the_window_until_answered_and_count_from_their_answer(
    db: Database,
) -> None:
    """A slow batch: its sends may reach the API any time until answered, so the window stays
    full however old the claims are, and each send counts from when it was answered."""
    clock = Clock()
    pacing = Pacing(rate=30, window=1.0, slack=0.1, chat_rate=1.0, chat_burst=3)
    outbox = _outbox(db, clock, pacing)
    for chat in range(50):
        put(db, str(chat), "hi")
    first = _claim(outbox)
    assert len(first) == 30
    clock.advance(5.0)  # long past the window: the claims are still in flight
    batch = outbox.claim_due(TELEGRAM, 100)
    assert batch.claims == [] and batch.wake_in == pytest.approx(0.1)  # another worker's, maybe
    for claim in first[:10]:
        outbox.mark_sent(claim)  # ten answered now, twenty still in flight
    clock.advance(0.5)
    assert _claim(outbox) == []
    for claim in first[10:20]:
        outbox.mark_failed(claim, retry_after=30.0, error="429")  # an answered error counts too
    clock.advance(0.3)
    for claim in first[20:]:
        assert outbox.mark_unknown(claim) == "pending"  # a timeout: it may have arrived
    # Stamps at +0.0 (10), +0.5 (10), +0.8 (10) after the first answers: full until +1.1.
    clock.advance(0.2)
    batch = outbox.claim_due(TELEGRAM, 100)
    assert batch.claims == [] and batch.wake_in == pytest.approx(0.1, abs=0.01)
    clock.advance(0.11)
    second = _claim(outbox)
    assert len(second) == 10 and {c.chat_key for c in second} <= {str(c) for c in range(30, 50)}
    clock.advance(0.5)  # the second ten answers are out of the window, the new ten in flight
    assert len(_claim(outbox)) == 10


def test_a_send_counts_from_when_it_was_answered_not_when_it_was_settled(db: Database) -> None:
    """The dispatcher passes the moment the answer came; settling may wait for the database."""
    clock = Clock()
    outbox = _outbox(db, clock, Pacing(rate=1, window=1.0, slack=0.1, chat_rate=100, chat_burst=100))
    put(db, "a", "a1", "a2")
    [claim] = _claim(outbox)
    answered = clock.now + 0.2
    clock.advance(0.7)  # the settling transaction waited half a second for the write lock
    outbox.mark_sent(claim, answered_at=answered)
    batch = outbox.claim_due(TELEGRAM, 10)
    assert batch.claims == [] and batch.wake_in == pytest.approx(0.6, abs=0.01)  # 0.2 + 1.1 - 0.7
    clock.advance(0.61)
    assert [c.payload["text"] for c in _claim(outbox)] == ["a2"]


def test_a_claim_whose_worker_died_stops_counting_when_its_lease_runs_out(db: Database) -> None:
    clock = Clock()
    outbox = _outbox(
        db, clock, Pacing(rate=2, window=1.0, slack=0.0, chat_rate=100, chat_burst=100), lease=10
    )
    put(db, "a", "a1")
    put(db, "b", "b1")
    put(db, "c", "c1")
    assert len(_claim(outbox)) == 2  # never settled: the worker died
    clock.advance(9.0)
    assert _claim(outbox) == []
    clock.advance(1.5)
    # The two lost claims are due again (their one re-send) alongside c: two at most.
    assert len(_claim(outbox)) == 2


def test_least_recently_served_chat_goes_first(db: Database) -> None:
    """Round robin: with room for one send, a chat that was just served waits for the others."""
    clock = Clock()
    outbox = _outbox(db, clock, Pacing(rate=1, window=1.0, slack=0.0, chat_rate=100, chat_burst=100))
    put(db, "busy", *(f"b{i}" for i in range(5)))
    order = []
    for _ in range(6):
        if len(order) == 1:
            put(db, "quiet", "q0")  # arrives after the busy chat's whole queue
        [claim] = _claim(outbox, limit=1)
        outbox.mark_sent(claim)
        order.append(claim.payload["text"])
        clock.advance(1.0)
    assert order == ["b0", "q0", "b1", "b2", "b3", "b4"]


@WRITERS
def test_a_chat_s_sequence_follows_commit_order(db: Database, write: Write) -> None:
    """A second writer to the same chat waits for the first to commit, so a later sequence
    number can never become visible (and be delivered) before an earlier one."""
    first_enqueued = threading.Event()
    release_first = threading.Event()
    second_done = threading.Event()

    def first_turn() -> None:
        with db.session(write=True) as session:
            write(session, "first")
            first_enqueued.set()
            release_first.wait(10)

    def second_turn() -> None:
        first_enqueued.wait(10)
        with db.session(write=True) as session:
            write(session, "second")
        second_done.set()

    threads = [threading.Thread(target=first_turn), threading.Thread(target=second_turn)]
    for thread in threads:
        thread.start()
    try:
        assert not second_done.wait(0.5)  # held back by the first turn's open transaction
    finally:
        release_first.set()
        for thread in threads:
            thread.join(20)
    assert second_done.is_set()
    assert [(m.seq, m.payload["text"]) for m in messages(db, "1")] == [(1, "first"), (2, "second")]


@WRITERS
def test_a_chat_being_written_is_skipped_not_waited_for(db: Database, write: Write) -> None:
    """PostgreSQL: a turn still open on chat 1 does not hold the dispatcher up; chat 2 is served
    at once (SKIP LOCKED) and chat 1 on a later round."""
    if db.is_sqlite:
        pytest.skip("SQLite has no row locks: a claim waits for the writer's commit")
    outbox = _outbox(db, Clock())
    put(db, "1", "queued before the turn")
    put(db, "2", "other chat")
    turn_open = threading.Event()
    release = threading.Event()

    def turn() -> None:
        with db.session(write=True) as session:
            write(session, "the turn's reply")
            turn_open.set()
            release.wait(10)

    thread = threading.Thread(target=turn)
    thread.start()
    try:
        assert turn_open.wait(10)
        started = time.monotonic()
        claims = _claim(outbox)
        assert time.monotonic() - started < 2.0
        assert [c.chat_key for c in claims] == ["2"]
    finally:
        release.set()
        thread.join(10)
    assert [c.payload["text"] for c in _claim(outbox)] == ["queued before the turn"]
