"""Closed questions as a new rep asks them (29 Nov): a yes/no hunch about a cause the customer
has not told is not confirmed for him, and "how many stores do you have?" gets a believable
answer. Every line here is written for this file, none is a probe line."""

from __future__ import annotations

from functools import cache

import pytest
from engine_support import DIALOGUES

from bot.engine.listening import LISTEN_KEYS
from bot.engine.machine import DialogueMachine
from bot.engine.runtime import ScenarioRuntime, default_classify
from bot.engine.scenario import load_scenario
from bot.engine.state import SessionState
from bot.i18n import translate

PARTS = DIALOGUES / "precision_parts_returns.yaml"
RETAIL = DIALOGUES / "retail_store_growth.yaml"
PARTS_OPENING = {
    "en": ["Good morning Mr Wang, thanks for seeing me.", "How are things at the plant these days?"],
    "zh": ["王总您好，谢谢您抽时间见我。", "最近厂里忙不忙？", "有几家也遇到过，大家都挺头疼的。"],
}


ROOT_OUT = ["new_standard", "returns", "late_detection", "sampling_gaps", "no_live_data"]
VIEW_OUT = [*ROOT_OUT, "lose_share", "win_platform", "peer_case_view"]


@cache
def _parts() -> DialogueMachine:
    return ScenarioRuntime(load_scenario(PARTS)).machine


def _parts_at(lang: str, revealed: list[str], trust: float) -> tuple[DialogueMachine, SessionState]:
    """The parts maker with ``revealed`` told and the returns on the table."""
    machine = _parts()
    state, _ = machine.start(lang=lang, mode="practice", seed=4)
    state.revealed = list(revealed)
    state.trust, state.current_problem = trust, "returns"
    return machine, state


def _catalogue(key: str, lang: str) -> set[str]:
    return {translate(k, lang) for k in LISTEN_KEYS[key]}


def _play(path: object, lang: str, lines: list[str], seed: int = 4) -> list[tuple[str, list[str], str]]:
    runtime = ScenarioRuntime(load_scenario(path))  # type: ignore[arg-type]
    state, _ = runtime.start(lang=lang, mode="practice", seed=seed)
    classify = default_classify()
    played = [runtime.say(state, line, classify).outcome for line in lines]
    return [(o.event, o.revealed, o.reply) for o in played]


@pytest.mark.parametrize(
    ("lang", "hunch"),
    [
        ("en", "Is it because inspection only happens at the end?"),
        ("en", "Is the problem that nobody checks the parts until final inspection?"),
        ("zh", "是因为最后才检验吗？"),
        ("zh", "会不会是因为只在最后终检的时候才查？"),
    ],
)
@pytest.mark.parametrize("seed", [1, 4])
def test_a_hunch_about_an_untold_cause_is_neither_confirmed_nor_told(
    lang: str, hunch: str, seed: int
) -> None:
    *_, (_event, revealed, reply) = _play(PARTS, lang, [*PARTS_OPENING[lang], hunch], seed)
    assert "late_detection" not in revealed and not revealed
    assert reply in _catalogue("closed_hunch", lang), reply  # "could be", not "yes, that's right"


def test_a_yes_no_question_about_what_he_told_is_still_answered_yes() -> None:
    # Once he has told the cause, the same question checks what he said: the script's "yes".
    runtime = ScenarioRuntime(load_scenario(PARTS))
    state, _ = runtime.start(lang="en", mode="practice", seed=4)
    classify = default_classify()
    for line in PARTS_OPENING["en"]:
        runtime.say(state, line, classify)
    state.revealed.append("late_detection")
    outcome = runtime.say(state, "Is it because inspection only happens at the end?", classify).outcome
    assert outcome.reply not in _catalogue("closed_hunch", "en")


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("en", "How many stores do you have?"),
        ("en", "How many stores are there altogether?"),
        ("zh", "你们有几家店？"),
        ("zh", "现在一共有多少家门店？"),
    ],
)
def test_how_many_stores_gets_a_count_he_knows_not_no_exact_figure(lang: str, line: str) -> None:
    greeting = {"zh": "周总您好，谢谢您抽时间见我。", "en": "Good morning Mr Zhou, thanks for seeing me."}
    (_, (_event, revealed, reply)) = _play(RETAIL, lang, [greeting[lang], line])
    assert reply in _catalogue("closed_count", lang), reply
    assert reply not in _catalogue("closed_figure", lang) and not revealed


