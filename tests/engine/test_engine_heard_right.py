"""Issue 10, a trainer's report (tests/data/unseen/README.md, "What looked wrong"): lines the
customer misheard. Every line here is written for this file, none is a probe line.

- ordinary words are no request for a meeting, a deadline or a budget, nor are next-step words
  said before a question about something else;
- a deadline question gets the deadline and a money question the budget, never the other;
- "you mentioned..." within one visit is "as I said", about what the rep named;
- "that's all I know" is never said about something he never told.
"""

from __future__ import annotations

import pytest
from engine_support import DIALOGUES, ROOT

from bot.engine.listening import Focus
from bot.engine.machine import DialogueMachine
from bot.engine.reactions import TurnModel
from bot.engine.runtime import ScenarioRuntime, default_classify
from bot.engine.scenario import load_scenario
from bot.engine.state import SessionState
from bot.vocab import Technique

CAMPUS = ROOT / "tests" / "data" / "unseen" / "scenarios" / "campus_housing_repairs.yaml"
RETURNS_ROOT = ["new_standard", "returns", "late_detection", "sampling_gaps", "no_live_data"]
MOTIVATED = [*RETURNS_ROOT, "lose_share", "overtime_spread", "win_platform"]
BACKLOG = ["enrolment_growth", "repair_backlog", "scattered_reports", "phone_dispatch", "no_work_orders"]


@pytest.fixture(scope="module")
def campus() -> DialogueMachine:
    return DialogueMachine(load_scenario(CAMPUS))


@pytest.fixture(scope="module")
def parts() -> DialogueMachine:
    return DialogueMachine(load_scenario(DIALOGUES / "precision_parts_returns.yaml"))


def _at(machine: DialogueMachine, revealed: list[str], trust: float, lang: str = "en") -> SessionState:
    state, _ = machine.start(lang=lang, mode="practice", seed=7)
    state.revealed = list(revealed)
    state.trust = trust
    problems = [fact for fact in revealed if fact in machine.loaded.problems]
    state.current_problem = problems[-1] if problems else None
    return state


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("en", "Student housing is your office's job, isn't it?"),
        ("en", "You're the deputy director for student housing, right?"),
        ("zh", "您是后勤处副处长，学生宿舍都归您管吧？"),
    ],
)
def test_words_of_the_visits_purpose_are_no_next_step_request(
    campus: DialogueMachine, lang: str, line: str
) -> None:
    state = _at(campus, BACKLOG[:2], 50, lang)
    outcome = campus.turn(state, line, ["closed_question"])
    assert state.history[-1]["topic"] == "purpose"  # the line shares the purpose's words...
    assert outcome.event not in ("next_step_declined", "next_step_agreed") and not state.next_step  # ...only
    # Asking for the next step still is one, on the same state.
    ask = (
        "Could I come back next month with a pilot plan?"
        if lang == "en"
        else "下个月我带个试点方案再来拜访您，行吗？"
    )
    assert campus.turn(state, ask, ["closed_question"]).event == "next_step_declined"


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("en", "Access to the inspection data can go into the contract. Is that a must for you?"),
        ("zh", "退货的数据都可以写进合同。这对您重要吗？"),
    ],
)
def test_next_step_words_before_a_question_about_something_else_ask_for_no_next_step(
    parts: DialogueMachine, lang: str, line: str
) -> None:
    state = _at(parts, RETURNS_ROOT, 60, lang)
    outcome = parts.turn(state, line, ["closed_question"])
    assert outcome.event not in ("next_step_declined", "next_step_agreed") and not state.next_step


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("en", "We could run a pilot on line three. Would next Thursday suit you?"),
        ("zh", "我们可以先在三号线做个试点。您看周四上午行不行？"),
    ],
)
def test_a_question_about_when_after_naming_a_pilot_asks_for_the_next_step(
    parts: DialogueMachine, lang: str, line: str
) -> None:
    state = _at(parts, RETURNS_ROOT, 60, lang)
    assert parts.turn(state, line, ["closed_question"]).event == "next_step_declined"  # not motivated yet


@pytest.mark.parametrize(
    ("line", "labels"),
    [
        ("Why had the repair money nearly all gone by the end of September?", ["need_confirmation", "why"]),
        (
            "Most universities fix a dripping tap in two days. What deadline do your own rules give?",
            ["need_confirmation"],
        ),
    ],
)
def test_a_budget_or_a_month_in_a_question_about_his_business_is_no_need_question(
    campus: DialogueMachine, line: str, labels: list[str]
) -> None:
    state = _at(campus, BACKLOG, 60)
    outcome = campus.turn(state, line, labels)
    assert outcome.event not in ("need_not_ready", "need", "need_done")
    assert "deadline" not in state.revealed and "budget" not in state.revealed


