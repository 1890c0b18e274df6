"""The trainer studio: scenario drafts, checks, trainer tests, publishing, history and rollback,
and the files import/export (``coach scripts import|export``).

Every publish goes through ``scripts.store_version``: the database assigns the version number, a
text the same as the published one (but for its version line) publishes nothing, and a script
that does not validate or whose trainer tests fail is refused with every problem at its line.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.engine.results import RehearsalError, UnknownScenario
from bot.engine.runtime import ScenarioRuntime
from bot.engine.scenario import read_scenario, scenario_files
from bot.engine.testing import run_test
from bot.i18n import translate
from bot.storage import Database, Store, store
from bot.yamlsource import ScriptProblem

from .rehearsals import RehearsalService
from .scripts import SCRIPT_KIND, Stored, store_version

#: Who may edit and publish scripts.
TRAINER_ROLES = ("trainer", "admin")
#: The largest script the studio takes (the biggest bundled one is under 40 kB).
MAX_SCRIPT_CHARS = 400_000
MESSAGE_CHARS = 500


@dataclass(frozen=True)
class Problem:
    """One problem in a script, at its line (None: the whole text)."""

    line: int | None
    column: int | None
    path: str
    message: str
    severity: str = "error"  # or "warning": shown, but does not refuse a publish

    @classmethod
    def of(cls, problem: ScriptProblem) -> Problem:
        return cls(problem.line, problem.column, problem.path, problem.message, problem.severity)


@dataclass(frozen=True)
class TestOutcome:
    name: str
    passed: bool
    score: int | None
    failures: list[Problem]


class ScriptRejected(RehearsalError):
    """The script cannot be published: its problems, or the trainer tests that failed."""

    code = "script_rejected"

    def __init__(self, problems: Sequence[Problem], tests: Sequence[TestOutcome] = ()) -> None:
        self.problems = list(problems)
        self.tests = list(tests)
        first = self.problems[0].message if self.problems else "trainer tests failed"
        super().__init__(first)


class VersionNotFound(RehearsalError):
    code = "version_not_found"


class VersionConflict(RehearsalError):
    """Another version was published since the trainer opened the one their edit started from:
    publishing would silently undo it."""

    code = "version_conflict"


class ScriptExists(RehearsalError):
    """A new scenario was asked for under an id that is taken (published or drafted)."""

    code = "script_exists"


#: The text a new scenario starts from: the id, and pointers; the checks list what is missing.
NEW_SCENARIO = """\
# 新场景草稿：编辑器下方会列出还缺什么；每个键的说明见 docs/scenarios.md。
# A new scenario draft: the list under the editor says what is still missing; docs/scenarios.md
# explains every key.
id: {id}
title: {{zh: "", en: ""}}
"""


@dataclass(frozen=True)
class ScriptListing:
    id: str
    title: dict[str, str]
    version: str | None
    published_at: datetime | None
    published_by: str | None
    draft_by: str | None = None
    draft_at: datetime | None = None


@dataclass(frozen=True)
class ScriptDocument:
    """A script as the editor opens it: the draft when there is one, else the published text."""

    id: str
    title: dict[str, str]
    version: str | None
    published: str
    text: str
    draft_by: str | None = None
    draft_at: datetime | None = None


@dataclass(frozen=True)
class VersionEntry:
    version: str
    author: str | None
    message: str | None
    created_at: datetime
    diff: str  # against the version before it (unified diff; the first one against nothing)


@dataclass
class FileOutcome:
    """What importing one file did."""

    file: str
    stored: Stored | None = None
    problems: list[str] = field(default_factory=list)


def _diff(before: str, after: str, old: str, new: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), f"v{old}", f"v{new}"
    )
    return "".join(lines)


def export_name(script_id: str) -> str:
    """The file a scenario is exported to: the bundled files' convention (dashes become underscores)."""
    return script_id.replace("-", "_") + ".yaml"


