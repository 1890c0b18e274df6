"""Issue 10, fifth pass (dev3): a what-if whose own words match one problem's stakes and none of
the problem it is heard as (its best topic a cause of that one) is about the problem of those
stakes (``bot/engine/stakes.py``). Every line here is written for this file, none is a probe line.
"""

from __future__ import annotations

from engine_support import DIALOGUES

from bot.engine.listening import Focus
from bot.engine.machine import DialogueMachine
from bot.engine.scenario import load_scenario
from bot.engine.stakes import stake_leader

OWNERS = {"lose_share": "returns", "overtime_spread": "returns", "audit_fail": "audit_risk"}


def _focus(key: str, families: dict[str, float], stakes: dict[str, float]) -> Focus:
    return Focus(
        "named",
        key,
        problem="audit_risk",
        families=tuple(families.items()),
        stakes=tuple(stakes.items()),
    )


def test_the_stakes_of_another_problem_lead_a_what_if_heard_as_a_cause() -> None:
    focus = _focus(
        "cause:audit_risk/paper_records", {"returns": 0.2, "audit_risk": 0.22}, {"lose_share": 0.15}
    )
    assert stake_leader(focus, "audit_risk", OWNERS) == "returns"


def test_the_stakes_do_not_lead_against_a_clear_mention_or_weakly() -> None:
    stakes = {"lose_share": 0.15}
    # the line names the problem itself
    assert (
        stake_leader(
            _focus("problem:audit_risk", {"returns": 0.2, "audit_risk": 0.22}, stakes), "audit_risk", OWNERS
        )
        is None
    )
    # the other problem's family is far behind
    assert (
        stake_leader(
            _focus("cause:audit_risk/paper_records", {"returns": 0.1, "audit_risk": 0.3}, stakes),
            "audit_risk",
            OWNERS,
        )
        is None
    )
    # the chosen problem's own stake is matched about as well
    both = {"lose_share": 0.15, "audit_fail": 0.14}
    assert (
        stake_leader(
            _focus("cause:audit_risk/paper_records", {"returns": 0.2, "audit_risk": 0.22}, both),
            "audit_risk",
            OWNERS,
        )
        is None
    )


def test_a_what_if_about_rejected_lots_gets_the_returns_stake() -> None:
    parts = DialogueMachine(load_scenario(DIALOGUES / "precision_parts_returns.yaml"))
    state, _ = parts.start(lang="zh", mode="practice", seed=5)
    state.revealed = ["new_standard", "returns", "late_detection", "audit_risk", "paper_records"]
    state.trust = 60
    state.current_problem = "audit_risk"
    outcome = parts.turn(state, "不良批次要是老被客户退回来，这块生意会怎样？", ["what_if"])
    assert outcome.revealed == ["lose_share"], outcome.reply
