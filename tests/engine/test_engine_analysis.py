"""Each problem type has its own analysis questions (issue 10, item 3): a scenario can give a fact
per analysis question (``problems[].analysis``), told when the rep asks that question of a problem
he has told; the coach counts it towards the problem's depth."""

from __future__ import annotations

import pytest
from engine_support import DIALOGUES

from bot.engine.machine import DialogueMachine
from bot.engine.scenario import load_scenario
from bot.engine.scorecard import build_scorecard
from bot.engine.state import SessionState


@pytest.fixture(scope="module")
def parts() -> DialogueMachine:
    return DialogueMachine(load_scenario(DIALOGUES / "precision_parts_returns.yaml"))


def _at(machine: DialogueMachine, revealed: list[str], trust: float, lang: str) -> SessionState:
    state, _ = machine.start(lang=lang, mode="practice", seed=4)
    state.revealed, state.trust = list(revealed), trust
    state.current_problem = next((f for f in reversed(revealed) if f in machine.loaded.problems), None)
    return state


@pytest.mark.parametrize(
    ("lang", "line", "label", "fact"),
    [
        ("zh", "退回来的主要是哪几类毛病？", "open_question", "returns_made_of"),
        ("zh", "退回来的主要是哪几类？", "open_question", "returns_made_of"),  # 主要是: no 要是 (if)
        ("en", "What kinds of defects make up most of those returns?", "open_question", "returns_made_of"),
        ("zh", "跟新一点的设备相比，老设备的退货情况怎么样？", "why", "returns_compared"),
        (
            "en",
            "Compared with the newer presses, why do the old ones send back so many?",
            "why",
            "returns_compared",
        ),
    ],
)
def test_an_analysis_question_of_a_restore_problem_gets_its_fact(
    parts: DialogueMachine, lang: str, line: str, label: str, fact: str
) -> None:
    state = _at(parts, ["new_standard", "returns"], 50, lang)
    outcome = parts.turn(state, line, [label])
    assert outcome.event == "analysed" and outcome.revealed == [fact], outcome.reply
    assert outcome.reply in parts.customer.fact_lines[fact][lang]
    # Asked again, the fact is out: the same question digs the why-chain instead.
    again = parts.turn(state, line, ["why"])
    assert again.event == "dug" and again.revealed == ["late_detection"], again.reply


def test_a_prevent_problem_takes_its_own_analysis_questions_and_trust(parts: DialogueMachine) -> None:
    line = "Has this happened to other suppliers, peers of yours, at their audits?"
    state = _at(parts, ["new_standard", "returns", "audit_risk"], 20, "en")
    early = parts.turn(state, line, ["open_question"])
    assert early.revealed == []  # his peers' troubles are not for a stranger
    state.trust = 50
    told = parts.turn(state, line, ["open_question"])
    assert told.event == "analysed" and told.revealed == ["audit_precedent"], told.reply
    # A restore problem's question about the audit (a prevent problem) is no analysis question of it.
    state.current_problem = "audit_risk"
    other = parts.turn(state, "What kinds of findings make up an audit failure?", ["open_question"])
    assert other.event != "analysed"


def test_no_analysis_fact_before_the_problem_is_on_the_table(parts: DialogueMachine) -> None:
    state = _at(parts, ["new_standard"], 60, "en")
    outcome = parts.turn(state, "What kinds of defects make up most of the returns?", ["open_question"])
    assert "returns_made_of" not in outcome.revealed


def test_analysis_facts_count_towards_depth_at_half_a_cause(parts: DialogueMachine) -> None:
    state = _at(parts, ["new_standard", "returns", "late_detection"], 60, "en")
    before = build_scorecard(parts, state).parts.depth
    parts.turn(state, "What kinds of defects make up most of those returns?", ["open_question"])
    after = build_scorecard(parts, state).parts.depth
    returns_causes = len(parts.loaded.problems["returns"].causes)
    # depth = 0.7 x the deepest chain + 0.3 x the mean over the two problems
    assert after - before == pytest.approx((0.7 + 0.15) * 0.5 / returns_causes)
