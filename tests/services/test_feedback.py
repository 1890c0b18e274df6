"""The feedback service: reps flag judgements, trainers review them, accepted lines are exported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT, Settings
from bot.engine.library import ScenarioLibrary
from bot.services import (
    FeedbackService,
    FlagNotFound,
    NotARepLine,
    NotYourSession,
    RehearsalService,
    UnknownTechnique,
)
from bot.storage import Database, store

SCENARIO = "precision-parts-returns"
WHY = "退货为什么会翻倍呢？"


def make_user(db: Database, login: str) -> int:
    with store(db, write=True) as s:
        return s.users.create(login, login=login, role="rep").id


@pytest.fixture
def played(db: Database) -> tuple[int, str, int]:
    """A rep, their session and the seq of a rep line played in it."""
    rehearsals = RehearsalService(db, ScenarioLibrary.from_directory(PROJECT_ROOT / "dialogues"), Settings())
    rep = make_user(db, "rep")
    session = rehearsals.start(rep, SCENARIO, channel="web", language="zh", mode="practice", seed=1)
    rehearsals.send(session.session_id, "王总您好，我是李明。", user_id=rep, channel="web")
    result = rehearsals.send(session.session_id, WHY, user_id=rep, channel="web")
    seq = next(t.seq for t in rehearsals.session(session.session_id, user_id=rep).turns if t.text == WHY)
    assert result.rep_seq == seq  # what the channels flag by
    return rep, session.session_id, seq


def test_a_flag_keeps_the_line_its_context_and_the_prediction(db: Database, played) -> None:
    rep, session_id, seq = played
    feedback = FeedbackService(db)
    flag = feedback.flag(rep, session_id, seq, "what_else", "web")
    assert (flag.text, flag.language, flag.status, flag.suggested, flag.channel) == (
        WHY,
        "zh",
        "pending",
        "what_else",
        "web",
    )
    assert flag.predicted and flag.predicted[0] == "why"
    assert flag.context  # the customer's line before it
    assert flag.confidence is not None and 0 < flag.confidence <= 1
    assert [f.id for f in feedback.pending()] == [flag.id]


def test_a_repeat_updates_the_suggestion_not_the_queue(db: Database, played) -> None:
    rep, session_id, seq = played
    feedback = FeedbackService(db)
    first = feedback.flag(rep, session_id, seq, None, "web")
    second = feedback.flag(rep, session_id, seq, "what_if", "telegram")
    assert second.id == first.id and second.suggested == "what_if"
    assert len(feedback.pending()) == 1


def test_only_the_reps_own_lines(db: Database, played) -> None:
    rep, session_id, seq = played
    feedback = FeedbackService(db)
    with pytest.raises(NotYourSession):
        feedback.flag(make_user(db, "other"), session_id, seq, None, "web")
    with pytest.raises(NotARepLine):
        feedback.flag(rep, session_id, seq + 1, None, "web")  # the customer's reply
    with pytest.raises(NotARepLine):
        feedback.flag(rep, session_id, 999, None, "web")
    with pytest.raises(UnknownTechnique):
        feedback.flag(rep, session_id, seq, "shouting", "web")
    assert feedback.pending() == []


def test_review_and_export(db: Database, played, tmp_path: Path) -> None:
    rep, session_id, seq = played
    feedback = FeedbackService(db)
    flag = feedback.flag(rep, session_id, seq, None, "web")
    with pytest.raises(UnknownTechnique):
        feedback.accept(flag.id, None, "trainer")  # no suggestion and no label
    with pytest.raises(FlagNotFound):
        feedback.reject(flag.id + 100, "trainer")
    accepted = feedback.accept(flag.id, "what_else", "trainer")
    assert (accepted.status, accepted.label, accepted.reviewer) == ("accepted", "what_else", "trainer")
    assert accepted.reviewed_at is not None and feedback.pending() == []

    (tmp_path / "data").mkdir()
    assert feedback.export_accepted(tmp_path) == {"feedback_zh.jsonl": 1}
    row = json.loads((tmp_path / "data" / "feedback_zh.jsonl").read_text(encoding="utf-8"))
    assert row == {"text": WHY, "lang": "zh", "label": "what_else", "context": accepted.context}

    assert feedback.reject(flag.id, "trainer").status == "rejected"
    assert feedback.export_accepted(tmp_path) == {}
    assert not (tmp_path / "data" / "feedback_zh.jsonl").exists()
