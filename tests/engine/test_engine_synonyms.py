"""Issue 10, fifth pass (dev4): a rep's word for what the customer calls otherwise (离职 for the
store chain's 流失率, "out-of-date" for the pharmacy's expired drugs) stands for his word, when
his scenario uses one of the same group (``bot/engine/topics/synonyms.py``). Every line here is
written for this file, none is a probe line.
"""

from __future__ import annotations

import pytest
from engine_support import DIALOGUES, ROOT

from bot.engine.machine import DialogueMachine
from bot.engine.scenario import load_scenario
from bot.engine.topics.index import TopicIndex
from bot.engine.topics.synonyms import build_synonyms
from bot.engine.topics.text import tokens
from bot.i18n import translate

PHARMACY = ROOT / "tests" / "data" / "dev4" / "scenarios" / "hospital_pharmacy_stock.yaml"


def test_a_word_stands_only_for_a_word_his_scenario_uses() -> None:
    vocabulary = frozenset(tokens("store turnover was forty-two percent; tired staff quit", "en").words)
    synonyms = build_synonyms("en", ["store turnover was forty-two percent; tired staff quit"], vocabulary)
    found = synonyms.remap(tokens("how many resignations last year?", "en"))
    assert "turnov" in found.words and "resign" not in found.words
    # his own word is left alone, and a group none of whose words he uses changes nothing
    assert synonyms.remap(tokens("why do they quit?", "en")).words == tokens("why do they quit?", "en").words
    assert synonyms.remap(tokens("any outages?", "en")).words == ("outag",)


def test_a_word_of_two_meanings_is_never_read_as_his() -> None:
    # 流失 is staff leaving for one business and customers leaving for another: the clinic's 离职
    # is never taken for a line's 流失.
    clinic = TopicIndex(load_scenario(DIALOGUES / "clinic_chain_data_breach.yaml"))
    assert "离职" not in clinic.content_words("患者流失严重吗？", "zh")


def test_staff_turnover_in_other_words_is_his_topic_not_another_business() -> None:
    retail = DialogueMachine(load_scenario(DIALOGUES / "retail_store_growth.yaml"))
    state, _ = retail.start(lang="zh", mode="practice", seed=3)
    line = "去年辞职的人有多少？"
    assert retail.focus(state, line).kind == "named"
    outcome = retail.turn(state, line, ["closed_question"])
    not_ours = {translate(f"customer.listen.not_ours.{n}", "zh") for n in (1, 2)}
    assert outcome.event not in ("unclear", "off_topic") and outcome.reply not in not_ours, outcome.reply


@pytest.mark.parametrize(
    "line",
    [
        "And if the inspectors came across out-of-date packs in a ward, what then?",
        "If an outdated drug turned up in a cabinet during the inspection, what then?",
    ],
)
def test_out_of_date_is_his_expired(line: str) -> None:
    pharmacy = DialogueMachine(load_scenario(PHARMACY))
    state, _ = pharmacy.start(lang="en", mode="practice", seed=5)
    state.revealed = ["vbp_rounds", "stockouts", "manual_ordering", "expiry_risk", "new_campus_pharmacy"]
    state.trust = 60
    state.current_problem = "new_campus_pharmacy"
    outcome = pharmacy.turn(state, line, ["what_if"])
    assert outcome.revealed == ["inspection_fail"], outcome.reply


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("en", "Why are your parts getting rejected so much more often?"),
        ("zh", "被打回的件怎么比以前多这么多？"),
    ],
)
def test_rejected_parts_are_his_returns(lang: str, line: str) -> None:
    parts = DialogueMachine(load_scenario(DIALOGUES / "precision_parts_returns.yaml"))
    state, _ = parts.start(lang=lang, mode="practice", seed=5)
    state.revealed = ["new_standard", "returns", "audit_risk", "paper_records"]
    state.trust = 60
    state.current_problem = "audit_risk"
    outcome = parts.turn(state, line, ["why"])
    assert outcome.revealed == ["late_detection"], outcome.reply


def test_a_phrase_stands_for_his_word() -> None:
    fleet = TopicIndex(load_scenario(DIALOGUES / "logistics_fleet_tender.yaml"))
    assert "offlin" in fleet.content_words("the trucks that went dark yesterday", "en")
    assert "offlin" in fleet.content_words("terminals losing connection", "en")


