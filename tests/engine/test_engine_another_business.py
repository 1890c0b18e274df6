"""A question about another business gets "that's not us" and no fact (issue 10).

One word shared with the customer ("emissions", 排放, "margins") used to carry a question about
another industry's things (trucks, a shop's stores) onto one of his topics, and he answered it with
a fact of his. ``topics.coverage.another_business`` hears it as off-topic when it names a thing of
another business his scenario never mentions and the topic it is heard as shares at most one word.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_support import DIALOGUES, ROOT

from bot.engine.machine import DialogueMachine
from bot.engine.scenario import load_scenario
from bot.engine.state import SessionState
from bot.engine.topics.domains import other_business

RETURNS = ["new_standard", "returns", "late_detection"]


def _at(machine: DialogueMachine, revealed: list[str], lang: str) -> SessionState:
    state, _ = machine.start(lang=lang, mode="practice", seed=5)
    state.revealed = list(revealed)
    state.trust = 60
    state.current_problem = next(f for f in reversed(revealed) if f in machine.loaded.problems)
    return state


@pytest.mark.parametrize(
    ("lang", "line", "technique"),
    [
        ("en", "What happens to your margins if half your trucks fail the new emissions check?", "what_if"),
        ("zh", "如果车队一半的车过不了排放年检，交货会不会受影响？", "what_if"),
        ("zh", "新开的那几家门店为什么一直不盈利？", "why"),
    ],
)
def test_one_shared_word_does_not_carry_another_business_onto_his_topics(
    machine: DialogueMachine, lang: str, line: str, technique: str
) -> None:
    state = _at(machine, RETURNS, lang)
    outcome = machine.turn(state, line, [technique])
    assert outcome.event == "off_topic" and outcome.revealed == []
    assert state.history[-1]["focus"] == "off_topic" and outcome.trust_delta < 0


def test_the_hotel_is_not_asked_about_its_trucks() -> None:
    # The example: the hotel group's carbon goal shares "emissions" with a fleet question.
    hotel = DialogueMachine(
        load_scenario(ROOT / "tests" / "data" / "dev4" / "scenarios" / "hotel_energy_guests.yaml")
    )
    state = _at(hotel, ["energy_bills", "guest_complaints", "carbon_goal"], "en")
    line = "What happens to your delivery times if half the trucks fail the new emissions check?"
    outcome = hotel.turn(state, line, ["what_if"])
    assert outcome.event == "off_topic" and outcome.revealed == []


def test_his_own_things_are_never_another_business(machine: DialogueMachine) -> None:
    # Trucks are the fleet manager's business, patients the clinic's: their questions stay on topic.
    fleet = DialogueMachine(load_scenario(DIALOGUES / "logistics_fleet_tender.yaml"))
    state = _at(fleet, ["on_time_drop"], "en")
    assert fleet.turn(state, "Why are so many of your trucks arriving late?", ["why"]).event != "off_topic"
    clinic = DialogueMachine(load_scenario(DIALOGUES / "clinic_chain_data_breach.yaml"))
    state = _at(clinic, ["wechat_files"], "en")
    outcome = clinic.turn(state, "Why do the doctors still send patient records over WeChat?", ["why"])
    assert outcome.event != "off_topic" and outcome.revealed
    # A line that is clearly about his returns keeps its topic.
    state = _at(machine, RETURNS, "en")
    assert machine.turn(state, "Why are more and more parts coming back from the carmaker?", ["why"]).revealed


def test_things_of_other_businesses_are_found_by_stem_and_inside_chinese_words() -> None:
    assert other_business(("truck", "margin", "patient"), "en") == ("truck", "patient")
    assert other_business(("货车司机", "利润"), "zh") == ("货车司机",)


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("en", "If your tenants stop paying rent, what does that do to your cash flow?"),
        ("en", "What happens to your margins if the couriers lose more parcels?"),
        ("zh", "如果租户不交房租了，您的现金流会怎样？"),
    ],
)
def test_a_stake_any_business_has_does_not_make_another_business_his(lang: str, line: str) -> None:
    # "Your cash flow", "your margins" fit every customer: the tenants and couriers are not his.
    retail = DialogueMachine(load_scenario(DIALOGUES / "retail_store_growth.yaml"))
    state = _at(retail, ["growth_goal"], lang)
    outcome = retail.turn(state, line, ["what_if"])
    assert outcome.event == "off_topic" and outcome.revealed == []


@pytest.mark.parametrize(
    ("lang", "line", "technique"),
    [
        ("en", "Apart from that, what else with the carmaker keeps you up at night?", "what_else"),
        ("zh", "除此之外，主机厂那边还有什么让您睡不着的事吗？", "what_else"),
        ("en", "Why do the moulds on the older lathes wear out so fast?", "why"),
    ],
)
def test_a_parts_makers_customers_and_machines_are_not_the_fleets(
    lang: str, line: str, technique: str
) -> None:
    # A parts maker's rep played against the fleet tender: the carmaker, the lathes and moulds are
    # things of another business, so his "anything else?" opens none of the fleet's problems.
    fleet = DialogueMachine(load_scenario(DIALOGUES / "logistics_fleet_tender.yaml"))
    state = _at(fleet, ["on_time_drop"], lang)
    outcome = fleet.turn(state, line, [technique])
    assert outcome.event == "off_topic" and outcome.revealed == []


def test_the_parts_maker_hears_his_own_carmaker() -> None:
    parts = DialogueMachine(load_scenario(DIALOGUES / "precision_parts_returns.yaml"))
    for lang, line in (
        ("en", "Apart from the returns, is anything else with the carmaker keeping you up at night?"),
        ("zh", "除了退货，主机厂那边还有什么让您睡不着的事吗？"),
    ):
        state = _at(parts, RETURNS, lang)
        assert parts.turn(state, line, ["what_else"]).event != "off_topic"


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("en", "Why has showroom traffic at your dealerships fallen off this year?"),
        ("zh", "你们几家4S店今年展厅的客流为什么少了这么多？"),
    ],
)
def test_a_car_dealers_showrooms_are_not_the_stores(lang: str, line: str) -> None:
    # Dealerships and showrooms (4S店, 展厅; "4s店" is a word, not a number with a unit) belong to
    # a car dealer; the store chain has sales and traffic of its own, but no showroom.
    retail = DialogueMachine(load_scenario(DIALOGUES / "retail_store_growth.yaml"))
    state = _at(retail, ["growth_goal"], lang)
    outcome = retail.turn(state, line, ["why"])
    assert outcome.event == "off_topic" and outcome.revealed == []


@pytest.mark.parametrize(
    ("lang", "line", "technique"),
    [
        ("en", "Why did the second furnace at your steelworks go cold this spring?", "why"),
        ("en", "How many of your trawlers came back without squid this season?", "what_if"),
    ],
)
def test_steelworks_and_trawlers_are_other_businesses(lang: str, line: str, technique: str) -> None:
    # The fleet had a cause dug ("go cold": his refrigerated trucks?) and a gain told for them.
    fleet = DialogueMachine(load_scenario(DIALOGUES / "logistics_fleet_tender.yaml"))
    state = _at(fleet, ["on_time_drop"], lang)
    outcome = fleet.turn(state, line, [technique])
    assert outcome.revealed == [] and outcome.event in ("off_topic", "unclear")


WAREHOUSE = ROOT / "tests" / "data" / "dev12" / "scenarios" / "ecommerce_warehouse.yaml"
RESTAURANTS = ROOT / "tests" / "data" / "dev13" / "scenarios" / "restaurant_chain.yaml"
DAIRY = ROOT / "tests" / "data" / "dev15" / "scenarios" / "dairy_processor.yaml"
KNITWEAR = ROOT / "tests" / "data" / "dev16" / "scenarios" / "knitwear_exporter.yaml"
GYMS = ROOT / "tests" / "data" / "dev17" / "scenarios" / "fitness_club_chain.yaml"
HOTELS = ROOT / "tests" / "data" / "dev20" / "scenarios" / "business_hotel_chain.yaml"
CARTONS = ROOT / "tests" / "data" / "dev21" / "scenarios" / "corrugated_carton_plant.yaml"


@pytest.mark.parametrize(
    ("scenario", "lang", "line"),
    [
        (WAREHOUSE, "en", "Why have your cinemas dropped the late-night screenings?"),
        (RESTAURANTS, "en", "Why do your coal mines keep failing their safety inspections?"),
        (WAREHOUSE, "zh", "你们公交公司的司机为什么招不到人？"),
        (WAREHOUSE, "zh", "你们的游泳馆今年冬天为什么办卡的人少了一半？"),
        (DAIRY, "zh", "你们大棚里的西红柿今年为什么熟得这么晚？"),  # a farm's greenhouse, not a dairy's
        (KNITWEAR, "zh", "你们医院的病床为什么老是不够用？"),  # dev16's trainer test
        (GYMS, "zh", "你们水泥厂的窑为什么老是停？"),  # dev17's trainer test
        (GYMS, "en", "Why does the kiln at your cement works keep shutting down?"),
        # The dairy supplies schools, but the school's exams are not his: "your school's exams".
        (DAIRY, "en", "What made your school's exam results drop this term?"),
    ],
)
def test_a_thing_of_another_business_named_as_his_is_enough(scenario: Path, lang: str, line: str) -> None:
    # "Your cinemas": one foreign thing, but the rep says he has it, and his words around it (late,
    # drop, safety, inspections) are any business's: not a cause of one of his problems.
    machine = DialogueMachine(load_scenario(scenario))
    state = _at(machine, list(machine.loaded.problems), lang)
    outcome = machine.turn(state, line, ["why"])
    assert outcome.event == "off_topic" and outcome.revealed == []


@pytest.mark.parametrize(
    ("line", "technique"),
    [
        # 一块儿, 平常: "who usually looks after this side of things?"
        ("我就想问问，这一块儿平常是谁在管着？", "open_question"),
        # 不管, 往后: "if it's left alone, what happens later on?" pictures his problem going on.
        ("那这事儿要是一直拖着不管，往后会咋样？", "what_if"),
    ],
)
def test_colloquial_chinese_ways_of_speaking_are_no_other_business(
    machine: DialogueMachine, line: str, technique: str
) -> None:
    state = _at(machine, RETURNS, "zh")
    outcome = machine.turn(state, line, [technique])
    assert outcome.event != "off_topic" and state.history[-1]["focus"] != "off_topic", outcome.reply


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("en", "Why aren't the carers on nights told which residents are most at risk?"),
        ("en", "Why do so many carers leave within their first year?"),
        ("zh", "护理员为什么老是记不住哪些老年人夜里最容易摔？"),
        ("zh", "食堂中午那几个档口为什么排队这么长？"),
    ],
)
def test_care_homes_and_canteens_are_other_businesses(machine: DialogueMachine, lang: str, line: str) -> None:
    # A care-home rep's why about residents and carers, asked of the parts maker, dug his returns.
    state = _at(machine, RETURNS, lang)
    outcome = machine.turn(state, line, ["why"])
    assert outcome.revealed == [] and outcome.event in ("off_topic", "unclear"), outcome.reply


def test_the_restaurants_are_not_asked_about_carers_rotas() -> None:
    restaurants = DialogueMachine(load_scenario(RESTAURANTS))
    state = _at(restaurants, ["prices_and_spend", "food_cost", "closing_waste"], "en")
    line = "Why does nobody notice when a carer is worn out by the rota?"
    outcome = restaurants.turn(state, line, ["why"])
    assert outcome.revealed == [] and outcome.event in ("off_topic", "unclear"), outcome.reply


@pytest.mark.parametrize(
    ("scenario", "lang", "line"),
    [
        (HOTELS, "zh", "动物园这两年为什么门票越卖越少？"),  # a zoo's tickets, not his room rates
        (GYMS, "zh", "你们律所的官司为什么今年输得多？"),  # a law firm's lawsuits
        (DAIRY, "en", "Why do the tennis courts sit empty on weekday mornings?"),
        (CARTONS, "en", "Why are so few shoppers coming back to the boutique?"),
        (CARTONS, "en", "How come the ferry crossings run half empty in the winter months?"),
    ],
)
def test_zoos_law_firms_courts_boutiques_and_ferries_are_other_businesses(
    scenario: Path, lang: str, line: str
) -> None:
    # Each had a cause of his dug: the line's everyday words (empty, coming back, tickets, lose)
    # are his too, and the one thing that says whose business it is was in no list.
    machine = DialogueMachine(load_scenario(scenario))
    state = _at(machine, list(machine.loaded.problems), lang)
    outcome = machine.turn(state, line, ["why"])
    assert outcome.event == "off_topic" and outcome.revealed == []


def test_a_what_if_picturing_one_thing_of_another_business_is_about_that_business() -> None:
    # The hotels' own words (orders, late, shift) around one foreign thing, pictured as the
    # premise: the bakery's trouble, not a stake of his. "Do you run any hospitals?" (a yes/no
    # question about things) stays the gentler "no, not us" (test_engine_listening).
    machine = DialogueMachine(load_scenario(HOTELS))
    state = _at(machine, list(machine.loaded.problems), "en")
    outcome = machine.turn(
        state, "If the bakery keeps getting its orders late, will it cut a shift?", ["what_if"]
    )
    assert outcome.event == "off_topic" and outcome.revealed == []
