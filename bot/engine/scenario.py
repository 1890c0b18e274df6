"""Scenario scripts: the schema trainers write in ``dialogues/*.yaml`` and its loader.

A scenario is validated in two passes. Pydantic checks the shape (unknown keys are errors);
then ``check_scenario`` checks what pydantic cannot: every text exists in every language the
scenario declares, references between parts point at something that exists, every fact can be
revealed by some conversation, and replies are written only for situations the engine knows.
Every problem names the file, the line and the path in the document.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from bot.vocab import QUESTIONING_STEPS, Angle, Stage, Step, Technique
from bot.yamlsource import ScriptError, ScriptProblem, SourceDocument, load_yaml, validate

Lang = Literal["zh", "en"]
LANGS: tuple[str, ...] = ("zh", "en")

STAGES: tuple[Stage, ...] = tuple(Stage)
STEPS: tuple[Step, ...] = QUESTIONING_STEPS
TECHNIQUES: tuple[Technique, ...] = tuple(Technique)
ANGLES: tuple[Angle, ...] = tuple(Angle)
NEED_FACTS: tuple[str, ...] = ("deadline", "budget")

# Every situation the engine answers in; a scenario may write its own wordings for each (the
# engine has plain defaults in customer.py). A key not in this table is an error.
REPLY_KEYS: dict[str, str] = {
    "greeting": "the rep greets or introduces themself",
    "small_talk": "a closed or open question with nothing new left to reveal at this point",
    "permission": "the rep only asks permission to ask something ('may I ask...?')",
    "guarded": "an open question before the customer likes the rep: a short, cool answer",
    "deflect": "a deep question (why, what if, your view, budget) before trust: the customer dodges",
    "deflect_softened": "the same, but the rep asked permission first: a polite 'not yet'",
    "pitch_early": "the rep pitches before any need is uncovered",
    "pitch_after_need": "the rep presents the solution once the need is clear",
    "private_topic": "the rep asks about age, family, income or other private matters",
    "nothing_else": "'what else?' when every problem the customer would share is out",
    "no_deeper": "'why?' when the current problem is already dug to its root",
    "no_problem_yet": "'why?' or 'what if?' before any problem is on the table",
    "confirm_yes": "a summary the customer agrees with",
    "confirm_nothing": "a summary when nothing new was said",
    "revisit": "the rep picks up an earlier visit: the customer recalls where they left off",
    "revisit_unknown": "the rep refers to an earlier talk that never happened",
    "view_too_early": "'how do you see it?' before the root need is found",
    "need_not_ready": "deadline or budget asked before the customer wants to act",
    "need_done": "deadline and budget asked again after both were given",
    "ignored_question": "the rep ignores the customer's pending question",
    "statement": "a statement with no question",
    "close_visit": "the customer ends the visit (trust collapsed)",
    "farewell": "the rep ends the visit politely",
}


def _as_list(value: Any) -> Any:
    """Let trainers write one wording as a plain string instead of a one-item list."""
    return [value] if isinstance(value, str) else value


Wordings = Annotated[list[Annotated[str, Field(min_length=1)]], BeforeValidator(_as_list)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """One short text per language (titles, names, topics)."""

    zh: str | None = Field(default=None, min_length=1)
    en: str | None = Field(default=None, min_length=1)

    def get(self, lang: str) -> str:
        value = getattr(self, lang, None) or self.zh or self.en
        return value or ""


class Lines(Strict):
    """Several wordings per language; the customer picks one per turn so replies vary."""

    zh: Wordings | None = None
    en: Wordings | None = None

    def for_lang(self, lang: str) -> list[str]:
        value: list[str] | None = getattr(self, lang, None)
        return value or self.zh or self.en or []


class SalesMode(StrEnum):
    need_excitation = "need_excitation"
    motivation_excitation = "motivation_excitation"
    product_push = "product_push"


class ProblemType(StrEnum):
    restore = "restore"
    prevent = "prevent"
    ideal = "ideal"


class ChangeKind(StrEnum):
    external = "external"
    organisational = "organisational"
    internal = "internal"
    personal = "personal"


Offence = Literal["early_pitch", "private_topics", "deep_questions_before_trust"]
Trust = Annotated[int, Field(ge=0, le=100)]


class Persona(Strict):
    name: Text
    title: Text
    company: Text
    industry: Text
    personality: Text
    talkative: Literal["low", "medium", "high"] = "medium"
    initial_trust: Trust = 20
    offended_by: list[Offence] = Field(default_factory=list)
    private_topics: Lines | None = None  # words that make a question private, per language


class SituationItem(Strict):
    """A recent change around the customer that curiosity and care can bring out."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: ChangeKind
    topic: Text
    says: Lines
    leads_to: str | None = None  # a problem id: its symptom comes out with this change
    requires: list[str] = Field(default_factory=list)
    min_trust: Trust = 0


