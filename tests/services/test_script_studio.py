"""The trainer studio's storage and publishing: versions assigned by the database, refused
scripts, history with diffs, rollback, every worker picking a publish up, sessions keeping their
version, and the files import/export round trip."""

from __future__ import annotations

import threading
from functools import partial
from pathlib import Path

import pytest
from click.testing import CliRunner
from publish_race import publish_together

from bot.cli import main
from bot.config import Settings
from bot.engine.library import ScenarioLibrary
from bot.services import RehearsalService, ScriptRejected, ScriptStudio
from bot.services.scripts import Stored, store_version
from bot.storage import Database, store

ROOT = Path(__file__).resolve().parents[2]
DIALOGUES = ROOT / "dialogues"
EXAMPLE = DIALOGUES / "precision_parts_returns.yaml"
EXAMPLE_ID = "precision-parts-returns"
OPENING = "Have a seat. I have a meeting at half past ten, so let's keep it short."
NEW_OPENING = "Please sit down. I have a call at half past ten, so let's keep it short."


def worker(db: Database) -> tuple[RehearsalService, ScriptStudio]:
    """One worker's services: its own library, as a separate process would have."""
    rehearsals = RehearsalService(
        db, ScenarioLibrary.from_directory(DIALOGUES), Settings(max_message_chars=300)
    )
    studio = ScriptStudio(db, rehearsals)
    studio.prepare()
    return rehearsals, studio


def make_rep(db: Database, login: str = "li") -> int:
    with store(db, write=True) as s:
        return s.users.create(login, login=login).id


def shipped_version() -> str:
    return ScenarioLibrary.from_paths([EXAMPLE]).latest(EXAMPLE_ID).version


def test_the_bundled_scenarios_seed_an_empty_database(db: Database) -> None:
    _, studio = worker(db)
    listed = {s.id: s for s in studio.scripts()}
    for file in DIALOGUES.glob("*.yaml"):
        loaded = ScenarioLibrary.from_paths([file]).bundled()[0]
        assert listed[loaded.id].version == loaded.version
        assert listed[loaded.id].published_by == "dialogues/"
        assert studio.document(loaded.id).published == file.read_text("utf-8")
    # A second worker starting finds them and adds nothing.
    worker(db)
    with store(db) as s:
        assert len(s.scripts.versions("scenario", EXAMPLE_ID)) == 1


def test_an_invalid_script_is_refused_at_its_line_and_nothing_is_stored(db: Database) -> None:
    _, studio = worker(db)
    text = EXAMPLE.read_text("utf-8")
    lines = text.splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith("difficulty:"))
    broken = "".join([*lines[:index], "difficulty: [unclosed\n", *lines[index + 1 :]])
    problems = studio.check(broken, EXAMPLE_ID)
    assert problems and problems[0].line is not None and problems[0].line >= index + 1
    with pytest.raises(ScriptRejected):
        studio.publish(EXAMPLE_ID, broken, author="trainer", message="broken")
    # A trainer test that no longer holds refuses the publish too, naming the test's line.
    failing = text.replace("        technique: greeting\n", "        technique: pitch\n", 1)
    assert studio.check(failing, EXAMPLE_ID) == []
    with pytest.raises(ScriptRejected) as refused:
        studio.publish(EXAMPLE_ID, failing, author="trainer", message="failing")
    assert refused.value.tests and not all(t.passed for t in refused.value.tests)
    assert any(p.line for p in refused.value.problems)
    # The id of a script cannot be changed in its editor.
    renamed = studio.check(text.replace(f"id: {EXAMPLE_ID}", "id: another-one", 1), EXAMPLE_ID, "zh")
    id_line = next(n for n, line in enumerate(text.splitlines(), start=1) if line.startswith("id:"))
    assert [(p.line, p.path) for p in renamed] == [(id_line, "id")] and "请保留原 id" in renamed[0].message
    with store(db) as s:
        assert [v.version for v in s.scripts.versions("scenario", EXAMPLE_ID)] == [shipped_version()]


def test_publishing_assigns_the_next_version_and_keeps_history_and_rollback(db: Database) -> None:
    rehearsals, studio = worker(db)
    shipped = shipped_version()
    text = EXAMPLE.read_text("utf-8").replace(OPENING, NEW_OPENING, 1)
    studio.save_draft(EXAMPLE_ID, text, author="zhao")
    listed = {s.id: s for s in studio.scripts()}[EXAMPLE_ID]
    assert listed.draft_by == "zhao" and listed.version == shipped

    stored = studio.publish(EXAMPLE_ID, text, author="zhao", message="a friendlier opening")
    following = str(int(shipped) + 1)
    assert stored.created and stored.version == following
    document = studio.document(EXAMPLE_ID)
    assert document.version == following and document.draft_by is None
    assert f'version: "{following}"' in document.published and NEW_OPENING in document.published

    # The same content again (whatever its version line says) publishes nothing.
    again = studio.publish(EXAMPLE_ID, text, author="zhao", message="again")
    assert not again.created and again.version == following

    history = studio.history(EXAMPLE_ID)
    assert [h.version for h in history] == [following, shipped]
    assert history[0].author == "zhao" and history[0].message == "a friendlier opening"
    assert f"-    - {OPENING}" in history[0].diff and f"+    - {NEW_OPENING}" in history[0].diff

    back = studio.rollback(EXAMPLE_ID, shipped, author="zhao")
    assert back.created and back.version == str(int(shipped) + 2)
    assert OPENING in studio.document(EXAMPLE_ID).published
    assert studio.history(EXAMPLE_ID)[0].message == f"rollback to v{shipped}"
    rep = make_rep(db)
    started = rehearsals.start(rep, EXAMPLE_ID, language="en", mode="practice", channel="web", seed=1)
    assert started.customer_reply == OPENING


