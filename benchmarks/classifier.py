"""Benchmark of the technique classifier: quality per part and language, and speed.

    .venv/bin/python benchmarks/classifier.py            # every part, the figures in docs/classifier.md
    .venv/bin/python benchmarks/classifier.py --errors   # also list the development part's misses

Reads ``questionbank/data/{dev,holdout,blind,extra_dev,extra_dev2,extra_dev3,extra_dev4}_{zh,en}.jsonl``
(each line: ``text``, ``lang``, ``label``, optional ``also`` and ``context``). For each part and
language it prints per-label precision, recall and F1, macro-F1, accuracy and the confusion
matrix; then the time per utterance (median and p99) over every line. The hold-out and blind
parts are only ever scored in aggregate: ``--errors`` never lists their lines. The blind part was
written by an author who saw neither the rules nor the other parts, after the rules were finished.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.classifier import LABELS, Classifier, load_question_bank  # noqa: E402

DATA = ROOT / "questionbank" / "data"
PARTS = ("dev", "holdout", "blind", "extra_dev", "extra_dev2", "extra_dev3", "extra_dev4")
SCORED_ONLY = ("holdout", "blind")  # never listed line by line: they measure, not teach
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
}


def read(path: Path) -> list[dict[str, object]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rows.append(json.loads(line))
    return rows


def context_of(row: dict[str, object]) -> dict[str, str] | None:
    previous = row.get("context")
    return {"previous": previous} if isinstance(previous, str) and previous else None


Table = dict[str, tuple[float, float, float, int]]


def scores(gold: list[str], pred: list[str]) -> tuple[Table, float, float]:
    labels = [label for label in LABELS if label in gold or label in pred]
    table = {}
    for label in labels:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == p == label)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if p == label and g != label)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        table[label] = (precision, recall, f1, tp + fn)
    macro = statistics.fmean(v[2] for v in table.values()) if table else 0.0
    accuracy = sum(1 for g, p in zip(gold, pred, strict=True) if g == p) / len(gold) if gold else 0.0
    return table, macro, accuracy


def print_report(name: str, gold: list[str], pred: list[str]) -> float:
    table, macro, accuracy = scores(gold, pred)
    print(f"\n=== {name}: {len(gold)} lines, macro-F1 {macro:.3f}, accuracy {accuracy:.3f}")
    print(f"{'label':<22}{'prec':>7}{'rec':>7}{'F1':>7}{'n':>5}")
    for label, (p, r, f, n) in table.items():
        print(f"{label:<22}{p:>7.2f}{r:>7.2f}{f:>7.2f}{n:>5}")
    labels = list(table)
    counts = Counter(zip(gold, pred, strict=True))
    print("confusion (rows: gold, columns: predicted)")
    print(" " * 9 + "".join(f"{SHORT[label]:>8}" for label in labels))
    for g in labels:
        print(f"{SHORT[g]:<9}" + "".join(f"{counts.get((g, p), 0) or '.':>8}" for p in labels))
    return macro


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--errors", action="store_true", help="list misclassified development lines")
    parser.add_argument("--bank", type=Path, default=ROOT / "questionbank", help="question bank directory")
    parser.add_argument("--repeat", type=int, default=5, help="timing passes over every line")
    parser.add_argument("--parts", default=",".join(PARTS), help="comma-separated parts to score")
    args = parser.parse_args()

    classifier = Classifier.from_bank(load_question_bank(args.bank))
    summary = []
    every: list[tuple[str, str, dict[str, str] | None]] = []
    for part in [p for p in args.parts.split(",") if p in PARTS]:
        for lang in ("zh", "en"):
            path = DATA / f"{part}_{lang}.jsonl"
            if not path.exists():
                continue
            rows = read(path)
            gold, pred = [], []
            misses = []
            for row in rows:
                text = str(row["text"])
                context = context_of(row)
                result = classifier.classify(text, lang="auto", context=context)
                every.append((text, "auto", context))
                gold.append(str(row["label"]))
                pred.append(result.technique)
                if result.technique != row["label"]:
                    misses.append((row, result))
            macro = print_report(f"{part} {lang}", gold, pred)
            summary.append((part, lang, len(rows), macro, scores(gold, pred)[2]))
            if args.errors and part not in SCORED_ONLY:
                for row, result in misses:
                    print(
                        f"  MISS gold={row['label']:<20} got={result.technique:<20} {row['text']}"
                        + (f"   [prev: {row['context']}]" if row.get("context") else "")
                    )

    # Speed: every line, several passes, one call timed at a time. Each utterance's time is the
    # best of its passes (what the classifier costs, without the scheduler's interruptions on a
    # busy machine); the raw figures over every call are printed too.
    for text, lang, context in every[:50]:
        classifier.classify(text, lang=lang, context=context)  # warm caches and the segmenter
    best = [float("inf")] * len(every)
    raw = []
    for _ in range(args.repeat):
        for index, (text, lang, context) in enumerate(every):
            start = time.perf_counter_ns()
            classifier.classify(text, lang=lang, context=context)
            elapsed = (time.perf_counter_ns() - start) / 1000
            raw.append(elapsed)
            best[index] = min(best[index], elapsed)

    print("\n=== summary")
    print(f"{'part':<12}{'lang':<6}{'lines':>6}{'macro-F1':>10}{'accuracy':>10}")
    for part, lang, n, macro, accuracy in summary:
        print(f"{part:<12}{lang:<6}{n:>6}{macro:>10.3f}{accuracy:>10.3f}")
    print(
        f"time per utterance ({len(best)} utterances, best of {args.repeat}): "
        f"median {percentile(best, 50):.1f} µs, p99 {percentile(best, 99):.1f} µs"
    )
    print(
        f"time per call (all {len(raw)} calls): "
        f"median {percentile(raw, 50):.1f} µs, p99 {percentile(raw, 99):.1f} µs"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
