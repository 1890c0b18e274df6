"""Scenario versions in the database: the published scripts every worker plays.

The database holds every published version of every scenario with its full text, author and
message; the newest number is the published one. The bundled ``dialogues/`` files are the seed:
a file is imported at start when its scenario is not in the database yet, or when it carries a
higher version number than any stored (a new release). A file changed under a version already
stored is not used: what was published is what is played.

Each worker keeps the published versions loaded and reads one counter row
(``script_revisions``) when a session starts; a publish raises the counter, so the next session
on any worker starts on the new version without restart. Sessions keep the version they started
with: an older version is rebuilt from its stored text on demand.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from bot.engine.library import ScenarioLibrary
from bot.engine.results import UnknownScenario
from bot.engine.runtime import ScenarioRuntime
from bot.storage import Database, ScriptVersion, Store, store
from bot.yamlsource import ScriptError

log = logging.getLogger(__name__)
SCRIPT_KIND = "scenario"
_PUBLISH_TRIES = 3

_VERSION_LINE = re.compile(r"^version:[^\n]*$", re.MULTILINE)
_ID_LINE = re.compile(r"^id:[^\n]*$", re.MULTILINE)


def with_version(text: str, version: str) -> str:
    """``text`` with its top-level ``version:`` line set to ``version`` (added after ``id:``
    when missing): the only change the database makes to a script it publishes."""
    line = f'version: "{version}"'
    if _VERSION_LINE.search(text):
        return _VERSION_LINE.sub(line, text, count=1)
    found = _ID_LINE.search(text)
    if found is None:
        return f"{line}\n{text}"
    return f"{text[: found.end()]}\n{line}{text[found.end() :]}"


def body_hash(text: str) -> str:
    """The hash of a script without its version line: two texts that differ only in their version
    are the same content (publishing it again, or importing an exported file, changes nothing)."""
    return hashlib.sha256(with_version(text, "").encode("utf-8")).hexdigest()


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Stored:
    """What storing a version did: the version now published, and whether it is new."""

    script_id: str
    version: str
    created: bool


def store_version(
    s: Store, script_id: str, text: str, *, author: str, message: str, keep_higher: bool = False
) -> Stored:
    """Publish ``text`` as the next version of ``script_id`` (the caller validated it).

    Nothing is stored when the published version has the same content. The number is the next
    whole number; ``keep_higher`` keeps the number the text carries when it is higher (importing
    files, so a bundled file stays byte for byte what was shipped).
    """
    declared = _VERSION_LINE.search(text)
    value = declared.group(0).split(":", 1)[1].strip().strip("\"'") if declared else ""
    # Publishes take turns: two at once on PostgreSQL both took the same next number, and the
    # second found the first's row with other content (a ValueError, not a retry).
    s.scripts.lock_revision(SCRIPT_KIND)
    for attempt in range(_PUBLISH_TRIES):
        current = s.scripts.published(SCRIPT_KIND).get(script_id)
        if (
            current is not None
            and current.content is not None
            and body_hash(current.content) == body_hash(text)
        ):
            return Stored(script_id, current.version, created=False)
        number = s.scripts.highest_number(SCRIPT_KIND, script_id) + 1
        if keep_higher and value.isdigit() and int(value) >= number:
            number = int(value)
        version = str(number)
        final = with_version(text, version) if value != version else text
        try:
            # A savepoint: two trainers publishing at once race for the number; the loser takes
            # the next one.
            with s.session.begin_nested():
                s.scripts.record(
                    kind=SCRIPT_KIND,
                    script_id=script_id,
                    version=version,
                    content_hash=text_hash(final),
                    content=final,
                    author=author,
                    message=message,
                )
        except IntegrityError:
            if keep_higher or attempt == _PUBLISH_TRIES - 1:
                raise
            continue
        s.scripts.bump_revision(SCRIPT_KIND)
        return Stored(script_id, version, created=True)
    raise AssertionError("unreachable")  # the loop returns or raises


class ScriptVersions:
    """The library kept in step with the published versions in one database."""

    def __init__(self, library: ScenarioLibrary) -> None:
        self.library = library
        self._seeded = False
        self._revision: int | None = None  # the counter the loaded versions reflect
        self._lock = threading.Lock()

    def current(self, s: Store, scenario_id: str) -> ScenarioRuntime:
        """The published version of ``scenario_id``, seeding the database on first use."""
        self.seed_once(s)
        self.refresh(s)
        return self.library.latest(scenario_id)

    @property
    def seeded(self) -> bool:
        """Whether this process has imported the bundled files (reads need no write lock then)."""
        return self._seeded

    def seed_once(self, s: Store) -> None:
        if not self._seeded:
            self.seed(s)

    def refresh(self, s: Store) -> None:
        """Load what was published since this worker last looked (one row read otherwise)."""
        revision = s.scripts.revision(SCRIPT_KIND)
        if revision == self._revision:
            return
        with self._lock:
            for script_id, row in s.scripts.published(SCRIPT_KIND).items():
                self._load(script_id, row)
            self._revision = revision

    def refresh_from(self, db: Database) -> None:
        with store(db) as s:
            self.refresh(s)

    def _load(self, script_id: str, row: ScriptVersion) -> None:
        if row.content is None:
            return
        try:
            self.library.publish(script_id, row.version, row.content)
        except ScriptError as exc:  # e.g. written for an older engine: keep what is loaded
            log.warning("published scenario %s v%s not loaded: %s", script_id, row.version, exc)

    def seed(self, s: Store) -> list[Stored]:
        """Import the bundled files the database does not have yet (see the module's notes)."""
        imported = []
        published = s.scripts.published(SCRIPT_KIND)
        for runtime in self.library.bundled():
            source = runtime.loaded.source
            row = published.get(runtime.id)
            stored = s.scripts.get(SCRIPT_KIND, runtime.id, runtime.version)
            if stored is not None:
                if stored.content_hash != source.content_hash:
                    log.warning(
                        "%s: version %s is already stored with other content; not used",
                        source.file,
                        runtime.version,
                    )
                continue
            newer = runtime.version.isdigit() and int(runtime.version) > (row.number or 0 if row else 0)
            if row is not None and not newer:
                continue
            imported.append(self._import(s, runtime))
        self._seeded = True
        return imported

    @staticmethod
    def _import(s: Store, runtime: ScenarioRuntime) -> Stored:
        source = runtime.loaded.source
        try:
            # A savepoint: two workers seeding at once race on the unique key; the loser keeps
            # the winner's row.
            return store_version(
                s, runtime.id, source.text, author="dialogues/", message="bundled", keep_higher=True
            )
        except IntegrityError:
            return Stored(runtime.id, runtime.version, created=False)

    def runtime(self, s: Store, scenario_id: str, version: str) -> ScenarioRuntime:
        """The runtime of one version: loaded already, or rebuilt from its stored text."""
        try:
            return self.library.version(scenario_id, version)
        except UnknownScenario:
            row = s.scripts.get(SCRIPT_KIND, scenario_id, version)
            if row is None or not row.content:
                raise
            return self.library.rebuild(scenario_id, version, row.content)
