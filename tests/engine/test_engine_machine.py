"""The state machine: every transition and guard of the method, on the example scenario.

Lines are given already classified (the machine's input), so each test pins one rule.
"""

from __future__ import annotations

import json
import random
import threading

import pytest

from bot.engine.machine import DialogueMachine
from bot.engine.rules import DEEP_GATE, SHALLOW_GATE, STAGE_TRUST
from bot.engine.scenario import Lines, LoadedScenario
from bot.engine.state import SessionState


def play(machine: DialogueMachine, state: SessionState, *techniques: str, text: str = "...") -> str:
    """Play one line with the given techniques; returns the turn's event."""
    return machine.turn(state, text, list(techniques)).event


def open_returns(machine: DialogueMachine, state: SessionState) -> None:
    """The customer likes the rep and has admitted the returns problem."""
    state.trust = 36
    assert play(machine, state, "curiosity_care") == "situation"
    assert "returns" in state.revealed


# -- opener and curiosity ------------------------------------------------------------------


def test_greeting_earns_trust_once(machine: DialogueMachine, state: SessionState) -> None:
    assert play(machine, state, "greeting") == "greeted"
    assert state.trust == 23
    play(machine, state, "greeting")
    assert state.trust == 23
    assert state.step == "opener" and state.stage == "first_impression"


def test_easy_closed_questions_open_the_visit(machine: DialogueMachine, state: SessionState) -> None:
    assert play(machine, state, "closed_question") == "opener_answered"
    assert play(machine, state, "closed_question") == "opener_answered"
    assert state.trust == 32
    assert play(machine, state, "closed_question") == "small_talk"  # a third adds little
    assert state.trust == 33
    assert state.stage == "liking"  # warm: trust crossed the liking threshold


def test_open_question_before_liking_gets_a_guarded_answer(
    machine: DialogueMachine, state: SessionState
) -> None:
    # The example's customer is not talkative: he stays guarded below trust 40.
    state.trust = 38
    assert play(machine, state, "open_question") == "guarded"
    assert state.revealed == []
    state.trust = 40
    assert play(machine, state, "open_question") == "situation"
    assert state.revealed[:2] == ["new_standard", "returns"]
    assert state.step == "analysis"


def test_care_reveals_a_change_and_the_problem_it_leads_to(
    machine: DialogueMachine, state: SessionState
) -> None:
    outcome = machine.turn(state, "You look tired, has the carmaker changed something?", ["curiosity_care"])
    assert outcome.revealed == ["new_standard", "returns"]
    assert outcome.trust_after - outcome.trust_before == 7
    assert state.current_problem == "returns"
    assert state.step == "analysis"  # opener -> curiosity -> analysis in one turn
    # The customer asks his own question right after admitting the returns.
    assert state.pending_question == "q_peers"
    assert "other parts makers" in outcome.reply


def test_care_with_no_change_left_still_warms(machine: DialogueMachine, state: SessionState) -> None:
    state.revealed = ["new_standard", "returns", "new_plant_head", "tired"]
    state.current_problem = "returns"
    before = state.trust
    assert play(machine, state, "curiosity_care") == "care"
    assert state.trust > before


# -- deep questions before trust -------------------------------------------------------------


def test_why_before_liking_is_deflected_and_costs_double_for_this_customer(
    machine: DialogueMachine, state: SessionState
) -> None:
    assert state.trust < SHALLOW_GATE
    outcome = machine.turn(state, "Why are you losing customers?", ["why"])
    assert outcome.event == "deflected" and outcome.revealed == []
    assert outcome.trust_after == 20 - 8  # offended_by deep_questions_before_trust
    assert state.deflections == 1


def test_a_humble_disclaimer_in_the_line_softens_the_hard_question(
    machine: DialogueMachine, state: SessionState
) -> None:
    state.revealed = ["returns"]
    state.current_problem = "returns"
    state.trust = SHALLOW_GATE - 8  # below the gate, within the softening
    assert play(machine, state, "why", "humble_disclaimer") == "dug"
    assert "late_detection" in state.revealed


