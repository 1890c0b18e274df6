"""Trainer tests: run the conversations written in a scenario's ``tests`` and check each claim.

Each test plays its rep lines through the real classifier and engine (in memory, no database)
and reports every expectation that does not hold as ``file:line: path: message``, pointing at
the turn in the YAML file, so a trainer can go straight to the line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.i18n import N_
from bot.vocab import Event
from bot.yamlsource import ScriptError, ScriptProblem

from .runtime import Classify, ScenarioRuntime, default_classify
from .scenario import STAGES, STEPS, TrainerTest, TrainerTurn, load_scenario, read_scenario, scenario_files
from .scorecard import Scorecard
from .state import SessionState
from .table import Move
from .turn import TurnOutcome


@dataclass
class TrainerTestResult:
    file: str
    scenario_id: str
    name: str
    failures: list[ScriptProblem] = field(default_factory=list)
    score: int | None = None
    scorecard: Scorecard | None = None  # of the finished conversation

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass
class TrainerRun:
    """Results of every test in the files run, and the files that did not load."""

    results: list[TrainerTestResult] = field(default_factory=list)
    load_errors: list[ScriptProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.load_errors and all(r.passed for r in self.results)


def _trust_move(before: float, after: float) -> str:
    if after > before:
        return "up"
    return "down" if after < before else "same"


def run_test(
    runtime: ScenarioRuntime, index: int, test: TrainerTest, classify: Classify
) -> TrainerTestResult:
    """Play one trainer test and collect what did not hold."""
    doc = runtime.loaded.source
    result = TrainerTestResult(runtime.loaded.file, runtime.id, test.name)

    def fail(path: tuple[str | int, ...], key: str, **params: object) -> None:
        result.failures.append(doc.report(("tests", index, *path), key, severity="error", **params))

    prior = _previous_visit(runtime, test, classify)
    visit = test.visit or ("follow_up" if test.previous_visit else "fresh")
    state, _ = runtime.start(lang=test.lang, mode=test.mode, seed=test.seed, prior=prior, visit=visit)
    for j, turn in enumerate(test.turns):
        if not state.active:
            fail(("turns", j, "rep"), N_("script.test.visit_over"), status=state.status, line=turn.rep)
            break
        trust_before = state.trust
        played = runtime.say(state, turn.rep, classify)
        for key, message_key, params in _check_turn(turn, state, played.outcome, trust_before):
            fail(("turns", j, key), message_key, line=turn.rep, **params)
        for key, message_key, params in _check_words(turn, state, played.outcome.reply, played.note):
            fail(("turns", j, key), message_key, line=turn.rep, **params)
    farewell = runtime.end(state).outcome.reply if test.end and state.active else ""
    for path, message_key, params in _check_expect(runtime, test, state, result):
        fail(path, message_key, **params)
    for text in test.expect.says:
        if text not in farewell:
            fail(("expect", "says"), N_("script.test.farewell"), expected=text, farewell=farewell)
    return result


Failure = tuple[str, str, Mapping[str, object]]  # (the turn's key, catalogue key, parameters)
# The customer dodged the line rather than answer it (too early, too deep, not yet trusted).
DEFLECTIONS = frozenset(
    {Event.DEFLECTED, Event.DEFLECTED_SOFTENED, Event.GUARDED, Event.NEED_NOT_READY, Event.VIEW_TOO_EARLY}
)


def _check_words(turn: TrainerTurn, state: SessionState, reply: str, note: str | None) -> list[Failure]:
    """What the line was heard to be about, the customer's words and the coach's note."""
    problems: list[Failure] = []
    entry = state.history[-1]
    heard = entry.get("focus") if entry.get("focus") in ("off_topic", "generic") else entry.get("topic")
    if turn.topic is not None and heard != turn.topic:
        problems.append(("topic", N_("script.test.topic"), {"actual": heard, "expected": turn.topic}))
    if turn.event is not None and entry["event"] != turn.event:
        problems.append(
            ("event", N_("script.test.event"), {"actual": entry["event"], "expected": turn.event})
        )
    if turn.deflects is not None and (entry["event"] in DEFLECTIONS) != turn.deflects:
        key = N_("script.test.deflects") if turn.deflects else N_("script.test.does_not_deflect")
        problems.append(("deflects", key, {"event": entry["event"], "reply": reply}))
    if turn.reveals_nothing and entry["revealed"]:
        problems.append(
            ("reveals_nothing", N_("script.test.reveals_nothing"), {"revealed": _facts(entry["revealed"])})
        )
    problems += _contains(
        "says", N_("script.test.says"), N_("script.test.says_not"), turn.says, turn.says_not, reply
    )
    if turn.says_any and not any(text in reply for text in turn.says_any):
        expected = " / ".join(f'"{text}"' for text in turn.says_any)
        problems.append(("says_any", N_("script.test.says_any"), {"expected": expected, "reply": reply}))
    problems += _contains(
        "coach", N_("script.test.coach"), N_("script.test.coach_not"), turn.coach, turn.coach_not, note or ""
    )
    return problems


def _contains(
    key: str, missing_key: str, present_key: str, wanted: list[str], unwanted: list[str], said: str
) -> list[Failure]:
    """Texts that must be in ``said`` and texts that must not."""
    problems: list[Failure] = []
    for text in wanted:
        if text not in said:
            problems.append((key, missing_key, {"expected": text, "said": said or "—"}))
    for text in unwanted:
        if text in said:
            problems.append((f"{key}_not", present_key, {"unexpected": text, "said": said}))
    return problems


def _facts(facts: list[str]) -> str:
    return ", ".join(facts) if facts else "—"


def _previous_visit(runtime: ScenarioRuntime, test: TrainerTest, classify: Classify) -> list[str]:
    """What the test's earlier visit (if it has one) brought out, for the visit under test."""
    if not test.previous_visit:
        return []
    earlier, _ = runtime.start(lang=test.lang, mode=test.mode, seed=test.seed)
    for line in test.previous_visit:
        if not earlier.active:
            break
        runtime.say(earlier, line, classify)
    return list(earlier.revealed)


