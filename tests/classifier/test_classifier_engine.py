"""The rule engine: every label in both languages, precedence, context, odd input, the interface."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest

from bot.classifier import LABELS, Classifier, Evidence, classify
from bot.config import PROJECT_ROOT

EACH_LABEL = [
    # (label, Chinese line, English line)
    (
        "greeting",
        "刘处长您好，我是启航软件的小周，今天专程来拜访您。",
        "Good morning, Ms. Lindqvist, I'm Omar from Harbour Analytics.",
    ),
    ("closed_question", "你们的仓库一共有几个？", "Is the plant running three shifts?"),
    ("open_question", "能介绍一下你们是怎么安排检修的吗？", "Walk me through how a complaint gets handled."),
    (
        "confirm_question",
        "所以最大的问题是审批太慢，对吗？",
        "So the main issue is the handover between shifts, right?",
    ),
    (
        "curiosity_care",
        "听说你们刚搬了新厂房，最近是不是特别忙？",
        "I saw the news about the merger, how is it affecting your team?",
    ),
    (
        "humble_disclaimer",
        "冒昧问一下，我能请教您几个问题吗？",
        "May I ask you a few questions about your process?",
    ),
    (
        "revisit_topic",
        "上次您提到客服人手不够，后来补上了吗？",
        "Last time you mentioned the audit findings. Did they get resolved?",
    ),
    ("what_else", "除了价格，您还担心哪些方面？", "Besides the delays, what else is bothering the team?"),
    ("why", "为什么新系统一直推不下去？", "What is causing the backlog in the claims team?"),
    (
        "what_if",
        "如果到年底这个问题还没解决，会怎么样？",
        "If nothing changes, where will your costs be in two years?",
    ),
    (
        "how_do_you_see",
        "有家同行先在一个车间试点，效果不错，您觉得适合你们吗？",
        "A hospital we know moved to weekly ordering. Would that work for you?",
    ),
    ("need_confirmation", "这个项目的预算大概有多少？", "When would you want the new system live?"),
    (
        "pitch",
        "我们的设备比同行省电三成，行业领先。",
        "Our platform is the market leader and cuts costs by 30 percent.",
    ),
    ("statement", "好的，我记下来了。", "Okay, noted."),
]


@pytest.mark.parametrize(("label", "zh", "en"), EACH_LABEL, ids=[row[0] for row in EACH_LABEL])
def test_each_label_in_both_languages(classifier: Classifier, label: str, zh: str, en: str) -> None:
    for text, lang in ((zh, "zh"), (en, "en")):
        result = classifier.classify(text)
        assert (result.technique, result.lang) == (label, lang), text
        assert result.techniques[0] == label


@pytest.mark.parametrize(
    ("text", "previous"),
    [
        ("支持的，安卓和苹果都有。你们的外勤人员平时用什么手机？", "你们有手机端吗？"),
        ("Yes, it works offline. Where do your drivers lose signal most?", "Does it work offline?"),
    ],
)
def test_answer_with_question_needs_the_customers_question(
    classifier: Classifier, text: str, previous: str
) -> None:
    assert classifier.classify(text, context={"previous": previous}).technique == "answer_with_question"
    assert classifier.classify(text).technique != "answer_with_question"
    # a previous line that asked nothing does not make it an answer
    said = classifier.classify(text, context={"previous": "我们的系统用了八年了。"})
    assert said.technique != "answer_with_question"


def test_answering_without_asking_back_is_not_answer_with_question(classifier: Classifier) -> None:
    result = classifier.classify(
        "Yes, I'll have it to you by Wednesday.", context={"previous": "Can you send a quote?"}
    )
    assert result.technique == "statement"


def test_unknown_context_keys_are_ignored(classifier: Classifier) -> None:
    result = classifier.classify("Why?", context={"previous": None, "turn": 3, "stage": "trust"})
    assert result.technique == "why"


# --- precedence: the specific kinds win; permission only when it is the whole request -----------


@pytest.mark.parametrize(
    ("text", "primary", "also"),
    [
        # the traps: word cues mislead
        ("If you go ahead, when would purchasing start?", "need_confirmation", None),
        ("What do you think is causing it?", "why", None),
        ("如果试点顺利，全面推广打算放在什么时候？", "need_confirmation", None),
        ("您觉得是什么原因导致的？", "why", None),
        # specific kinds over the generic forms
        ("Any other reasons the drivers skip the app?", "what_else", None),
        ("上次您说仓库不够用，现在还是这样吗？", "revisit_topic", None),
        ("Is there a deadline for the migration?", "need_confirmation", None),
        # permission is the whole request
        ("Could I ask you a couple of questions about your suppliers?", "humble_disclaimer", None),
        ("这个问题可能有点敏感，我能问吗？", "humble_disclaimer", None),
        # permission, then the real question: the real question wins, humble is listed second
        ("Sorry to ask, but why was the project cancelled?", "why", "humble_disclaimer"),
        ("不好意思问一下，你们今年的预算有多少？", "need_confirmation", "humble_disclaimer"),
        ("Would you mind walking me through your month-end close?", "open_question", "humble_disclaimer"),
        ("不介意的话，可以聊聊你们的排产是怎么做的吗？", "open_question", "humble_disclaimer"),
        # a what-if that only promotes the product is a pitch
        (
            "What if your forklifts charged themselves overnight? That's exactly what our battery does.",
            "pitch",
            None,
        ),
        # a budget inside the premise is a scenario, not a budget question
        ("假如明年预算砍一半，这个项目还做吗？", "what_if", None),
        ("Suppose the budget were no issue, what would you build?", "what_if", None),
        # our proposal + opinion ask is how-do-you-see, not what-if
        ("What if we started with one site? How would you feel about that?", "how_do_you_see", None),
        ("如果我们先在一个仓试点，您觉得怎么样？", "how_do_you_see", None),
        # many Chinese questions have no 吗 or question mark
        ("门店总共多少家", "closed_question", None),
        ("除了设备老化还有什么原因", "what_else", None),
    ],
)
def test_precedence(classifier: Classifier, text: str, primary: str, also: str | None) -> None:
    result = classifier.classify(text)
    assert result.technique == primary, (text, result)
    if also is not None:
        assert result.techniques[1] == also, result.techniques


def test_all_labels_are_listed_once_primary_first(classifier: Classifier) -> None:
    result = classifier.classify("降不下来的原因您分析过吗？是人的问题还是流程的问题？")
    assert result.technique == "why"
    assert len(set(result.techniques)) == len(result.techniques)
    assert set(result.techniques) <= set(LABELS)


# --- odd input never raises ------------------------------------------------------------------------

ODD = [
    "",
    "   ",
    "\n\t\r",
    "😀😀😀",
    "👍",
    "\x00\x01\x07\x1b[31m红色\x1b[0m",
    "\u200b\u200d\ufeff",
    "？？？",
    "...",
    "a" * 10_000,
    "为什么" * 4_000,
    "Why " * 3_000 + "?",
    "我们的CRM is really slow, why?",
    "What's 你们的 budget 今年?",
    "\ud800 lone surrogate",
    "ＷＨＹ？全角",
    "1234567890",
    "<script>alert('x')</script>",
    "(?P<x>",
]


@pytest.mark.parametrize("text", ODD, ids=range(len(ODD)))
@pytest.mark.parametrize("lang", ["auto", "zh", "en", "fr"])
def test_odd_input_never_raises(classifier: Classifier, text: str, lang: str) -> None:
    result = classifier.classify(text, lang=lang)
    assert result.technique in LABELS
    assert result.techniques[0] == result.technique
    assert 0.0 <= result.confidence <= 1.0
    assert result.lang in ("zh", "en")
    json.dumps(result.to_dict(), ensure_ascii=False)


def test_blank_and_emoji_are_statements(classifier: Classifier) -> None:
    for text in ("", "  ", "😀😀", "\x00"):
        assert classifier.classify(text).technique == "statement"


def test_full_width_and_traditional_text(classifier: Classifier) -> None:
    assert classifier.classify("為什麼這個流程需要三個部門簽字？").technique == "why"
    assert classifier.classify("預算大概有多少？").technique == "need_confirmation"
    assert classifier.classify("ＷＨＹ ＤＩＤ ＴＨＥ ＰＲＯＪＥＣＴ ＳＴＡＬＬ？").technique == "why"


def test_mixed_language_detection(classifier: Classifier) -> None:
    assert classifier.classify("目前用的是SaaS版还是本地部署").lang == "zh"
    assert classifier.classify("Why did the 华东 team switch vendors?").lang == "en"
    assert classifier.classify("Why did you switch?", lang="zh").lang == "zh"


def test_long_input_keeps_the_question_at_the_end(classifier: Classifier) -> None:
    text = "We talked about many things today. " * 200 + "Why did the board reject the plan?"
    assert classifier.classify(text).technique == "why"


# --- the interface other parts build on ------------------------------------------------------------


def test_bot_package_exports_classify() -> None:
    code = (
        "import bot, bot.classifier as c; "
        "assert bot.classify is c.classify and bot.Classification is c.Classification; "
        "assert 'classify' in bot.__all__ and 'Classification' in bot.__all__; "
        "print(bot.classify('Why?').technique)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "why"


def test_result_shape() -> None:
    result = classify("What else is slowing the line down?", lang="en")
    assert dataclasses.is_dataclass(result)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.technique = "why"  # type: ignore[misc]
    assert isinstance(result.techniques, tuple) and isinstance(result.evidence, tuple)
    evidence = result.evidence[0]
    assert isinstance(evidence, Evidence)
    assert evidence.technique == "what_else" and evidence.pattern
    assert result.to_dict()["evidence"][0]["matched"] == evidence.matched
    assert set(result.to_dict()) == {
        "technique",
        "techniques",
        "confidence",
        "lang",
        "evidence",
        "unsure",
        "guess",
    }


def test_confidence_is_higher_for_a_clear_case(classifier: Classifier) -> None:
    clear = classifier.classify("Why did the board reject the first proposal?")
    vague = classifier.classify("and the thing with the stuff?")
    assert clear.confidence > vague.confidence
