"""Issue 10, fifth pass (dev4): the words that ask for a cause ("what's causing it?", 导致) and
the grammar of "can't" (改善不了) name no topic. Every line here is written for this file, none is
a probe line.

- "what's causing them?" shared "cause" with a stake whose text says "can't cause a single day
  of stock-outs", and the why about the shortages dug the new campus instead;
- 不了 matched a stake that says 交代不了, and a what-if about 缺药 got the expiry's stake;
- the 不 / 没 of an A-not-A question (能不能, 会不会, 有没有) counted as a harm cue, so "if the new
  pharmacy works, could the others copy it?" got the worries about the roll-out;
- 出来 completes a verb (拿不出来, 挑出来): "追溯要是弄不出来……" right after he said
  "不良品要到最后检验才被挑出来" was heard as that cause of the returns, and got the returns' stake;
- "back to" / 说回 is the cue of a return, not a word of the topic ("back" matched "may not back
  it"), and a why that names an untold cause only by one word of what he says about it ("why the
  shortages?" and "he finds out about a shortage when a nurse phones", the root) asks about the
  problem: he digs from the top of its chain.
"""

from __future__ import annotations

import pytest
from engine_support import DIALOGUES, ROOT

from bot.engine.machine import DialogueMachine
from bot.engine.scenario import load_scenario
from bot.engine.state import SessionState
from bot.engine.topics.text import tokens

PHARMACY = ROOT / "tests" / "data" / "dev4" / "scenarios" / "hospital_pharmacy_stock.yaml"


@pytest.fixture(scope="module")
def pharmacy() -> DialogueMachine:
    return DialogueMachine(load_scenario(PHARMACY))


def _at(
    machine: DialogueMachine, revealed: list[str], current: str, trust: float = 60, lang: str = "en"
) -> SessionState:
    state, _ = machine.start(lang=lang, mode="practice", seed=5)
    state.revealed = list(revealed)
    state.trust = trust
    state.current_problem = current
    return state


@pytest.mark.parametrize(
    ("text", "lang", "word"),
    [
        ("What's causing all of that?", "en", "caus"),
        ("Is that the main reason?", "en", "reason"),
        ("是什么导致的？", "zh", "导致"),
        ("这个一直改善不了吗？", "zh", "不了"),
        ("追溯一直拿不出来", "zh", "出来"),
    ],
)
def test_words_asking_for_a_cause_or_saying_cannot_name_no_topic(text: str, lang: str, word: str) -> None:
    assert word not in tokens(text, lang).words


def test_a_why_about_the_shortages_digs_the_stock_outs(pharmacy: DialogueMachine) -> None:
    # The stock-outs and the expiry on the table, the expiry being discussed; no cause told yet.
    state = _at(pharmacy, ["vbp_rounds", "stockouts", "drug_inspection", "expiry_risk"], "expiry_risk")
    outcome = pharmacy.turn(state, "And the shortages, what do you think is causing them?", ["why"])
    causes = {"manual_ordering", "ward_stock_invisible"}
    assert outcome.revealed and set(outcome.revealed) <= causes, outcome.reply


def test_a_what_if_about_running_short_gets_the_stock_outs_stake(pharmacy: DialogueMachine) -> None:
    # All three problems on the table, the new campus being discussed.
    told = [
        "vbp_rounds",
        "stockouts",
        "manual_ordering",
        "expiry_risk",
        "new_campus_pharmacy",
        "vague_targets",
    ]
    state = _at(pharmacy, told, "new_campus_pharmacy", lang="zh")
    outcome = pharmacy.turn(state, "缺药的情况要是一直改善不了，再过两年会怎么样？", ["what_if"])
    assert outcome.revealed == ["patient_harm"], outcome.reply


@pytest.mark.parametrize(
    ("text", "direction"),
    [
        ("新系统要是上线了，别的门店能不能也用上？", None),
        ("新院区要是做成了，老院区可以照着改吗？", "gain"),
        ("这个要是一直拖下去，会不会出事？", "harm"),
    ],
)
def test_an_a_not_a_question_leans_neither_way(text: str, direction: str | None) -> None:
    from bot.engine.customer import Customer

    assert Customer.direction(text, "zh") == direction


@pytest.mark.parametrize(
    "line",
    ["智慧药房真搞起来的话，医联体里的其他医院会不会来学？", "新院区药房要是成功了，对整个医院有没有好处？"],
)
def test_a_what_if_asking_yes_or_no_about_a_success_gets_a_gain(pharmacy: DialogueMachine, line: str) -> None:
    told = [
        "vbp_rounds",
        "stockouts",
        "manual_ordering",
        "expiry_risk",
        "new_campus_pharmacy",
        "vague_targets",
    ]
    state = _at(pharmacy, told, "stockouts", lang="zh")
    outcome = pharmacy.turn(state, line, ["what_if"])
    assert outcome.revealed == ["campus_showcase"], outcome.reply


@pytest.mark.parametrize(
    "line", ["And the shortages themselves, why do they happen?", "Why the shortages, though?"]
)
def test_a_why_naming_a_deep_cause_by_one_word_digs_from_the_top(
    pharmacy: DialogueMachine, line: str
) -> None:
    state = _at(
        pharmacy,
        ["vbp_rounds", "stockouts", "drug_inspection", "expiry_risk", "ward_hoarding"],
        "expiry_risk",
    )
    outcome = pharmacy.turn(state, line, ["why"])
    assert outcome.revealed == ["manual_ordering"], outcome.reply


@pytest.mark.parametrize(
    "line", ["追溯要是迟迟弄不出来，后果会是什么？", "追溯这块要是一直做不出来，您怕的是什么后果？"]
)
def test_a_verb_complement_does_not_echo_the_cause_just_told(line: str) -> None:
    parts = DialogueMachine(load_scenario(DIALOGUES / "precision_parts_returns.yaml"))
    state = _at(parts, ["new_standard", "returns", "audit_risk", "late_detection"], "returns", lang="zh")
    state.said = [
        "另外十月主机厂要来审核，我担心追溯性这一项过不了。",
        "因为不良品要到最后检验才被挑出来，等发现时整批货已经做出来了。",
    ]
    state.topic = "cause:returns/late_detection"
    outcome = parts.turn(state, line, ["what_if"])
    assert outcome.revealed == ["audit_fail"], outcome.reply


@pytest.mark.parametrize("line", ["这个问题往后会怎么样？", "今后要是一直这样呢？", "长此以往会怎样？"])
def test_from_now_on_points_to_the_long_run(line: str) -> None:
    from bot.engine.customer import Customer

    assert Customer.scope_of(line, "zh") == "long_term"
