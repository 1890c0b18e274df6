"""Retraining from the trainers' page: the model is trained on the bank and the accepted review
lines, stored in the database with the bank version it came from, and every worker switches to
it at its next version check, without a restart. One real training (about a minute)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.classifier import default_bank
from bot.config import PROJECT_ROOT, Settings
from bot.engine.library import ScenarioLibrary
from bot.services import FeedbackService, ModelVersions, NotATrainer, RehearsalService
from bot.storage import ClassifierModel, Database, store, upgrade

BANK = PROJECT_ROOT / "questionbank"
LINE = "那你们现在一般怎么处理客户的投诉呢？"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def db(tmp_path: Path) -> Database:
    url = f"sqlite:///{tmp_path / 'models.sqlite3'}"
    upgrade(url)
    return Database(url)


def accepted_flag(db: Database) -> None:
    rehearsals = RehearsalService(db, ScenarioLibrary.from_directory(PROJECT_ROOT / "dialogues"), Settings())
    with store(db, write=True) as s:
        rep = s.users.create("rep", login="rep", role="rep").id
    started = rehearsals.start(
        rep, "precision-parts-returns", channel="web", language="zh", mode="practice", seed=1
    )
    result = rehearsals.send(started.session_id, LINE, user_id=rep, channel="web")
    feedback = FeedbackService(db)
    flag = feedback.flag(rep, started.session_id, result.rep_seq, "open_question", "web")
    feedback.accept(flag.id, "open_question", "trainer-lin")


def test_a_retrained_model_is_stored_and_every_worker_switches(db: Database) -> None:
    accepted_flag(db)
    clock = Clock()
    trainer_worker = ModelVersions(db, BANK, clock=clock)
    other_worker = ModelVersions(db, BANK, clock=clock)
    assert other_worker.classify(LINE, "zh", {}).technique  # the shipped model while none is stored
    assert other_worker.model_id is None and other_worker.current().id is None
    assert other_worker.current().bank_version == default_bank().version

    with pytest.raises(NotATrainer):
        trainer_worker.retrain(role="manager", author="mia")
    stored = trainer_worker.retrain(role="trainer", author="trainer-lin")
    assert stored.id is not None and stored.author == "trainer-lin"
    assert stored.bank_version == default_bank().version and len(stored.source_hash) == 64
    with store(db) as s:
        row = s.session.get(ClassifierModel, stored.id)
        assert row is not None and row.arrays and '"labels"' in row.meta
        shipped_lines = len(
            __import__("bot.classifier.training", fromlist=["x"]).training_rows(default_bank(), False)
        )
        assert row.lines == shipped_lines + 1  # the accepted line is a training line now

    # The other worker keeps its model until its next version check, then switches: no restart.
    other_worker.classify(LINE, "zh", {})
    assert other_worker.model_id is None
    clock.now += other_worker.check_seconds
    assert other_worker.classify(LINE, "zh", {}).technique
    assert other_worker.model_id == stored.id and other_worker.current().id == stored.id
    assert trainer_worker.classify(LINE, "zh", {}) and trainer_worker.model_id == stored.id