def _check_turn(
    turn: TrainerTurn, state: SessionState, outcome: TurnOutcome, trust_before: float
) -> list[Failure]:
    """What one played line got wrong."""
    problems: list[Failure] = []
    heard = outcome.technique if outcome.technique != Move.PRIVATE else outcome.techniques[0]
    if turn.technique is not None and heard != turn.technique:
        classified = ", ".join(str(t) for t in outcome.techniques)
        params = {"actual": heard, "classified": classified, "expected": turn.technique}
        problems.append(("technique", N_("script.test.technique"), params))
    if turn.stage is not None and state.stage != turn.stage:
        problems.append(("stage", N_("script.test.stage"), {"actual": state.stage, "expected": turn.stage}))
    if turn.step is not None and state.step != turn.step:
        problems.append(("step", N_("script.test.step"), {"actual": state.step, "expected": turn.step}))
    missing = [fact for fact in turn.reveals if fact not in outcome.revealed]
    if missing:
        params = {
            "missing": _facts(missing),
            "revealed": _facts(list(outcome.revealed)),
            "event": outcome.event,
            "trust": f"{state.trust:g}",
        }
        problems.append(("reveals", N_("script.test.reveals"), params))
    move = _trust_move(trust_before, state.trust)
    if turn.trust is not None and move != turn.trust:
        params = {
            "actual": move,
            "before": f"{trust_before:g}",
            "after": f"{state.trust:g}",
            "expected": turn.trust,
        }
        problems.append(("trust", N_("script.test.trust"), params))
    if turn.status is not None and state.status != turn.status:
        problems.append(
            ("status", N_("script.test.status"), {"actual": state.status, "expected": turn.status})
        )
    return problems


ExpectFailure = tuple[tuple[str | int, ...], str, Mapping[str, object]]


def _check_expect(
    runtime: ScenarioRuntime, test: TrainerTest, state: SessionState, result: TrainerTestResult
) -> list[ExpectFailure]:
    """What the finished conversation got wrong, as (path under the test, catalogue key, parameters)."""
    expect = test.expect
    problems: list[ExpectFailure] = []
    scorecard = runtime.scorecard(state)
    result.score = scorecard.score
    result.scorecard = scorecard
    if expect.status is not None and state.status != expect.status:
        problems.append(
            (
                ("expect", "status"),
                N_("script.test.end_status"),
                {"actual": state.status, "expected": expect.status},
            )
        )
    if expect.stage is not None and STAGES.index(state.stage_reached) < STAGES.index(expect.stage):
        params = {"actual": state.stage_reached, "expected": expect.stage}
        problems.append((("expect", "stage"), N_("script.test.end_stage"), params))
    if expect.step is not None and STEPS.index(state.step_reached) < STEPS.index(expect.step):
        params = {"actual": state.step_reached, "expected": expect.step}
        problems.append((("expect", "step"), N_("script.test.end_step"), params))
    missing = [fact for fact in expect.revealed if fact not in state.revealed]
    if missing:
        params = {"missing": _facts(missing), "revealed": _facts(list(state.revealed))}
        problems.append((("expect", "revealed"), N_("script.test.never_revealed"), params))
    extra = [fact for fact in expect.not_revealed if fact in state.revealed]
    if extra:
        problems.append((("expect", "not_revealed"), N_("script.test.not_hidden"), {"extra": _facts(extra)}))
    if expect.next_step is not None and state.next_step != expect.next_step:
        params = {"actual": state.next_step or "—", "expected": expect.next_step}
        problems.append((("expect", "next_step"), N_("script.test.next_step"), params))
    if expect.score is not None:
        low, high = expect.score
        if not low <= scorecard.score <= high:
            parts = ", ".join(f"{name} {value:g}" for name, value in scorecard.parts.to_json().items())
            scored = {"score": scorecard.score, "low": low, "high": high, "parts": parts}
            problems.append((("expect", "score"), N_("script.test.score"), scored))
    return problems


def run_text(text: str, file: str, classify: Classify | None = None) -> TrainerRun:
    """Run the trainer tests of a scenario's text (a draft in an editor, say); a text that does
    not validate gives its errors as ``load_errors`` and runs nothing."""
    loaded, problems = read_scenario(text, file)
    if loaded is None:
        return TrainerRun(load_errors=[p for p in problems if p.severity == "error"])
    runtime = ScenarioRuntime(loaded)
    classify = classify or default_classify()
    return TrainerRun(
        results=[run_test(runtime, i, test, classify) for i, test in enumerate(loaded.scenario.tests)]
    )


def run_files(paths: Iterable[Path | str], classify: Classify | None = None) -> TrainerRun:
    """Run the trainer tests of every scenario file named (or inside the directories named)."""
    classify = classify or default_classify()
    run = TrainerRun()
    for file in scenario_files(paths):
        try:
            runtime = ScenarioRuntime(load_scenario(file))
        except ScriptError as exc:
            run.load_errors.extend(exc.problems)
            continue
        for index, test in enumerate(runtime.scenario.tests):
            run.results.append(run_test(runtime, index, test, classify))
    return run


__all__ = ["DEFLECTIONS", "TrainerRun", "TrainerTestResult", "run_files", "run_test", "run_text"]
