"""A visit started since 0017 keeps each rep line's history entry on its turn, not in its state
(``SessionState.history_apart``), so a turn reads and writes the same state at line 30 as at
line 3. It must end exactly as a visit that keeps its history in its state (every visit stored
before 0017, still active at the upgrade): the same scorecard, the same closing state, the same
transcript, whether the customer walks out, the rep ends it, or the idle sweep closes it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import PROJECT_ROOT, Settings
from bot.engine.library import ScenarioLibrary
from bot.services import RehearsalService
from bot.services.idle import IdleVisits
from bot.storage import Database, RehearsalSession, Turn, store
from bot.storage.models import utcnow

SCENARIO = "precision-parts-returns"
LINES = [  # a good start that brings facts out, then pitches until he walks out
    "王总您好，我是李明，老周介绍我过来的，谢谢您抽时间。",
    "看您有点疲惫，是刚从主机厂那边回来吗？最近他们的要求是不是又变了？",
    "退货为什么会翻倍呢？",
    "除了退货，还有什么让您操心的吗？",
    "王总，我们公司的质量监控系统是行业第一，能把不良率降低百分之五十。",
    "我们的系统已经在三百多家工厂上线了，价格也有优惠。",
    "我们现在签约还能打八折，您看什么时候能定下来？",
    "我们的系统真的是最好的，您一定要试试。",
]


@pytest.fixture
def rehearsals(db: Database) -> RehearsalService:
    library = ScenarioLibrary.from_directory(PROJECT_ROOT / "dialogues")
    return RehearsalService(db, library, Settings(max_message_chars=300))


def _two_visits(db: Database, rehearsals: RehearsalService) -> tuple[tuple[int, str], tuple[int, str]]:
    """Two reps' visits, same scenario and seed: the first as started today, the second turned
    into a visit stored before 0017 (its history in its state)."""
    with store(db, write=True) as s:
        apart_rep, kept_rep = (s.users.create(name).id for name in ("apart", "kept"))
    apart = rehearsals.start(apart_rep, SCENARIO, language="zh", mode="practice", channel="web", seed=5)
    kept = rehearsals.start(kept_rep, SCENARIO, language="zh", mode="practice", channel="web", seed=5)
    with store(db, write=True) as s:
        row = s.session.get(RehearsalSession, kept.session_id)
        assert row is not None and row.state.get("history_apart") is True
        row.state = {**{k: v for k, v in row.state.items() if k != "history_apart"}, "history": []}
    return (apart_rep, apart.session_id), (kept_rep, kept.session_id)


def _stored(db: Database, session_id: str) -> dict[str, Any]:
    with store(db) as s:
        row = s.session.get(RehearsalSession, session_id)
        assert row is not None
        turns = s.session.scalars(select(Turn).where(Turn.session_id == session_id).order_by(Turn.seq)).all()
        return {
            "session": [row.status, row.stage, row.step, row.trust, row.scorecard, row.score],
            "state": row.state,
            "turns": [
                (t.seq, t.speaker, t.text, t.techniques, t.stage, t.step, t.trust, t.revealed) for t in turns
            ],
            "entries": [t.entry for t in turns if t.speaker == "rep"],
        }


def _play(
    rehearsals: RehearsalService, visit: tuple[int, str], lines: list[str], first: int = 0
) -> list[str]:
    rep, session_id = visit
    statuses = []
    for n, line in enumerate(lines, start=first):
        result = rehearsals.send(session_id, line, user_id=rep, channel="web", message_id=f"{session_id}-{n}")
        statuses.append(result.status)
        if result.status != "active":
            break
    return statuses


def test_an_active_visit_keeps_its_history_on_its_turns_not_in_its_state(
    db: Database, rehearsals: RehearsalService
) -> None:
    apart, kept = _two_visits(db, rehearsals)
    for n, line in enumerate(LINES[:4], start=1):
        _play(rehearsals, apart, [line], first=n)
        _play(rehearsals, kept, [line], first=n)
        new, old = _stored(db, apart[1]), _stored(db, kept[1])
        assert "history" not in new["state"] and new["state"]["history_apart"] is True
        assert len(old["state"]["history"]) == n and old["entries"] == [None] * n
        # The entries on the turns are the history the old form keeps in the state, line by line.
        assert new["entries"] == old["state"]["history"]
        assert new["turns"] == old["turns"]


def test_a_visit_the_customer_closes_ends_as_one_that_kept_its_history(
    db: Database, rehearsals: RehearsalService
) -> None:
    apart, kept = _two_visits(db, rehearsals)
    statuses = _play(rehearsals, apart, LINES)
    assert _play(rehearsals, kept, LINES) == statuses
    assert statuses[-1] == "closed_by_customer" and statuses.count("active") >= 4
    new, old = _stored(db, apart[1]), _stored(db, kept[1])
    assert new["session"] == old["session"] and new["session"][4] is not None
    assert new["turns"] == old["turns"]
    # The closing state gathers the entries back: finished visits look as they did before 0017.
    assert new["state"] == old["state"]
    assert len(new["state"]["history"]) == len(statuses)


@pytest.mark.parametrize("closed_by", ["rep", "idle sweep"])
def test_a_visit_ended_by_the_rep_or_the_sweep_ends_as_one_that_kept_its_history(
    db: Database, rehearsals: RehearsalService, closed_by: str
) -> None:
    apart, kept = _two_visits(db, rehearsals)
    for visit in (apart, kept):
        assert _play(rehearsals, visit, LINES[:4]) == ["active"] * 4
    if closed_by == "rep":
        for rep, session_id in (apart, kept):
            rehearsals.end(session_id, user_id=rep, channel="web")
    else:
        later = utcnow() + timedelta(days=2)
        assert IdleVisits(db, rehearsals.versions, timedelta(hours=24)).close_idle(later) == 2
    new, old = _stored(db, apart[1]), _stored(db, kept[1])
    assert new["session"][0] in ("ended", "abandoned")
    assert new["session"] == old["session"]
    assert new["state"] == old["state"] and len(new["state"]["history"]) == 4
    assert new["session"][4]["score"] > 0  # the four lines count: the scorecard saw them
