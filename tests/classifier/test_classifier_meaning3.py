"""Meaning rules of question bank 1.2.0: pitches about our product, deadlines for results,
curiosity about change, a disclaimer before a real question, and whether the customer asked.

Each case is a kind of line written for this test, in no data file.
"""

from __future__ import annotations

import pytest

from bot.classifier import Classifier

CASES = [
    # our product as the subject of what it does, superlatives placed in the market, social proof
    ("Our ordering app pulls every supplier's price list in overnight and flags the cheapest.", "pitch"),
    ("Our label printers are the fastest in the region, two hundred labels a minute.", "pitch"),
    ("More than three hundred bakeries already run it, and owners love how little it needs.", "pitch"),
    ("Cafés that switched to our till system close the day in five minutes.", "pitch"),
    ("我们的巡检系统能自动生成报告，异常马上推到主管手机上。", "pitch"),
    ("这款扫码枪是市面上最耐摔的。", "pitch"),
    ("用了我们系统的药房，盘点时间都缩短了一半。", "pitch"),
    # ...but news about our product or our people is not a pitch
    ("Our system crashed on Monday, so the report will be late.", "statement"),
    ("Our sensors arrived at the port this morning.", "statement"),
    ("我们的系统昨天停机维护了两个小时。", "statement"),
    # by when the customer wants results or completion is a deadline
    ("When do you need the new menus printed and ready by?", "need_confirmation"),
    ("How soon does the owner want to see savings from the new rota?", "need_confirmation"),
    ("这批整改您希望哪天之前弄好？", "need_confirmation"),
    ("新门店的系统希望多久之内用起来？", "need_confirmation"),
    ("When did the new rota start?", "closed_question"),
    # curiosity about a recent change around the customer
    ("What's been changing for the school since the new head arrived?", "curiosity_care"),
    ("这两年你们镇上有哪些变化？", "curiosity_care"),
    ("What would you change about the way returns are handled?", "open_question"),
    # a disclaimer before a real question: the question's kind wins
    ("Sorry if this is blunt, but if the main chef left tomorrow, how would the kitchen cope?", "what_if"),
    ("Excuse my asking, but why did the last supplier walk away?", "why"),
    ("If you don't mind me asking, what have you budgeted for the refit?", "need_confirmation"),
    ("不好意思问得直接，要是明天主厨走了，后厨怎么办？", "what_if"),
    # the permission is the whole request, its topic included
    ("关于这次的报价，我能请教一下吗？", "humble_disclaimer"),
    ("那次停电的事我能问问吗？", "humble_disclaimer"),
]


@pytest.mark.parametrize(("text", "label"), CASES)
def test_meaning_rules(classifier: Classifier, text: str, label: str) -> None:
    assert classifier.classify(text).technique == label


def test_the_disclaimer_is_listed_second(classifier: Classifier) -> None:
    result = classifier.classify(
        "Forgive me for asking this so early, but if a fire shut the warehouse, what would that mean?"
    )
    assert result.techniques[:2] == ("what_if", "humble_disclaimer")


# The customer's previous line: asked or not, by meaning.
ANSWER = "Thanks. How many people work on the floor?"
ANSWER_ZH = "好的。你们现在一共几家门店？"


@pytest.mark.parametrize(
    "previous",
    [
        "Hello, have a seat.",
        "Have some coffee, Jenny will join us shortly.",
        "Who knows, the market might turn.",
        "Why not, let's hear it.",
        "How we ended up here is another story.",
        "What a morning it's been.",
        "Do come in.",
    ],
)
def test_an_english_statement_is_not_a_question(classifier: Classifier, previous: str) -> None:
    result = classifier.classify(ANSWER, context={"previous": previous})
    assert result.technique == "closed_question"


@pytest.mark.parametrize(
    "previous",
    [
        "你好，请坐。",
        "没什么，老样子",
        "哪儿都差不多",
        "几个人都在外面跑",
        "谁接手都一样",
        "随便看吧",
        "有几家是去年新开的",
    ],
)
def test_a_chinese_statement_with_an_indefinite_is_not_a_question(
    classifier: Classifier, previous: str
) -> None:
    result = classifier.classify(ANSWER_ZH, context={"previous": previous})
    assert result.technique == "closed_question"


@pytest.mark.parametrize(
    ("previous", "text"),
    [
        ("Does it run on Android", "It does. Which phones do your staff carry?"),
        ("How does the licence work", "Per site, per year. How many sites would start?"),
        ("Is there a setup fee?", "No, none. When would you want to start?"),
        ("能不能开发票", "可以的。你们一般按月结还是按季结？"),
        ("你们在长沙有没有服务点", "有两个。你们门店主要在哪几个区？"),
        ("售后怎么收费", "第一年免费。你们现在的设备多久保养一次？"),
        ("这个要多少钱？", "按门店算。你们一共有几家店？"),
    ],
)
def test_a_real_question_without_a_mark_still_asks(classifier: Classifier, previous: str, text: str) -> None:
    assert classifier.classify(text, context={"previous": previous}).technique == "answer_with_question"


@pytest.mark.parametrize(
    ("previous", "text", "label"),
    [
        # an inversion or 吗 asks even when the customer closed it with a full stop
        ("Does it work with our scanners.", "It does. Which model do you have?", "answer_with_question"),
        ("能开专票吗。", "可以。你们一般按月结还是按季结？", "answer_with_question"),
        # a bare wh-word in a sentence closed by a full stop is an indefinite
        ("我们就靠几个老师傅撑着。", "明白。他们都在这个厂干了多少年了？", "closed_question"),
        ("Who can say, it changes every week.", "Right. Do both sites share a manager?", "closed_question"),
    ],
)
def test_a_full_stop_and_the_structure(classifier: Classifier, previous: str, text: str, label: str) -> None:
    assert classifier.classify(text, context={"previous": previous}).technique == label