def test_a_softened_deflection_costs_nothing(machine: DialogueMachine, state: SessionState) -> None:
    state.trust = 12
    assert play(machine, state, "need_confirmation", "humble_disclaimer") == "deflected_softened"
    assert state.trust == 12


def test_permission_alone_softens_the_next_question_only(
    machine: DialogueMachine, state: SessionState
) -> None:
    state.revealed = ["returns"]
    state.current_problem = "returns"
    state.trust = 22
    assert play(machine, state, "humble_disclaimer") == "permission"
    assert state.permission and state.trust == 24
    assert play(machine, state, "why") == "dug"
    assert not state.permission
    state.trust = 22
    assert play(machine, state, "why") == "deflected"


def test_deep_questions_need_trust(machine: DialogueMachine, state: SessionState) -> None:
    open_returns(machine, state)
    assert state.trust < DEEP_GATE
    for technique in ("what_if", "how_do_you_see", "need_confirmation"):
        assert play(machine, state, technique) == "deflected", technique


def test_a_fact_with_min_trust_is_held_back(machine: DialogueMachine, state: SessionState) -> None:
    open_returns(machine, state)  # trust 43 after the care
    play(machine, state, "answer_with_question")
    state.trust = 33
    assert play(machine, state, "why") == "dug"  # late_detection: no minimum
    state.trust = 33
    assert play(machine, state, "why") == "deflected"  # sampling_gaps needs 35
    assert "sampling_gaps" not in state.revealed


# -- analysis: why digs, what else widens ------------------------------------------------------


def test_why_digs_one_level_at_a_time_to_the_root(machine: DialogueMachine, state: SessionState) -> None:
    open_returns(machine, state)
    play(machine, state, "answer_with_question")
    state.trust = 50
    assert play(machine, state, "why") == "dug"
    assert play(machine, state, "why") == "dug"
    assert play(machine, state, "why") == "root_found"
    assert [f for f in state.revealed if f in ("late_detection", "sampling_gaps", "no_live_data")] == [
        "late_detection",
        "sampling_gaps",
        "no_live_data",
    ]
    assert play(machine, state, "why") == "at_root"
    assert state.step == "analysis"


def test_why_with_no_problem_on_the_table(machine: DialogueMachine, state: SessionState) -> None:
    state.trust = 40
    assert play(machine, state, "why") == "no_problem_yet"
    assert play(machine, state, "what_if", "humble_disclaimer") == "no_problem_yet"


def test_what_else_opens_the_next_sibling_then_runs_dry(
    machine: DialogueMachine, state: SessionState
) -> None:
    open_returns(machine, state)
    play(machine, state, "answer_with_question")
    assert play(machine, state, "what_else") == "sibling"
    assert state.current_problem == "audit_risk"
    assert play(machine, state, "why") == "dug"
    assert "paper_records" in state.revealed  # why now digs into the sibling
    # No problem left: what else brings out the remaining changes, then nothing.
    assert play(machine, state, "what_else") == "situation"
    assert play(machine, state, "what_else") == "situation"
    assert play(machine, state, "what_else") == "nothing_else"


# -- motivation, views, explicit need -------------------------------------------------------


def dig_to_root(machine: DialogueMachine, state: SessionState) -> None:
    open_returns(machine, state)
    play(machine, state, "answer_with_question")
    state.trust = 50
    for _ in range(3):
        play(machine, state, "why")
    assert machine.customer.root_found(state)


def test_what_if_draws_out_harm_or_gain_by_the_question_direction(
    machine: DialogueMachine, state: SessionState
) -> None:
    dig_to_root(machine, state)
    outcome = machine.turn(state, "If the returns are still this high next year, what happens?", ["what_if"])
    assert outcome.revealed == ["lose_share"] and outcome.event == "implication"
    assert state.step == "what_if"
    outcome = machine.turn(
        state, "Suppose you knew the moment a press drifted, what would that give you?", ["what_if"]
    )
    assert outcome.revealed == ["win_platform"]


