"""The classifier's feedback loop end to end: a rep's flag, ``coach bank review``, ``coach bank train``.

Works on a copy of the question bank in a temporary folder: the shipped model and data stay as
they are (``tests/classifier`` checks that the shipped model matches the data).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.classifier import Classifier, load_question_bank
from bot.cli import main
from bot.config import PROJECT_ROOT, Settings
from bot.engine.library import ScenarioLibrary
from bot.services import FeedbackService, RehearsalService
from bot.storage import Database, store, upgrade

# Written unlike every training line (an imperative "picture it", a dash, "then what"): the
# shipped model calls it a statement, and is confident of it; it asks the customer to imagine.
LINE = "picture it: returns stay this high til december — then what"
RIGHT = "what_if"


def _play_and_flag(db: Database) -> tuple[int, str]:
    """A rep plays LINE in an English visit and flags it as wrong without a suggestion."""
    rehearsals = RehearsalService(db, ScenarioLibrary.from_directory(PROJECT_ROOT / "dialogues"), Settings())
    with store(db, write=True) as s:
        rep = s.users.create("rep", login="rep").id
    started = rehearsals.start(
        rep, "precision-parts-returns", language="en", mode="practice", channel="web", seed=1
    )
    rehearsals.send(
        started.session_id, "Hello, I'm Li Ming, thanks for your time.", user_id=rep, channel="web"
    )
    rehearsals.send(started.session_id, LINE, user_id=rep, channel="web")
    turns = rehearsals.session(started.session_id, user_id=rep).turns
    seq = next(t.seq for t in turns if t.text == LINE)
    flag = FeedbackService(db).flag(rep, started.session_id, seq, None, "web")
    return flag.id, flag.context


def test_review_lists_accepts_and_exports(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'coach.sqlite3'}"
    upgrade(url)
    db = Database(url)
    try:
        flag_id, _ = _play_and_flag(db)
        bank = tmp_path / "bank"
        shutil.copytree(PROJECT_ROOT / "questionbank", bank)
        runner = CliRunner()
        listed = runner.invoke(main, ["bank", "review", "--database-url", url])
        assert listed.exit_code == 0, listed.output
        assert f"#{flag_id} [en, web] {LINE}" in listed.output and "(just wrong)" in listed.output

        refused = runner.invoke(
            main, ["bank", "review", "accept", str(flag_id), "--bank", str(bank), "--database-url", url]
        )
        assert refused.exit_code != 0 and "give the label" in refused.output

        rejected = runner.invoke(
            main, ["bank", "review", "reject", str(flag_id), "--bank", str(bank), "--database-url", url]
        )
        assert rejected.exit_code == 0 and "no accepted lines" in rejected.output
        assert not (bank / "data" / "feedback_en.jsonl").exists()
        assert runner.invoke(main, ["bank", "review", "list", "--database-url", url]).output.strip() == (
            "no flags waiting for review"
        )
    finally:
        db.dispose()


@pytest.mark.slow
def test_an_accepted_correction_changes_the_next_trained_model(tmp_path: Path) -> None:
    """One accepted line is enough here, and that is the honest size of the claim: the line
    becomes a training line, and a linear SVM fits the lines it is trained on (almost) always. It
    shows the correction reaches the next model, not that the model now generalises to lines
    like it; that takes more lines written that way, which is what the review queue collects."""
    url = f"sqlite:///{tmp_path / 'coach.sqlite3'}"
    upgrade(url)
    db = Database(url)
    try:
        flag_id, context = _play_and_flag(db)
    finally:
        db.dispose()
    bank = tmp_path / "bank"
    shutil.copytree(PROJECT_ROOT / "questionbank", bank)
    before = Classifier.from_bank(load_question_bank(bank)).classify(LINE, context={"previous": context})
    assert before.technique != RIGHT

    runner = CliRunner()
    accepted = runner.invoke(
        main,
        [
            *("bank", "review", "accept", str(flag_id), "--label", RIGHT, "--reviewer", "tina"),
            *("--bank", str(bank), "--database-url", url),
        ],
    )
    assert accepted.exit_code == 0, accepted.output
    assert "feedback_en.jsonl: 1" in accepted.output
    trained = runner.invoke(main, ["bank", "train", "--bank", str(bank)])
    assert trained.exit_code == 0, trained.output

    after = Classifier.from_bank(load_question_bank(bank)).classify(LINE, context={"previous": context})
    assert after.technique == RIGHT
    # The shipped bank is untouched.
    assert not (PROJECT_ROOT / "questionbank" / "data" / "feedback_en.jsonl").exists()
