"""RehearsalService over a real database (SQLite and PostgreSQL) with the real classifier."""

from __future__ import annotations

import threading
from dataclasses import asdict
from pathlib import Path

import pytest
from engine_support import DIALOGUES, EXAMPLE, EXAMPLE_ID

from bot.config import Settings
from bot.engine.library import ScenarioLibrary
from bot.engine.results import (
    MessageRejected,
    NotYourSession,
    SessionClosed,
    SessionNotFound,
    TurnResult,
    UnknownScenario,
)
from bot.engine.runtime import default_classify
from bot.engine.state import SessionState
from bot.services import RehearsalService
from bot.storage import Database, store

LINES_EN = [
    "Good morning Mr Wang, I'm Tom Reed. Thank you for making time for me.",
    "Your plant mainly makes parts for electric cars, is that right?",
    "You look a bit tired. Has the carmaker been keeping you busy lately?",
    "Why have the returns doubled?",
    "Why do the defects only show up at final inspection?",
    "Why does nobody notice when a machine drifts between two samples?",
    "Besides the returns, is there anything else that worries you?",
    "If the returns are still this high at year end, what would that mean for next year?",
]
PITCHES_ZH = [
    "王总，我们公司的质量监控系统是行业第一，能把不良率降低百分之五十。",
    "我们的系统已经在三百多家工厂上线了，价格也有优惠。",
]


@pytest.fixture(scope="module")
def library() -> ScenarioLibrary:
    return ScenarioLibrary.from_directory(DIALOGUES)


@pytest.fixture
def service(db: Database, library: ScenarioLibrary) -> RehearsalService:
    return RehearsalService(db, library, Settings(max_message_chars=300))


def make_rep(db: Database, login: str = "li") -> int:
    with store(db, write=True) as s:
        return s.users.create(login, login=login).id


def count_turns(db: Database, session_id: str) -> int:
    with store(db) as s:
        return s.turns.count(session_id)


def test_a_whole_rehearsal_is_stored_turn_by_turn(db: Database, service: RehearsalService) -> None:
    rep = make_rep(db)
    started = service.start(rep, EXAMPLE_ID, language="en", mode="practice", channel="web", seed=4)
    assert started.customer_reply and started.status == "active" and started.trust == 20
    results = [service.send(started.session_id, line, user_id=rep, channel="web") for line in LINES_EN[:4]]
    assert results[0].techniques[0] == "greeting"
    assert all(r.coach_note for r in results)
    assert "returns" in results[2].revealed
    view = service.session(started.session_id, user_id=rep)
    assert [t.speaker for t in view.turns] == ["customer"] + ["rep", "customer", "coach"] * 4
    assert [t.seq for t in view.turns] == list(range(1, 14))
    assert view.turns[1].text == LINES_EN[0] and view.turns[1].techniques == results[0].techniques
    assert view.turns[-2].text == results[-1].customer_reply
    assert service.active_session(rep) is not None

    final = service.end(started.session_id, user_id=rep, channel="web")
    assert final.status == "ended" and final.scorecard is not None
    assert final.scorecard["rep_turns"] == 4 and 0 <= final.scorecard["score"] <= 100
    view = service.session(started.session_id)
    assert view.status == "ended" and view.scorecard == final.scorecard and view.ended_at
    assert service.active_session(rep) is None
    assert [s.id for s in service.sessions_for(rep)] == [started.session_id]
    # Ending again gives the same scorecard and stores nothing.
    turns = count_turns(db, started.session_id)
    again = service.end(started.session_id, user_id=rep, channel="web")
    assert again.duplicate and again.scorecard == final.scorecard
    assert count_turns(db, started.session_id) == turns
    with pytest.raises(SessionClosed):
        service.send(started.session_id, "One more thing?", user_id=rep, channel="web")


def test_a_repeated_message_id_returns_the_stored_result_and_stores_nothing(
    db: Database, service: RehearsalService
) -> None:
    rep = make_rep(db)
    session_id = service.start(rep, EXAMPLE_ID, language="en", mode="practice", channel="web").session_id
    first = service.send(session_id, LINES_EN[0], user_id=rep, channel="web", message_id="m-1")
    turns = count_turns(db, session_id)
    again = service.send(session_id, LINES_EN[0], user_id=rep, channel="web", message_id="m-1")
    assert again.duplicate and not first.duplicate
    assert {**again.to_dict(), "duplicate": False} == first.to_dict()
    assert count_turns(db, session_id) == turns
    # The same id on another channel is another message.
    other = service.send(session_id, LINES_EN[1], user_id=rep, channel="telegram", message_id="m-1")
    assert not other.duplicate and count_turns(db, session_id) == turns + 3


