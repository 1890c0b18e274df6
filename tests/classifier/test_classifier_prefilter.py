"""The literal prefilter never changes an answer, it only skips patterns that cannot match."""

from __future__ import annotations

import re

import pytest
from classifier_data import DEVELOPMENT_PARTS, rows

from bot.classifier import Classifier
from bot.classifier.prefilter import FactorIndex, required_factors
from bot.classifier.text import clean, normalise


@pytest.mark.parametrize(
    ("regex", "factors"),
    [
        (r"\bwhy\b(?!\s+not)", {"why"}),
        (r"\bhow come\b|\bwhat caused\b", {"how come", "what caused"}),
        (r"\bbudgets?\b", {"budget"}),
        (r"(?:如果|假如)(?!方便)", {"如果", "假如"}),
        (r"[a-z]+ly", {"ly"}),
        (r"[a-z]+", None),
        (r"(?:foo)?bar", {"bar"}),
        (r"x*", None),
        (r"(a|)b", {"b"}),
    ],
)
def test_required_factors(regex: str, factors: set[str] | None) -> None:
    found = required_factors(regex)
    assert (set(found) if found is not None else None) == factors


def test_index_candidates() -> None:
    index = FactorIndex([frozenset({"why"}), None, frozenset({"besides", "apart from"})])
    assert index.candidates("and why not") == [0, 1]
    assert index.candidates("apart from that") == [1, 2]
    assert index.candidates("") == [1]


def _lines() -> list[tuple[str, str]]:
    return [(row["text"], row["lang"]) for part in DEVELOPMENT_PARTS for row in rows(part)]


def test_prefilter_finds_every_match_a_full_search_finds(classifier: Classifier) -> None:
    """On every development line, each pattern that matches is among the index's candidates."""
    for text, lang in _lines():
        rules = classifier._rules[lang]
        norm = normalise(clean(text), lang, rules.shorthand)
        candidates = set(rules.index.candidates(norm))
        for position, pattern in enumerate(rules.flat):
            if pattern.regex is not None and re.search(pattern.regex, norm):
                assert position in candidates, (pattern.spec.id, text)