class Cause(Strict):
    """One level of the why-chain; the last cause of a problem is the root need we meet."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    topic: Text
    says: Lines
    min_trust: Trust = 0


class Problem(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: ProblemType
    topic: Text
    symptom: Lines
    causes: list[Cause] = Field(min_length=1)
    requires: list[str] = Field(default_factory=list)
    min_trust: Trust = 0


class Implication(Strict):
    """What is at stake, drawn out by 'what if' questions (the motivation angles)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    problem: str
    angle: Literal[
        "vision", "long_term_harm", "spreading_harm", "long_term_gain", "spreading_gain", "avoid_harm_review"
    ]
    says: Lines
    requires: list[str] = Field(default_factory=list)
    min_trust: Trust = 0


class View(Strict):
    """The customer's take when the rep offers an idea or a peer's case ('how do you see it?')."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    problem: str
    says: Lines
    requires: list[str] = Field(default_factory=list)


class CustomerQuestion(Strict):
    """A question, doubt or objection the customer raises, to practise answering with a question."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Literal["question", "doubt", "objection"] = "question"
    after: str  # a fact id, or "pitch" (raised when the rep pitches after the need is clear)
    asks: Lines
    answered: Lines  # the customer's reply when the rep answers briefly and asks back
    reveals: str | None = None  # a fact the customer shares in that reply
    hint: Lines | None = None  # a brief answer plus a question back, quoted by the coach's hint


class ExplicitNeed(Strict):
    motivation_needed: int = Field(default=1, ge=1)
    deadline: Lines
    budget: Lines


class Solution(Strict):
    name: Text
    summary: Text


class RubricWeights(Strict):
    problems: float = Field(default=15, ge=0)
    depth: float = Field(default=20, ge=0)
    motivation: float = Field(default=15, ge=0)
    need: float = Field(default=15, ge=0)
    questions: float = Field(default=10, ge=0)
    trust: float = Field(default=10, ge=0)
    discipline: float = Field(default=15, ge=0)

    def normalised(self) -> dict[str, float]:
        weights = self.model_dump()
        total = sum(weights.values()) or 1.0
        return {key: value / total for key, value in weights.items()}


class Rubric(Strict):
    weights: RubricWeights = Field(default_factory=RubricWeights)


TrustMove = Literal["up", "down", "same"]
Status = Literal["active", "ended", "closed_by_customer"]


class TrainerTurn(Strict):
    """One rep line of a trainer test and what must hold right after it."""

    rep: str = Field(min_length=1)
    technique: str | None = None  # the technique the customer heard (see docs/scenarios.md)
    stage: str | None = None
    step: str | None = None
    reveals: list[str] = Field(default_factory=list)  # facts this very turn reveals
    trust: TrustMove | None = None
    status: Status | None = None


class TrainerExpect(Strict):
    """What must hold once the conversation is over."""

    status: Status | None = None
    stage: str | None = None  # furthest stage reached
    step: str | None = None  # furthest step reached
    revealed: list[str] = Field(default_factory=list)
    not_revealed: list[str] = Field(default_factory=list)
    score: tuple[Trust, Trust] | None = None  # inclusive range


class TrainerTest(Strict):
    name: str = Field(min_length=1)
    lang: Lang
    seed: int = 1
    mode: Literal["practice", "exam"] = "practice"
    previous_visit: list[str] = Field(default_factory=list)  # rep lines of an earlier visit
    turns: list[TrainerTurn] = Field(min_length=1)
    end: bool = True  # the rep ends the visit after the last line
    expect: TrainerExpect = Field(default_factory=TrainerExpect)