def test_open_question_brings_out_a_change_and_moves_to_curiosity(
    machine: DialogueMachine, state: SessionState
) -> None:
    state.revealed = ["new_standard"]  # the change that leads to the returns is out, the returns not yet
    state.trust = 42
    outcome = machine.turn(state, "How have things been in the organisation?", ["open_question"])
    assert outcome.revealed == ["new_plant_head"] and outcome.event == "situation"
    assert state.step == "curiosity" and state.current_problem is None


def test_motivation_and_views_run_out(machine: DialogueMachine, state: SessionState) -> None:
    dig_to_root(machine, state)
    for _ in range(5):
        assert play(machine, state, "what_if") == "implication"  # every returns implication, then audit none
    assert play(machine, state, "what_if") == "nothing_else"
    assert play(machine, state, "how_do_you_see") == "view"
    play(machine, state, "answer_with_question")
    outcome = machine.turn(state, "Another idea: would sensors work?", ["how_do_you_see"])
    # No view left; "sensors" is a word this customer never used, so he asks what is meant.
    assert outcome.event in ("small_talk", "unclear") and outcome.revealed == []


@pytest.mark.parametrize(
    ("lang", "line", "implication"),
    [
        ("en", "If this carries on, who else in the plant would feel it?", "overtime_spread"),
        ("en", "If it is still like this next year, what then?", "lose_share"),
        (
            "en",
            "If you could see drift as it starts, what would it give you in the long run?",
            "win_platform",
        ),
        ("en", "Suppose it were solved, who else would benefit?", "data_for_all"),
        ("zh", "如果这样下去，还有谁会受影响？", "overtime_spread"),
        ("zh", "假如能做到实时看到参数，其他部门会有什么好处？", "data_for_all"),
    ],
)
def test_what_if_direction_and_scope_pick_the_angle(
    machine: DialogueMachine, lang: str, line: str, implication: str
) -> None:
    state, _ = machine.start(lang=lang, mode="practice", seed=1)
    dig_to_root(machine, state)
    assert machine.turn(state, line, ["what_if"]).revealed == [implication]


def test_how_do_you_see_needs_the_root_need(machine: DialogueMachine, state: SessionState) -> None:
    open_returns(machine, state)
    play(machine, state, "answer_with_question")
    state.trust = 50
    assert play(machine, state, "how_do_you_see") == "view_too_early"
    for _ in range(3):
        play(machine, state, "why")
    outcome = machine.turn(state, "A peer added live monitoring; would that work here?", ["how_do_you_see"])
    assert outcome.revealed == ["peer_case_view"]
    assert state.step == "how_do_you_see"
    assert state.pending_question == "d_old_machines"  # the view comes with a doubt


def test_need_confirmation_succeeds_only_after_motivation(
    machine: DialogueMachine, state: SessionState
) -> None:
    dig_to_root(machine, state)
    assert play(machine, state, "need_confirmation") == "need_not_ready"
    play(machine, state, "what_if", text="if it is not fixed")
    play(machine, state, "what_if", text="if it were solved")
    assert machine.motivation_count(state) == 2
    outcome = machine.turn(state, "What budget could you put towards it?", ["need_confirmation"])
    assert outcome.revealed == ["budget"]  # the line is about money
    outcome = machine.turn(state, "And by when?", ["need_confirmation"])
    assert outcome.revealed == ["deadline"]
    assert state.step == "need_confirmation"
    assert play(machine, state, "need_confirmation") == "need_done"


# -- pitches, private topics, the customer's questions ----------------------------------------


def test_a_pitch_before_a_need_costs_trust_and_two_end_the_visit(
    machine: DialogueMachine, state: SessionState
) -> None:
    outcome = machine.turn(state, "Our system is the best.", ["pitch"])
    assert outcome.event == "pitch_early" and outcome.trust_after == 6
    assert state.status == "active"
    outcome = machine.turn(state, "And it is on sale.", ["pitch"])
    assert outcome.status == "closed_by_customer" and state.step == "closed_by_customer"
    assert state.pitches_before_need == 2
    with pytest.raises(ValueError):
        machine.turn(state, "Wait!", ["statement"])


