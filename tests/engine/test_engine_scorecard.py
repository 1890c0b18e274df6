"""The ``Scorecard`` dataclass against scorecards and states stored before it existed.

``tests/data/engine/stored_sessions.json`` was captured with the engine of commit 67ee12f
(scorecards were dicts then): each entry's classified lines, the stored scorecard and, for
one, the stored session state.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from engine_support import DIALOGUES, ROOT

from bot.engine.runtime import ScenarioRuntime, default_classify
from bot.engine.scenario import load_scenario
from bot.engine.scorecard import Scorecard
from bot.engine.state import SessionState
from bot.vocab import Stage, Status

STORED: list[dict[str, Any]] = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "engine" / "stored_sessions.json").read_text("utf-8")
)


@pytest.fixture(scope="module")
def runtimes() -> dict[str, ScenarioRuntime]:
    loaded = (ScenarioRuntime(load_scenario(file)) for file in sorted(DIALOGUES.glob("*.yaml")))
    return {runtime.id: runtime for runtime in loaded}


def _dumped(data: object) -> str:
    """The JSON text as stored: key order and values both count."""
    return json.dumps(data, ensure_ascii=False)


@pytest.mark.parametrize("stored", STORED, ids=[f"{s['scenario']}-{s['lang']}" for s in STORED])
def test_a_stored_scorecard_reads_back_to_the_same_json(stored: dict[str, Any]) -> None:
    card = Scorecard.from_json(stored["scorecard"])
    assert _dumped(card.to_json()) == _dumped(stored["scorecard"])
    assert card.coaching.keep.label in ("Keep", "保持") and card.score == stored["scorecard"]["score"]


@pytest.mark.parametrize("stored", STORED, ids=[f"{s['scenario']}-{s['lang']}" for s in STORED])
def test_the_same_lines_replay_into_a_card_with_every_old_key(
    runtimes: dict[str, ScenarioRuntime], stored: dict[str, Any]
) -> None:
    """The customer now listens to what a line is about (docs/engine.md, "Topics"), so the same
    lines no longer uncover the same facts nor score the same: the replay must still run, hear the
    same techniques and write every key an old scorecard had (plus ``listening`` and ``faults``)."""
    runtime = runtimes[stored["scenario"]]
    state, _ = runtime.start(lang=stored["lang"], mode=stored["mode"], seed=stored["seed"])
    for index, line in enumerate(stored["lines"]):
        if not state.active:
            break
        runtime.play(state, line["text"], line["techniques"])
        if index in stored["hint_after"]:
            runtime.hint(state)
    if state.active:
        runtime.end(state)
    card = runtime.scorecard(state).to_json()
    assert set(stored["scorecard"]) | {"listening", "faults"} == set(card)
    assert card["parts"].keys() == stored["scorecard"]["parts"].keys()
    assert Scorecard.from_json(card).to_json() == card
    if "state" in stored:
        assert set(stored["state"]) <= set(state.to_dict())


def test_a_stored_state_reads_back_as_enums_and_writes_the_same_json() -> None:
    stored = next(s["state"] for s in STORED if "state" in s)
    state = SessionState.from_dict(stored)
    assert state.status is Status.CLOSED_BY_CUSTOMER and isinstance(state.stage, Stage)
    assert _dumped(state.to_dict()) == _dumped(stored)


def test_a_weak_english_match_counts_half_towards_the_on_topic_share() -> None:
    from bot.engine.scorecard import _on_topic_share

    entries = [
        {"focus": "named", "clear": True},
        {"focus": "named", "clear": False},
        {"focus": "generic"},
        {"focus": "named"},  # stored before ``clear`` was kept: counts whole
    ]
    heard = ["why", "why", "why", "what_if"]
    assert _on_topic_share(entries, heard, "en") == 2.5 / 4
    assert _on_topic_share(entries, heard, "zh") == 3 / 4


def test_need_questions_and_interest_checks_are_out_of_the_on_topic_share() -> None:
    from bot.engine.scorecard import _on_topic_share

    # "By when would you need it?" and "if I had an idea, want to hear it?" name none of his
    # topics by nature: they neither help nor hurt the share.
    entries = [
        {"focus": "named", "clear": True},
        {"focus": "generic"},
        {"focus": "generic"},
        {"focus": "unclear"},
    ]
    heard = ["why", "need_confirmation", "interest_check", "what_if"]
    assert _on_topic_share(entries, heard, "zh") == 1 / 2


def test_every_off_topic_question_after_the_second_takes_a_share_off_the_score() -> None:
    from bot.engine.scorecard import STRAY_COST, STRAY_FLOOR, _substance

    assert _substance(0.7) == _substance(0.7, 2) == 1.0
    assert _substance(0.7, 3) == pytest.approx(1.0 - STRAY_COST)
    assert _substance(0.7, 20) == STRAY_FLOOR
    assert _substance(0.35, 3) == pytest.approx(_substance(0.35) * (1.0 - STRAY_COST))


def test_a_visit_that_keeps_asking_about_another_business_scores_low(
    runtimes: dict[str, ScenarioRuntime],
) -> None:
    script = yaml.safe_load(
        (ROOT / "tests/data/dev5/rep_scripts/precision-parts-returns.paraphrase.en.yaml").read_text("utf-8")
    )
    foreign = [
        "How many beds do your wards have, and are the nurses coping?",
        "Why are so many passengers missing their connecting flights?",
        "What happens to your harvest if the rain holds off another month?",
        "How are the pupils doing in their final exams this year?",
    ]
    runtime = runtimes["precision-parts-returns"]
    classify = default_classify()

    def played(extra: list[str]) -> tuple[int, int]:
        state, _ = runtime.start(lang="en", mode="practice", seed=3)
        for line in [*script["lines"][:8], *extra, *script["lines"][8:]]:
            if state.active:
                runtime.say(state, line, classify)
        if state.active:
            runtime.end(state)
        card = runtime.scorecard(state)
        return card.score, card.listening.off_topic

    plain, slip, stray = played([]), played(foreign[:1]), played(foreign)
    assert (plain[1], slip[1], stray[1]) == (0, 1, 4)
    assert slip[0] >= plain[0] - 5  # one slip costs trust and discipline, not the substance
    assert stray[0] <= 0.6 * plain[0]


def test_the_deadline_and_the_budget_earn_full_credit_however_they_were_asked() -> None:
    from bot.engine.scorecard import GENERIC_CREDIT, _credit

    # "By when would you need it?" names none of his topics: it asks about the rep's offer.
    history = [
        {"focus": "generic", "revealed": ["late_detection"]},
        {"focus": "generic", "revealed": ["deadline"]},
        {"focus": "unclear", "revealed": ["budget"]},
    ]
    credit = _credit(history, {"late_detection", "deadline", "budget"}, followed=set())
    assert credit == {"late_detection": GENERIC_CREDIT, "deadline": 1.0, "budget": 1.0}


def test_a_problem_told_to_anything_else_and_then_taken_up_by_name_earns_full_credit() -> None:
    from bot.engine.machine import DialogueMachine
    from bot.engine.scorecard import GENERIC_CREDIT, _credit, _followed_up

    parts = DialogueMachine(load_scenario(DIALOGUES / "precision_parts_returns.yaml"))
    history = [
        {"focus": "generic", "topic": None, "revealed": ["returns"]},  # "anything else on your mind?"
        {"focus": "generic", "topic": None, "revealed": ["audit_risk"]},
        {"focus": "named", "topic": "cause:returns/late_detection", "revealed": ["late_detection"]},
    ]
    followed = _followed_up(parts, history)
    assert followed == {"returns"}  # the audit was told, never taken up
    credit = _credit(history, {"returns", "audit_risk", "late_detection"}, followed)
    assert credit["returns"] == 1.0 and credit["audit_risk"] == GENERIC_CREDIT
    # Naming it before he told it is no taking up.
    assert _followed_up(parts, [history[2], history[0]]) == set()