class Scenario(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    version: str = Field(min_length=1, max_length=40)
    languages: list[Lang] = Field(min_length=1)
    title: Text
    sales_mode: SalesMode
    purpose: Text
    difficulty: Literal["easy", "medium", "hard"]
    solution: Solution
    customer: Persona
    opening: Lines  # the customer's first words when the rep walks in
    situation: list[SituationItem] = Field(default_factory=list)
    problems: list[Problem] = Field(min_length=1)
    implications: list[Implication] = Field(min_length=1)
    views: list[View] = Field(default_factory=list)
    customer_questions: list[CustomerQuestion] = Field(default_factory=list)
    explicit_need: ExplicitNeed
    replies: dict[str, Lines] = Field(default_factory=dict)
    # Example questions for this customer, per technique: hints prefer them to the bank's
    # generic examples, so a hint in a factory visit never quotes a shop.
    hints: dict[str, Lines] = Field(default_factory=dict)
    rubric: Rubric = Field(default_factory=Rubric)
    tests: list[TrainerTest] = Field(default_factory=list)

    # Derived look-ups, filled by ``index()`` after validation.
    def fact_ids(self) -> list[str]:
        ids = [s.id for s in self.situation]
        for problem in self.problems:
            ids.append(problem.id)
            ids.extend(cause.id for cause in problem.causes)
        ids.extend(i.id for i in self.implications)
        ids.extend(v.id for v in self.views)
        ids.extend(NEED_FACTS)
        return ids


@dataclass
class LoadedScenario:
    """A validated scenario with the file it came from and fast look-ups for the engine."""

    scenario: Scenario
    source: SourceDocument
    problems: dict[str, Problem] = field(default_factory=dict)
    cause_owner: dict[str, str] = field(default_factory=dict)  # cause id -> problem id
    fact_topic: dict[str, Text] = field(default_factory=dict)

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


# ---------------------------------------------------------------------------------------------
# Cross-reference checks


def _text_paths(value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Every Text / Lines value inside a model, with its path in the document."""
    if isinstance(value, Text | Lines):
        yield path, value
        return
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _text_paths(getattr(value, name), (*path, name))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _text_paths(item, (*path, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _text_paths(item, (*path, key))


def _reachable(s: Scenario) -> set[str]:
    """Facts some conversation can reveal: a fixed point over each fact's prerequisites.

    Trust can climb to 100 by good questions, so only ``min_trust`` above 100 (impossible by
    the schema) or prerequisite cycles and chains through missing facts make a fact unreachable.
    """
    prerequisites: dict[str, set[str]] = {}
    for item in s.situation:
        prerequisites[item.id] = set(item.requires)
    for problem in s.problems:
        prerequisites[problem.id] = set(problem.requires)
        before = problem.id
        for cause in problem.causes:
            prerequisites[cause.id] = {before}
            before = cause.id
    for implication in s.implications:
        prerequisites[implication.id] = {implication.problem, *implication.requires}
    for view in s.views:
        owner = next((p for p in s.problems if p.id == view.problem), None)
        root = owner.causes[-1].id if owner else view.problem
        prerequisites[view.id] = {root, *view.requires}
    motivation = {i.id for i in s.implications}
    reached: set[str] = set()
    changed = True
    while changed:
        changed = False
        for fact, needs in prerequisites.items():
            if fact not in reached and needs <= reached:
                reached.add(fact)
                changed = True
    if len(motivation & reached) >= s.explicit_need.motivation_needed:
        reached.update(NEED_FACTS)
    return reached


def check_scenario(s: Scenario, doc: SourceDocument) -> list[ScriptProblem]:
    """The checks pydantic cannot do; each problem is located in the file."""
    problems: list[ScriptProblem] = []

    def report(path: tuple[str | int, ...], message: str) -> None:
        problems.append(doc.problem(path, message))

    langs = list(dict.fromkeys(s.languages))
    if len(langs) != len(s.languages):
        report(("languages",), "a language is listed twice")
    for path, value in _text_paths(s.model_copy(update={"tests": []}), ()):
        for lang in langs:
            if not getattr(value, lang):
                report(path, f"missing the {lang!r} text (the scenario declares languages {langs})")
    for index, test in enumerate(s.tests):
        if test.lang not in langs:
            report(("tests", index, "lang"), f"language {test.lang!r} is not one of the scenario's {langs}")

    # Ids are unique across every kind of fact and do not shadow the built-in ones.
    seen: dict[str, tuple[str | int, ...]] = {}
    id_paths: list[tuple[str, tuple[str | int, ...]]] = []
    for i, item in enumerate(s.situation):
        id_paths.append((item.id, ("situation", i, "id")))
    for i, problem in enumerate(s.problems):
        id_paths.append((problem.id, ("problems", i, "id")))
        for j, cause in enumerate(problem.causes):
            id_paths.append((cause.id, ("problems", i, "causes", j, "id")))
    for i, implication in enumerate(s.implications):
        id_paths.append((implication.id, ("implications", i, "id")))
    for i, view in enumerate(s.views):
        id_paths.append((view.id, ("views", i, "id")))
    for i, question in enumerate(s.customer_questions):
        id_paths.append((question.id, ("customer_questions", i, "id")))
    for fact_id, path in id_paths:
        if fact_id in NEED_FACTS or fact_id == "pitch":
            report(path, f"id {fact_id!r} is reserved")
        elif fact_id in seen:
            report(path, f"id {fact_id!r} is used twice (first at {'.'.join(map(str, seen[fact_id]))})")
        else:
            seen[fact_id] = path

    problem_ids = {p.id for p in s.problems}
    facts = set(s.fact_ids())

    def check_ref(path: tuple[str | int, ...], ref: str, allowed: set[str], what: str) -> None:
        if ref not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            report(path, f"{what} {ref!r} does not exist (known: {known})")

    for i, item in enumerate(s.situation):
        if item.leads_to is not None:
            check_ref(("situation", i, "leads_to"), item.leads_to, problem_ids, "problem")
        for j, ref in enumerate(item.requires):
            check_ref(("situation", i, "requires", j), ref, facts, "fact")
    for i, problem in enumerate(s.problems):
        for j, ref in enumerate(problem.requires):
            check_ref(("problems", i, "requires", j), ref, facts, "fact")
    for i, implication in enumerate(s.implications):
        check_ref(("implications", i, "problem"), implication.problem, problem_ids, "problem")
        for j, ref in enumerate(implication.requires):
            check_ref(("implications", i, "requires", j), ref, facts, "fact")
    for i, view in enumerate(s.views):
        check_ref(("views", i, "problem"), view.problem, problem_ids, "problem")
        for j, ref in enumerate(view.requires):
            check_ref(("views", i, "requires", j), ref, facts, "fact")
    for i, question in enumerate(s.customer_questions):
        check_ref(("customer_questions", i, "after"), question.after, facts | {"pitch"}, "fact")
        if question.reveals is not None:
            check_ref(("customer_questions", i, "reveals"), question.reveals, facts, "fact")

    motivation = len(s.implications)
    if s.explicit_need.motivation_needed > motivation:
        report(
            ("explicit_need", "motivation_needed"),
            f"needs {s.explicit_need.motivation_needed} implications but the scenario has {motivation}",
        )

    for key in s.replies:
        if key not in REPLY_KEYS:
            report(
                ("replies", key),
                f"reply for an unknown situation {key!r} (known: {', '.join(REPLY_KEYS)})",
            )

    for key in s.hints:
        if key not in TECHNIQUES:
            report(("hints", key), f"hint for an unknown technique {key!r} (known: {', '.join(TECHNIQUES)})")

    if not problems:
        reachable = _reachable(s)
        for fact_id, path in id_paths:
            if fact_id in facts and fact_id not in reachable:
                report(path, f"fact {fact_id!r} can never be revealed (its prerequisites form a loop)")

    for i, test in enumerate(s.tests):
        for j, turn in enumerate(test.turns):
            base: tuple[str | int, ...] = ("tests", i, "turns", j)
            if turn.technique is not None and turn.technique not in TECHNIQUES:
                report((*base, "technique"), f"unknown technique {turn.technique!r}")
            if turn.stage is not None and turn.stage not in STAGES:
                report((*base, "stage"), f"unknown stage {turn.stage!r} (one of {', '.join(STAGES)})")
            if turn.step is not None and turn.step not in STEPS:
                report((*base, "step"), f"unknown step {turn.step!r} (one of {', '.join(STEPS)})")
            for k, ref in enumerate(turn.reveals):
                check_ref((*base, "reveals", k), ref, facts, "fact")
        expect = test.expect
        base = ("tests", i, "expect")
        if expect.stage is not None and expect.stage not in STAGES:
            report((*base, "stage"), f"unknown stage {expect.stage!r} (one of {', '.join(STAGES)})")
        if expect.step is not None and expect.step not in STEPS:
            report((*base, "step"), f"unknown step {expect.step!r} (one of {', '.join(STEPS)})")
        for key in ("revealed", "not_revealed"):
            for k, ref in enumerate(getattr(expect, key)):
                check_ref((*base, key, k), ref, facts, "fact")
        if expect.score is not None and expect.score[0] > expect.score[1]:
            report((*base, "score"), "the range's low end is above its high end")
    return problems


def parse_scenario(doc: SourceDocument) -> LoadedScenario:
    """Validate a parsed document as a scenario; raise ScriptError listing every problem."""
    scenario = validate(Scenario, doc)
    problems = check_scenario(scenario, doc)
    if problems:
        raise ScriptError(problems)
    return LoadedScenario(scenario, doc)


def load_scenario(path: Path | str) -> LoadedScenario:
    """Read, parse and validate one scenario file."""
    return parse_scenario(load_yaml(path))


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
