"""Scenario scripts: the schema trainers write in ``dialogues/*.yaml`` (``schema.py``) and its loader.

A scenario is validated in two passes. Pydantic checks the shape (unknown keys are errors);
then ``checks.check_scenario`` checks what pydantic cannot: every text exists in every
language the scenario declares, references between parts point at something that exists,
every fact can be revealed by some conversation, and replies are written only for situations
the engine knows. Every problem names the file, the line and the path in the document.

The schema's names are re-exported here, where the rest of the code has always found them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.yamlsource import (
    ScriptError,
    ScriptProblem,
    SourceDocument,
    lint,
    model_problems,
    read_document,
    read_text,
    sort_problems,
    validate,
)

from .checks import check_scenario
from .schema import (
    ANGLES,
    LANGS,
    LISTEN_REPLY_KEYS,
    NEED_FACTS,
    REPLY_KEYS,
    STAGES,
    STEPS,
    TECHNIQUES,
    AnalysisAsk,
    AnalysisFact,
    Cause,
    ChangeKind,
    CustomerQuestion,
    ExplicitNeed,
    Implication,
    Lang,
    Lines,
    Persona,
    Problem,
    ProblemType,
    Rubric,
    RubricWeights,
    SalesMode,
    Scenario,
    SituationItem,
    Solution,
    Text,
    TrainerExpect,
    TrainerTest,
    TrainerTurn,
    View,
)


@dataclass
class LoadedScenario:
    """A validated scenario with the file it came from and fast look-ups for the engine."""

    scenario: Scenario
    source: SourceDocument
    problems: dict[str, Problem] = field(default_factory=dict)
    cause_owner: dict[str, str] = field(default_factory=dict)  # cause id -> problem id
    fact_topic: dict[str, Text] = field(default_factory=dict)
    has_analysis: bool = False  # some problem gives analysis facts

    def __post_init__(self) -> None:
        s = self.scenario
        for item in s.situation:
            self.fact_topic[item.id] = item.topic
        for problem in s.problems:
            self.problems[problem.id] = problem
            self.fact_topic[problem.id] = problem.topic
            for cause in problem.causes:
                self.cause_owner[cause.id] = problem.id
                self.fact_topic[cause.id] = cause.topic
            for fact in problem.analysis:
                self.fact_topic[fact.id] = fact.topic
                self.has_analysis = True

    @property
    def id(self) -> str:
        return self.scenario.id

    @property
    def version(self) -> str:
        return self.scenario.version

    @property
    def file(self) -> str:
        return self.source.file

    def line_of(self, path: Iterable[str | int]) -> int | None:
        return self.source.locate(tuple(path))[0]


def parse_scenario(doc: SourceDocument) -> LoadedScenario:
    """Validate a parsed document as a scenario; raise ScriptError listing every problem."""
    scenario = validate(Scenario, doc)
    problems = check_scenario(scenario, doc)
    if problems:
        raise ScriptError(problems)
    return LoadedScenario(scenario, doc)


# Problems that leaving out a broken line can cause by itself (the line held the key or text).
_ARTEFACTS_OF_RECOVERY = {"script.schema.missing_key", "script.check.missing_language", "script.file.empty"}


def read_scenario(text: str, file: str) -> tuple[LoadedScenario | None, list[ScriptProblem]]:
    """Every problem of a scenario's text at once: syntax errors (each at the line to fix), the
    shape, the checks, and warnings (``severity="warning"``); the scenario if it has no error.

    With syntax errors the rest of the text is still checked, leaving out the problems that
    the unreadable lines alone could cause.
    """
    doc, problems = read_document(text, file)
    if doc.data is not None or not problems:
        scenario, shape = model_problems(Scenario, doc)
        problems += shape
        if scenario is not None:
            problems += check_scenario(scenario, doc)
        languages = list(scenario.languages) if scenario is not None else list(LANGS)
        problems += lint(doc, languages)
    if doc.recovered:
        problems = [p for p in problems if p.key not in _ARTEFACTS_OF_RECOVERY]
    problems = sort_problems(problems)
    if any(p.severity == "error" for p in problems):
        return None, problems
    return LoadedScenario(validate(Scenario, doc), doc), problems


def validate_scenario_text(text: str, lang: str, file: str = "scenario.yaml") -> list[ScriptProblem]:
    """Every problem of a scenario's text, worded in ``lang`` ("zh" or "en"): for an editor
    that checks as the trainer types. Empty when the scenario is fine."""
    return [problem.in_lang(lang) for problem in read_scenario(text, file)[1]]


def load_scenario(path: Path | str) -> LoadedScenario:
    """Read, parse and validate one scenario file; ScriptError lists every error (not warnings)."""
    loaded, problems = read_scenario(read_text(path), str(path))
    if loaded is None:
        raise ScriptError([p for p in problems if p.severity == "error"])
    return loaded


def scenario_files(paths: Iterable[Path | str]) -> list[Path]:
    """The YAML files named, or inside the directories named, sorted."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted([*path.glob("*.yaml"), *path.glob("*.yml")]))
        else:
            files.append(path)
    return files


__all__ = [
    "ANGLES",
    "LANGS",
    "LISTEN_REPLY_KEYS",
    "NEED_FACTS",
    "REPLY_KEYS",
    "STAGES",
    "STEPS",
    "TECHNIQUES",
    "AnalysisAsk",
    "AnalysisFact",
    "Cause",
    "ChangeKind",
    "CustomerQuestion",
    "ExplicitNeed",
    "Implication",
    "Lang",
    "Lines",
    "LoadedScenario",
    "Persona",
    "Problem",
    "ProblemType",
    "Rubric",
    "RubricWeights",
    "SalesMode",
    "Scenario",
    "SituationItem",
    "Solution",
    "Text",
    "TrainerExpect",
    "TrainerTest",
    "TrainerTurn",
    "View",
    "check_scenario",
    "load_scenario",
    "parse_scenario",
    "read_scenario",
    "scenario_files",
    "validate_scenario_text",
]