def test_a_why_about_money_read_as_a_need_question_digs_the_problem(campus: DialogueMachine) -> None:
    state = _at(campus, BACKLOG, 80)
    outcome = campus.turn(
        state, "Why has the repair spending run out so early this year?", ["need_confirmation", "why"]
    )
    assert outcome.event == "dug" and "repair_overspend" in outcome.revealed


@pytest.mark.parametrize(
    ("lang", "when", "money"),
    [
        ("en", "With the price review coming in March, by when would a pilot need to start?",
         "Could the pilot be paid for from this year's upgrade fund?"),
        ("zh", "赶在明年的价格评审之前，试点最晚哪天得开始？", "试点的钱能从今年的技改经费里出吗？"),
    ],
)  # fmt: skip
def test_deadline_and_budget_go_by_what_is_asked(
    parts: DialogueMachine, lang: str, when: str, money: str
) -> None:
    state = _at(parts, MOTIVATED, 85, lang)
    assert parts.turn(state, when, ["need_confirmation"]).revealed == ["deadline"]
    assert parts.turn(state, money, ["need_confirmation"]).revealed == ["budget"]
    # Asked again, he says he told it; he does not answer with the other one.
    again = parts.turn(state, when, ["need_confirmation"])
    assert again.revealed == [] and again.event == "need_done"


def test_asking_the_deadline_once_the_budget_is_out_does_not_repeat_the_budget(
    parts: DialogueMachine,
) -> None:
    state = _at(parts, [*MOTIVATED, "budget"], 85)
    outcome = parts.turn(state, "How much money is there for it?", ["need_confirmation"])
    assert outcome.revealed == [] and outcome.event == "need_done"
    assert parts.turn(state, "And how soon should it be running?", ["need_confirmation"]).revealed == [
        "deadline"
    ]


@pytest.mark.parametrize(
    ("lang", "line", "now", "not_said"),
    [
        ("zh", "您刚才提到主机厂提高了来料标准，现在执行得怎么样？", "刚才", "上次"),
        ("en", "You mentioned the carmaker raised its incoming standard. How is that going now?",
         "as I said", "last time"),
    ],
)  # fmt: skip
def test_you_mentioned_in_a_first_visit_is_as_i_said_about_what_was_named(
    parts: DialogueMachine, lang: str, line: str, now: str, not_said: str
) -> None:
    state = _at(parts, RETURNS_ROOT, 60, lang)
    outcome = parts.turn(state, line, ["revisit_topic"])
    assert outcome.event == "revisited_talk"
    assert now in outcome.reply and not_said not in outcome.reply.lower()
    assert parts.customer.topic("new_standard", lang) in outcome.reply  # the one named, not the returns


def test_you_mentioned_with_a_why_in_a_first_visit_digs_what_was_named(parts: DialogueMachine) -> None:
    state = _at(parts, ["new_standard", "returns", "late_detection"], 60, "zh")
    line = "您前面说退货要到终检才发现，为什么前面的工序发现不了呢？"
    outcome = parts.turn(state, line, ["revisit_topic", "why"])
    assert outcome.revealed == ["sampling_gaps"] and "上次" not in outcome.reply


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_that_is_all_i_know_is_never_said_about_an_untold_topic(campus: DialogueMachine, lang: str) -> None:
    state = _at(campus, BACKLOG, 60, lang)
    topic = campus.customer.topic
    for key in ("problem:repair_overspend", "cause:repair_backlog/no_work_orders"):
        fact = key.partition(":")[2].split("/")[-1]
        focus = Focus("named", key, problem=key.partition(":")[2].split("/")[0], title=topic(fact, lang))
        model = TurnModel(campus.customer, state, "…", [Technique.WHY], focus)
        model.at_root()
        reply = " ".join(model.parts)
        untold = [topic(f, lang) for f in campus.customer.loaded.fact_topic if f not in state.revealed]
        assert not [title for title in untold if title in reply], reply
        assert (topic(fact, lang) in reply) == (fact in state.revealed)  # a told one is named


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("zh", "退货以前没这么多，现在怎么一下子多起来了，为什么？"),
        ("en", "Why have the returns shot up like this since the spring?"),
    ],
)
def test_a_why_about_his_business_is_heard_as_a_question_while_his_is_pending(
    parts: DialogueMachine, lang: str, line: str
) -> None:
    state = _at(parts, ["new_standard", "returns"], 60, lang)
    state.pending_question = "q_peers"
    outcome = parts.turn(state, line, ["answer_with_question"])
    assert outcome.event == "dug" and outcome.revealed == ["late_detection"]
    assert outcome.ignored_question  # he notices his question went unanswered


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("zh", "我们跑过的几家厂都被新标准卡住了。您这边最着急的是哪一块？"),
        ("zh", "别的厂也一样，退货都翻了倍。您觉得主要原因是什么？"),
        ("en", "Most plants we visit were caught out by the new standard too. Why do you think yours were?"),
    ],
)
def test_a_line_that_answers_him_first_is_still_an_answer(
    parts: DialogueMachine, lang: str, line: str
) -> None:
    state = _at(parts, ["new_standard", "returns"], 60, lang)
    state.pending_question = "q_peers"
    outcome = parts.turn(state, line, ["answer_with_question"])
    assert outcome.event == "answered_back" and not outcome.ignored_question


