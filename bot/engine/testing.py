"""Trainer tests: run the conversations written in a scenario's ``tests`` and check each claim.

Each test plays its rep lines through the real classifier and engine (in memory, no database)
and reports every expectation that does not hold as ``file:line: path: message``, pointing at
the turn in the YAML file, so a trainer can go straight to the line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.yamlsource import ScriptError, ScriptProblem

from .runtime import Classify, ScenarioRuntime, default_classify
from .scenario import STAGES, STEPS, TrainerTest, TrainerTurn, load_scenario, scenario_files
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

    def fail(path: tuple[str | int, ...], message: str) -> None:
        result.failures.append(doc.problem(("tests", index, *path), message))

    prior = _previous_visit(runtime, test, classify)
    visit = test.visit or ("follow_up" if test.previous_visit else "fresh")
    state, _ = runtime.start(lang=test.lang, mode=test.mode, seed=test.seed, prior=prior, visit=visit)
    for j, turn in enumerate(test.turns):
        if not state.active:
            fail(("turns", j, "rep"), f"the visit was already over ({state.status}) before this line")
            break
        trust_before = state.trust
        played = runtime.say(state, turn.rep, classify)
        for key, message in _check_turn(turn, state, played.outcome, trust_before):
            fail(("turns", j, key), message)
        for key, message in _check_words(turn, state, played.outcome.reply, played.note):
            fail(("turns", j, key), message)
    farewell = runtime.end(state).outcome.reply if test.end and state.active else ""
    for path, message in _check_expect(runtime, test, state, result):
        fail(path, message)
    for text in test.expect.says:
        if text not in farewell:
            fail(("expect", "says"), f'the farewell does not contain "{text}" (farewell: "{farewell}")')
    return result


def _check_words(
    turn: TrainerTurn, state: SessionState, reply: str, note: str | None
) -> list[tuple[str, str]]:
    """What the line was heard to be about, the customer's words and the coach's note."""
    problems: list[tuple[str, str]] = []
    said = f'(line: "{turn.rep}")'
    entry = state.history[-1]
    heard = entry.get("focus") if entry.get("focus") in ("off_topic", "generic") else entry.get("topic")
    if turn.topic is not None and heard != turn.topic:
        problems.append(("topic", f"the line was heard as about {heard}, not {turn.topic} {said}"))
    if turn.event is not None and entry["event"] != turn.event:
        problems.append(("event", f"the event was {entry['event']}, not {turn.event} {said}"))
    if turn.reveals_nothing and entry["revealed"]:
        problems.append(("reveals_nothing", f"revealed {entry['revealed']} {said}"))
    for text in turn.says:
        if text not in reply:
            problems.append(("says", f'the customer did not say "{text}" (reply: "{reply}") {said}'))
    for text in turn.coach:
        if note is None or text not in note:
            problems.append(("coach", f'the coach did not say "{text}" (note: "{note}") {said}'))
    return problems


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
) -> list[tuple[str, str]]:
    """What one played line got wrong, as (the turn's key, message)."""
    problems: list[tuple[str, str]] = []
    said = f'(line: "{turn.rep}")'
    heard = outcome.technique if outcome.technique != Move.PRIVATE else outcome.techniques[0]
    if turn.technique is not None and heard != turn.technique:
        classified = [str(t) for t in outcome.techniques]
        problems.append(
            (
                "technique",
                f"the line was taken as {heard} (classifier: {classified}), not {turn.technique} {said}",
            )
        )
    if turn.stage is not None and state.stage != turn.stage:
        problems.append(("stage", f"stage is {state.stage}, expected {turn.stage} {said}"))
    if turn.step is not None and state.step != turn.step:
        problems.append(("step", f"step is {state.step}, expected {turn.step} {said}"))
    missing = [fact for fact in turn.reveals if fact not in outcome.revealed]
    if missing:
        revealed = outcome.revealed or "nothing"
        context = f"(event {outcome.event}, trust {state.trust:g}) {said}"
        problems.append(("reveals", f"did not reveal {missing}; revealed {revealed} {context}"))
    move = _trust_move(trust_before, state.trust)
    if turn.trust is not None and move != turn.trust:
        problems.append(
            (
                "trust",
                f"trust went {move} ({trust_before:g} -> {state.trust:g}), expected {turn.trust} {said}",
            )
        )
    if turn.status is not None and state.status != turn.status:
        problems.append(("status", f"status is {state.status}, expected {turn.status} {said}"))
    return problems


def _check_expect(
    runtime: ScenarioRuntime, test: TrainerTest, state: SessionState, result: TrainerTestResult
) -> list[tuple[tuple[str | int, ...], str]]:
    """What the finished conversation got wrong, as (path under the test, message)."""
    expect = test.expect
    problems: list[tuple[tuple[str | int, ...], str]] = []
    scorecard = runtime.scorecard(state)
    result.score = scorecard.score
    result.scorecard = scorecard
    if expect.status is not None and state.status != expect.status:
        problems.append((("expect", "status"), f"the visit ended {state.status}, expected {expect.status}"))
    if expect.stage is not None and STAGES.index(state.stage_reached) < STAGES.index(expect.stage):
        problems.append(
            (("expect", "stage"), f"reached stage {state.stage_reached}, expected {expect.stage}")
        )
    if expect.step is not None and STEPS.index(state.step_reached) < STEPS.index(expect.step):
        problems.append((("expect", "step"), f"reached step {state.step_reached}, expected {expect.step}"))
    missing = [fact for fact in expect.revealed if fact not in state.revealed]
    if missing:
        problems.append((("expect", "revealed"), f"never revealed {missing} (revealed: {state.revealed})"))
    extra = [fact for fact in expect.not_revealed if fact in state.revealed]
    if extra:
        problems.append((("expect", "not_revealed"), f"revealed {extra}, which should have stayed hidden"))
    if expect.next_step is not None and state.next_step != expect.next_step:
        problems.append(
            (
                ("expect", "next_step"),
                f"the next step was {state.next_step or 'never asked'}, expected {expect.next_step}",
            )
        )
    if expect.score is not None:
        low, high = expect.score
        if not low <= scorecard.score <= high:
            parts = scorecard.parts.to_json()
            problems.append(
                (
                    ("expect", "score"),
                    f"score {scorecard.score} is outside [{low}, {high}] (parts: {parts})",
                )
            )
    return problems


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


__all__ = ["TrainerRun", "TrainerTestResult", "run_files", "run_test"]
