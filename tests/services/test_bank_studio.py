"""The question bank in the studio: techniques seeded as database versions, a technique's problems
at their line in the trainer's language, draft → publish with a version from the content, diffs
and rollback, every worker using the published bank without a restart, and the files round trip
of ``coach scripts export|import``."""

from __future__ import annotations

import shutil
from functools import partial
from pathlib import Path

import pytest
from click.testing import CliRunner
from publish_race import publish_together

from bot.cli import main
from bot.config import PROJECT_ROOT
from bot.services import BankStudio, ModelVersions, ScriptRejected, TechniqueGuides, VersionConflict
from bot.storage import Database, store

BANK = PROJECT_ROOT / "questionbank"
TECHNIQUE = "closed_question"
FILE = BANK / f"{TECHNIQUE}.yaml"
OLD_TIP = '    - "Closed questions fill in facts; they are not for digging into causes."\n'
NEW_TIP = '    - "Ask the easy factual ones early, while the customer is still warming up."\n'


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def worker(db: Database, clock: Clock | None = None) -> BankStudio:
    """One worker's bank studio and model check, as a separate process would have them."""
    models = ModelVersions(db, BANK, clock=clock or Clock())
    return BankStudio(db, models)


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_the_bundled_techniques_seed_an_empty_database_once(db: Database) -> None:
    studio = worker(db)
    listed = {t.id: t for t in studio.techniques()}
    assert len(listed) == len(list(BANK.glob("*.yaml"))) - 1  # every file but bank.yaml
    for tid, item in listed.items():
        assert (item.version, item.published_by) == ("1", "questionbank/")
        assert studio.document(tid).text == (BANK / f"{tid}.yaml").read_text("utf-8")
    assert listed[TECHNIQUE].name == {"zh": "封闭式提问", "en": "Closed question"}
    worker(db).techniques()  # a second worker adds nothing
    with store(db) as s:
        assert len(s.scripts.versions("technique", TECHNIQUE)) == 1
    assert studio.models.bank().version == "2.3.0"  # the bundled texts: the bank's own version


def test_problems_are_at_their_line_in_the_trainers_language(db: Database) -> None:
    studio = worker(db)
    text = FILE.read_text("utf-8")
    assert studio.check(text, TECHNIQUE, "zh") == []
    steps = line_of(text, "steps:")
    broken = text.replace("steps: [opening,", "steps: [opening_act,", 1)
    (zh,) = studio.check(broken, TECHNIQUE, "zh")
    (en,) = studio.check(broken, TECHNIQUE, "en")
    assert (zh.line, en.line, zh.path) == (steps, steps, "steps[0]")
    assert "opening_act" in en.message and zh.message != en.message
    # A quote left open is reported where it was opened, not at the end of the file.
    definition = line_of(text, '  en: "A question answered')
    unclosed = text.replace('short fact (who, how many, which, is it X)."', "short fact", 1)
    problems = studio.check(unclosed, TECHNIQUE, "en")
    assert problems and problems[0].line == definition, problems
    # A pattern that no longer matches its own sample is an error at the sample.
    sample = line_of(text, "regex: '是[^,。]{1,14}还是'")
    missed = text.replace("regex: '是[^,。]{1,14}还是'", "regex: '是[^,。]{1,14}或是'", 1)
    missed += '        matches: ["是自己部署还是云上"]\n'
    (pattern,) = studio.check(missed, TECHNIQUE, "en")
    assert pattern.line == sample + 1 and "是自己部署还是云上" in pattern.message
    # Another technique's id in this one's text.
    (renamed,) = studio.check(text.replace("id: closed_question", "id: open_question", 1), TECHNIQUE, "en")
    assert renamed.line == 1 and "open_question" in renamed.message


def test_publish_reaches_every_worker_and_rollback_restores_the_text(db: Database) -> None:
    clock = Clock()
    trainer, other = worker(db, clock), worker(db, clock)
    guides = TechniqueGuides(other.models.bank)
    assert OLD_TIP.strip()[3:-1] in guides.explain(TECHNIQUE, "en").tips
    text = FILE.read_text("utf-8")
    assert OLD_TIP in text
    edited = text.replace(OLD_TIP, NEW_TIP, 1)

    # A draft keeps even a broken edit; publishing it is refused with its problems.
    broken = edited.replace("steps: [opening,", "steps: [opening_act,", 1)
    assert trainer.save_draft(TECHNIQUE, broken, author="lin").text == broken
    assert {t.id: t for t in trainer.techniques()}[TECHNIQUE].draft_by == "lin"
    with pytest.raises(ScriptRejected) as refused:
        trainer.publish(TECHNIQUE, broken, author="lin", message="warmer tip")
    assert refused.value.problems[0].line == line_of(text, "steps:")
    assert trainer.document(TECHNIQUE).version == "1"

    stored = trainer.publish(TECHNIQUE, edited, author="lin", message="warmer tip")
    assert (stored.version, stored.created) == ("2", True)
    assert trainer.document(TECHNIQUE).draft_by is None  # the draft went with the publish
    assert trainer.publish(TECHNIQUE, edited, author="lin", message="again").created is False
    newest, first = trainer.history(TECHNIQUE)
    assert (newest.version, newest.author, newest.message, first.version) == ("2", "lin", "warmer tip", "1")
    assert f"-{OLD_TIP}" in newest.diff and f"+{NEW_TIP}" in newest.diff
    version = trainer.models.bank().version
    assert version.startswith("2.3.0+") and len(version) == len("2.3.0+") + 8

    # The other worker keeps its bank until its next check, then uses the published one.
    other.models.classify("你们仓库有多少人？", "zh", {})
    assert NEW_TIP.strip()[3:-1] not in guides.explain(TECHNIQUE, "en").tips
    clock.now += other.models.check_seconds
    other.models.classify("你们仓库有多少人？", "zh", {})
    assert NEW_TIP.strip()[3:-1] in guides.explain(TECHNIQUE, "en").tips
    assert other.models.bank().version == version

    back = trainer.rollback(TECHNIQUE, "1", author="lin")
    assert back.version == "3" and trainer.document(TECHNIQUE).published == text
    assert trainer.history(TECHNIQUE)[0].message == "rollback to v1"
    assert trainer.models.bank().version == "2.3.0"  # the same content: the same version


