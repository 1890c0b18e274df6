"""The library of scenario scripts: every ``dialogues/*.yaml``, one runtime per script version.

Each version is recorded in the ``script_versions`` table with its full text (by
``bot.services.scripts.ScriptVersions``), so a session started on version 1 can still be played
after the file moved on to version 2: the library rebuilds old versions from that text on demand.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.i18n import N_
from bot.yamlsource import ScriptError, ScriptProblem, parse_yaml

from .results import ScenarioSummary, UnknownScenario
from .runtime import ScenarioRuntime
from .scenario import load_scenario, parse_scenario, scenario_files

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.classifier import QuestionBank

    from .coach import BankSource

log = logging.getLogger(__name__)


class ScenarioLibrary:
    """Loaded scenarios; broken files are left out and listed in ``problems``."""

    def __init__(
        self,
        runtimes: Iterable[ScenarioRuntime] = (),
        problems: Iterable[ScriptProblem] = (),
        *,
        bank: BankSource | None = None,
    ) -> None:
        self.bank = bank  # for the coaches; None: each loads the default bank on first use
        self._latest: dict[str, ScenarioRuntime] = {}
        self._versions: dict[tuple[str, str], ScenarioRuntime] = {}
        self._bundled: dict[str, ScenarioRuntime] = {}  # as added (from files), not as published since
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

    def use_bank(self, source: Callable[[], QuestionBank]) -> None:
        """Every coach, loaded and to come, reads the bank from ``source`` (the bank in use)."""
        with self._lock:
            self.bank = source
            for runtime in self._versions.values():
                runtime.coach.use_bank(source)

    def add(self, runtime: ScenarioRuntime) -> None:
        key = (runtime.id, runtime.version)
        if runtime.id in self._latest and self._latest[runtime.id].loaded.file != runtime.loaded.file:
            other = self._latest[runtime.id].loaded.file
            raise ScriptError(
                [
                    runtime.loaded.source.report(
                        ("id",), N_("script.check.id_in_two_files"), id=runtime.id, other=other
                    )
                ]
            )
        self._versions[key] = runtime
        self._latest[runtime.id] = runtime
        self._bundled[runtime.id] = runtime

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

    def runtimes(self) -> list[ScenarioRuntime]:
        """Every loaded version (the latest of each scenario and any rebuilt older ones)."""
        return list(self._versions.values())

    def bundled(self) -> list[ScenarioRuntime]:
        """The scripts as added (read from their files), whatever was published since."""
        return [self._bundled[key] for key in sorted(self._bundled)]

    def version(self, scenario_id: str, version: str) -> ScenarioRuntime:
        """The runtime of one version loaded from a file or rebuilt before; raises UnknownScenario."""
        runtime = self._versions.get((scenario_id, version))
        if runtime is None:
            raise UnknownScenario(f"no scenario {scenario_id!r} version {version!r}")
        return runtime

    def rebuild(self, scenario_id: str, version: str, text: str) -> ScenarioRuntime:
        """The runtime of an older version from its stored text (``bot.services`` reads that text)."""
        loaded = parse_scenario(parse_yaml(text, f"<stored {scenario_id} v{version}>"))
        runtime = ScenarioRuntime(loaded, self.bank)
        with self._lock:
            self._versions[(scenario_id, version)] = runtime
        return runtime

    def publish(self, scenario_id: str, version: str, text: str) -> ScenarioRuntime:
        """Make a stored version the one new sessions start on (rebuilt unless already loaded)."""
        runtime = self._versions.get((scenario_id, version))
        if runtime is None or runtime.loaded.source.text != text:
            runtime = self.rebuild(scenario_id, version, text)
        with self._lock:
            self._latest[scenario_id] = runtime
        return runtime
