"""Problem families: which problem a line leans to when its best topic is a neighbour's.

A family is a problem with its causes, implications and views. ``TopicIndex.match`` scores each
family from the line's own words (no echo or context boost): the best member plus FAMILY_SECOND
of the next, so a line sharing words with several of a problem's topics leans to that problem
("if the terminals keep losing connection..." matches no single topic of the old terminals well,
but several a little). See docs/topics.md and docs/engine.md, "Problem families and stakes".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

FAMILY_SECOND = 0.5  # a problem's family score: its best topic plus this much of the second


class _Topic(Protocol):
    @property
    def key(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def parent(self) -> str | None: ...


def families_of(topics: Sequence[_Topic]) -> tuple[list[tuple[int, str]], list[int]]:
    """Topic number -> the problem whose family it belongs to (situation items and the
    customer's questions belong to none), and the numbers of the implications."""
    family = [
        (number, (t.parent or t.key).removeprefix("problem:"))
        for number, t in enumerate(topics)
        if t.kind in ("problem", "cause", "implication", "view")
    ]
    return family, [n for n, t in enumerate(topics) if t.kind == "implication"]


def family_scores(
    scores: Sequence[float], family: Sequence[tuple[int, str]]
) -> tuple[tuple[str, float], ...]:
    """Each problem's family score from the topics' scores, best first."""
    best: dict[str, list[float]] = {}
    for number, problem in family:
        score = scores[number]
        top = best.setdefault(problem, [0.0, 0.0])
        if score > top[0]:
            top[0], top[1] = score, top[0]
        elif score > top[1]:
            top[1] = score
    found = [(problem, round(a + FAMILY_SECOND * b, 4)) for problem, (a, b) in best.items()]
    return tuple(sorted(found, key=lambda item: -item[1]))