@pytest.mark.parametrize(
    ("lang", "line"),
    [("en", "How long have you been in this role?"), ("en", "What is your role here exactly?")],
)
def test_a_question_about_him_is_not_heard_as_another_business(lang: str, line: str) -> None:
    # "role" is no word of the store chain's; it is still no sign of another industry.
    (_, (_event, revealed, reply)) = _play(RETAIL, lang, ["Good morning Mr Zhou.", line])
    assert reply not in _catalogue("not_ours", lang) and not revealed, reply


def test_how_many_hospitals_is_still_not_ours() -> None:
    (_, (_event, revealed, reply)) = _play(
        RETAIL, "en", ["Good morning Mr Zhou.", "How many hospitals do you run?"]
    )
    assert reply in _catalogue("not_ours", "en") and not revealed


@pytest.mark.parametrize(
    ("lang", "line", "label"),
    [
        ("en", "How much cash could go into a trial?", "closed_question"),
        ("zh", "要是试一下，你们能拿出多少钱来？", "closed_question"),
        ("en", "How much could you put behind a first phase?", "why"),
        ("en", "How much could you set aside for a first round?", "open_question"),
    ],
)
def test_how_much_he_could_put_into_a_trial_asks_for_the_budget_not_the_next_step(
    lang: str, line: str, label: str
) -> None:
    # Heard as a closed question with a next-step word ("trial", 试), or as a why ("how much could
    # you put behind...?"): it asks what he could spend.
    machine, state = _parts_at(lang, [*ROOT_OUT, "lose_share"], 80)
    outcome = machine.turn(state, line, [label])
    assert outcome.technique == "need_confirmation" and state.next_step != "agreed"
    assert outcome.event in ("need", "need_not_ready")


def test_asking_what_he_could_spend_does_not_answer_his_question() -> None:
    # His question is pending ("how do other chains find managers fast enough?"); the rep asks
    # for money instead: heard as answering his question with one, he told a detail of his own
    # question in reply to a budget question.
    lines = [
        "Good morning Mr Zhou, thanks for your time.",
        "You run about eighty stores now, right?",
        "Busy morning? Anything changed lately?",
        "How much cash could go into a trial?",
    ]
    event, revealed, _reply = _play(RETAIL, "en", lines, seed=3)[-1]
    assert event != "answered_back" and revealed == []


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("zh", "我要是有个办法能把退货和追溯一块儿管上，您乐意听听不？"),
        ("en", "Fair point. If I had an idea that tied all this together, would you be interested?"),
    ],
)
def test_an_interest_check_is_one_while_his_question_is_pending(lang: str, line: str) -> None:
    # He has just asked the rep something; "if I had an idea, want to hear it?" is heard as answering
    # him with a question, but it checks his interest (and leaves his question unanswered).
    machine, state = _parts_at(lang, VIEW_OUT, 85)
    state.pending_question = "d_old_machines"  # "can old presses like ours even be connected?"
    outcome = machine.turn(state, line, ["answer_with_question"])
    assert outcome.technique == "interest_check" and state.interest != ""


def test_an_interest_check_in_homely_words_is_not_about_another_business() -> None:
    # 琢磨, 管上, 乐意: words no scenario has, but the line names nothing of another business.
    machine, state = _parts_at("zh", VIEW_OUT, 85)
    outcome = machine.turn(
        state, "我要是琢磨出个办法，把这几件事一块儿管上，您乐意听听不？", ["interest_check"]
    )
    assert outcome.technique == "interest_check" and state.interest != "" and state.off_topic == 0


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("zh", "要是我先挑两条冲压线给您试试，您感兴趣不？"),
        ("en", "If I picked two press lines to try it on, would you be interested?"),
    ],
)
def test_an_offer_to_try_heard_as_a_yes_no_question_is_the_interest_check(lang: str, line: str) -> None:
    # "If I ..., would you be interested?" is a yes/no question by form; by its words it checks his
    # interest, and he answers by where he stands.
    machine, state = _parts_at(lang, VIEW_OUT, 85)
    outcome = machine.turn(state, line, ["closed_question"])
    assert outcome.technique == "interest_check" and state.interest != ""


def test_a_yes_no_question_about_his_interest_in_something_else_is_not_the_interest_check() -> None:
    # No offer pictured: a plain yes/no question stays one.
    machine, state = _parts_at("zh", VIEW_OUT, 85)
    outcome = machine.turn(state, "您对直播带货感兴趣吗？", ["closed_question"])
    assert outcome.technique != "interest_check" and state.interest == ""
