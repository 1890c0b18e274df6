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
sys.path.insert(0, str(ROOT / "benchmarks"))

from engine import LINES, SCENARIO  # noqa: E402  (the engine benchmark's 30-line visit)

from bot.engine.runtime import (  # noqa: E402
    ScenarioRuntime,
    default_classify,
)
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
    cpu: list[float] = []  # this thread's CPU time: the same work without scheduling pauses
    for run in range(args.runs):
        for index in indexes.values():
            for rep, lang, said, context in lines:
                # A fresh string per run defeats the segmentation cache, as new rep lines would.
                text = rep if run == 0 else f"{rep} {run}"
                start, start_cpu = time.perf_counter_ns(), time.thread_time_ns()
                index.match(
                    text, lang, said=said, context_topic=context if context in index.position else None
                )
                cpu.append((time.thread_time_ns() - start_cpu) / 1e6)
                samples.append((time.perf_counter_ns() - start) / 1e6)
    print(f"\nmatch one line (all scenarios, zh and en): {summary(samples)}")
    print(f"  the same, thread CPU time:                {summary(cpu)}")
    alone, both = time_turns(indexes[SCENARIO], max(args.runs * 5, 20))
    print(f"engine turn, pre-classified ({SCENARIO}, 30-line visit):")
    print(f"  engine alone:          {summary(alone)}")
    print(f"  engine + topic match:  {summary(both)}")


def time_turns(index: TopicIndex, runs: int) -> tuple[list[float], list[float]]:
    """Per rep turn of the engine benchmark's visit: the engine alone, and engine + topic match.

    The match gets what an integrated engine would pass: the customer's lines so far and the
    topic of the last fact revealed. Lines are classified beforehand (classifier excluded).
    """
    runtime = ScenarioRuntime(load_scenario(ROOT / "dialogues" / "precision_parts_returns.yaml"))
    classify = default_classify()
    labels = [list(classify(line, "en", {}).techniques) for line in LINES]
    alone: list[float] = []
    both: list[float] = []
    for run in range(runs):
        for with_topics in (False, True):
            state, opening = runtime.start(lang="en", mode="practice", seed=run)
            said = [opening]
            context: str | None = None
            for line, techniques in zip(LINES, labels, strict=True):
                if not state.active:
                    break
                start = time.perf_counter_ns()
                if with_topics:
                    index.match(line, "en", said=said, context_topic=context)
                played = runtime.play(state, line, techniques)
                elapsed = (time.perf_counter_ns() - start) / 1e6
                (both if with_topics else alone).append(elapsed)
                said.append(played.outcome.reply)
                if played.outcome.revealed:
                    context = index.key_for_fact(played.outcome.revealed[-1]) or context
    return alone, both


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered):.4f} ms, p99 {p99:.4f} ms (n={len(ordered)})"


if __name__ == "__main__":
    main()