def test_three_early_pitches_end_the_visit_even_for_a_patient_customer(example: LoadedScenario) -> None:
    s = example.scenario
    patient = s.model_copy(
        update={"customer": s.customer.model_copy(update={"offended_by": [], "initial_trust": 60})}
    )
    machine = DialogueMachine(LoadedScenario(patient, example.source))
    state, _ = machine.start(lang="zh", mode="practice", seed=1)
    for _ in range(2):
        assert play(machine, state, "pitch") == "pitch_early"
    assert state.trust == 60 - 14 and state.status == "active"
    play(machine, state, "pitch")
    assert state.status == "closed_by_customer"


def test_a_pitch_after_the_need_is_heard_and_raises_an_objection(
    machine: DialogueMachine, state: SessionState
) -> None:
    dig_to_root(machine, state)
    before = state.trust
    assert play(machine, state, "pitch") == "pitch_after_need"
    assert state.trust > before
    assert state.pending_question == "o_cost"


def test_private_topics_cost_trust(machine: DialogueMachine, state: SessionState) -> None:
    outcome = machine.turn(state, "How old are your kids? Are you married?", ["closed_question"])
    assert outcome.event == "private" and outcome.trust_after == 20 - 12
    zh_state, _ = machine.start(lang="zh", mode="practice", seed=1)
    assert play(machine, zh_state, "closed_question", text="王总今年多大了？") == "private"


def test_ignoring_the_customers_question_costs_and_answering_back_pays(
    machine: DialogueMachine, state: SessionState
) -> None:
    open_returns(machine, state)
    assert state.pending_question == "q_peers"
    trust = state.trust
    outcome = machine.turn(state, "Why have returns doubled?", ["why"])
    assert outcome.ignored_question and state.ignored_questions == 1
    assert outcome.trust_after == trust - 3 + 4  # ignored, then the why still digs
    assert state.pending_question is None

    other, _ = machine.start(lang="en", mode="practice", seed=1)
    open_returns(machine, other)
    trust = other.trust
    # Answering with a question wins even when the classifier lists it second.
    outcome = machine.turn(
        other, "Many do. Which of your lines is worst hit?", ["why", "answer_with_question"]
    )
    assert outcome.event == "answered_back" and outcome.trust_after == trust + 6
    assert other.pending_question is None and other.answered_back == 1


def test_answering_with_a_question_needs_a_question_to_answer(
    machine: DialogueMachine, state: SessionState
) -> None:
    open_returns(machine, state)
    play(machine, state, "answer_with_question")  # answers q_peers
    assert state.pending_question is None
    # No question pending: the line is taken as the next label the classifier found in it.
    outcome = machine.turn(state, "Sure. Anything else on your mind?", ["answer_with_question", "what_else"])
    assert outcome.technique == "what_else" and outcome.event == "sibling"
    outcome = machine.turn(state, "Right. How is that going?", ["answer_with_question"])
    assert outcome.technique == "open_question"


def test_a_plain_answer_closes_the_question_without_credit(
    machine: DialogueMachine, state: SessionState
) -> None:
    open_returns(machine, state)
    assert play(machine, state, "statement") == "answered_plainly"
    assert state.pending_question is None
    assert play(machine, state, "statement") == "statement"


def test_confirming_questions_need_something_new(machine: DialogueMachine, state: SessionState) -> None:
    # Before the customer said anything, "you make EV parts, right?" checks what the rep knows:
    # the customer hears an easy closed question.
    outcome = machine.turn(state, "You make EV parts, right?", ["confirm_question"])
    assert outcome.event == "opener_answered" and outcome.technique == "closed_question"
    outcome = machine.turn(state, "Fine. Two shifts, right?", ["answer_with_question", "confirm_question"])
    assert outcome.technique == "closed_question"
    open_returns(machine, state)
    play(machine, state, "answer_with_question")
    assert play(machine, state, "confirm_question") == "confirmed"
    assert play(machine, state, "confirm_question") == "confirm_nothing"


# -- revisits ------------------------------------------------------------------------------------


