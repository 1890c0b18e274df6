from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from bot.passwords import hash_password, verify_password
from bot.storage import Database, Turn, store


def _rep(db: Database, login: str = "li") -> int:
    with store(db, write=True) as s:
        return s.users.create("李雷", login=login, role="rep").id


def test_sessions_and_turns_round_trip(db: Database) -> None:
    user_id = _rep(db)
    with store(db, write=True) as s:
        user = s.users.get(user_id)
        assert user is not None
        rehearsal = s.sessions.create(
            user=user,
            scenario_id="factory-erp",
            scenario_version="3",
            channel="web",
            mode="exam",
            language="zh",
            seed=42,
            state={"stage": "first_impression", "facts": []},
            stage="first_impression",
            step="opener",
            trust=0.2,
        )
        rehearsal.stage = "liking"
        s.turns.add(
            rehearsal, "rep", "王总您好，最近忙吗？", techniques=["curiosity_care", "closed_question"]
        )
        s.turns.add(rehearsal, "customer", "还行，刚开完会。", revealed=["busy_quarter"])
        s.sessions.set_state(rehearsal, {"stage": "liking", "facts": ["busy_quarter"]})
        session_id = rehearsal.id

    with store(db) as s:
        rehearsal = s.sessions.get(session_id)
        assert rehearsal is not None
        assert (rehearsal.mode, rehearsal.seed, rehearsal.next_seq) == ("exam", 42, 3)
        assert rehearsal.state == {"stage": "liking", "facts": ["busy_quarter"]}
        turns = s.turns.for_session(session_id)
        assert [(t.seq, t.speaker) for t in turns] == [(1, "rep"), (2, "customer")]
        assert turns[0].techniques == ["curiosity_care", "closed_question"]
        assert turns[0].stage == "liking"
        assert turns[1].revealed == ["busy_quarter"]
        assert turns[0].text == "王总您好，最近忙吗？"
        assert s.turns.for_session(session_id, after_seq=1)[0].seq == 2
        assert [r.id for r in s.sessions.for_user(user_id)] == [session_id]
        assert s.sessions.active_for_user(user_id) is not None


def test_ending_a_session_keeps_its_scorecard(db: Database) -> None:
    user_id = _rep(db)
    with store(db, write=True) as s:
        user = s.users.get(user_id)
        assert user is not None
        rehearsal = s.sessions.create(user=user, scenario_id="s", scenario_version="1", channel="cli")
        s.sessions.end(rehearsal, scorecard={"score": 81, "points": ["keep asking why"]})
    with store(db) as s:
        stored = s.sessions.get(rehearsal.id)
        assert stored is not None and stored.status == "ended" and stored.ended_at is not None
        assert stored.scorecard == {"score": 81, "points": ["keep asking why"]}
        assert s.sessions.active_for_user(user_id) is None


def test_turn_sequence_is_unique_per_session(db: Database) -> None:
    user_id = _rep(db)
    with store(db, write=True) as s:
        user = s.users.get(user_id)
        assert user is not None
        rehearsal = s.sessions.create(user=user, scenario_id="s", scenario_version="1", channel="web")
        s.turns.add(rehearsal, "rep", "hello")
    with pytest.raises(IntegrityError), store(db, write=True) as s:
        s.session.add(Turn(session_id=rehearsal.id, seq=1, speaker="rep", text="again", language="en"))
        s.session.flush()
    with store(db) as s:
        assert [t.text for t in s.turns.for_session(rehearsal.id)] == ["hello"]


def test_login_is_unique(db: Database) -> None:
    _rep(db, "same")
    with pytest.raises(IntegrityError):
        _rep(db, "same")


def test_inbound_claim_is_once_and_keeps_the_transaction_usable(db: Database) -> None:
    with store(db, write=True) as s:
        assert s.inbound.claim("telegram", "1001") is True
        assert s.inbound.claim("telegram", "1001") is False
        assert s.inbound.claim("web", "1001") is True  # ids are per channel
        s.inbound.record_response("telegram", "1001", {"reply": "好的"})
    with store(db, write=True) as s:
        assert s.inbound.claim("telegram", "1001") is False
        message = s.inbound.get("telegram", "1001")
        assert message is not None and message.response == {"reply": "好的"}