def test_trucks_going_dark_are_his_trucks_dropping_offline() -> None:
    fleet = DialogueMachine(load_scenario(DIALOGUES / "logistics_fleet_tender.yaml"))
    state, _ = fleet.start(lang="en", mode="practice", seed=5)
    state.revealed = ["tender_rfq", "on_time_drop", "old_boxes", "detours"]
    state.trust = 60
    state.current_problem = "on_time_drop"
    line = "Say more of the trucks go dark on the platform every week, where does that end?"
    outcome = fleet.turn(state, line, ["what_if"])
    assert outcome.revealed == ["offline_penalty"], outcome.reply


def test_a_shared_username_is_his_shared_login() -> None:
    clinic = DialogueMachine(load_scenario(DIALOGUES / "clinic_chain_data_breach.yaml"))
    state, _ = clinic.start(lang="en", mode="practice", seed=5)
    state.revealed = ["audit_rules", "wechat_files", "consult_need", "shared_accounts"]
    state.trust = 60
    state.current_problem = "wechat_files"
    line = "Suppose a username that five nurses share is used to pull records it shouldn't. What happens?"
    outcome = clinic.turn(state, line, ["what_if"])
    assert outcome.revealed == ["account_abuse"], outcome.reply


DEALER = ROOT / "tests" / "data" / "dev9" / "scenarios" / "dealer_aftersales.yaml"


def test_who_else_feels_a_master_leaving_is_the_technicians_spreading_harm() -> None:
    # Read as a what-if although the classifier hears care, and as harm though it names no loss.
    dealer = DialogueMachine(load_scenario(DEALER))
    state, _ = dealer.start(lang="zh", mode="practice", seed=5)
    state.revealed = ["warranty_wave", "retention_drop", "ev_poaching", "technician_drain"]
    state.trust = 70
    state.current_problem = "retention_drop"
    outcome = dealer.turn(state, "一个老技师走了，店里还有谁会跟着受影响？", ["curiosity_care"])
    assert outcome.revealed == ["comebacks_spread"], outcome.reply


def test_mechanics_are_the_dealers_technicians_not_foreign_words() -> None:
    index = TopicIndex(load_scenario(DEALER))
    match = index.match("Why do your mechanics keep leaving?", "en")
    assert match.unknown == () and match.topic == "implication:masters_gone"


def test_a_word_only_the_briefing_uses_stands_for_the_one_his_topics_use() -> None:
    # The dealer's briefing says he "started as a mechanic"; his topics say "technicians". A rep's
    # "mechanics" is read as the technicians, not as a briefing word no topic matches.
    index = TopicIndex(load_scenario(DEALER))
    found = index.content_words("What do you think is really driving your best mechanics out the door?", "en")
    assert "technician" in found and "mechan" not in found
    text = "he started as a mechanic; our technicians keep leaving"
    vocabulary = frozenset(tokens(text, "en").words)
    assert build_synonyms("en", [text], vocabulary).stems.get("mechan") is None  # both his words
    assert build_synonyms("en", [text], vocabulary, frozenset({"technician"})).stems["mechan"] == "technician"


def test_packed_wrong_is_his_wrong_shipments() -> None:
    # The warehouse says 错发 (shipped wrong); a rep says 装错 (packed wrong): the same problem, and
    # 遭殃 ("who else suffers?") is a word of any visit, not a foreign one.
    warehouse = TopicIndex(
        load_scenario(ROOT / "tests" / "data" / "dev12" / "scenarios" / "ecommerce_warehouse.yaml")
    )
    match = warehouse.match("装错的东西越来越多，还有谁跟着遭殃？", "zh")
    assert match.unknown == () and match.families[0][0] == "mis_shipments"


def test_mistakes_are_his_errors() -> None:
    vocabulary = frozenset(tokens("picking errors doubled this year", "en").words)
    synonyms = build_synonyms("en", ["picking errors doubled this year"], vocabulary)
    assert "error" in synonyms.remap(tokens("why do the mistakes keep happening?", "en")).words
