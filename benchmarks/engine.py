"""Time per turn of a 30-turn rehearsal, replayed in-process.

    .venv/bin/python benchmarks/engine.py [--runs N] [--postgres URL]

Prints the median and p99 time per rep turn for:

- the engine alone: state machine, customer, coach note (lines already classified);
- the engine alone on each bundled skilled rep script (``tests/data/rep_scripts``, zh and en, its
  own scenario), so the figure is not one scenario's or one language's;
- the engine with the classifier (``ScenarioRuntime.say``);
- ``RehearsalService.send`` on SQLite: classify, lock the session, claim the message id, play,
  store three turns and the state, commit; a fresh temporary database file;
- the same on PostgreSQL when ``--postgres URL`` is given (its schema is created and dropped).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from support import postgres_schema  # noqa: E402 - benchmarks/support.py

from bot.config import Settings  # noqa: E402
from bot.engine.library import ScenarioLibrary  # noqa: E402
from bot.engine.runtime import default_classify  # noqa: E402
from bot.services import RehearsalService  # noqa: E402
from bot.storage import Database, store, upgrade  # noqa: E402

SCENARIO = "precision-parts-returns"
# A 30-line visit: the method, with the detours real reps take (repeats, summaries, a hint of pitch).
LINES = [
    "Good morning Mr Wang, I'm Tom Reed. Thank you for making time for me.",
    "Your plant mainly makes parts for electric cars, is that right?",
    "Do you run two shifts at the moment?",
    "You look a bit tired. Have you just come back from the carmaker? Has something changed lately?",
    "Quite a few plants I visit see the same. Which of your lines is hit hardest?",
    "Why have the returns doubled?",
    "So the defects are found too late, is that right?",
    "Why do the defects only show up at final inspection?",
    "Why does nobody notice when a machine drifts between two samples?",
    "Why is that?",
    "Besides the returns, is there anything else that worries you?",
    "Why is traceability weak?",
    "Why can't you link a part to its data?",
    "Anything else on your mind?",
    "Has anything changed in the organisation this year?",
    "If the returns are still this high at year end, what would that mean for next year's sourcing round?",
    "And if you knew the moment a parameter drifted, what would that do for the new platform bid?",
    "If the audit fails in October, what happens then?",
    "What if nothing changes and rework keeps growing?",
    "So the main issue is that drift goes unseen until the parts are made, right?",
    "One of our clients fitted live monitoring to their presses and cut returns by half. "
    "Do you think that could work here?",
    "We usually start by checking the controllers. Which lines are the old presses on?",
    "By when would you want to see results from this?",
    "And what budget could you put towards it?",
    "Last time you mentioned the supplier audit, how is the preparation going?",
    "Our monitoring module also covers energy use.",
    "If it paid back within a year, would you take it to the director?",
    "May I ask who else would be involved in the decision?",
    "What would the director want to see first?",
    "Thank you, this was very helpful.",
]


def summarise(name: str, samples_ns: list[int]) -> str:
    ms = sorted(s / 1e6 for s in samples_ns)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    return f"{name:<44} median {statistics.median(ms):7.3f} ms   p99 {p99:7.3f} ms   (n={len(ms)})"


def time_engine(library: ScenarioLibrary, runs: int, classified: bool) -> list[int]:
    runtime = library.latest(SCENARIO)
    classify = default_classify()
    techniques = [list(classify(line, "en", {}).techniques) for line in LINES]
    samples: list[int] = []
    for run in range(runs):
        state, _ = runtime.start(lang="en", mode="practice", seed=run)
        for line, labels in zip(LINES, techniques, strict=True):
            if not state.active:
                break
            start = time.perf_counter_ns()
            if classified:
                runtime.say(state, line, classify)
            else:
                runtime.play(state, line, labels)
            samples.append(time.perf_counter_ns() - start)
    return samples


def rep_scripts() -> list[tuple[str, str, list[str]]]:
    """(scenario, language, lines) of every skilled rep script bundled for the tests."""
    scripts = []
    for path in sorted((ROOT / "tests" / "data" / "rep_scripts").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if data["scenario"] != "generic":  # the generic scripts are played against every scenario
            scripts.append((data["scenario"], data["lang"], list(data["lines"])))
    return scripts


def time_script(library: ScenarioLibrary, scenario: str, lang: str, lines: list[str], runs: int) -> list[int]:
    runtime = library.latest(scenario)
    classify = default_classify()
    techniques = [list(classify(line, lang, {}).techniques) for line in lines]
    samples: list[int] = []
    for run in range(runs):
        state, _ = runtime.start(lang=lang, mode="practice", seed=run)
        for line, labels in zip(lines, techniques, strict=True):
            if not state.active:
                break
            start = time.perf_counter_ns()
            runtime.play(state, line, labels)
            samples.append(time.perf_counter_ns() - start)
    return samples


def time_service(url: str, library: ScenarioLibrary, runs: int) -> list[int]:
    upgrade(url)
    db = Database(url)
    try:
        service = RehearsalService(db, library, Settings(database_url=url))
        service.classify  # noqa: B018 - load the classifier outside the timed region
        with store(db, write=True) as s:
            rep = s.users.create("bench", login=f"bench-{uuid.uuid4().hex[:8]}").id
        samples: list[int] = []
        for run in range(runs):
            session_id = service.start(
                rep, SCENARIO, language="en", mode="practice", channel="cli", seed=run
            ).session_id
            for n, line in enumerate(LINES):
                start = time.perf_counter_ns()
                result = service.send(
                    session_id, line, user_id=rep, channel="cli", message_id=f"{session_id}:{n}"
                )
                samples.append(time.perf_counter_ns() - start)
                if result.ended:
                    break
            service.end(session_id, user_id=rep, channel="cli")
        return samples
    finally:
        db.dispose()


def with_postgres_schema(url: str, body: Callable[[str], list[int]]) -> list[int]:
    with postgres_schema(url) as scoped:
        return body(scoped)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=40, help="rehearsals per measurement (default 40)")
    parser.add_argument("--postgres", metavar="URL", help="also measure on this PostgreSQL database")
    args = parser.parse_args()
    assert len(LINES) == 30
    library = ScenarioLibrary.from_directory(ROOT / "dialogues")
    time_engine(library, 3, classified=True)  # warm up: segmenter, caches
    print(f"30-turn rehearsal of {SCENARIO!r}, {args.runs} runs, time per rep turn:")
    print(summarise("engine alone (pre-classified)", time_engine(library, args.runs * 5, classified=False)))
    every_script: list[int] = []
    for scenario, lang, lines in rep_scripts():
        samples = time_script(library, scenario, lang, lines, args.runs)
        every_script += samples
        print(summarise(f"  engine alone, {scenario} {lang}", samples))
    print(summarise("engine alone, every skilled rep script", every_script))
    print(summarise("engine + classifier", time_engine(library, args.runs * 5, classified=True)))
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        print(summarise("RehearsalService.send, SQLite (file, WAL)", time_service(url, library, args.runs)))
    if args.postgres:
        samples = with_postgres_schema(args.postgres, lambda url: time_service(url, library, args.runs))
        print(summarise("RehearsalService.send, PostgreSQL", samples))


if __name__ == "__main__":
    main()