def test_a_result_as_a_dict_holds_every_field_a_plain_copy_would(
    db: Database, service: RehearsalService
) -> None:
    # to_dict is written out field by field for speed: a field added to TurnResult and not to it
    # would silently go missing from stored answers and replies.
    rep = make_rep(db)
    session_id = service.start(rep, EXAMPLE_ID, language="en", mode="practice", channel="web").session_id
    service.send(session_id, LINES_EN[0], user_id=rep, channel="web")
    ended = service.end(session_id, user_id=rep, channel="web")
    assert ended.scorecard
    assert ended.to_dict() == asdict(ended)
    assert TurnResult.from_dict(ended.to_dict()) == ended


def test_rejected_text_stores_nothing_and_does_not_spend_the_message_id(
    db: Database, service: RehearsalService
) -> None:
    rep = make_rep(db)
    session_id = service.start(rep, EXAMPLE_ID, language="zh", mode="practice", channel="web").session_id
    turns = count_turns(db, session_id)
    for text in ("", "   \n", "\x00\x00", "长" * 301):
        with pytest.raises(MessageRejected):
            service.send(session_id, text, user_id=rep, channel="web", message_id="m-x")
    assert count_turns(db, session_id) == turns
    result = service.send(
        session_id, "王总您好，谢谢您抽时间。", user_id=rep, channel="web", message_id="m-x"
    )
    assert not result.duplicate and count_turns(db, session_id) == turns + 3
    # Odd characters are stored as written (NUL, which PostgreSQL refuses, is dropped).
    odd = "王总\x00，最近忙吗？\x07 🙂 ＡＢＣ"
    result = service.send(session_id, odd, user_id=rep, channel="web")
    assert result.rep_text == "王总，最近忙吗？\x07 🙂 ＡＢＣ"
    assert service.session(session_id).turns[-3].text == result.rep_text


def test_sessions_belong_to_their_rep(db: Database, service: RehearsalService) -> None:
    owner, stranger = make_rep(db, "owner"), make_rep(db, "stranger")
    session_id = service.start(owner, EXAMPLE_ID, language="en", mode="practice", channel="web").session_id
    with pytest.raises(NotYourSession):
        service.send(session_id, "Hello?", user_id=stranger, channel="web")
    with pytest.raises(NotYourSession):
        service.session(session_id, user_id=stranger)
    with pytest.raises(NotYourSession):
        service.hint(session_id, user_id=stranger)
    with pytest.raises(SessionNotFound):
        service.send("0" * 32, "Hello?", user_id=owner, channel="web")
    with pytest.raises(UnknownScenario):
        service.start(owner, "no-such-scenario", language="en", mode="practice", channel="web")


def test_an_interrupted_session_resumes_exactly_from_the_database(
    db: Database, database_url: str, library: ScenarioLibrary
) -> None:
    rep = make_rep(db)
    first = RehearsalService(db, library)
    started = first.start(rep, EXAMPLE_ID, language="en", mode="practice", channel="web", seed=77)
    before = [first.send(started.session_id, line, user_id=rep, channel="web") for line in LINES_EN[:4]]

    # A new process: its own database handle, library and service.
    fresh_db = Database(database_url)
    try:
        second = RehearsalService(fresh_db, ScenarioLibrary.from_directory(DIALOGUES))
        after = [
            second.send(started.session_id, line, user_id=rep, channel="telegram") for line in LINES_EN[4:]
        ]
        final = second.end(started.session_id, user_id=rep, channel="telegram")
    finally:
        fresh_db.dispose()

    # The same visit played without interruption, in memory, gives the same turns.
    runtime = library.latest(EXAMPLE_ID)
    state, opening = runtime.start(lang="en", mode="practice", seed=77)
    assert opening == started.customer_reply
    classify = default_classify()
    for line, stored in zip(LINES_EN, before + after, strict=True):
        played = runtime.say(state, line, classify)
        assert stored.customer_reply == played.outcome.reply
        assert stored.coach_note == played.note
        assert stored.trust == state.trust and stored.stage == state.stage and stored.step == state.step
    runtime.end(state)
    assert final.scorecard == runtime.scorecard(state).to_json()


