"""A guard against regressions: the development lines stay well classified.

The hold-out lines are never read here; only benchmarks/classifier.py scores them.
"""

from __future__ import annotations

import statistics

import pytest
from classifier_data import DEVELOPMENT_PARTS, rows

from bot.classifier import LABELS, Classifier


def _macro_f1(gold: list[str], pred: list[str]) -> float:
    scores = []
    for label in LABELS:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == p == label)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if p == label != g)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == label != p)
        if tp + fp + fn:
            scores.append(2 * tp / (2 * tp + fp + fn))
    return statistics.fmean(scores)


@pytest.mark.parametrize("name", DEVELOPMENT_PARTS)
def test_development_lines_stay_classified(classifier: Classifier, name: str) -> None:
    gold, pred = [], []
    for row in rows(name):
        context = {"previous": row["context"]} if row.get("context") else None
        gold.append(row["label"])
        pred.append(classifier.classify(row["text"], context=context).technique)
        assert row["lang"] == classifier.classify(row["text"]).lang
    assert _macro_f1(gold, pred) >= 0.95