class ScriptStudio:
    """Implements the trainer studio over the database and the rehearsal service's library."""

    def __init__(self, db: Database, rehearsals: RehearsalService) -> None:
        self.db = db
        self.rehearsals = rehearsals
        self.versions = rehearsals.versions

    # -- checking --------------------------------------------------------------------------------

    def parse(self, text: str, script_id: str | None = None, lang: str = "en") -> ScenarioRuntime:
        """The text as a runtime; ScriptRejected lists every problem at its line, worded in ``lang``
        (all of them at once: every YAML error, then the shape and the checks; warnings do not
        refuse a script)."""
        if len(text) > MAX_SCRIPT_CHARS:
            # TRANSLATORS: {limit} is the longest script, in characters.
            message = translate("studio.too_long", lang, limit=MAX_SCRIPT_CHARS)
            raise ScriptRejected([Problem(None, None, "", message)])
        loaded, problems = read_scenario(text, script_id or "draft")
        if loaded is None:
            errors = [p.in_lang(lang) for p in problems if p.severity == "error"]
            raise ScriptRejected([Problem.of(p) for p in errors])
        if script_id is not None and loaded.id != script_id:
            line = loaded.line_of(("id",))
            # TRANSLATORS: {found} is the id written in the text, {expected} the script's id.
            message = translate("studio.id_changed", lang, found=loaded.id, expected=script_id)
            raise ScriptRejected([Problem(line, None, "id", message)])
        return ScenarioRuntime(loaded, self.rehearsals.library.bank)

    def check(self, text: str, script_id: str | None = None, lang: str = "en") -> list[Problem]:
        """Every problem in ``text`` (an empty list: it validates)."""
        try:
            self.parse(text, script_id, lang)
        except ScriptRejected as exc:
            return exc.problems
        return []

    def run_tests(self, text: str, script_id: str | None = None, lang: str = "en") -> list[TestOutcome]:
        """Play the script's trainer tests (ScriptRejected when it does not validate)."""
        runtime = self.parse(text, script_id, lang)
        outcomes = []
        for index, test in enumerate(runtime.scenario.tests):
            result = run_test(runtime, index, test, self.rehearsals.classify)
            failures = [Problem.of(p.in_lang(lang)) for p in result.failures]
            outcomes.append(TestOutcome(test.name, result.passed, result.score, failures))
        return outcomes

    # -- reading ---------------------------------------------------------------------------------

    def scripts(self) -> list[ScriptListing]:
        """Every scenario: its published version and who published it, and its draft if any."""
        with store(self.db, write=not self.versions.seeded) as s:
            self._ready(s)
            published = s.scripts.published(SCRIPT_KIND)
            drafts = s.scripts.drafts(SCRIPT_KIND)
            listings = []
            for script_id in sorted(set(published) | set(drafts)):
                row, draft = published.get(script_id), drafts.get(script_id)
                title = self._title(script_id)
                listings.append(
                    ScriptListing(
                        id=script_id,
                        title=title,
                        version=row.version if row else None,
                        published_at=row.created_at if row else None,
                        published_by=row.author if row else None,
                        draft_by=draft.author if draft else None,
                        draft_at=draft.updated_at if draft else None,
                    )
                )
            return listings

    def document(self, script_id: str) -> ScriptDocument:
        with store(self.db, write=not self.versions.seeded) as s:
            self._ready(s)
            row = s.scripts.published(SCRIPT_KIND).get(script_id)
            draft = s.scripts.draft(SCRIPT_KIND, script_id)
            if row is None and draft is None:
                raise UnknownScenario(f"no scenario {script_id!r}")
            published = (row.content or "") if row else ""
            return ScriptDocument(
                id=script_id,
                title=self._title(script_id),
                version=row.version if row else None,
                published=published,
                text=draft.content if draft else published,
                draft_by=draft.author if draft else None,
                draft_at=draft.updated_at if draft else None,
            )

    def history(self, script_id: str) -> list[VersionEntry]:
        """Every published version, newest first, each with its diff against the one before."""
        with store(self.db) as s:
            rows = sorted(s.scripts.versions(SCRIPT_KIND, script_id), key=lambda r: (r.number or 0, r.id))
            if not rows:
                raise UnknownScenario(f"no scenario {script_id!r}")
            entries, before, old = [], "", "0"
            for row in rows:
                content = row.content or ""
                entries.append(
                    VersionEntry(
                        row.version,
                        row.author,
                        row.message,
                        row.created_at,
                        _diff(before, content, old, row.version),
                    )
                )
                before, old = content, row.version
            return entries[::-1]

    # -- writing ---------------------------------------------------------------------------------

    def save_draft(self, script_id: str, text: str, *, author: str) -> ScriptDocument:
        """Keep the trainer's edit (even one that does not validate yet: nothing is lost)."""
        if len(text) > MAX_SCRIPT_CHARS:
            raise ScriptRejected(
                [Problem(None, None, "", f"the script is longer than {MAX_SCRIPT_CHARS} characters")]
            )
        with store(self.db, write=True) as s:
            row = s.scripts.published(SCRIPT_KIND).get(script_id)
            if row is None and s.scripts.draft(SCRIPT_KIND, script_id) is None:
                raise UnknownScenario(f"no scenario {script_id!r}")
            s.scripts.save_draft(
                SCRIPT_KIND, script_id, text, author=author, base_version=row.version if row else None
            )
        return self.document(script_id)

    def new_draft(self, script_id: str, *, author: str) -> ScriptDocument:
        """Start a scenario that exists nowhere yet, as a draft (published when it is ready)."""
        with store(self.db, write=True) as s:
            self._ready(s)
            if script_id in s.scripts.published(SCRIPT_KIND) or s.scripts.draft(SCRIPT_KIND, script_id):
                raise ScriptExists(f"there is already a scenario {script_id!r}")
            text = NEW_SCENARIO.format(id=script_id)
            s.scripts.save_draft(SCRIPT_KIND, script_id, text, author=author, base_version=None)
        return self.document(script_id)

    def discard_draft(self, script_id: str) -> None:
        with store(self.db, write=True) as s:
            s.scripts.drop_draft(SCRIPT_KIND, script_id)

    def publish(
        self, script_id: str, text: str, *, author: str, message: str, base_version: str | None = None
    ) -> Stored:
        """Validate, run the trainer tests, then store the next version and drop the draft.
        ``base_version``: the version the edit started from; another one published since is a
        ``VersionConflict`` (two trainers editing one script do not overwrite each other)."""
        tests = self.run_tests(text, script_id)
        failed = [t for t in tests if not t.passed]
        if failed:
            raise ScriptRejected([p for t in failed for p in t.failures], tests)
        with store(self.db, write=True) as s:
            self._ready(s)
            if base_version is not None:
                # Without the turn, two trainers publishing from one version at once both passed
                # this check on PostgreSQL and the second silently replaced the first.
                s.scripts.lock_revision(SCRIPT_KIND)
                current = s.scripts.published(SCRIPT_KIND).get(script_id)
                if current is not None and current.version != base_version:
                    raise VersionConflict(
                        f"version {current.version} of {script_id} was published after version "
                        f"{base_version}, which this edit started from: open it and apply the edit there"
                    )
            stored = store_version(s, script_id, text, author=author, message=message.strip()[:MESSAGE_CHARS])
            s.scripts.drop_draft(SCRIPT_KIND, script_id)
            self.versions.refresh(s)
        return stored

    def rollback(self, script_id: str, version: str, *, author: str, message: str = "") -> Stored:
        """Publish an older version's content again, as the next version."""
        with store(self.db) as s:
            row = s.scripts.get(SCRIPT_KIND, script_id, version)
            content = row.content if row is not None else None
        if content is None:
            raise VersionNotFound(f"no version {version!r} of {script_id!r}")
        return self.publish(script_id, content, author=author, message=message or f"rollback to v{version}")

    # -- files -----------------------------------------------------------------------------------

    def import_files(
        self, paths: Sequence[Path | str], *, author: str, run_tests: bool = True
    ) -> list[FileOutcome]:
        """Publish each file whose content is new; a file that does not validate (or whose trainer
        tests fail) is reported and skipped, the others are still imported."""
        outcomes = []
        for file in scenario_files(paths):
            outcome = FileOutcome(str(file))
            outcomes.append(outcome)
            try:
                text = file.read_text(encoding="utf-8")
                runtime = self.parse(text)
                failed = [t for t in self.run_tests(text) if not t.passed] if run_tests else []
                if failed:
                    raise ScriptRejected([p for t in failed for p in t.failures])
            except (OSError, UnicodeDecodeError) as exc:
                outcome.problems.append(f"{file}: cannot read: {exc}")
                continue
            except ScriptRejected as exc:
                outcome.problems.extend(
                    f"{file}:{p.line or ''}: {p.path + ': ' if p.path else ''}{p.message}"
                    for p in exc.problems
                )
                continue
            with store(self.db, write=True) as s:
                self._ready(s)
                outcome.stored = store_version(
                    s, runtime.id, text, author=author, message=f"import {file.name}", keep_higher=True
                )
                self.versions.refresh(s)
        return outcomes

    def export_files(self, directory: Path | str) -> list[Path]:
        """Write every published scenario to ``directory``, as the database stores it."""
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        with store(self.db, write=not self.versions.seeded) as s:
            self._ready(s)
            published = s.scripts.published(SCRIPT_KIND)
        written = []
        for script_id, row in sorted(published.items()):
            path = target / export_name(script_id)
            path.write_bytes((row.content or "").encode("utf-8"))  # the version line is the database's
            written.append(path)
        return written

    def prepare(self) -> None:
        """Seed the database from the bundled files and load the published versions (at start)."""
        with store(self.db, write=True) as s:
            self._ready(s)

    # -- helpers ---------------------------------------------------------------------------------

    def _ready(self, s: Store) -> None:
        """Seed the bundled files on first use in this process, and load what was published."""
        self.versions.seed_once(s)
        self.versions.refresh(s)

    def _title(self, script_id: str) -> dict[str, str]:
        try:
            return dict(self.rehearsals.library.latest(script_id).summary().title)
        except UnknownScenario:
            return {}
