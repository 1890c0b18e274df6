"""What a scenario's topics are, and the weighted text of each in both languages.

A topic is something a rep can talk about: each situation item, problem, cause, implication,
view and customer question, the solution and the visit's purpose (docs/topics.md). ``TopicTexts``
collects them from a scenario with the text that describes each (its title weighs more than
what the customer says about it) and the customer's own wordings; ``TopicIndex`` turns them
into vectors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel

from bot.engine.scenario import Lines, Scenario, Text

LANGS: tuple[str, ...] = ("zh", "en")

#: Topic kinds, in the order the index lists them.
KINDS: tuple[str, ...] = (
    "situation",
    "problem",
    "cause",
    "implication",
    "view",
    "customer_question",
    "solution",
    "purpose",
)

# Field weights: a title names the topic; what the customer says about it is long and mixes in
# other topics' words, so each of its words counts for less. Keywords are the trainer's own
# choice of what names the topic, so they count most.
TITLE = 3.0
SAYS = 1.0
KEYWORD = 4.0
PARENT = 0.5  # an implication / view / cause inherits a little of its problem's title


@dataclass(frozen=True, slots=True)
class Topic:
    """One thing a rep can talk about in this scenario."""

    key: str  # e.g. "problem:returns", "cause:returns/late_detection" (see docs/topics.md)
    kind: str  # one of KINDS
    id: str  # the scenario's id for it ("" for solution and purpose)
    parent: str | None = None  # the problem's key for causes, implications and views
    angle: str | None = None  # an implication's motivation angle
    title: Mapping[str, str] = field(default_factory=dict)  # a short name per language


def _texts(value: Text | Lines | None, lang: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, Text):
        text = getattr(value, lang, None)
        return [text] if text else []
    return list(getattr(value, lang, None) or [])


def all_strings(value: object) -> Iterable[str]:
    """Every string inside a scenario model: the scenario's whole vocabulary. Trainer tests are
    left out: their rep lines ask about other customers on purpose (off-topic questions)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            if name != "tests":
                yield from all_strings(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from all_strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from all_strings(item)


class TopicTexts:
    """Every topic of a scenario with its weighted texts per language and the customer's wordings."""

    def __init__(self) -> None:
        self.topics: list[Topic] = []
        self.fields: list[dict[str, list[tuple[str, float]]]] = []
        self.spoken: list[dict[str, list[str]]] = []

    def add(
        self, topic: Topic, parts: Iterable[tuple[Text | Lines | None, float]], said: Iterable[Lines]
    ) -> None:
        self.topics.append(topic)
        self.fields.append({lang: [(t, w) for v, w in parts for t in _texts(v, lang)] for lang in LANGS})
        self.spoken.append({lang: [t for v in said for t in _texts(v, lang)] for lang in LANGS})

    def collect(self, s: Scenario) -> None:
        self._situation_and_problems(s)
        self._consequences(s)
        self.add(
            Topic("solution", "solution", "", title=_titles(s.solution.name)),
            [(s.solution.name, TITLE), (s.solution.summary, SAYS)],
            [],
        )
        self.add(Topic("purpose", "purpose", "", title=_titles(s.purpose)), [(s.purpose, SAYS)], [])

    def _situation_and_problems(self, s: Scenario) -> None:
        for item in s.situation:
            self.add(
                Topic(f"situation:{item.id}", "situation", item.id, title=_titles(item.topic)),
                [(item.topic, TITLE), (item.says, SAYS)],
                [item.says],
            )
        for problem in s.problems:
            self.add(
                Topic(f"problem:{problem.id}", "problem", problem.id, title=_titles(problem.topic)),
                [(problem.topic, TITLE), (problem.symptom, SAYS)],
                [problem.symptom],
            )
        for problem in s.problems:
            for cause in problem.causes:
                self.add(
                    Topic(
                        f"cause:{problem.id}/{cause.id}",
                        "cause",
                        cause.id,
                        parent=f"problem:{problem.id}",
                        title=_titles(cause.topic),
                    ),
                    [(cause.topic, TITLE), (cause.says, SAYS), (problem.topic, PARENT)],
                    [cause.says],
                )

    def _consequences(self, s: Scenario) -> None:
        problem_title = {p.id: p.topic for p in s.problems}
        for implication in s.implications:
            self.add(
                Topic(
                    f"implication:{implication.id}",
                    "implication",
                    implication.id,
                    parent=f"problem:{implication.problem}",
                    angle=implication.angle,
                ),
                [(implication.says, SAYS), (problem_title.get(implication.problem), PARENT)],
                [implication.says],
            )
        for view in s.views:
            self.add(
                Topic(f"view:{view.id}", "view", view.id, parent=f"problem:{view.problem}"),
                [(view.says, SAYS), (problem_title.get(view.problem), PARENT)],
                [view.says],
            )
        for question in s.customer_questions:
            self.add(
                Topic(f"customer_question:{question.id}", "customer_question", question.id),
                [(question.asks, SAYS), (question.answered, SAYS)],
                [question.asks, question.answered],
            )


def _titles(text: Text) -> dict[str, str]:
    return {lang: value for lang in LANGS if (value := getattr(text, lang, None))}
