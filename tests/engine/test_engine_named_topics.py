"""A question that names a topic other than the one just discussed is answered about that topic
(issue 10, "the customer listens"): by the problem its own words lean to, by the stake it names,
whatever its form; and a question about things this customer does not have gets no fact.

The lines are played through the machine with their technique given, so each test is about the
engine's reading of the line's content, not about the classifier.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from engine_support import DIALOGUES

from bot.engine.coach import Coach
from bot.engine.machine import DialogueMachine
from bot.engine.scenario import load_scenario
from bot.engine.state import SessionState
from bot.engine.text_keys import ANALYSIS_KEYS, text


@cache
def _machine(name: str) -> DialogueMachine:
    return DialogueMachine(load_scenario(DIALOGUES / f"{name}.yaml"))


def _at(
    name: str, revealed: list[str], current: str, lang: str, trust: float = 60
) -> tuple[DialogueMachine, SessionState]:
    machine = _machine(name)
    state, _ = machine.start(lang=lang, mode="practice", seed=5)
    state.revealed = list(revealed)
    state.trust = trust
    state.current_problem = current
    return machine, state


def test_a_what_if_about_the_other_problem_in_its_own_words_answers_about_it() -> None:
    # The returns were discussed last; the rep asks about tracing batches (the audit's worry)
    # without naming the audit: the audit's stake, not the returns'.
    machine, state = _at(
        "precision_parts_returns",
        ["new_standard", "returns", "audit_risk", "late_detection"],
        "returns",
        "en",
    )
    state.topic = "cause:returns/late_detection"
    outcome = machine.turn(
        state, "And if the auditors still can't trace a batch by then, what's at stake?", ["what_if"]
    )
    assert outcome.revealed == ["audit_fail"] and state.current_problem == "audit_risk"


def test_a_what_if_naming_a_problem_by_a_paraphrase_is_answered_about_that_problem() -> None:
    # The openings are on the table; "people cost more and sell no more" is the labour-cost problem.
    machine, state = _at(
        "retail_store_growth",
        ["expansion_plan", "growth_goal", "labour_cost", "goal_unclear"],
        "growth_goal",
        "zh",
    )
    outcome = machine.turn(state, "人越用越贵、卖得却没多，这种情况一直下去会怎样？", ["what_if"])
    assert outcome.revealed == ["margin_squeeze"]


def test_a_what_if_takes_the_stake_its_words_point_to() -> None:
    machine, state = _at(
        "retail_store_growth",
        ["expansion_plan", "growth_goal", "goal_unclear", "manager_drain"],
        "growth_goal",
        "zh",
    )
    outcome = machine.turn(state, "老店的骨干一直被抽去开新店，老店那边会不会被拖垮？", ["what_if"])
    assert outcome.revealed == ["old_store_decline"]  # the spreading harm, not the default long-term one


@pytest.mark.parametrize("label", ["closed_question", "curiosity_care"])
def test_a_yes_no_question_clearly_naming_a_stake_is_heard_as_a_what_if(label: str) -> None:
    machine, state = _at(
        "logistics_fleet_tender", ["tender_rfq", "on_time_drop", "detours"], "on_time_drop", "en"
    )
    outcome = machine.turn(
        state, "When one truck runs late, does that spread to other routes and the hubs?", [label]
    )
    assert outcome.revealed == ["late_spread"]
    # A tag question only checks what the rep believes: no stake from it.
    machine, state = _at(
        "logistics_fleet_tender", ["tender_rfq", "on_time_drop", "detours"], "on_time_drop", "en"
    )
    tag = machine.turn(state, "One late truck makes the other routes late too, right?", [label])
    assert "late_spread" not in tag.revealed


def test_a_private_word_that_is_his_business_is_private_only_about_him() -> None:
    # Wages are the supermarket's business (最低工资上调); his own salary is private.
    machine, state = _at(
        "retail_store_growth",
        ["expansion_plan", "growth_goal", "labour_cost", "goal_unclear"],
        "growth_goal",
        "zh",
    )
    business = machine.turn(state, "工资再这么往上涨，门店的利润会怎么样？", ["what_if"])
    assert business.revealed == ["margin_squeeze"] and business.event != "private"
    private = machine.turn(state, "冒昧问一下，您的工资一年多少？", ["open_question"])
    assert private.revealed == [] and private.trust_delta < 0


@pytest.mark.parametrize(
    ("lang", "line", "label"),
    [
        ("en", "How do your doctors share patient records between sites today?", "open_question"),
        ("zh", "你们的病人资料平时是怎么在各个分院之间传的？", "open_question"),
        ("zh", "你们越南那个新工厂投产以后，退货情况怎么样？", "curiosity_care"),
    ],
)
def test_a_question_about_things_he_does_not_have_gets_no_fact(lang: str, line: str, label: str) -> None:
    machine, state = _at("precision_parts_returns", ["new_standard", "returns"], "returns", lang, trust=50)
    outcome = machine.turn(state, line, [label])
    assert outcome.revealed == [] and outcome.event in ("unclear", "off_topic")
    # His own business asked the same way still gets an answer.
    own = machine.turn(
        state, "How has the new plant director's cost target changed things?", ["open_question"]
    )
    assert own.event not in ("unclear", "off_topic")


@pytest.mark.parametrize(
    ("name", "revealed", "problem", "kind"),
    [
        ("precision_parts_returns", ["new_standard", "returns"], "returns", "restore"),
        ("clinic_chain_data_breach", ["audit_rules", "wechat_files"], "wechat_files", "prevent"),
        ("retail_store_growth", ["expansion_plan", "growth_goal"], "growth_goal", "ideal"),
    ],
)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_coachs_why_advice_names_the_analysis_questions_of_the_problems_type(
    name: str, revealed: list[str], problem: str, kind: str, lang: str
) -> None:
    machine, state = _at(name, revealed, problem, lang)
    coach = Coach(machine)
    assert coach.suggest(state) == ("why", problem)
    hint = coach.hint(state)
    assert text(ANALYSIS_KEYS[kind], lang) in hint
    others = [text(key, lang) for other, key in ANALYSIS_KEYS.items() if other != kind]
    assert not any(other in hint for other in others)


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("en", "And if you caught drift at once, what would it give you?"),
        ("zh", "要是参数一漂移就能马上发现，能给您带来什么？"),
    ],
)
def test_a_what_if_asking_what_an_idea_would_win_him_gets_the_gain_before_his_view(
    lang: str, line: str
) -> None:
    # The line's words name the peer's idea (catching drift at once), which he has a view on; but
    # it asks what the idea would win him, and the gain of the returns problem is still untold.
    machine, state = _at(
        "precision_parts_returns",
        ["new_standard", "returns", "late_detection", "sampling_gaps", "no_live_data", "lose_share"],
        "returns",
        lang,
        trust=70,
    )
    state.topic = "implication:lose_share"
    outcome = machine.turn(state, line, ["what_if"])
    assert outcome.revealed == ["win_platform"]


def test_an_open_question_about_the_solution_digs_no_cause() -> None:
    # The returns are on the table; an open question about how he would weigh the rep's kind of
    # solution names no problem of his, so it draws out no cause of the returns (a quiet customer
    # makes small talk; only a talkative one goes on about the problem unprompted).
    machine, state = _at(
        "precision_parts_returns", ["new_standard", "returns", "late_detection"], "returns", "zh"
    )
    outcome = machine.turn(state, "像产线实时质量监控这样的方案，你们一般怎么评估？", ["open_question"])
    assert state.history[-1]["topic"] == "solution"
    assert outcome.revealed == [] and outcome.event == "small_talk"


_DEV = DIALOGUES.parent / "tests" / "data"


@pytest.mark.parametrize(
    ("scenario", "line", "problem"),
    [
        # "Who else ends up worse off?": 跟着倒霉 is in the carton plant's recall stake too, and
        # had pulled a question about late deliveries onto the audit's spreading harm.
        (
            _DEV / "dev21" / "scenarios" / "corrugated_carton_plant.yaml",
            "交货老是拖，除了厂里，还有谁跟着倒霉？",
            "waste_and_late",
        ),
        (
            _DEV / "dev20" / "scenarios" / "business_hotel_chain.yaml",
            "哪家店要是着了火，还有谁跟着遭殃？",
            "fire_risk",
        ),
        # 卷进来 asks who else is drawn in: the spreading harm, not the long-term one.
        (
            _DEV / "dev20" / "scenarios" / "business_hotel_chain.yaml",
            "要是真出了火灾，会把谁也卷进来？",
            "fire_risk",
        ),
    ],
)
def test_who_else_loses_words_ask_for_the_spread_not_for_a_problem(
    scenario: Path, line: str, problem: str
) -> None:
    machine = DialogueMachine(load_scenario(scenario))
    state, _ = machine.start(lang="zh", mode="practice", seed=5)
    state.revealed = list(machine.loaded.problems)
    state.trust = 60
    state.current_problem = state.revealed[-1]
    outcome = machine.turn(state, line, ["what_if"])
    stakes = {i.id: i for i in machine.loaded.scenario.implications}
    assert [(stakes[r].problem, stakes[r].angle) for r in outcome.revealed] == [(problem, "spreading_harm")]


@pytest.mark.parametrize(
    ("line", "told"),
    [
        # The root's own words (no record joining roll and pallet), asked with the two causes
        # above it untold: he explains from the top of the chain, he does not leap to the root.
        ("Why is there no record linking each paper roll to the pallets it went into?", "mixed_pallets"),
        # One level down (the paper job tickets) the line still heads for what it names.
        ("Why can nobody tell which paper roll ended up in a given pallet of boxes?", "paper_job_tickets"),
    ],
)
def test_a_why_in_the_roots_words_starts_from_the_top_of_the_chain(line: str, told: str) -> None:
    machine = DialogueMachine(load_scenario(_DEV / "dev21" / "scenarios" / "corrugated_carton_plant.yaml"))
    state, _ = machine.start(lang="en", mode="practice", seed=5)
    state.revealed, state.trust, state.current_problem = ["waste_and_late", "audit_risk"], 70, "audit_risk"
    assert machine.turn(state, line, ["why"]).revealed == [told]


@pytest.mark.parametrize(
    ("lang", "line", "event"),
    [
        # News the rep brings, then "what does it mean for you?": curiosity about a change around
        # him, whatever the view label says; he tells it.
        (
            "en",
            "I hear the fire service is running surprise inspections of lodging across the province. "
            "How does that touch your hotels?",
            "situation",
        ),
        ("zh", "听说今年消防要对全省的酒店挨家暗访，您怎么看？", "situation"),
        # No news brought: asked for a view of it before the root, it is still too early.
        ("en", "How do you see the fire inspections this year?", "view_too_early"),
    ],
)
def test_news_of_a_change_then_how_do_you_see_it_is_curiosity(lang: str, line: str, event: str) -> None:
    machine = DialogueMachine(load_scenario(_DEV / "dev20" / "scenarios" / "business_hotel_chain.yaml"))
    state, _ = machine.start(lang=lang, mode="practice", seed=5)
    state.revealed, state.trust = ["new_competitors", "occupancy_drop"], 55
    state.current_problem = "occupancy_drop"
    outcome = machine.turn(state, line, ["how_do_you_see"])
    assert outcome.event == event
    assert ("fire_campaign" in outcome.revealed) == (event == "situation")


@pytest.mark.parametrize("label", ["how_do_you_see", "open_question"])
def test_how_could_that_happen_asks_for_the_cause(label: str) -> None:
    # No "why" in it, and labelled a view or an open question: it still asks what lies behind
    # the fire risk he told, before its root (a view then would only be "too early").
    machine = DialogueMachine(load_scenario(_DEV / "dev20" / "scenarios" / "business_hotel_chain.yaml"))
    state, _ = machine.start(lang="en", mode="practice", seed=5)
    state.revealed, state.trust = ["new_competitors", "occupancy_drop", "fire_campaign", "fire_risk"], 65
    state.current_problem = "fire_risk"
    line = "Twenty-three rooms with tampered detectors: how could that happen with nobody spotting it?"
    outcome = machine.turn(state, line, [label])
    assert outcome.revealed == ["paper_patrols"]


def test_a_weakly_heard_why_goes_where_its_own_words_lean() -> None:
    # 卖不出去, 倒掉: the dairy's unsold milk, in words close to none of his topics, asked while the
    # recall risk is the talk. Heard as generic, it had dug the recall risk; the line's own words of
    # his lean to the expired returns, however slightly, so that is what it asks about.
    machine = DialogueMachine(load_scenario(_DEV / "dev15" / "scenarios" / "dairy_processor.yaml"))
    state, _ = machine.start(lang="zh", mode="practice", seed=5)
    state.revealed, state.trust = list(machine.loaded.problems), 65
    state.current_problem = "recall_risk"
    outcome = machine.turn(state, "这么多盒奶最后卖不出去只能倒掉，怎么造成的？", ["why"])
    assert outcome.revealed == ["plan_by_last_week"]