def test_hints_are_stored_and_counted(db: Database, service: RehearsalService) -> None:
    rep = make_rep(db)
    session_id = service.start(rep, EXAMPLE_ID, language="zh", mode="practice", channel="web").session_id
    hint = service.hint(session_id, user_id=rep)
    assert hint.startswith("提示（")
    view = service.session(session_id)
    assert view.turns[-1].speaker == "coach" and view.turns[-1].text == hint
    final = service.end(session_id, user_id=rep, channel="web")
    assert final.scorecard is not None and final.scorecard["hints"] == 1


def test_an_exam_gives_no_hints_and_no_notes(db: Database, service: RehearsalService) -> None:
    rep = make_rep(db)
    session_id = service.start(rep, EXAMPLE_ID, language="zh", mode="exam", channel="web").session_id
    hint = service.hint(session_id, user_id=rep)
    assert not hint.startswith("提示（") and "考试" in hint
    result = service.send(session_id, "听说你们主要给新能源车做精密零件，对吧？", user_id=rep, channel="web")
    assert result.coach_note is None  # exam mode: the coach is silent
    assert [t.speaker for t in service.session(session_id).turns][-2:] == ["rep", "customer"]
    final = service.end(session_id, user_id=rep, channel="web")
    assert final.scorecard is not None and final.scorecard["hints"] == 0


def test_the_customer_walks_out_on_a_pitcher(db: Database, service: RehearsalService) -> None:
    rep = make_rep(db)
    session_id = service.start(rep, EXAMPLE_ID, language="zh", mode="practice", channel="web").session_id
    results = [service.send(session_id, line, user_id=rep, channel="web") for line in PITCHES_ZH]
    assert results[0].status == "active" and results[0].trust < 20
    assert results[1].status == "closed_by_customer" and results[1].ended
    assert results[1].scorecard is not None and results[1].scorecard["score"] <= 20
    view = service.session(session_id)
    assert view.status == "closed_by_customer" and view.scorecard == results[1].scorecard
    ended = service.end(session_id, user_id=rep, channel="web")
    assert ended.duplicate and ended.status == "closed_by_customer"


def test_a_follow_up_visit_remembers_what_the_first_revealed(db: Database, service: RehearsalService) -> None:
    rep, other = make_rep(db, "rep"), make_rep(db, "other")
    first = service.start(rep, EXAMPLE_ID, language="en", mode="practice", channel="web", seed=1).session_id
    for line in LINES_EN[:5]:
        service.send(first, line, user_id=rep, channel="web")
    service.end(first, user_id=rep, channel="web")

    # Replaying the scenario is a fresh start unless the rep asks for a follow-up visit.
    again = service.start(rep, EXAMPLE_ID, language="en", mode="practice", channel="web", seed=3).session_id
    with store(db) as s:
        stored = s.sessions.get(again)
        assert stored is not None and SessionState.from_dict(stored.state).prior == []
    second = service.start(
        rep, EXAMPLE_ID, language="en", mode="practice", channel="web", seed=2, visit="follow_up"
    ).session_id
    with store(db) as s:
        stored = s.sessions.get(second)
        assert stored is not None
        prior = SessionState.from_dict(stored.state).prior
    assert {"returns", "late_detection", "sampling_gaps"} <= set(prior)
    result = service.send(
        second, "Last time you mentioned the defects show up at final inspection?", user_id=rep, channel="web"
    )
    assert result.techniques[0] == "revisit_topic"
    assert {"late_detection", "sampling_gaps"} <= set(result.revealed) and result.trust > 20
    # The customer picks up at the deepest point of the last visit.
    assert "manual sampling every two hours" in (result.customer_reply or "")
    # The score counts picking the thread up, not the first visit's facts again.
    card = service.end(second, user_id=rep, channel="web").scorecard
    assert card is not None and card["listening"]["visit"] == "follow_up"
    assert card["listening"]["facts_this_visit"] == 0 and card["listening"]["picked_up"] >= 3
    assert "late_detection" not in card["revealed"]

    # Another rep's first visit starts from nothing.
    fresh = service.start(other, EXAMPLE_ID, language="en", mode="practice", channel="web").session_id
    with store(db) as s:
        stored = s.sessions.get(fresh)
        assert stored is not None and SessionState.from_dict(stored.state).prior == []


