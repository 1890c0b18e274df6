"""Scenario versions in the database: the half of the scenario library that needs storage.

Each version is recorded in ``script_versions`` with its full text, so a session started on
version 1 can still be played after the file moved on to version 2; a file changed without a
new version is refused, because stored sessions refer to its facts by id.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError

from bot.engine.library import ScenarioLibrary
from bot.engine.results import ScriptChangedWithoutVersion, UnknownScenario
from bot.engine.runtime import ScenarioRuntime
from bot.storage import Store

log = logging.getLogger(__name__)
SCRIPT_KIND = "scenario"


class ScriptVersions:
    """Scenario versions in one database: recorded once per process, old ones rebuilt from there."""

    def __init__(self, library: ScenarioLibrary) -> None:
        self.library = library
        self._all_recorded = False
        self._recorded: set[tuple[str, str]] = set()

    def ensure_recorded(self, s: Store, runtime: ScenarioRuntime) -> None:
        """Record every loaded version once, then ``runtime`` (refused if its file changed)."""
        if not self._all_recorded:
            # A file changed without a new version is reported here and refused below when played.
            for problem in self._record_all(s):
                log.warning("scenario not recorded: %s", problem)
            self._all_recorded = True
        if (runtime.id, runtime.version) not in self._recorded:
            try:
                self._record(s, runtime)
            except ValueError:  # the file changed under a version sessions already use
                raise ScriptChangedWithoutVersion(runtime.id, runtime.version, runtime.loaded.file) from None
            self._recorded.add((runtime.id, runtime.version))

    def runtime(self, s: Store, scenario_id: str, version: str) -> ScenarioRuntime:
        """The runtime of one version: loaded from the file, or rebuilt from its stored text."""
        try:
            return self.library.version(scenario_id, version)
        except UnknownScenario:
            row = s.scripts.get(SCRIPT_KIND, scenario_id, version)
            if row is None or not row.content:
                raise
            return self.library.rebuild(scenario_id, version, row.content)

    @staticmethod
    def _record(s: Store, runtime: ScenarioRuntime) -> None:
        source = runtime.loaded.source

        def record() -> None:
            s.scripts.record(
                kind=SCRIPT_KIND,
                script_id=runtime.id,
                version=runtime.version,
                content_hash=source.content_hash,
                content=source.text,
            )

        try:
            # A savepoint: two workers starting the first session of a new version at once race
            # on the unique key; the loser finds the winner's row on the second try.
            with s.session.begin_nested():
                record()
        except IntegrityError:
            record()

    def _record_all(self, s: Store) -> list[str]:
        problems = []
        for runtime in self.library.runtimes():
            try:
                self._record(s, runtime)
            except ValueError as exc:
                problems.append(f"{runtime.loaded.file}: {exc}")
        return problems
