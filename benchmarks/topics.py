"""Topic matching: accuracy on labelled pairs and time per line.

    .venv/bin/python benchmarks/topics.py [--pairs PATH] [--errors] [--runs N]

``--pairs`` is a YAML file or a directory of them (default: the dev set,
tests/data/topics_dev). Prints top-1 accuracy overall, per language and per topic kind, the
confusion of off-topic vs on-topic, then the median and p99 time to match one line (every
pair's line, in every bundled scenario, both languages), and the time to build each index.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.engine.scenario import load_scenario, scenario_files  # noqa: E402
from bot.engine.topics import TopicIndex  # noqa: E402
from bot.engine.topics.evaluate import evaluate, load_pairs  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", default=str(ROOT / "tests" / "data" / "topics_dev"))
    parser.add_argument("--errors", action="store_true", help="list the pairs it gets wrong")
    parser.add_argument("--runs", type=int, default=20, help="timing passes over all lines")
    args = parser.parse_args()

    indexes: dict[str, TopicIndex] = {}
    for file in scenario_files([ROOT / "dialogues"]):
        loaded = load_scenario(file)
        start = time.perf_counter()
        indexes[loaded.id] = TopicIndex(loaded)
        print(f"index {loaded.id}: built in {(time.perf_counter() - start) * 1000:.0f} ms")

    pairs = load_pairs(args.pairs)
    report = evaluate(pairs, indexes)
    print(f"\npairs: {args.pairs}")
    print("\n".join(report.lines()))
    if args.errors:
        print("\nerrors:")
        for pair, got in report.errors:
            print(f"  [{pair.scenario} {pair.lang}] {pair.rep!r}: expected {pair.topic}, got {got}")

    # Timing: every line against every bundled scenario, with context and said, as a turn would.
    lines = [(p.rep, p.lang, p.said, p.context) for p in pairs]
    samples: list[float] = []
    for run in range(args.runs):
        for index in indexes.values():
            for rep, lang, said, context in lines:
                # A fresh string per run defeats the segmentation cache, as new rep lines would.
                text = rep if run == 0 else f"{rep} {run}"
                start = time.perf_counter_ns()
                index.match(
                    text, lang, said=said, context_topic=context if context in index.position else None
                )
                samples.append((time.perf_counter_ns() - start) / 1e6)
    samples.sort()
    p99 = samples[int(len(samples) * 0.99)]
    print(
        f"\nmatch one line: median {statistics.median(samples):.3f} ms, p99 {p99:.3f} ms "
        f"({len(samples)} matches)"
    )


if __name__ == "__main__":
    main()
