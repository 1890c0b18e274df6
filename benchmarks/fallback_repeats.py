"""Does the customer ever say the same line twice in a row? Replies equal to the one before, per 10 turns.

    .venv/bin/python benchmarks/fallback_repeats.py [--seeds N]

Plays every rep script of the repository (tests/data/rep_scripts, the unseen set's and every dev
set's: skilled, colloquial, generic and poor visits) on every scenario (the bundled ones, the
unseen ones and every dev set's), in the script's language, through the real classifier. A
script played on another business's scenario is where the customer falls back the most (off-topic,
unclear, deflected): the strictest test of "never the same fallback line twice in a row". Counts
any reply equal to the one just before it, fallback or not.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.engine.runtime import ScenarioRuntime, default_classify  # noqa: E402
from bot.engine.scenario import load_scenario  # noqa: E402

DATA = ROOT / "tests" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=2, help="seeds per script and scenario")
    args = parser.parse_args()

    scenario_files = [
        *sorted((ROOT / "dialogues").glob("*.yaml")),
        *sorted((DATA / "unseen" / "scenarios").glob("*.yaml")),
        *sorted(DATA.glob("dev*/scenarios/*.yaml")),
    ]
    runtimes = [ScenarioRuntime(load_scenario(path)) for path in scenario_files]
    scripts = [
        *sorted((DATA / "rep_scripts").glob("*.yaml")),
        *sorted((DATA / "unseen" / "rep_scripts").glob("*.yaml")),
        *sorted(DATA.glob("dev*/rep_scripts/*.yaml")),
    ]
    classify = default_classify()
    turns = repeats = 0
    for path in scripts:
        script = yaml.safe_load(path.read_text("utf-8"))
        for runtime in runtimes:
            for seed in range(1, args.seeds + 1):
                state, _ = runtime.start(lang=str(script["lang"]), mode="practice", seed=seed)
                previous = None
                for line in script["lines"]:
                    if not state.active:
                        break
                    reply = runtime.say(state, line, classify).outcome.reply
                    turns += 1
                    repeats += reply == previous
                    previous = reply
    print(
        f"{len(scripts)} scripts x {len(runtimes)} scenarios x {args.seeds} seeds: {turns} turns, "
        f"{repeats} replies equal to the one before ({10 * repeats / turns:.4f} per 10 turns)"
    )


if __name__ == "__main__":
    main()
