"""The customer listens: replies and scores follow what the rep actually asks.

The rep scripts in ``tests/data/rep_scripts/`` (written by someone else, held out of tuning) are
played through the real classifier against every bundled scenario: a skilled rep's visit scores
high on its own scenario and low on every other; a visit of generic questions scores low
everywhere. The other tests pin the listening behaviours one by one.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
import yaml
from engine_support import DIALOGUES, ROOT, play_script

from bot.engine.checks import check_scenario
from bot.engine.listening import is_conditional, listen_line
from bot.engine.machine import DialogueMachine
from bot.engine.runtime import ScenarioRuntime
from bot.engine.scenario import Lines, LoadedScenario, load_scenario
from bot.engine.state import SessionState

# tests/data/unseen/: two scenarios and their reps' scripts written by an evaluator who never read
# the engine (held out: measured, never tuned on); every script plays against all six scenarios.
UNSEEN = ROOT / "tests" / "data" / "unseen"
SCRIPTS = sorted((ROOT / "tests" / "data" / "rep_scripts").glob("*.yaml")) + sorted(
    (UNSEEN / "rep_scripts").glob("*.yaml")
)
# Known misses, kept visible: strict, so the mark must go once the engine hears this rep.
KNOWN_MISSES: dict[str, str] = {}
OWN_AT_LEAST = 85
CROSS_AT_MOST = 40
GENERIC_AT_MOST = 50
SEEDS = (3, 11)


@pytest.fixture(scope="module")
def runtimes() -> dict[str, ScenarioRuntime]:
    files = sorted(DIALOGUES.glob("*.yaml")) + sorted((UNSEEN / "scenarios").glob("*.yaml"))
    loaded = (ScenarioRuntime(load_scenario(file)) for file in files)
    return {runtime.id: runtime for runtime in loaded}


@pytest.mark.slow
@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[p.stem]))
        if p.stem in KNOWN_MISSES
        else p
        for p in SCRIPTS
    ],
    ids=[p.stem for p in SCRIPTS],
)
def test_a_script_scores_high_only_where_it_belongs(path: Path, runtimes: dict[str, ScenarioRuntime]) -> None:
    """MUST SHOW: own scenario >= 85, any other <= 40; generic scripts <= 50 everywhere."""
    script = yaml.safe_load(path.read_text("utf-8"))
    scores = {
        (scenario_id, seed): play_script(runtime, script, seed)
        for scenario_id, runtime in runtimes.items()
        for seed in SEEDS
    }
    for (scenario_id, seed), score in scores.items():
        if script["scenario"] == "generic":
            assert score <= GENERIC_AT_MOST, (scenario_id, seed, scores)
        elif scenario_id == script["scenario"]:
            assert score >= OWN_AT_LEAST, (scenario_id, seed, scores)
        else:
            assert score <= CROSS_AT_MOST, (scenario_id, seed, scores)


def _at(machine: DialogueMachine, revealed: list[str], trust: float, lang: str = "en") -> SessionState:
    state, _ = machine.start(lang=lang, mode="practice", seed=5)
    state.revealed = list(revealed)
    state.trust = trust
    problems = [fact for fact in revealed if fact in machine.loaded.problems]
    state.current_problem = problems[-1] if problems else None
    return state


RETURNS_ROOT = ["new_standard", "returns", "late_detection", "sampling_gaps", "no_live_data"]
AUDIT_ROOT = ["audit_risk", "paper_records", "no_part_link"]


def test_a_what_if_about_one_problem_reveals_that_problems_implication(machine: DialogueMachine) -> None:
    # The returns were talked about last, but the rep asks about the audit: the audit's implication.
    state = _at(machine, [*AUDIT_ROOT, *RETURNS_ROOT], 60)
    outcome = machine.turn(state, "What happens if you fail the October supplier audit?", ["what_if"])
    assert outcome.revealed == ["audit_fail"] and state.topic == "implication:audit_fail"
    # Nothing left at stake for the audit: he says so about the audit, and tells nothing of the returns.
    again = machine.turn(state, "And if the audit on traceability went badly, what then?", ["what_if"])
    assert again.revealed == [] and again.event == "nothing_else"


def test_a_what_if_reads_the_angle_asked_for(machine: DialogueMachine) -> None:
    state = _at(machine, RETURNS_ROOT, 60)
    worries = machine.turn(state, "If you put in live monitoring, what would worry you most?", ["what_if"])
    assert worries.revealed == ["change_worries"]
    spread = machine.turn(state, "If the rework carries on, who else gets hit by it?", ["what_if"])
    assert spread.revealed == ["overtime_spread"]


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("en", "Who else across the plant does that knock on to?"),
        ("zh", "这件事还会连带到厂里哪些人？"),
    ],
)
def test_a_spreading_what_if_with_no_harm_or_gain_words_asks_what_the_problem_drags_along(
    machine: DialogueMachine, lang: str, line: str
) -> None:
    # The returns have a spreading harm (overtime) and a spreading gain (data for all): a "who
    # else does it reach?" that says neither way is about the problem going on.
    state = _at(machine, RETURNS_ROOT, 60, lang)
    assert machine.turn(state, line, ["what_if"]).revealed == ["overtime_spread"]


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("en", "If you started watching every press live next month, what would make you uneasy?"),
        ("en", "If live monitoring went in this spring, what reservations would you have?"),
        ("zh", "要是下个月就给每台冲压机装上实时监控，您最不放心的是哪些地方？"),
        ("zh", "真要上这套系统，您心里最没底的是什么？"),
    ],
)
def test_a_what_if_asking_his_unease_about_the_change_gets_the_review(
    machine: DialogueMachine, lang: str, line: str
) -> None:
    # Unease, reservations, 不放心, 没底: other words for the worries the avoid-harm review asks.
    state = _at(machine, RETURNS_ROOT, 60, lang)
    assert machine.turn(state, line, ["what_if"]).revealed == ["change_worries"]


def test_worries_about_a_change_asked_before_he_weighs_one_tell_no_other_stake(
    machine: DialogueMachine,
) -> None:
    # The returns and two of their causes are out, not the missing live data his worries hang on:
    # asked what would worry him, he has no review to give, and no gain or loss stands in for it.
    state = _at(machine, ["new_standard", "returns", "late_detection", "sampling_gaps"], 80)
    early = machine.turn(
        state, "If you went down this road, what would worry you most about it?", ["what_if"]
    )
    assert early.event == "review_not_yet" and early.revealed == []
    assert early.reply in machine.customer.replies["review_not_yet"]["en"]
    # Once the cause is out he weighs the change: the same question gets his worries.
    state.revealed.append("no_live_data")
    ready = machine.turn(
        state, "If you went down this road, what would worry you most about it?", ["what_if"]
    )
    assert ready.revealed == ["change_worries"]


def test_a_generic_why_digs_what_the_customer_just_said(machine: DialogueMachine) -> None:
    state = _at(machine, ["new_standard", "returns"], 50)
    state.topic = "problem:returns"
    outcome = machine.turn(state, "Why is that?", ["why"])
    assert outcome.revealed == ["late_detection"] and state.history[-1]["focus"] == "generic"


def test_an_off_topic_question_gets_no_fact_and_costs_more_each_time(machine: DialogueMachine) -> None:
    state = _at(machine, ["new_standard", "returns"], 60)
    lines = [
        "Why do your doctors still send patient records over WeChat?",
        "How many stores will your supermarket chain open next year?",
    ]
    first = machine.turn(state, lines[0], ["why"])
    second = machine.turn(state, lines[1], ["open_question"])
    assert [first.event, second.event] == ["off_topic", "off_topic"]
    assert first.revealed == second.revealed == []
    assert second.trust_delta < first.trust_delta < 0
    assert first.reply != second.reply and state.off_topic == 2


def test_a_why_before_any_problem_is_on_the_table_gets_no_fact(machine: DialogueMachine) -> None:
    state = _at(machine, ["new_standard"], 60)
    state.current_problem = None
    outcome = machine.turn(state, "Why are your supplier audit records on paper?", ["why"])
    assert outcome.revealed == [] and outcome.event == "no_problem_yet"
    assert outcome.trust_delta == 0


def test_a_why_about_another_problem_he_would_talk_about_is_answered_about_it(
    machine: DialogueMachine,
) -> None:
    # The returns are on the table; the rep names the audit's paper records: he answers about
    # them (not with the returns' next cause).
    state = _at(machine, ["new_standard", "returns"], 60)
    outcome = machine.turn(state, "Why are your supplier audit records on paper?", ["why"])
    assert outcome.revealed == ["paper_records"] and state.current_problem == "audit_risk"


def test_a_why_about_a_cause_he_told_digs_beneath_that_cause(machine: DialogueMachine) -> None:
    # He told the whole returns chain down to the sampling gaps and moved on to the audit; a why
    # about the late detection (told) digs to what lies beneath it, not the audit's next cause.
    state = _at(machine, ["new_standard", "returns", "late_detection", "audit_risk"], 60)
    outcome = machine.turn(state, "Why do defects only show up at the final inspection?", ["why"])
    assert outcome.revealed == ["sampling_gaps"] and state.current_problem == "returns"


def test_apart_from_a_problem_what_else_opens_another_one(machine: DialogueMachine) -> None:
    state = _at(machine, ["new_standard"], 50)
    state.current_problem = None
    outcome = machine.turn(state, "Returns aside, is anything else worrying you?", ["what_else"])
    assert outcome.revealed == ["audit_risk"]


def test_a_fact_held_back_for_trust_costs_nothing_the_first_time(machine: DialogueMachine) -> None:
    state = _at(machine, ["new_standard", "returns", "late_detection"], 31)
    outcome = machine.turn(state, "Why is that?", ["why"])
    assert outcome.revealed == [] and outcome.event == "deflected" and outcome.trust_delta == 0
    again = machine.turn(state, "But why is that?", ["why"])
    assert again.trust_delta < 0


def test_questions_asked_too_early_never_sink_trust_below_a_floor(machine: DialogueMachine) -> None:
    state, _ = machine.start(lang="en", mode="practice", seed=5)
    start = state.trust
    for _ in range(6):
        machine.turn(state, "How do you see the future of your returns?", ["how_do_you_see"])
    assert state.active and state.trust >= start - 10


def test_the_customer_never_repeats_a_fallback_twice_in_a_row(machine: DialogueMachine) -> None:
    state = _at(machine, [], 50)
    replies = [machine.turn(state, "Right, I see.", ["statement"]).reply for _ in range(6)]
    assert all(a != b for a, b in itertools.pairwise(replies))


@pytest.mark.parametrize(
    ("revealed", "trust", "expected"),
    [
        ([], 60, "declined"),
        (["new_standard", "returns", "late_detection"], 60, "declined"),
        ([*RETURNS_ROOT, "lose_share", "overtime_spread", "deadline"], 60, "agreed"),
        ([*RETURNS_ROOT, "lose_share", "overtime_spread", "deadline"], 40, "declined"),
    ],
)
def test_the_next_step_is_agreed_only_once_the_need_is_confirmed(
    machine: DialogueMachine, revealed: list[str], trust: float, expected: str
) -> None:
    state = _at(machine, revealed, trust, lang="zh")
    outcome = machine.turn(state, "您看下周三上午方便吗？", ["closed_question"])
    assert state.next_step == expected and outcome.revealed == []
    assert outcome.reply not in ("对，是这样。", "是的。")


def test_a_closed_only_rep_asking_to_sign_is_declined_and_parted_with_coolly(
    machine: DialogueMachine,
) -> None:
    state, _ = machine.start(lang="zh", mode="practice", seed=2)
    for line in ["你们是做汽车零件的吧？", "工厂在苏州，对吗？", "下个月可以签吗？"]:
        machine.turn(state, line, ["closed_question"])
    assert state.next_step == "declined" and state.history[-1]["event"] == "next_step_declined"
    farewell = machine.end(state).reply
    assert farewell != "好，今天聊得挺有收获，下次你带个方案来。"  # the scenario's warm goodbye is earned


def test_a_goodbye_once_the_next_step_is_agreed_gets_a_goodbye_not_a_hello(machine: DialogueMachine) -> None:
    state = _at(machine, [], 80)
    hello = machine.turn(state, "Good morning Mr Wang, thanks for seeing me.", ["greeting"])
    state.next_step = "agreed"
    goodbye = machine.turn(state, "Thanks again, Mr Wang. See you next week.", ["greeting"])
    assert goodbye.reply == "Good, this was useful. Bring a proposal next time." != hello.reply
    assert state.active and goodbye.event == "greeted"  # the rep still ends the visit himself


def test_a_goodbye_mid_visit_gets_a_goodbye_and_a_hello_mid_visit_does_not(machine: DialogueMachine) -> None:
    # The next step was declined, so the visit is not at its close; "I won't keep you" still takes leave.
    state = _at(machine, ["new_standard", "returns", "late_detection"], 60, lang="zh")
    hello = machine.turn(state, "王总您好，我是李明。", ["greeting"])
    state.next_step = "declined"
    goodbye = machine.turn(state, "谢谢王总，不占您时间了，您忙！", ["greeting"])
    assert goodbye.reply != hello.reply and goodbye.reply not in machine.customer.replies["greeting"]["zh"]
    assert state.active
    again = machine.turn(state, "王总好。", ["greeting"])  # no leave-taking words: not a goodbye
    assert again.reply in machine.customer.replies["greeting"]["zh"]


@pytest.mark.parametrize(
    ("lang", "line", "fact"),
    [
        ("zh", "这回批了多少钱？外协的那部分算在里面吗？", "budget"),
        ("en", "How much has been set aside? Does it cover the night shift too?", "budget"),
        ("zh", "最晚哪天得上线？四条线一起吗？", "deadline"),
    ],
)
def test_a_closed_label_on_a_by_when_or_how_much_question_is_the_need_question(
    machine: DialogueMachine, lang: str, line: str, fact: str
) -> None:
    state = _at(machine, [*RETURNS_ROOT, "lose_share", "overtime_spread"], 80, lang=lang)
    outcome = machine.turn(state, line, ["closed_question", "need_confirmation"])
    assert outcome.event == "need" and outcome.revealed == [fact], outcome.reply


def test_a_fresh_start_forgets_and_a_follow_up_remembers(machine: DialogueMachine) -> None:
    earlier = ["new_standard", "returns", "late_detection"]
    fresh, _ = machine.start(lang="en", mode="practice", seed=1, prior=earlier)
    follow, opening = machine.start(lang="en", mode="practice", seed=1, prior=earlier, visit="follow_up")
    assert fresh.prior == [] and fresh.visit == "fresh"
    assert follow.prior == earlier and follow.earlier == earlier and "last" in opening.lower()
    follow.trust = 50
    outcome = machine.turn(
        follow, "Last time you said defects only show up at final inspection. Why is that?", ["why"]
    )
    assert "late_detection" in outcome.revealed and "late_detection" in follow.picked_up
    with pytest.raises(ValueError):
        machine.start(lang="en", mode="practice", seed=1, visit="second")


def test_old_states_without_the_new_fields_load_with_defaults() -> None:
    state = SessionState.from_dict(
        {"scenario_id": "x", "version": "1", "lang": "zh", "mode": "practice", "seed": 1, "trust": 20.0}
    )
    assert state.topic is None and state.said == [] and state.visit == "fresh" and state.next_step == ""
    assert "topic" not in state.to_dict()  # unused new fields are not written


def test_coaching_never_praises_a_door_pitch_nor_advises_what_was_just_done(machine: DialogueMachine) -> None:
    from bot.engine.scorecard import build_scorecard
    from bot.engine.text_keys import START_KEYS, text

    state, _ = machine.start(lang="zh", mode="practice", seed=4)
    pitch = "王总，我们的质量系统这个月签约打八折，最近忙吧？"
    machine.turn(state, pitch, ["curiosity_care", "pitch"])  # the classifier's first reading: care
    for _ in range(2):
        machine.turn(state, "如果退货一直这样，明年会怎么样？", ["what_if"])
    machine.end(state)
    coaching = build_scorecard(machine, state).coaching
    assert coaching.keep.quote != pitch
    assert text(START_KEYS["what_if"], "zh") not in coaching.start.text  # tried: not "start what-if"


def test_an_impolite_opener_costs_trust_and_a_named_referral_earns_it() -> None:
    clinic = DialogueMachine(load_scenario(DIALOGUES / "clinic_chain_data_breach.yaml"))
    rude, _ = clinic.start(lang="zh", mode="practice", seed=1)
    outcome = clinic.turn(rude, "喂，哥们，谁管事？", ["open_question"])
    assert outcome.event == "impolite" and outcome.trust_delta < 0
    referred, _ = clinic.start(lang="zh", mode="practice", seed=1)
    plain, _ = clinic.start(lang="zh", mode="practice", seed=1)
    with_name = clinic.turn(referred, "林总监您好，许院长让我来拜访您。", ["greeting"])
    without = clinic.turn(plain, "林总监您好，我来拜访您。", ["greeting"])
    assert with_name.trust_delta > without.trust_delta and referred.referred
    again = clinic.turn(referred, "许院长还说您最近很忙。", ["statement"])
    assert again.trust_delta <= 0  # once only


def test_the_coach_never_gives_the_same_next_step_three_times_running(runtime: ScenarioRuntime) -> None:
    state, _ = runtime.start(lang="en", mode="practice", seed=2)
    advice = []
    for _ in range(6):
        runtime.play(state, "Right.", ["statement"])
        advice.append(state.advised[-1])
    assert all(not (a == b == c) for a, b, c in zip(advice, advice[1:], advice[2:], strict=False))


def test_exam_mode_gives_no_hints(runtime: ScenarioRuntime) -> None:
    state, _ = runtime.start(lang="en", mode="exam", seed=2)
    assert runtime.play(state, "Why are the returns up?", ["why"]).note is None
    text = runtime.hint(state)
    assert "exam" in text.lower() and state.hints == 0


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("en", "Do you run any hospitals?"),
        ("zh", "你们有没有做医院的业务？"),
        ("en", "Do you also make aircraft parts?"),
    ],
)
def test_a_yes_no_question_about_something_he_does_not_have_gets_no(
    machine: DialogueMachine, lang: str, line: str
) -> None:
    state = _at(machine, ["new_standard", "returns"], 50, lang=lang)
    outcome = machine.turn(state, line, ["closed_question"])
    assert outcome.revealed == [] and outcome.event == "unclear"
    small_talk = set(machine.customer.replies["small_talk"][lang])
    assert outcome.reply not in small_talk  # not the generic "more or less, yes"
    # A yes/no question about his own business is still answered as before.
    own = machine.turn(state, "Are the returns mostly from one carmaker?", ["closed_question"])
    assert own.event != "unclear"


def test_a_scenario_can_word_the_listening_moments_itself(example: LoadedScenario) -> None:
    s = example.scenario
    replies = dict(s.replies)
    replies["off_topic"] = Lines(en=["Hospitals? We press metal, mate."], zh=["医院？我们是冲压厂。"])
    replies["deflect_about"] = Lines(en=["Not yet about {topic}, {not a field}."])
    machine = DialogueMachine(LoadedScenario(s.model_copy(update={"replies": replies}), example.source))
    state = _at(machine, ["new_standard", "returns"], 60)
    outcome = machine.turn(state, "Why do your doctors still send patient records over WeChat?", ["why"])
    assert outcome.event == "off_topic" and outcome.reply == "Hospitals? We press metal, mate."
    state.trust = 20  # too early for a why: he dodges, in the scenario's words, about the topic
    dodge = machine.turn(state, "Why do defects only show up at the final inspection?", ["why"])
    assert dodge.reply == "Not yet about defects found only at final inspection, {not a field}."
    # A language the scenario did not word keeps the catalogue's lines.
    zh_state = _at(machine, ["new_standard", "returns"], 20, lang="zh")
    zh_dodge = machine.turn(zh_state, "为什么不良品要到终检才发现？", ["why"])
    assert "{" not in zh_dodge.reply and zh_dodge.event == "deflected"


def test_a_reply_for_an_unknown_listening_moment_is_refused(example: LoadedScenario) -> None:
    s = example.scenario
    replies = {**s.replies, "off_topik": Lines(en=["?"], zh=["？"])}
    problems = check_scenario(s.model_copy(update={"replies": replies}), example.source)
    assert any("off_topik" in str(problem) for problem in problems)


def test_a_meeting_request_read_as_a_deadline_question_is_a_next_step_request(
    machine: DialogueMachine,
) -> None:
    state = _at(machine, ["new_standard", "returns", "late_detection"], 50)
    line = "Could we meet next Tuesday so I can show you a pilot plan?"
    outcome = machine.turn(state, line, ["need_confirmation"])
    assert outcome.event == "next_step_declined" and state.next_step == "declined"
    deadline = machine.turn(state, "By when must the pilot run?", ["need_confirmation"])
    assert deadline.event != "next_step_declined"


def test_a_weak_match_on_one_problem_still_names_it() -> None:
    # A long line whose only words of his are 微信 matches weakly, but its two best candidates are
    # both the WeChat problem: the what-if is about WeChat, not the accounts talked about last.
    clinic = DialogueMachine(load_scenario(DIALOGUES / "clinic_chain_data_breach.yaml"))
    told = ["audit_rules", "wechat_files", "consult_need", "shared_accounts", "local_admins"]
    state = _at(clinic, told, 55, lang="zh")
    state.topic = "cause:shared_accounts/local_admins"
    state.said = [clinic.customer.tell(fact, "zh", random.Random(0)) for fact in told]  # what he said
    outcome = clinic.turn(state, "回到微信的事，如果一直这么传下去，会有什么后果？", ["what_if"])
    assert outcome.revealed == ["leak_penalty"]


@pytest.mark.parametrize(
    ("lang", "line", "technique"),
    [
        ("en", "And what else does all that rework drag down with it?", "what_else"),
        ("en", "Who else in the plant ends up paying for it?", "what_else"),
        ("zh", "返工这么多，最后还有谁跟着买单？", "what_else"),
        ("zh", "质量要是出了问题，还会把哪些人牵扯进来？", "what_if"),
        # "Paying for it" sounds like money (a need question); "pulled into", "caught up in" are
        # more ways of asking who else is hit.
        (
            "en",
            "When a bad part gets through, who else in the company ends up paying for it?",
            "need_confirmation",
        ),
        ("en", "If the returns climb again, which teams get pulled into it?", "what_if"),
        ("en", "If the returns climb again, who gets caught up in it?", "what_if"),
        # dev16: "ends up paying" with no "for it", and other ways of saying who bears the cost.
        ("en", "When a batch comes back, who else besides the quality office ends up paying?", "what_else"),
        ("en", "When a batch comes back, who else has to foot the bill?", "what_else"),
        ("en", "When a batch comes back, who else pays the price?", "what_else"),
        ("zh", "一批货退回来，最后还有谁埋单？", "what_else"),
    ],
)
def test_a_what_else_asking_what_the_problem_drags_down_is_its_spreading_harm(
    machine: DialogueMachine, lang: str, line: str, technique: str
) -> None:
    # "What else does it drag down?", "who pays for it?" ask who else bears the returns, not for
    # another problem or his background.
    state = _at(machine, RETURNS_ROOT, 60, lang)
    assert machine.turn(state, line, [technique]).revealed == ["overtime_spread"]


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("zh", "为什么没人能早点看出冲压参数已经开始漂了？"),
        (
            "en",
            "Say you got the returns back down to where they were. What would you do with the platform bid?",
        ),
    ],
)
def test_everyday_words_do_not_make_a_question_unclear(
    machine: DialogueMachine, lang: str, line: str
) -> None:
    # 早点 / 看出 ("notice earlier") are words of any visit; "back down to" pictures the fix.
    state = _at(machine, ["new_standard", "returns", "late_detection", "sampling_gaps"], 60, lang)
    technique = "why" if lang == "zh" else "what_if"
    outcome = machine.turn(state, line, [technique])
    assert outcome.event != "unclear" and outcome.revealed, outcome.reply


@pytest.mark.parametrize(
    ("lang", "line", "label"),
    [
        ("zh", "真要上这套系统，您最犯嘀咕的是啥？", "why"),
        ("en", "If you went ahead with it, what would worry you most?", "why"),
        ("zh", "真要把每台冲压机都实时盯起来，您心里最犯嘀咕的是啥？", "statement"),
        ("zh", "这套东西要真装上了，您最不放心的是哪块？", "open_question"),
    ],
)
def test_a_worry_about_going_ahead_heard_as_a_why_is_the_review(
    machine: DialogueMachine, lang: str, line: str, label: str
) -> None:
    # The classifier hears a why (是啥, "what would") or a plain question; the line asks his worries
    # about a change (要真: a conditional too).
    state = _at(machine, RETURNS_ROOT, 60, lang)
    assert machine.turn(state, line, [label]).revealed == ["change_worries"]


def test_a_what_else_picturing_a_case_with_yao_zhen_is_a_what_if(machine: DialogueMachine) -> None:
    # "要真出了……，除了……还得搭进去啥？": what else it would cost if it happened, not another problem.
    state = _at(machine, RETURNS_ROOT, 60, "zh")
    outcome = machine.turn(state, "退货要真再翻一倍，除了返工还得搭进去啥？", ["what_else"])
    assert outcome.technique == "what_if" and outcome.revealed
    assert all(machine.parents.get(fact) == "returns" for fact in outcome.revealed)


def test_colloquial_everyday_words_are_not_another_business(machine: DialogueMachine) -> None:
    # 琢磨, 不对劲, 日子, 手头: spoken words of any visit, no scenario's; the line pictures the
    # returns caught at once.
    state = _at(machine, RETURNS_ROOT, 60, "zh")
    outcome = machine.turn(state, "您琢磨琢磨，要是冲压件一不对劲您头一个知道，日子会咋样？", ["what_if"])
    assert outcome.event not in ("off_topic", "unclear") and outcome.revealed, outcome.reply


def test_a_fallback_the_trainer_wrote_once_is_not_said_twice_in_a_row() -> None:
    # The payroll software house words its off-topic reply once; two off-topic questions in a row
    # get it and then the catalogue's wording (the dev5-dev11 scripts played on all eleven
    # scenarios repeated a reply 185 times in 4,852 turns, all of them such single wordings).
    saas = DialogueMachine(load_scenario(ROOT / "tests/data/dev10/scenarios/saas_customer_success.yaml"))
    assert len(saas.customer.listen_replies["off_topic"]["zh"]) == 1
    state = _at(saas, ["bundled_rivals", "renewal_churn"], 60, lang="zh")
    replies = [
        saas.turn(state, line, ["why"]).reply
        for line in (
            "钢价要是继续跌，你们会不会停一座高炉？",
            "渔船今年为什么捕不到鱿鱼？",
            "病房的护士为什么总是不够？",
        )
    ]
    assert all(a != b for a, b in itertools.pairwise(replies)), replies


@pytest.mark.parametrize(
    ("label", "line", "name"),
    [
        ("what_if", "What happens if Lingzui's orders go out late at the next sale?", "Lingzui"),
        ("why", "So why did Yuhang fall so far behind last year?", "Yuhang"),
        ("need_confirmation", "How much could you put into a first go at Xiaoshan?", "Xiaoshan"),
    ],
)
def test_a_question_naming_someone_he_never_mentioned_is_about_another_customer(
    machine: DialogueMachine, label: str, line: str, name: str
) -> None:
    # Another visit's client, site or brand: he asks who that is, tells nothing, and it counts as
    # straying (the dev12 warehouse rep's lines on the frozen-food maker uncovered facts with them).
    state = _at(machine, RETURNS_ROOT, 80)
    outcome = machine.turn(state, line, [label])
    assert outcome.event == "off_topic" and outcome.revealed == [] and state.off_topic == 1
    assert outcome.reply.startswith(name)


def test_a_question_naming_his_own_company_is_heard_as_his(machine: DialogueMachine) -> None:
    state = _at(machine, RETURNS_ROOT, 80)
    outcome = machine.turn(state, "If Huadong's returns stay this high, what happens next year?", ["what_if"])
    assert outcome.event != "off_topic" and outcome.revealed


def test_a_what_if_picturing_the_idea_and_asking_his_worries_gets_the_review(
    machine: DialogueMachine,
) -> None:
    # The line pictures the idea he has a view on, but asks what would worry him: the avoid-harm
    # review, not his view of the idea (dev13: "...orders suggested by a system, what would worry
    # you most?" drew the view).
    state = _at(machine, RETURNS_ROOT, 70)
    line = "If an alarm went off the moment a press parameter drifted, what would worry you most?"
    assert machine.turn(state, line, ["what_if"]).revealed == ["change_worries"]


def test_moving_work_onto_an_app_is_not_another_business(machine: DialogueMachine) -> None:
    # "Move", "onto", "app": words any business uses about a change; the line asks his worries.
    state = _at(machine, RETURNS_ROOT, 70)
    line = "If you moved the press checks onto an app tomorrow, what would worry you most?"
    outcome = machine.turn(state, line, ["what_if"])
    assert outcome.event != "off_topic" and outcome.revealed == ["change_worries"]


def test_costs_eating_the_profit_pictures_the_harm(machine: DialogueMachine) -> None:
    # 再这么 ("going on like this") and 吃掉 ("eating up"): the harm of the problem, not its gain.
    state = _at(machine, RETURNS_ROOT, 70, "zh")
    outcome = machine.turn(state, "退货要是再这么吃掉利润，公司会走到哪一步？", ["what_if"])
    angles = {i.id: i.angle for i in machine.loaded.scenario.implications}
    assert outcome.revealed and all(angles[fact].endswith("harm") for fact in outcome.revealed)


def test_as_if_is_no_conditional() -> None:
    # "It sounds as if..." compares; "if it carries on..." pictures a case.
    assert not is_conditional("It sounds as if the press gave you a rough night. Anything new?", "en")
    assert is_conditional("If it carries on like this, what then?", "en")


def test_his_worries_about_a_change_come_from_the_problem_that_has_them(machine: DialogueMachine) -> None:
    # Heard as about the audit (the talk is on it), but the worries about switching belong to the
    # returns, which the line's words lean to too (dev14: a coach operator's "servicing by the
    # data" heard as the charter goal got "ask me about the risks later").
    state = _at(machine, [*RETURNS_ROOT, *AUDIT_ROOT], 70)
    state.current_problem, state.topic = "audit_risk", "cause:audit_risk/no_part_link"
    line = "If the audit records and the presses all went over to live data, what would worry you most?"
    outcome = machine.turn(state, line, ["what_if"])
    assert outcome.revealed == ["change_worries"]


def test_a_listening_line_about_a_lowercase_topic_is_not_said_twice_in_a_row() -> None:
    # The topic's title starts in lower case and the line is capitalised as said: the previous
    # line must be compared as said (the dev scripts on fifteen scenarios repeated it twice).
    said = {
        listen_line("deflect_about", "en", random.Random(seed), topic="doubled returns") for seed in range(20)
    }
    assert len(said) == 2
    for previous in said:
        again = {
            listen_line("deflect_about", "en", random.Random(seed), avoid=previous, topic="doubled returns")
            for seed in range(20)
        }
        assert previous not in again
