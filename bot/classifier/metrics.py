"""Per-label precision, recall and F1, macro-F1 and the confusion matrix, as text."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence

from .bank import LABELS

SHORT = {
    "greeting": "greet",
    "closed_question": "closed",
    "open_question": "open",
    "confirm_question": "confirm",
    "curiosity_care": "care",
    "humble_disclaimer": "humble",
    "revisit_topic": "revisit",
    "what_else": "else",
    "why": "why",
    "what_if": "if",
    "how_do_you_see": "view",
    "need_confirmation": "need",
    "answer_with_question": "awq",
    "pitch": "pitch",
    "statement": "stmt",
    "interest_check": "interest",
}

Table = dict[str, tuple[float, float, float, int]]


def scores(gold: Sequence[str], pred: Sequence[str]) -> tuple[Table, float, float]:
    """Per label (precision, recall, F1, support), the macro-F1 and the accuracy."""
    labels = [label for label in LABELS if label in gold or label in pred]
    table = {}
    for label in labels:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == p == label)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if p == label != g)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == label != p)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        table[label] = (precision, recall, f1, tp + fn)
    macro = statistics.fmean(v[2] for v in table.values()) if table else 0.0
    accuracy = sum(1 for g, p in zip(gold, pred, strict=True) if g == p) / len(gold) if gold else 0.0
    return table, macro, accuracy


def report(name: str, gold: Sequence[str], pred: Sequence[str]) -> str:
    """A printable report: the per-label table and the confusion matrix (rows: gold)."""
    table, macro, accuracy = scores(gold, pred)
    lines = [f"=== {name}: {len(gold)} lines, macro-F1 {macro:.3f}, accuracy {accuracy:.3f}"]
    lines.append(f"{'label':<22}{'prec':>7}{'rec':>7}{'F1':>7}{'n':>5}")
    for label, (p, r, f, n) in table.items():
        lines.append(f"{label:<22}{p:>7.2f}{r:>7.2f}{f:>7.2f}{n:>5}")
    labels = list(table)
    counts = Counter(zip(gold, pred, strict=True))
    lines.append("confusion (rows: gold, columns: predicted)")
    lines.append(" " * 9 + "".join(f"{SHORT[label]:>9}" for label in labels))
    for g in labels:
        lines.append(f"{SHORT[g]:<9}" + "".join(f"{counts.get((g, p), 0) or '.':>9}" for p in labels))
    return "\n".join(lines)