def test_revisit_picks_up_where_the_last_visit_left_off(machine: DialogueMachine) -> None:
    state, _ = machine.start(
        lang="en",
        mode="practice",
        seed=1,
        prior=["new_standard", "returns", "late_detection", "not_a_fact"],
        visit="follow_up",
    )
    assert state.prior == ["new_standard", "returns", "late_detection"]  # unknown ids are dropped
    outcome = machine.turn(state, "Last time you mentioned the final inspection?", ["revisit_topic"])
    assert outcome.event == "revisited" and outcome.trust_after == 28
    assert "defects found only at final inspection" in outcome.reply
    assert set(state.revealed) == {"new_standard", "returns", "late_detection"}
    assert state.current_problem == "returns" and state.step == "analysis"
    state.trust = 40
    outcome = machine.turn(state, "Why is that?", ["why"])
    assert outcome.revealed == ["sampling_gaps"]  # digging goes on from the earlier depth


def test_a_trainers_braces_are_just_text(example: LoadedScenario) -> None:
    s = example.scenario
    replies = dict(s.replies)
    replies["revisit"] = Lines(en=["Right, {topic}: where were we? {not a field}"])
    machine = DialogueMachine(LoadedScenario(s.model_copy(update={"replies": replies}), example.source))
    state, _ = machine.start(lang="en", mode="practice", seed=1, prior=["returns"], visit="follow_up")
    reply = machine.turn(state, "Last time you mentioned returns?", ["revisit_topic"]).reply
    assert reply == "Right, the doubled returns: where were we? {not a field}"


def test_revisit_within_the_talk_and_of_nothing(machine: DialogueMachine, state: SessionState) -> None:
    assert play(machine, state, "revisit_topic") == "revisit_unknown"
    assert state.trust == 17
    open_returns(machine, state)
    assert play(machine, state, "answer_with_question") == "answered_back"
    assert play(machine, state, "revisit_topic") == "revisited_talk"


# -- stages ----------------------------------------------------------------------------------


def test_stages_warm_with_trust_and_uncovered_facts_and_cool_when_trust_falls(
    machine: DialogueMachine, state: SessionState
) -> None:
    state.trust = 50
    play(machine, state, "statement")
    assert state.stage == "liking"  # trust alone: the trust stage needs a shared fact
    play(machine, state, "curiosity_care")
    assert state.stage == "trust"
    play(machine, state, "answer_with_question")
    for _ in range(3):
        play(machine, state, "why")
    assert state.stage == "persuasion"  # the root need is out
    play(machine, state, "what_if", text="if it is not fixed")
    assert state.stage == "persuasion"  # one implication: not motivated yet
    play(machine, state, "what_if", text="if solved")
    assert state.stage == "excitation"
    assert state.stage_reached == "excitation"
    state.trust = STAGE_TRUST["excitation"] - 1
    play(machine, state, "statement")
    assert state.stage == "persuasion"  # cooled by one stage
    assert state.stage_reached == "excitation"


@pytest.mark.parametrize(
    ("stage", "below"),
    [
        ("liking", "first_impression"),
        ("trust", "liking"),
        ("persuasion", "trust"),
        ("excitation", "persuasion"),
    ],
)
def test_each_stage_cools_by_one_when_trust_falls_under_it(
    machine: DialogueMachine, state: SessionState, stage: str, below: str
) -> None:
    state.stage = stage
    state.trust = STAGE_TRUST[stage] - 0.5
    play(machine, state, "statement")
    assert state.stage == below


def test_what_else_before_liking_is_deflected(machine: DialogueMachine, state: SessionState) -> None:
    assert play(machine, state, "what_else") == "deflected"
    assert state.revealed == []


def test_open_questions_with_nothing_left_to_tell(machine: DialogueMachine, state: SessionState) -> None:
    state.revealed = ["new_standard", "returns", "new_plant_head", "tired"]
    state.current_problem = "returns"
    state.trust = 45
    assert play(machine, state, "open_question") == "small_talk"  # a quiet customer volunteers nothing