def test_an_edit_of_an_older_version_is_refused_not_published_over_a_newer_one(db: Database) -> None:
    first, second = worker(db), worker(db)
    text = FILE.read_text("utf-8")
    assert (
        first.publish(
            TECHNIQUE, text.replace(OLD_TIP, NEW_TIP, 1), author="lin", message="a", base_version="1"
        ).version
        == "2"
    )
    with pytest.raises(VersionConflict):
        second.publish(TECHNIQUE, text + "# mine\n", author="wu", message="b", base_version="1")
    assert NEW_TIP in second.document(TECHNIQUE).published


def test_two_trainers_publishing_one_technique_at_once_do_not_overwrite_each_other(db: Database) -> None:
    """Both started from version 1: one publish wins, the other is a version conflict."""
    text = FILE.read_text("utf-8")
    edits = [(worker(db), text.replace(OLD_TIP, NEW_TIP, 1)), (worker(db), text + "# mine\n")]
    for studio, _ in edits:
        studio.techniques()  # seeded before the race, as a running worker would be
    outcomes = publish_together(
        db,
        [
            partial(studio.publish, TECHNIQUE, edit, author="t", message="m", base_version="1")
            for studio, edit in edits
        ],
    )
    stored, conflicts, errors = outcomes.stored, outcomes.conflicts, outcomes.errors
    assert errors == []
    assert len(stored) == 1 and len(conflicts) == 1 and stored[0].version == "2"
    with store(db) as s:
        assert len(s.scripts.versions("technique", TECHNIQUE)) == 2


def test_a_release_that_changes_a_bundled_technique_updates_it_unless_a_trainer_published_one(
    db: Database, tmp_path: Path
) -> None:
    """Upgrading in place: the next release's bundled text is published as the next version where
    the technique is still the bundled one; a trainer's version is kept; and the older release,
    started again beside the newer one, does not take its text back."""
    old_release, new_release = tmp_path / "old", tmp_path / "new"
    shutil.copytree(BANK, old_release)
    shutil.copytree(BANK, new_release)

    def started(bank_dir: Path) -> BankStudio:
        studio = BankStudio(db, ModelVersions(db, bank_dir, clock=Clock()))
        studio.techniques()  # a worker's first look seeds
        return studio

    old = started(old_release)
    trainer_text = old.document("why").published.replace(
        '"Answering the why yourself and robbing the customer of the discovery."',
        '"Answering your own why."',
        1,
    )
    assert old.publish("why", trainer_text, author="lin", message="mine").version == "2"

    for tid in (TECHNIQUE, "why"):
        path = new_release / f"{tid}.yaml"
        path.write_text(path.read_text("utf-8").replace(OLD_TIP, NEW_TIP, 1) + "# release 2\n", "utf-8")
    new = started(new_release)
    updated = new.document(TECHNIQUE)
    assert updated.version == "2" and updated.published.endswith("# release 2\n")
    assert new.history(TECHNIQUE)[0].author == "questionbank/"
    assert new.document("why").published == trainer_text  # the trainer's edit is kept
    assert new.models.bank().version.startswith("2.3.0+")  # a trainer's text is in it

    started(old_release)  # the older release again, during a rolling upgrade
    assert new.document(TECHNIQUE).version == "2"
    started(new_release)  # and the newer one once more: nothing new
    with store(db) as s:
        assert len(s.scripts.versions("technique", TECHNIQUE)) == 2