def test_concurrent_claims_of_one_id_succeed_once(db: Database) -> None:
    results: list[bool] = []
    barrier = threading.Barrier(6)

    def claim() -> None:
        barrier.wait()
        with store(db, write=True) as s:
            results.append(s.inbound.claim("telegram", "777"))
            time.sleep(0.02)

    threads = [threading.Thread(target=claim) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 5 + [True]


def test_session_lock_serialises_turns(db: Database) -> None:
    """Concurrent writers under the session lock each get a distinct, gap-free sequence."""
    user_id = _rep(db)
    with store(db, write=True) as s:
        user = s.users.get(user_id)
        assert user is not None
        session_id = s.sessions.create(user=user, scenario_id="s", scenario_version="1", channel="web").id

    errors: list[BaseException] = []

    def write_turn(n: int) -> None:
        try:
            with store(db, write=True) as s:
                rehearsal = s.sessions.get(session_id, for_update=True)
                assert rehearsal is not None
                time.sleep(0.005)  # widen the window a missing lock would show in
                s.turns.add(rehearsal, "rep", f"line {n}")
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=write_turn, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with store(db) as s:
        assert [t.seq for t in s.turns.for_session(session_id)] == list(range(1, 9))
        stored = s.sessions.get(session_id)
        assert stored is not None and stored.next_seq == 9


def test_link_codes_are_single_use_and_expire(db: Database) -> None:
    user_id = _rep(db)
    with store(db, write=True) as s:
        user = s.users.get(user_id)
        assert user is not None
        code = s.users.issue_link_code(user)
        stale = s.users.issue_link_code(user, ttl=timedelta(seconds=-1))
    with store(db, write=True) as s:
        linked = s.users.redeem_link_code(code.lower())
        assert linked is not None and linked.id == user_id
        s.users.link_telegram(555, linked, chat_id=555)
        assert s.users.redeem_link_code(code) is None
        assert s.users.redeem_link_code(stale) is None
        assert s.users.redeem_link_code("NOPE") is None
    with store(db) as s:
        found = s.users.by_telegram(555)
        assert found is not None and found.id == user_id


def test_script_versions_are_immutable(db: Database) -> None:
    with store(db, write=True) as s:
        first = s.scripts.record(kind="scenario", script_id="clinic", version="1", content_hash="a")
        again = s.scripts.record(kind="scenario", script_id="clinic", version="1", content_hash="a")
        assert first.id == again.id
        with pytest.raises(ValueError, match="changed without a new version"):
            s.scripts.record(kind="scenario", script_id="clinic", version="1", content_hash="b")
        s.scripts.record(kind="scenario", script_id="clinic", version="2", content_hash="b")
        assert [v.version for v in s.scripts.versions("scenario", "clinic")] == ["1", "2"]


def test_coaching_notes(db: Database) -> None:
    rep_id = _rep(db)
    with store(db, write=True) as s:
        rep = s.users.get(rep_id)
        manager = s.users.create("经理", login="boss", role="manager")
        assert rep is not None
        s.notes.add(author=manager, rep=rep, text="多问为什么")
    with store(db, write=True) as s:
        notes = s.notes.for_rep(rep_id)
        assert [n.text for n in notes] == ["多问为什么"]
        s.notes.mark_read(notes[0])
    with store(db) as s:
        assert s.notes.for_rep(rep_id)[0].read_at is not None


def test_passwords() -> None:
    hashed = hash_password("s3cret")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "s3cret")
    assert not verify_password(hashed, "wrong")
    assert not verify_password(None, "s3cret")
    assert not verify_password("not-a-hash", "s3cret")


def test_note_author_names_in_one_lookup(db: Database) -> None:
    rep_id = _rep(db)
    with store(db, write=True) as s:
        rep = s.users.get(rep_id)
        assert rep is not None
        first = s.users.create("王经理", login="m1", role="manager")
        second = s.users.create("Ms Lee", login="m2", role="manager")
        for author in (first, second, first):
            s.notes.add(author=author, rep=rep, text="…")
        notes = s.notes.for_rep(rep_id)
        assert s.notes.author_names(notes) == {first.id: "王经理", second.id: "Ms Lee"}
        assert s.notes.author_names([]) == {}


def test_history_entries_skip_rep_turns_without_one(db: Database) -> None:
    """A rep turn stored without an entry (a visit that kept its history in its state, or turns
    written by a tool) holds JSON null, not SQL NULL: it is no history entry."""
    user_id = _rep(db)
    with store(db, write=True) as s:
        user = s.users.get(user_id)
        assert user is not None
        rehearsal = s.sessions.create(user=user, scenario_id="s", scenario_version="1", channel="web")
        s.turns.add(rehearsal, "rep", "no entry")
        s.turns.add(rehearsal, "customer", "a reply")
        s.turns.add(rehearsal, "rep", "with entry", entry={"text": "with entry", "event": "why"})
    with store(db) as s:
        assert s.turns.entries(rehearsal.id) == [{"text": "with entry", "event": "why"}]