def test_starting_records_every_loaded_script_version(db: Database, service: RehearsalService) -> None:
    rep = make_rep(db)
    service.start(rep, EXAMPLE_ID, language="zh", mode="practice", channel="web")
    with store(db) as s:
        for scenario_id in service.library.ids():
            runtime = service.library.latest(scenario_id)
            row = s.scripts.get("scenario", scenario_id, runtime.version)
            assert row is not None and row.content_hash == runtime.loaded.source.content_hash


def test_old_versions_are_played_from_the_stored_script(db: Database, tmp_path: Path) -> None:
    rep = make_rep(db)
    old = RehearsalService(db, ScenarioLibrary.from_paths([EXAMPLE]))
    session_id = old.start(rep, EXAMPLE_ID, language="en", mode="practice", channel="web", seed=3).session_id
    shipped = old.library.latest(EXAMPLE_ID).version
    following = str(int(shipped) + 1)
    with store(db) as s:
        assert [v.version for v in s.scripts.versions("scenario", EXAMPLE_ID)] == [shipped]
        stored = s.scripts.get("scenario", EXAMPLE_ID, shipped)
        assert stored is not None and stored.content == EXAMPLE.read_text("utf-8")

    # The trainer ships the next version with a different opening; the old session plays its own.
    text = EXAMPLE.read_text("utf-8").replace(f'version: "{shipped}"', f'version: "{following}"', 1)
    text = text.replace("Have a seat. I have a meeting", "Sit down. I have a call", 1)
    (tmp_path / "v2.yaml").write_text(text, "utf-8")
    new = RehearsalService(db, ScenarioLibrary.from_directory(tmp_path))
    result = new.send(session_id, LINES_EN[0], user_id=rep, channel="web")
    assert result.status == "active"
    assert new.session(session_id).scenario_version == shipped
    started = new.start(rep, EXAMPLE_ID, language="en", mode="practice", channel="web", seed=1)
    assert new.session(started.session_id).scenario_version == following
    assert started.customer_reply == "Sit down. I have a call at half past ten, so let's keep it short."

    # A file changed without raising its version is not used: what was published is played.
    (tmp_path / "v2.yaml").write_text(text.replace("Sit down.", "Please sit.", 1), "utf-8")
    sneaky = RehearsalService(db, ScenarioLibrary.from_directory(tmp_path))
    again = sneaky.start(rep, EXAMPLE_ID, language="en", mode="practice", channel="web", seed=1)
    assert sneaky.session(again.session_id).scenario_version == following
    assert (again.customer_reply or "").startswith("Sit down.")


def test_concurrent_messages_to_one_session_are_serialised(db: Database, service: RehearsalService) -> None:
    rep = make_rep(db)
    session_id = service.start(rep, EXAMPLE_ID, language="en", mode="practice", channel="web").session_id
    service.classify  # load the classifier before the threads race  # noqa: B018
    results: list[TurnResult] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        try:
            for k in range(3):
                line = LINES_EN[(n + k) % 3]
                # Each message twice: the redelivery must not add a turn.
                for _ in range(2):
                    result = service.send(session_id, line, user_id=rep, channel="web", message_id=f"{n}-{k}")
                    with lock:
                        results.append(result)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(1 for r in results if not r.duplicate) == 12
    view = service.session(session_id)
    assert [t.seq for t in view.turns] == list(range(1, len(view.turns) + 1))
    assert [t.speaker for t in view.turns].count("rep") == 12
    with store(db) as s:
        stored = s.sessions.get(session_id)
        assert stored is not None and SessionState.from_dict(stored.state).turn == 12


def test_two_workers_recording_a_new_version_at_once_both_start(db: Database, database_url: str) -> None:
    rep = make_rep(db)
    handles = [Database(database_url) for _ in range(4)]
    services = [RehearsalService(handle, ScenarioLibrary.from_paths([EXAMPLE])) for handle in handles]
    barrier = threading.Barrier(len(services))
    results: list[TurnResult] = []
    errors: list[BaseException] = []

    def start(service: RehearsalService) -> None:
        barrier.wait()
        try:
            results.append(service.start(rep, EXAMPLE_ID, language="en", mode="practice", channel="web"))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(service,)) for service in services]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for handle in handles:
            handle.dispose()
    assert not errors and len(results) == len(services)
    with store(db) as s:
        assert len(s.scripts.versions("scenario", EXAMPLE_ID)) == 1