def test_export_then_import_round_trips_the_bank(database_url: str, db: Database, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "out"
    exported = runner.invoke(main, ["scripts", "export", str(out), "--database-url", database_url])
    assert exported.exit_code == 0, exported.output
    for file in BANK.glob("*.yaml"):
        assert (out / "questionbank" / file.name).read_bytes() == file.read_bytes(), file.name
    again = runner.invoke(
        main, ["scripts", "import", str(out / "questionbank"), "--database-url", database_url]
    )
    assert again.exit_code == 0, again.output
    assert again.output.count("unchanged") == len(list(BANK.glob("*.yaml"))) - 1

    # An edited technique file becomes the next version; an export writes it byte for byte.
    edited = tmp_path / "edited"
    shutil.copytree(out / "questionbank", edited)
    (edited / FILE.name).write_text(FILE.read_text("utf-8").replace(OLD_TIP, NEW_TIP, 1), "utf-8")
    changed = runner.invoke(main, ["scripts", "import", str(edited), "--database-url", database_url])
    assert changed.exit_code == 0, changed.output
    assert f"published  {edited / FILE.name}  ({TECHNIQUE} v2)" in changed.output
    runner.invoke(main, ["scripts", "export", str(tmp_path / "out2"), "--database-url", database_url])
    assert (tmp_path / "out2" / "questionbank" / FILE.name).read_bytes() == (edited / FILE.name).read_bytes()

    # A broken file is reported at its line and skipped; the others are still imported.
    broken = FILE.read_text("utf-8").replace("steps: [opening,", "steps: [opening_act,", 1)
    (edited / FILE.name).write_text(broken, "utf-8")
    refused = runner.invoke(main, ["scripts", "import", str(edited), "--database-url", database_url])
    where = f"{edited / FILE.name}:{line_of(broken, 'steps:')}: steps[0]"
    assert refused.exit_code == 1 and where in refused.stderr, refused.stderr
    assert refused.stdout.count("unchanged") == len(list(BANK.glob("*.yaml"))) - 2


def test_a_retrain_job_that_fails_says_why_and_frees_the_slot(db: Database, tmp_path: Path) -> None:
    """A bank with no labelled data files cannot train answer_with_question (its examples are
    left out of training): the job fails with the trainer's error, the model in use stays, and
    the next request starts a new job."""
    bank = tmp_path / "questionbank"
    bank.mkdir()
    for file in BANK.glob("*.yaml"):
        shutil.copy(file, bank / file.name)
    shutil.copytree(BANK / "model", bank / "model")
    models = ModelVersions(db, bank)
    models.background = lambda job: job()  # run in this thread, so the test reads its outcome
    job, created = models.start_retrain(role="trainer", author="lin", bank_version="2.3.0")
    assert created and models.job(job.id).status == "failed"
    assert "every label needs training lines" in (models.job(job.id).error or "")
    assert models.running() is None and models.model_id is None and models.listing() == []
    again, created = models.start_retrain(role="admin", author="mia")
    assert created and again.id != job.id and models.job(again.id).status == "failed"


def test_a_job_whose_worker_died_is_lost_after_its_heartbeat_stops(db: Database) -> None:
    """kill -9 during a retrain left the job 'running' and joined every new request for 30
    minutes. A job beats every few seconds; one silent for half a minute reads as failed and
    the next request starts a new job. A job that still beats is joined."""
    from datetime import UTC, datetime, timedelta

    from bot.services import model_versions
    from bot.storage.classifier_models import ClassifierModelRepository

    models = ModelVersions(db, BANK)
    started: list[object] = []
    models.background = started.append  # the worker "dies": the job never runs
    job, created = models.start_retrain(role="trainer", author="lin")
    assert created and models.running() is not None

    def silent_for(seconds: float) -> None:
        with store(db, write=True) as s:
            found = ClassifierModelRepository(s.session).job(job.id)
            assert found is not None
            found.heartbeat_at = datetime.now(UTC) - timedelta(seconds=seconds)

    silent_for(model_versions.HEARTBEAT_SECONDS)  # beating: joined
    joined, created = models.start_retrain(role="trainer", author="mia")
    assert not created and joined.id == job.id and models.job(job.id).status == "running"

    silent_for(model_versions.STALE_JOB_SECONDS + 1)  # silent: lost
    lost = models.job(job.id)
    assert lost.status == "failed" and lost.error == model_versions.LOST_JOB_ERROR
    assert models.running() is None
    fresh, created = models.start_retrain(role="trainer", author="mia")
    assert created and fresh.id != job.id and len(started) == 2


def test_a_running_job_writes_its_heartbeat(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from bot.services import model_versions
    from bot.storage.classifier_models import ClassifierModelRepository

    monkeypatch.setattr(model_versions, "HEARTBEAT_SECONDS", 0.05)
    models = ModelVersions(db, BANK)
    models.background = lambda job: None
    job, _ = models.start_retrain(role="trainer", author="lin")
    release = threading.Event()
    beats: list[object] = []

    def slow_training(*_args: object) -> object:
        for _ in range(100):
            with store(db) as s:
                found = ClassifierModelRepository(s.session).job(job.id)
                if found is not None and found.heartbeat_at is not None:
                    beats.append(found.heartbeat_at)
                    break
            release.wait(0.05)
        raise RuntimeError("stopped after the first heartbeat")

    monkeypatch.setattr(models, "_train_and_store", slow_training)
    models._run_job(job.id, models.bank(), "lin", (None, None, None))
    assert beats and models.job(job.id).status == "failed"
