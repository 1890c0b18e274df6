"""Benchmark of the technique classifier: quality per part and language, and speed.

    .venv/bin/python benchmarks/classifier.py            # every part, the figures in docs/classifier.md
    .venv/bin/python benchmarks/classifier.py --errors   # also list the development part's misses

Reads every ``questionbank/data/<part>_{zh,en}.jsonl`` (each line: ``text``, ``lang``, ``label``,
optional ``also`` and ``context``). For each part and language it prints per-label precision,
recall and F1, macro-F1, accuracy and the confusion matrix; then the time per utterance (median
and p99) over every line, with the shipped model and the rules' features. The hold-out and blind
parts are only ever scored in aggregate: ``--errors`` never lists their lines.

The shipped model is trained on every part, so its figures here show what it learned, not how it
generalises: ``coach bank evaluate`` gives the honest ones (trained without hold-out and blind).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.classifier import Classifier, load_question_bank  # noqa: E402
from bot.classifier.metrics import report, scores  # noqa: E402

DATA = ROOT / "questionbank" / "data"
PARTS = tuple(sorted({path.stem.rpartition("_")[0] for path in DATA.glob("*.jsonl")}))
SCORED_ONLY = ("holdout", "blind", "blind2")  # never listed line by line: they measure, not teach


def read(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def context_of(row: dict[str, object]) -> dict[str, str] | None:
    previous = row.get("context")
    return {"previous": previous} if isinstance(previous, str) and previous else None


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
            print("\n" + report(f"{part} {lang}", gold, pred))
            _, macro, accuracy = scores(gold, pred)
            summary.append((part, lang, len(rows), macro, accuracy))
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