def test_a_talkative_customer_volunteers_the_next_cause(example: LoadedScenario) -> None:
    s = example.scenario
    chatty = s.model_copy(update={"customer": s.customer.model_copy(update={"talkative": "high"})})
    machine = DialogueMachine(LoadedScenario(chatty, example.source))
    state, _ = machine.start(lang="en", mode="practice", seed=1)
    state.revealed = ["new_standard", "returns", "new_plant_head", "tired"]
    state.current_problem = "returns"
    state.trust = 22  # a talkative customer is guarded only below 20
    outcome = machine.turn(state, "How does the inspection work?", ["open_question"])
    assert outcome.revealed == ["late_detection"] and outcome.event == "dug"


def test_the_rep_ends_the_visit(machine: DialogueMachine, state: SessionState) -> None:
    outcome = machine.end(state)
    assert outcome.status == "ended" and state.step == "ended"
    assert outcome.reply  # the customer says goodbye
    again = machine.end(state)
    assert again.reply == "" and state.status == "ended"


# -- determinism and storage ------------------------------------------------------------------

LINES = [
    ("greeting",),
    ("closed_question",),
    ("curiosity_care",),
    ("answer_with_question",),
    ("why",),
    ("why",),
    ("why", "humble_disclaimer"),
    ("what_else",),
    ("what_if",),
    ("what_if",),
    ("how_do_you_see",),
    ("answer_with_question",),
    ("need_confirmation",),
    ("need_confirmation",),
]


def transcript(machine: DialogueMachine, seed: int, lang: str = "en") -> list[str]:
    state, opening = machine.start(lang=lang, mode="practice", seed=seed)
    replies = [opening]
    for techniques in LINES:
        replies.append(machine.turn(state, "if it is not fixed, budget?", list(techniques)).reply)
    return replies


def test_replies_are_deterministic_for_a_seed_and_vary_across_seeds(machine: DialogueMachine) -> None:
    assert transcript(machine, 7) == transcript(machine, 7)
    assert transcript(machine, 7, "zh") == transcript(machine, 7, "zh")
    assert len({tuple(transcript(machine, seed)) for seed in range(1, 9)}) >= 4


def test_one_machine_serves_interleaved_sessions(machine: DialogueMachine) -> None:
    a, _ = machine.start(lang="en", mode="practice", seed=3)
    b, _ = machine.start(lang="en", mode="practice", seed=4)
    replies_a, replies_b = [], []
    for techniques in LINES:
        replies_a.append(machine.turn(a, "x", list(techniques)).reply)
        replies_b.append(machine.turn(b, "x", list(techniques)).reply)
    alone, _ = machine.start(lang="en", mode="practice", seed=3)
    assert [machine.turn(alone, "x", list(t)).reply for t in LINES] == replies_a
    assert a.to_dict() == alone.to_dict()


def test_state_survives_a_json_round_trip_mid_visit(machine: DialogueMachine) -> None:
    straight, _ = machine.start(lang="zh", mode="practice", seed=9)
    stored, _ = machine.start(lang="zh", mode="practice", seed=9)
    for index, techniques in enumerate(LINES):
        expected = machine.turn(straight, "如果不解决", list(techniques))
        stored = SessionState.from_dict(json.loads(json.dumps(stored.to_dict())))
        got = machine.turn(stored, "如果不解决", list(techniques))
        assert got == expected, index
    assert stored.to_dict() == straight.to_dict()