def test_a_publish_reaches_the_other_worker_and_sessions_keep_their_version(db: Database) -> None:
    _, first_studio = worker(db)
    second, _ = worker(db)
    rep = make_rep(db)
    before = second.start(rep, EXAMPLE_ID, language="en", mode="practice", channel="web", seed=1)
    assert before.customer_reply == OPENING

    text = EXAMPLE.read_text("utf-8").replace(OPENING, NEW_OPENING, 1)
    published = first_studio.publish(EXAMPLE_ID, text, author="zhao", message="new opening")

    # The other worker, not restarted, starts the next session on the new version...
    after = second.start(rep, EXAMPLE_ID, language="en", mode="practice", channel="web", seed=1)
    assert after.customer_reply == NEW_OPENING
    assert second.session(after.session_id).scenario_version == published.version
    # ... while the session started before goes on with its own.
    assert second.session(before.session_id).scenario_version == shipped_version()
    turn = second.send(before.session_id, "Thank you for your time, Mr. Wang.", user_id=rep, channel="web")
    assert turn.status == "active"
    assert second.session(before.session_id).scenario_version == shipped_version()
    # The scenario list shows the new version without a restart too.
    assert {s.id: s.version for s in second.scenarios()}[EXAMPLE_ID] == published.version


def test_two_publishes_at_once_take_the_next_two_numbers(db: Database) -> None:
    worker(db)
    base = EXAMPLE.read_text("utf-8")
    texts = [
        base.replace(OPENING, NEW_OPENING, 1),
        base.replace(OPENING, "Sit, please. I am short of time.", 1),
    ]
    ready = threading.Barrier(len(texts))
    stored: list[Stored] = []
    errors: list[BaseException] = []

    def publish(text: str) -> None:
        ready.wait()
        try:
            with store(db, write=True) as s:
                stored.append(store_version(s, EXAMPLE_ID, text, author="t", message="at once"))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=publish, args=(text,)) for text in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    shipped = int(shipped_version())
    assert sorted(int(s.version) for s in stored) == [shipped + 1, shipped + 2]
    with store(db) as s:
        assert len(s.scripts.versions("scenario", EXAMPLE_ID)) == 3


def test_two_trainers_publishing_from_one_version_at_once_do_not_overwrite_each_other(
    db: Database,
) -> None:
    """Both started from the shipped version: one publish wins, the other is a version conflict,
    never two new versions where the second silently undoes the first."""
    _, studio = worker(db)
    _, other = worker(db)
    base = shipped_version()
    edits = [
        (studio, EXAMPLE.read_text("utf-8").replace(OPENING, NEW_OPENING, 1)),
        (other, EXAMPLE.read_text("utf-8").replace(OPENING, "Sit, please. I am short of time.", 1)),
    ]
    outcomes = publish_together(
        db,
        [
            partial(trainer.publish, EXAMPLE_ID, text, author="t", message="m", base_version=base)
            for trainer, text in edits
        ],
    )
    stored, conflicts, errors = outcomes.stored, outcomes.conflicts, outcomes.errors
    assert errors == []
    assert len(stored) == 1 and len(conflicts) == 1
    assert stored[0].version == str(int(base) + 1)
    with store(db) as s:
        assert len(s.scripts.versions("scenario", EXAMPLE_ID)) == 2


def test_export_after_import_gives_the_same_files_and_importing_them_again_changes_nothing(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    runner = CliRunner()
    imported = runner.invoke(main, ["scripts", "import", str(DIALOGUES), "--database-url", database_url])
    assert imported.exit_code == 0, imported.output
    exported = runner.invoke(
        main, ["scripts", "export", str(tmp_path / "out"), "--database-url", database_url]
    )
    assert exported.exit_code == 0, exported.output
    for file in DIALOGUES.glob("*.yaml"):
        assert (tmp_path / "out" / file.name).read_bytes() == file.read_bytes(), file.name
    again = runner.invoke(
        main, ["scripts", "import", str(tmp_path / "out"), "--skip-tests", "--database-url", database_url]
    )
    assert again.exit_code == 0, again.output
    # Every scenario, and every technique of the bank exported beside them (out/questionbank/).
    techniques = len(list((ROOT / "questionbank").glob("*.yaml"))) - 1  # all but bank.yaml
    assert again.output.count("unchanged") == len(list(DIALOGUES.glob("*.yaml"))) + techniques

    # An edited file becomes the next version; the export differs from it only in the version line.
    edited = tmp_path / "edited" / EXAMPLE.name
    edited.parent.mkdir()
    edited.write_text(EXAMPLE.read_text("utf-8").replace(OPENING, NEW_OPENING, 1), "utf-8")
    changed = runner.invoke(main, ["scripts", "import", str(edited), "--database-url", database_url])
    assert changed.exit_code == 0, changed.output
    following = str(int(shipped_version()) + 1)
    assert f"published  {edited}  ({EXAMPLE_ID} v{following})" in changed.output
    runner.invoke(main, ["scripts", "export", str(tmp_path / "out2"), "--database-url", database_url])
    written = (tmp_path / "out2" / EXAMPLE.name).read_text("utf-8")
    expected = edited.read_text("utf-8").replace(
        f'version: "{shipped_version()}"', f'version: "{following}"', 1
    )
    assert written == expected

    # A file that does not validate is reported with its line and not imported.
    bad = tmp_path / "bad" / "bad.yaml"
    bad.parent.mkdir()
    bad.write_text("id: bad-one\nversion: '1'\ntitle: {zh: 坏\n", "utf-8")
    refused = runner.invoke(main, ["scripts", "import", str(bad), "--database-url", database_url])
    assert refused.exit_code == 1 and f"{bad}:" in refused.output
