"""The listening customer on targeted probes: does a question about a named topic get that topic's fact?

    .venv/bin/python benchmarks/probes.py [--probes PATH] [--seeds N] [--show] [--scenarios DIR ...]

--probes runs any file in this format, e.g. tests/data/topics/probes_fresh.yaml (written by an
evaluator who did not read the engine; never tune on it). A file may add kinds of its own.

Each probe (tests/data/topics/probes.yaml, written apart from the engine and kept out of its
tuning) plays its setup lines, then one probe line: a why about a named cause, a what-if about a
named problem that is not the last one discussed, or a question about something this customer
does not have. A probe passes when the probe line reveals exactly the expected fact (nothing for
an off-topic question) and none of another problem's. Prints the pass rate per kind and language,
over a few seeds (the customer's wording varies by seed; what he reveals should not).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.engine.library import ScenarioLibrary  # noqa: E402
from bot.engine.runtime import default_classify  # noqa: E402


def _library(folders: list[Path]) -> ScenarioLibrary:
    """The scenarios of one folder, or of several gathered into one temporary folder."""
    if len(folders) == 1:
        return ScenarioLibrary.from_directory(folders[0])
    gathered = Path(tempfile.mkdtemp(prefix="probes-scenarios-"))
    for folder in folders:
        for file in sorted(folder.glob("*.yaml")):
            shutil.copy(file, gathered / f"{folder.name}-{file.name}")
    return ScenarioLibrary.from_directory(gathered)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probes", default=str(ROOT / "tests" / "data" / "topics" / "probes.yaml"))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--show", action="store_true", help="print every failed probe")
    parser.add_argument(
        "--scenarios",
        action="append",
        metavar="DIR",
        help="load the scenarios from DIR (repeatable; default: dialogues/), e.g. held-out ones",
    )
    args = parser.parse_args()

    library = _library([Path(d) for d in args.scenarios] if args.scenarios else [ROOT / "dialogues"])
    classify = default_classify()
    probes = yaml.safe_load(Path(args.probes).read_text("utf-8"))["probes"]
    total: Counter[tuple[str, str]] = Counter()
    passed: Counter[tuple[str, str]] = Counter()
    for probe in probes:
        runtime = library.latest(probe["scenario"])
        for seed in range(args.seeds):
            state, _opening = runtime.start(lang=probe["lang"], mode="practice", seed=seed)
            for line in probe["setup"]:
                if state.active:
                    runtime.say(state, line, classify)
            before = set(state.revealed)
            played = runtime.say(state, probe["probe"], classify) if state.active else None
            new = set(state.revealed) - before
            expected = probe["expect"].get("reveals")
            ok = played is not None and (new == {expected} if expected else not new)
            key = (probe["kind"], probe["lang"])
            total[key] += 1
            passed[key] += ok
            if not ok and args.show and seed == 0:
                reply = played.outcome.reply if played else "(visit over)"
                print(f"FAIL {probe['id']} ({probe['kind']}): {probe['probe']}")
                print(f"     expected {expected}, revealed {sorted(new)}: {reply}")
    print(f"probes: {args.probes} ({len(probes)} probes x {args.seeds} seeds)")
    for key in sorted(total):
        print(f"  {key[0]:<24} {key[1]}: {passed[key]}/{total[key]}")
    for kind in sorted({kind for kind, _lang in total}):
        kind_ok = sum(v for k, v in passed.items() if k[0] == kind)
        kind_n = sum(v for k, v in total.items() if k[0] == kind)
        print(f"  {kind:<24} all: {kind_ok}/{kind_n}")
    ok, n = sum(passed.values()), sum(total.values())
    print(f"all: {ok}/{n} = {ok / n:.2f}")


if __name__ == "__main__":
    main()