def test_one_machine_is_safe_to_share_across_threads(machine: DialogueMachine) -> None:
    expected = {seed: transcript(machine, seed) for seed in range(8)}
    got: dict[int, list[str]] = {}

    def play_seed(seed: int) -> None:
        for _ in range(20):
            got[seed] = transcript(machine, seed)
            assert got[seed] == expected[seed]

    threads = [threading.Thread(target=play_seed, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert got == expected


def test_any_sequence_of_techniques_keeps_the_invariants() -> None:
    """Random visits on every bundled scenario: no crash, and the state always makes sense."""
    from engine_support import DIALOGUES

    from bot.engine.scenario import STAGES, STEPS, TECHNIQUES, load_scenario
    from bot.vocab import END_STEPS

    rng = random.Random(20261126)
    words = {
        "zh": ["如果一直这样", "预算多少", "还有谁", "", "多大了"],
        "en": ["if it stays", "budget?", "who else", ""],
    }
    for file in sorted(DIALOGUES.glob("*.yaml")):
        loaded = load_scenario(file)
        machine = DialogueMachine(loaded)
        facts = set(loaded.scenario.fact_ids())
        for visit in range(40):
            lang = rng.choice(loaded.scenario.languages)
            prior = rng.sample(sorted(facts), k=rng.randrange(3))
            state, _ = machine.start(lang=lang, mode="practice", seed=visit, prior=prior)
            for _ in range(rng.randrange(1, 40)):
                if not state.active:
                    break
                techniques = rng.sample(TECHNIQUES, k=rng.randrange(1, 3))
                outcome = machine.turn(state, rng.choice(words[lang]), techniques)
                assert outcome.reply, (file.name, techniques)
                assert 0 <= state.trust <= 100
                assert len(state.revealed) == len(set(state.revealed)) and set(state.revealed) <= facts
                assert state.stage in STAGES and state.step in (*STEPS, *END_STEPS)
                assert (state.step in END_STEPS) == (not state.active)
                assert state.pending_question is None or state.pending_question in state.asked
            if state.active:
                machine.end(state)
            assert state.step in END_STEPS and len(state.trust_curve) == state.turn + 1


# -- the transition table --------------------------------------------------------------------


def test_an_interest_check_is_answered_by_where_the_customer_stands(machine: DialogueMachine) -> None:
    """No problem yet: puzzled. A problem but nothing at stake: lukewarm. Motivated: interested."""
    line = "If I had an idea for that, would you be interested?"
    state, _ = machine.start(lang="en", mode="practice", seed=3)
    state.trust = 50.0
    puzzled = machine.turn(state, line, ["interest_check"])
    state.revealed += ["new_standard", "returns"]
    state.current_problem = "returns"
    lukewarm = machine.turn(state, line, ["interest_check"])
    state.revealed += ["late_detection", "lose_share", "overtime_spread"]
    interested = machine.turn(state, line, ["interest_check"])
    assert [puzzled.event, lukewarm.event, interested.event] == ["interest"] * 3
    assert [state.history[i]["technique"] for i in range(3)] == ["interest_check"] * 3
    assert len({puzzled.reply, lukewarm.reply, interested.reply}) == 3
    assert interested.trust_delta > 0 and state.interest == "interested"
    assert not (puzzled.revealed or lukewarm.revealed or interested.revealed)


def test_every_technique_has_a_transition() -> None:
    from bot.engine.table import STEP_ROWS
    from bot.vocab import Technique

    assert set(Technique) <= {row.trigger for row in STEP_ROWS}


def test_a_row_naming_something_the_model_lacks_is_refused_when_the_machine_is_built() -> None:
    from bot.engine.machine import TableError, build_machine
    from bot.engine.reactions import TurnModel
    from bot.engine.table import Row
    from bot.vocab import QUESTIONING_STEPS, Step, Technique

    # Not methods of the model: ``transitions`` looks callbacks up on the model by name.
    def dance(model: TurnModel) -> None:
        model.say("small_talk")

    def lucky(model: TurnModel) -> bool:
        return True

    good = Row(Technique.WHY, Step.ANALYSIS, TurnModel.dig, when=(TurnModel.can_dig,))
    assert build_machine([good], QUESTIONING_STEPS, "step").events["why"]
    with pytest.raises(TableError, match="not a method of TurnModel"):
        build_machine([Row(Technique.WHY, None, dance)], QUESTIONING_STEPS, "step")
    with pytest.raises(TableError, match="not a method of TurnModel"):
        build_machine([Row(Technique.WHY, None, TurnModel.dig, when=(lucky,))], QUESTIONING_STEPS, "step")
    with pytest.raises(TableError, match="unknown states"):
        build_machine([Row(Technique.WHY, "nowhere", TurnModel.dig)], QUESTIONING_STEPS, "step")
