"""Meaning rules added when fresh development lines showed what the patterns missed.

Each case is a kind of line, not a sentence from any data file: a rule written for the meaning
should classify every phrasing of it.
"""

from __future__ import annotations

import pytest

from bot.classifier import Classifier

CASES = [
    # a statement of several parts closed by a question mark checks a summary
    ("Right, four depots, one planner between them, and the routes get fixed by phone?", "confirm_question"),
    ("You use SAP?", "closed_question"),  # a one-fact check stays closed
    # pitches with no product word: a superiority claim, an offer said plainly, the customer's life after
    ("Nobody in the county fits a boiler quicker than we do.", "pitch"),
    ("The first service is on us.", "pitch"),
    ("You'd never have to re-key an order again.", "pitch"),
    ("Delivery is free and we'll set up your whole kitchen.", "pitch"),
    ("We'll send the draft contract tomorrow.", "statement"),
    ("Our team will follow up with the figures.", "statement"),
    # a conditional without "if"
    ("Were the council to double the parking fees, how would your shops cope?", "what_if"),
    ("Were you able to hire a new planner?", "closed_question"),
    # our proposal offered for a view is not a hypothetical
    ("If I proposed a trial at the Hove branch, how would your manager feel about it?", "how_do_you_see"),
    # indirect deadline and budget asks
    ("When are you aiming to have the new scanners running?", "need_confirmation"),
    ("What sort of figure is the trust thinking of for this?", "need_confirmation"),
    ("When does the current maintenance contract run out?", "need_confirmation"),
    # care about a general change and how the customer weathers it
    ("The floods were awful this spring, how did the depot come through them?", "curiosity_care"),
    ("How's the new rota treating your nurses?", "curiosity_care"),
    # a yes/no question about alternatives is not a request for more items
    ("Have you looked at any other suppliers?", "closed_question"),
    ("What other concerns does the board have?", "what_else"),
    # list questions ask the customer to describe
    ("What's your biggest headache at the moment?", "open_question"),
    # Chinese: a rising summary without a tag, a care line about weather, a plain offer
    ("那等于说每张单子都要人工核对两遍咯。", "confirm_question"),
    ("最近雨水这么多，仓库那边受影响大不大？", "curiosity_care"),
    ("这个月下单，安装全都不收钱。", "pitch"),
    ("我回去整理一下，明天发给您。", "statement"),
]


@pytest.mark.parametrize(("text", "label"), CASES)
def test_meaning_rules(classifier: Classifier, text: str, label: str) -> None:
    assert classifier.classify(text).technique == label
