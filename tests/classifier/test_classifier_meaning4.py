"""Meaning rules of question bank 1.3.0: hedged questions, process questions that open with
"how are you", conditionals without "if", plan events and the plan itself, obstacles to a plan,
third parties' reactions to a proposal, social proof and payback claims; Chinese 了没有 and
"在用我们的".

Each case is a kind of line written for this test, in no data file.
"""

from __future__ import annotations

import pytest

from bot.classifier import Classifier

CASES = [
    # "how are you" + a work verb asks about a process; + a state verb it is care
    ("How are you currently handling the invoices?", "open_question"),
    ("How are you doing today?", "curiosity_care"),
    ("How are you holding up with all the audits?", "curiosity_care"),
    # a hedged "just wondering how…" asks
    ("just wondering how the night shift hands over to the morning team", "open_question"),
    # "in case…" and the problem left as it is are hypotheticals
    ("In case the supplier goes bust, how would you keep the line running?", "what_if"),
    ("If things stay as they are, what does next year look like?", "what_if"),
    # "as if" compares, it pictures nothing (bank 2.3.0): care, as the question after it asks
    ("It sounds as if the trucks gave you a rough night. Has much changed lately?", "curiosity_care"),
    # when a plan event happens, and the plan itself, are needs
    ("When will the board make the decision?", "need_confirmation"),
    ("Is there an implementation plan for the second phase?", "need_confirmation"),
    ("Which month are you looking to switch over?", "need_confirmation"),
    # ...but what gets in the way of the plan is a cause
    ("What is delaying the rollout?", "why"),
    # a third party's reaction to a proposal
    ("How would the nurses react to scanning every item?", "how_do_you_see"),
    # weather and disruption around the customer
    ("Did the flooding last week disrupt the plant?", "curiosity_care"),
    # a permission asked for time to ask
    ("Would you have five minutes for me to ask a few questions?", "humble_disclaimer"),
    # an earlier visit, with "had told"
    ("You had told me before that the night shift was short, is that still so?", "revisit_topic"),
    # social proof with a number, and payback claims, are pitches; our own trust is not
    ("Over three hundred pharmacies trust our scanners.", "pitch"),
    ("Our customers usually see payback within nine months.", "pitch"),
    ("We trust our suppliers.", "statement"),
    ("In case you need anything, just call me.", "statement"),
]

CASES_ZH = [
    # a verb + 了没有 at the end of a clause asks
    ("新的打印机装好了没有", "closed_question"),
    ("这事我问过了没有结果", "statement"),
    # others using us is social proof; our own trust is not
    ("两百多家药店都在用我们的扫码枪。", "pitch"),
    ("我们信任我们的供应商。", "statement"),
]


@pytest.mark.parametrize(("text", "label"), CASES)
def test_meaning_rules(classifier: Classifier, text: str, label: str) -> None:
    assert classifier.classify(text, lang="en").technique == label


@pytest.mark.parametrize(("text", "label"), CASES_ZH)
def test_meaning_rules_zh(classifier: Classifier, text: str, label: str) -> None:
    assert classifier.classify(text, lang="zh").technique == label
