"""Issue 10, fifth pass (dev3): a comparative of a common adjective is the adjective ("the older
stores" are the store chain's "old stores"), since Snowball leaves "older" alone. Every line here
is written for this file, none is a probe line.
"""

from __future__ import annotations

import pytest
from engine_support import DIALOGUES

from bot.engine.machine import DialogueMachine
from bot.engine.scenario import load_scenario
from bot.engine.topics.text import stem, tokens


@pytest.mark.parametrize(
    ("word", "plain"),
    [("older", "old"), ("bigger", "big"), ("busier", "busy"), ("largest", "large"), ("closer", "close")],
)
def test_a_comparative_is_read_as_its_adjective(word: str, plain: str) -> None:
    assert tokens(word, "en").words == tokens(plain, "en").words


@pytest.mark.parametrize("word", ["manager", "order", "never", "customer", "tender"])
def test_other_words_ending_in_er_are_left_alone(word: str) -> None:
    assert tokens(word, "en").words == (stem(word),)


@pytest.mark.parametrize(
    "line",
    [
        "If the openings continue at this rate, what happens to the older stores?",
        "What happens to the older stores if the openings go on at this rate?",
    ],
)
def test_a_what_if_about_the_older_stores_gets_their_decline(line: str) -> None:
    retail = DialogueMachine(load_scenario(DIALOGUES / "retail_store_growth.yaml"))
    state, _ = retail.start(lang="en", mode="practice", seed=5)
    state.revealed = [
        "expansion_plan",
        "growth_goal",
        "goal_unclear",
        "wage_rise",
        "labour_cost",
        "fixed_shifts",
    ]
    state.trust = 60
    state.current_problem = "labour_cost"
    outcome = retail.turn(state, line, ["what_if"])
    assert outcome.revealed == ["old_store_decline"], outcome.reply
