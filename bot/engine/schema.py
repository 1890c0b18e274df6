"""The scenario schema: what trainers write in ``dialogues/*.yaml`` (see docs/scenarios.md).

Pydantic checks the shape (unknown keys are errors); ``checks.py`` checks what it cannot.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from bot.vocab import NON_QUESTIONS, QUESTIONING_STEPS, Angle, Stage, Step, Style, Technique

Lang = Literal["zh", "en"]
LANGS: tuple[str, ...] = ("zh", "en")

STAGES: tuple[Stage, ...] = tuple(Stage)
STEPS: tuple[Step, ...] = QUESTIONING_STEPS
TECHNIQUES: tuple[Technique, ...] = tuple(Technique)
TECHNIQUE_IDS: frozenset[str] = frozenset(TECHNIQUES)
NON_QUESTION_IDS: frozenset[str] = frozenset(NON_QUESTIONS)
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
    "review_not_yet": "'what would worry you about a change?' before he weighs one (no review to tell yet)",
    "no_problem_yet": "'why?' or 'what if?' before any problem is on the table",
    "confirm_yes": "a summary the customer agrees with",
    "confirm_nothing": "a summary when nothing new was said",
    "revisit": "the rep picks up an earlier visit: the customer recalls where they left off",
    "revisit_talk": "the rep picks up something said earlier in this same visit ('as I said')",
    "revisit_unknown": "the rep refers to an earlier talk that never happened",
    "view_too_early": "'how do you see it?' before the root need is found",
    "need_not_ready": "deadline or budget asked before the customer wants to act",
    "need_done": "deadline and budget asked again after both were given",
    "ignored_question": "the rep ignores the customer's pending question",
    "statement": "a statement with no question",
    "close_visit": "the customer ends the visit (trust collapsed)",
    "farewell": "the rep ends the visit politely",
}


# The listening moments (catalogue ``customer.listen.*``); a scenario's ``replies`` may word them
# too. ``{topic}`` is replaced by the topic's short name where the description says so.
LISTEN_REPLY_KEYS: dict[str, str] = {
    "off_topic": "a question about something this customer does not have (another industry)",
    "unclear": "content words that match nothing of his: what do you mean?",
    "stranger": "a question naming someone or somewhere he never mentioned ({name}): who is that?",
    "not_ours": "a yes/no question about something he does not have ('any hospitals?')",
    "deflect_about": "a deep question about {topic} before trust",
    "not_yet_about": "a question about {topic}, a problem he does not see yet",
    "nothing_more_about": "a question about {topic} with nothing more to tell",
    "interest_puzzled": "the interest check before any problem is on the table",
    "interest_lukewarm": "the interest check before enough is at stake",
    "interest_yes": "the interest check once he is motivated",
    "next_step_yes": "the rep asks for the next step once the need is confirmed",
    "next_step_no_problem": "the next step asked before any problem is on the table",
    "next_step_not_motivated": "the next step asked before enough is at stake",
    "next_step_no_need": "the next step asked before deadline or budget",
    "next_step_low_trust": "the next step asked before he trusts the rep enough",
    "farewell_neutral": "the rep ends a visit that went so-so",
    "farewell_cool": "the rep ends a visit that went badly",
    "again": "the customer would repeat his last fallback line",
    "impolite": "an opener without manners ('hey buddy, who's in charge?')",
    "follow_up_opening": "added to the opening of a follow-up visit",
    "closed_figure": "a closed question asking for a number ('how many stores?') with no fact to tell",
    "closed_detail": "a closed question asking which, what or who, with no fact to tell",
    "closed_count": "a closed question asking how many of his own things there are ('how many stores?')",
    "closed_hunch": "a yes/no question naming a cause or problem he has not told ('is it because ...?')",
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


class AnalysisAsk(StrEnum):
    """The analysis questions of each problem type (docs/scenarios.md, ``problems``)."""

    made_of = "made_of"  # restore: what is it made of
    where = "where"  # restore: where in the process
    compared = "compared"  # restore: compared with what
    trigger = "trigger"  # prevent: what would set it off
    outcome = "outcome"  # prevent: what exactly would happen
    precedent = "precedent"  # prevent: what happened to others
    specific = "specific"  # ideal: the goal made specific and measurable
    prerequisite = "prerequisite"  # ideal: what must be true first
    path = "path"  # ideal: which path


ANALYSIS_OF_TYPE: dict[ProblemType, tuple[AnalysisAsk, ...]] = {
    ProblemType.restore: (AnalysisAsk.made_of, AnalysisAsk.where, AnalysisAsk.compared),
    ProblemType.prevent: (AnalysisAsk.trigger, AnalysisAsk.outcome, AnalysisAsk.precedent),
    ProblemType.ideal: (AnalysisAsk.specific, AnalysisAsk.prerequisite, AnalysisAsk.path),
}


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
    # What earns his trust beyond the method (docs/scenarios.md); none: the method alone.
    style: Style | None = None
    initial_trust: Trust = 20
    offended_by: list[Offence] = Field(default_factory=list)
    private_topics: Lines | None = None  # words that make a question private, per language
    # Who may have referred the rep (names, per language): naming one earns trust once.
    referrals: Lines | None = None


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


class AnalysisFact(Strict):
    """What the customer tells when the rep asks one of the analysis questions of the problem's
    type ("where in the process do the defects start?"), beside the why-chain."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    asks: AnalysisAsk
    topic: Text
    says: Lines
    min_trust: Trust = 0


