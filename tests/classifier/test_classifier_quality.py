"""A guard against regressions: the development lines stay well classified.

The hold-out lines are never read here; only benchmarks/classifier.py scores them.
"""

from __future__ import annotations

import json
import statistics

import pytest

from bot.classifier import LABELS, Classifier
from bot.config import PROJECT_ROOT

DATA = PROJECT_ROOT / "tests" / "data" / "classifier"


def _macro_f1(gold: list[str], pred: list[str]) -> float:
    scores = []
    for label in LABELS:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == p == label)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if p == label != g)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == label != p)
        if tp + fp + fn:
            scores.append(2 * tp / (2 * tp + fp + fn))
    return statistics.fmean(scores)


@pytest.mark.parametrize(
    "name",
    [
        "dev_zh",
        "dev_en",
        "extra_dev_zh",
        "extra_dev_en",
        "extra_dev2_zh",
        "extra_dev2_en",
        "extra_dev3_zh",
        "extra_dev3_en",
        "extra_dev4_zh",
        "extra_dev4_en",
    ],
)
def test_development_lines_stay_classified(classifier: Classifier, name: str) -> None:
    path = DATA / f"{name}.jsonl"
    if not path.exists():
        pytest.skip(f"{path.name} is not there yet")
    gold, pred = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        context = {"previous": row["context"]} if row.get("context") else None
        gold.append(row["label"])
        pred.append(classifier.classify(row["text"], context=context).technique)
        assert row["lang"] == classifier.classify(row["text"]).lang
    assert _macro_f1(gold, pred) >= 0.95
