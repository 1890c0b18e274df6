"""Visits left idle are closed as abandoned, with their partial scorecard (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.config import PROJECT_ROOT, Settings
from bot.engine.library import ScenarioLibrary
from bot.services import IdleVisits, RehearsalService, SessionClosed
from bot.storage import Database, store
from bot.storage.models import RehearsalSession, utcnow
from bot.vocab import Status

SCENARIO = "precision-parts-returns"


@pytest.fixture(scope="module")
def library() -> ScenarioLibrary:
    return ScenarioLibrary.from_directory(PROJECT_ROOT / "dialogues")


@pytest.fixture
def rehearsals(db: Database, library: ScenarioLibrary) -> RehearsalService:
    return RehearsalService(db, library, Settings())


def _rep(db: Database, login: str) -> int:
    with store(db, write=True) as s:
        return s.users.create(login, login=login).id


def _idle_for(db: Database, session_id: str, hours: float) -> None:
    with store(db, write=True) as s:
        s.session.execute(
            update(RehearsalSession)
            .where(RehearsalSession.id == session_id)
            .values(updated_at=utcnow() - timedelta(hours=hours))
        )


def _status(db: Database, session_id: str) -> tuple[str, dict | None, int | None]:
    with store(db) as s:
        row = s.sessions.get(session_id)
        assert row is not None
        return row.status, row.scorecard, row.score


def test_an_idle_visit_is_closed_as_abandoned_with_its_partial_scorecard(
    db: Database, rehearsals: RehearsalService
) -> None:
    rep, other = _rep(db, "lin"), _rep(db, "zhou")
    idle = rehearsals.start(rep, SCENARIO, language="zh", mode="practice", channel="web", seed=1)
    rehearsals.send(idle.session_id, "王总您好，我是李明，谢谢您抽时间。", user_id=rep, channel="web")
    rehearsals.send(idle.session_id, "最近退货的情况怎么样？", user_id=rep, channel="web")
    fresh = rehearsals.start(other, SCENARIO, language="en", mode="exam", channel="telegram", seed=2)
    _idle_for(db, idle.session_id, 25)
    _idle_for(db, fresh.session_id, 23)  # an hour short of the setting: still in progress

    sweep = IdleVisits(db, rehearsals.versions, timedelta(hours=24))
    assert sweep.close_idle() == 1
    assert sweep.close_idle() == 0  # a second sweep (another worker) finds nothing left

    status, scorecard, score = _status(db, idle.session_id)
    assert status == Status.ABANDONED
    assert scorecard is not None and scorecard["status"] == "abandoned"
    assert scorecard["rep_turns"] == 2 and score == scorecard["score"]
    assert _status(db, fresh.session_id)[0] == Status.ACTIVE
    with pytest.raises(SessionClosed):
        rehearsals.send(idle.session_id, "那影响大吗？", user_id=rep, channel="web")
    # The rep is free to start another visit; the abandoned one reads back with its scorecard.
    view = rehearsals.session(idle.session_id, user_id=rep)
    assert view.status == Status.ABANDONED and view.scorecard is not None


def test_a_line_after_the_cutoff_keeps_the_visit_open_and_zero_turns_the_sweep_off(
    db: Database, rehearsals: RehearsalService
) -> None:
    rep = _rep(db, "lin")
    started = rehearsals.start(rep, SCENARIO, language="zh", mode="practice", channel="web", seed=1)
    _idle_for(db, started.session_id, 30)
    rehearsals.send(started.session_id, "王总您好。", user_id=rep, channel="web")  # the rep came back
    assert IdleVisits(db, rehearsals.versions, timedelta(hours=24)).close_idle() == 0
    _idle_for(db, started.session_id, 1000)
    assert IdleVisits(db, rehearsals.versions, timedelta(0)).close_idle() == 0
    assert _status(db, started.session_id)[0] == Status.ACTIVE


def test_many_idle_visits_close_in_batches(db: Database, rehearsals: RehearsalService) -> None:
    ids = []
    for n in range(5):
        rep = _rep(db, f"rep{n}")
        ids.append(
            rehearsals.start(rep, SCENARIO, language="zh", mode="practice", channel="web", seed=n).session_id
        )
        _idle_for(db, ids[-1], 48)
    import bot.services.idle as idle_module

    original, idle_module.BATCH = idle_module.BATCH, 2
    try:
        assert IdleVisits(db, rehearsals.versions, timedelta(hours=24)).close_idle() == 5
    finally:
        idle_module.BATCH = original
    assert {_status(db, i)[0] for i in ids} == {Status.ABANDONED}