class Problem(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: ProblemType
    topic: Text
    symptom: Lines
    causes: list[Cause] = Field(min_length=1)
    analysis: list[AnalysisFact] = Field(default_factory=list)
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


Checks = Annotated[list[Annotated[str, Field(min_length=1)]], BeforeValidator(_as_list)]


class TrainerTurn(Strict):
    """One rep line of a trainer test and what must hold right after it."""

    rep: str = Field(min_length=1)
    technique: str | None = None  # the technique the customer heard (see docs/scenarios.md)
    stage: str | None = None
    step: str | None = None
    reveals: list[str] = Field(default_factory=list)  # facts this very turn reveals
    reveals_nothing: bool = False  # the turn must reveal no fact
    trust: TrustMove | None = None
    status: Status | None = None
    # What the line was heard to be about: a topic key ("problem:returns"), "off_topic" or "generic".
    topic: str | None = None
    event: str | None = None  # what the engine judged the line did ("off_topic", "interest", ...)
    # Texts the customer's reply must contain, must not contain, or one of which it must contain
    # (the customer picks among wordings); a single text may be written without a list.
    says: Checks = Field(default_factory=list)
    says_not: Checks = Field(default_factory=list)
    says_any: Checks = Field(default_factory=list)
    deflects: bool | None = None  # the customer dodges the line (true) or takes it up (false)
    coach: Checks = Field(default_factory=list)  # texts the coach's note must contain
    coach_not: Checks = Field(default_factory=list)  # texts it must not contain


class TrainerExpect(Strict):
    """What must hold once the conversation is over."""

    status: Status | None = None
    stage: str | None = None  # furthest stage reached
    step: str | None = None  # furthest step reached
    revealed: list[str] = Field(default_factory=list)
    not_revealed: list[str] = Field(default_factory=list)
    score: tuple[Trust, Trust] | None = None  # inclusive range
    next_step: Literal["agreed", "declined"] | None = None  # the customer's last answer to it
    says: Checks = Field(default_factory=list)  # texts the farewell must contain


class TrainerTest(Strict):
    name: str = Field(min_length=1)
    lang: Lang
    seed: int = 1
    mode: Literal["practice", "exam"] = "practice"
    previous_visit: list[str] = Field(default_factory=list)  # rep lines of an earlier visit
    # With an earlier visit: "follow_up" (the default then: the customer remembers it) or "fresh".
    visit: Literal["follow_up", "fresh"] | None = None
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
    # What the rep knows before walking in (the briefing card shows it); optional.
    briefing: Text | None = None
    # The techniques this visit trains (progress pages suggest it for them); left out, the
    # question techniques its trainer tests exercise (``trained_techniques``).
    trains: list[Technique] | None = None
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
    # Optional words that name a topic (keys as in docs/topics.md: "problem:returns",
    # "cause:returns/late_detection", "solution"...), per language; fed to the topic matcher.
    keywords: dict[str, Lines] = Field(default_factory=dict)
    tests: list[TrainerTest] = Field(default_factory=list)

    def trained_techniques(self) -> tuple[Technique, ...]:
        """``trains`` when given, else the question techniques the trainer tests exercise, most
        exercised first (greetings, pitches and statements train nothing)."""
        if self.trains is not None:
            return tuple(dict.fromkeys(self.trains))
        counts: dict[Technique, int] = {}
        for test in self.tests:
            for turn in test.turns:
                if turn.technique in TECHNIQUE_IDS and turn.technique not in NON_QUESTION_IDS:
                    technique = Technique(turn.technique)
                    counts[technique] = counts.get(technique, 0) + 1
        return tuple(sorted(counts, key=lambda t: (-counts[t], TECHNIQUES.index(t))))

    def topic_keys(self) -> list[str]:
        """Every topic key (docs/topics.md), in the topic matcher's order."""
        keys = [f"situation:{s.id}" for s in self.situation]
        keys += [f"problem:{p.id}" for p in self.problems]
        keys += [f"cause:{p.id}/{c.id}" for p in self.problems for c in p.causes]
        keys += [f"implication:{i.id}" for i in self.implications]
        keys += [f"view:{v.id}" for v in self.views]
        keys += [f"customer_question:{q.id}" for q in self.customer_questions]
        return [*keys, "solution", "purpose"]

    def topic_keywords(self) -> dict[str, dict[str, list[str]]]:
        """``keywords`` in the shape ``TopicIndex`` takes."""
        return {
            key: {lang: list(getattr(lines, lang) or []) for lang in ("zh", "en")}
            for key, lines in self.keywords.items()
        }

    # Derived look-ups, filled by ``index()`` after validation.
    def fact_ids(self) -> list[str]:
        ids = [s.id for s in self.situation]
        for problem in self.problems:
            ids.append(problem.id)
            ids.extend(cause.id for cause in problem.causes)
            ids.extend(fact.id for fact in problem.analysis)
        ids.extend(i.id for i in self.implications)
        ids.extend(v.id for v in self.views)
        ids.extend(NEED_FACTS)
        return ids