def test_his_question_does_not_swallow_the_reps_why_on_the_unseen_campus() -> None:
    # Played through the real classifier: he asks how long repairs take elsewhere; the rep asks
    # back why they drag, in one question, and hears a cause.
    runtime = ScenarioRuntime(load_scenario(CAMPUS))
    state, _ = runtime.start(lang="zh", mode="practice", seed=2)
    classify = default_classify()
    runtime.say(state, "宋处长您好，我是远帆科技的小林，基建处的周老师介绍我来的。", classify)
    runtime.say(state, "今年扩招又开了两栋新楼，您这边是不是忙坏了？", classify)
    assert state.pending_question == "q_other_campuses"  # the setup reached his question
    outcome = runtime.say(state, "现在报修平均要九天，为什么拖得这么久？", classify).outcome
    assert outcome.event != "answered_back" and outcome.revealed == ["scattered_reports"]


# Tried as a new rep on the store chain (29 Nov): a question asking for a number was answered
# "yes, that's right", ordinary calendar words were "not our business", and a loose match put an
# untold cause in the rep's mouth ("schedules that ignore customer traffic, you say?").
RETAIL = DIALOGUES / "retail_store_growth.yaml"
GREETING = {"zh": "陈总您好，谢谢您抽时间见我。", "en": "Good morning Ms Chen, thanks for seeing me."}


def _retail_visit(lang: str, lines: list[str]) -> list[tuple[str, str]]:
    runtime = ScenarioRuntime(load_scenario(RETAIL))
    state, _ = runtime.start(lang=lang, mode="practice", seed=4)
    classify = default_classify()
    played = [runtime.say(state, line, classify).outcome for line in [GREETING[lang], *lines]]
    return [(outcome.event, outcome.reply) for outcome in played[1:]]


def _catalogue(key: str, lang: str) -> set[str]:
    from bot.engine.listening import LISTEN_KEYS
    from bot.i18n import translate

    return {translate(k, lang) for k in LISTEN_KEYS[key]}


@pytest.mark.parametrize(
    ("lang", "line", "key"),
    [
        ("zh", "您现在一共有多少家门店？", "closed_count"),  # a count of his own: he knows it
        ("en", "How many stores do you run at the moment?", "closed_count"),
        ("zh", "您做这个岗位多久了？", "closed_figure"),
        ("en", "How long have you been in this role?", "closed_figure"),
        ("zh", "你们用的是哪家的收银系统？", "closed_detail"),
        ("en", "Which till system do you use?", "closed_detail"),
    ],
)
def test_a_question_asking_for_a_number_or_a_name_is_not_answered_yes(lang: str, line: str, key: str) -> None:
    ((event, reply),) = _retail_visit(lang, [line])
    assert event == "opener_answered" and reply in _catalogue(key, lang)


@pytest.mark.parametrize(("lang", "line"), [("zh", "周末也营业吗？"), ("en", "Do you open on Sundays?")])
def test_calendar_words_are_no_sign_of_another_business(lang: str, line: str) -> None:
    ((event, reply),) = _retail_visit(lang, [line])
    assert event == "opener_answered", reply  # a yes/no question: the script's "yes" fits


def test_a_loose_match_does_not_put_an_untold_cause_in_the_reps_mouth() -> None:
    runtime = ScenarioRuntime(load_scenario(RETAIL))
    customer = runtime.machine.customer
    untold = [customer.topic(f, "en") for f in customer.loaded.fact_topic]
    ((_, reply),) = _retail_visit("en", ["Why do you think customers are going there?"])
    assert not [title for title in untold if title and title.lower() in reply.lower()], reply
