"""The library of scenario scripts: every ``dialogues/*.yaml``, one runtime per script version.

Each version is recorded in the ``script_versions`` table with its full text, so a session
started on version 1 can still be played (and replayed) after the file moved on to version 2:
the library rebuilds old versions from the stored text on demand. A file changed without a new
version is refused, because stored sessions refer to its facts by id.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError

from bot.storage import Store
from bot.yamlsource import ScriptError, ScriptProblem, parse_yaml

from .results import ScenarioSummary, UnknownScenario
from .runtime import ScenarioRuntime
from .scenario import load_scenario, parse_scenario, scenario_files

if TYPE_CHECKING:
    from bot.classifier import QuestionBank

log = logging.getLogger(__name__)
SCRIPT_KIND = "scenario"


class ScenarioLibrary:
    """Loaded scenarios; broken files are left out and listed in ``problems``."""

    def __init__(
        self,
        runtimes: Iterable[ScenarioRuntime] = (),
        problems: Iterable[ScriptProblem] = (),
        *,
        bank: QuestionBank | None = None,
    ) -> None:
        self.bank = bank  # for the coaches; None: each loads the default bank on first use
        self._latest: dict[str, ScenarioRuntime] = {}
        self._versions: dict[tuple[str, str], ScenarioRuntime] = {}
        self._lock = threading.Lock()
        self.problems: list[ScriptProblem] = list(problems)
        for runtime in runtimes:
            self.add(runtime)

    @classmethod
    def from_paths(cls, paths: Iterable[Path | str], *, bank: QuestionBank | None = None) -> ScenarioLibrary:
        library = cls(bank=bank)
        for file in scenario_files(paths):
            try:
                library.add(ScenarioRuntime(load_scenario(file), bank))
            except ScriptError as exc:
                log.warning("scenario left out: %s", exc)
                library.problems.extend(exc.problems)
        return library

    @classmethod
    def from_directory(cls, directory: Path | str, *, bank: QuestionBank | None = None) -> ScenarioLibrary:
        return cls.from_paths([directory], bank=bank)

    def add(self, runtime: ScenarioRuntime) -> None:
        key = (runtime.id, runtime.version)
        if runtime.id in self._latest and self._latest[runtime.id].loaded.file != runtime.loaded.file:
            other = self._latest[runtime.id].loaded.file
            raise ScriptError(
                [
                    runtime.loaded.source.problem(
                        ("id",), f"scenario id {runtime.id!r} is also used by {other}"
                    )
                ]
            )
        self._versions[key] = runtime
        self._latest[runtime.id] = runtime

    def __len__(self) -> int:
        return len(self._latest)

    def __contains__(self, scenario_id: object) -> bool:
        return scenario_id in self._latest

    def ids(self) -> list[str]:
        return sorted(self._latest)

    def latest(self, scenario_id: str) -> ScenarioRuntime:
        try:
            return self._latest[scenario_id]
        except KeyError:
            raise UnknownScenario(f"no scenario {scenario_id!r}") from None

    def summaries(self, language: str | None = None) -> list[ScenarioSummary]:
        runtimes = sorted(self._latest.values(), key=lambda r: r.id)
        return [r.summary() for r in runtimes if language is None or language in r.scenario.languages]

    # -- versions in the database ----------------------------------------------------------

    def record(self, runtime: ScenarioRuntime, store: Store) -> None:
        """Store the script version once (raises ValueError if its text changed under the same version).

        The library may serve several databases (tests do), so the caller remembers what it
        recorded where; recording again is a cheap no-op.
        """
        source = runtime.loaded.source

        def record() -> None:
            store.scripts.record(
                kind=SCRIPT_KIND,
                script_id=runtime.id,
                version=runtime.version,
                content_hash=source.content_hash,
                content=source.text,
            )

        try:
            # A savepoint: two workers starting the first session of a new version at once race
            # on the unique key; the loser finds the winner's row on the second try.
            with store.session.begin_nested():
                record()
        except IntegrityError:
            record()

    def runtimes(self) -> list[ScenarioRuntime]:
        """Every loaded version (the latest of each scenario and any rebuilt older ones)."""
        return list(self._versions.values())

    def record_all(self, store: Store) -> list[str]:
        """Record every loaded version; returns the problems (changed without a new version)."""
        problems = []
        for runtime in self.runtimes():
            try:
                self.record(runtime, store)
            except ValueError as exc:
                problems.append(f"{runtime.loaded.file}: {exc}")
        return problems

    def version(self, scenario_id: str, version: str, store: Store | None = None) -> ScenarioRuntime:
        """The runtime of one version: loaded from the file, or rebuilt from its stored text."""
        runtime = self._versions.get((scenario_id, version))
        if runtime is not None:
            return runtime
        if store is not None:
            row = store.scripts.get(SCRIPT_KIND, scenario_id, version)
            if row is not None and row.content:
                loaded = parse_scenario(parse_yaml(row.content, f"<stored {scenario_id} v{version}>"))
                runtime = ScenarioRuntime(loaded, self.bank)
                with self._lock:
                    self._versions[(scenario_id, version)] = runtime
                return runtime
        raise UnknownScenario(f"no scenario {scenario_id!r} version {version!r}")
