"""What earns this customer's trust beyond the method: his social style (persona ``style``).

Sales trainers sort buyers into four styles, and a good rep adapts: an *analytical* buyer trusts
numbers and precise questions, a *driver* short and to-the-point lines (a long one costs him
time and the rep trust), an *amiable* one care for him and his people and a modest tone, an
*expressive* one questions about his ideas and the picture of a better future. The style
adds a little to what the method already earns (``STYLE_GAIN``); it never makes a mistake good
(a pitch before the need, a private question), and only a driver's patience can be lost by it.
A scenario without ``style`` plays as before.
"""

from __future__ import annotations

import re
from typing import Final

from bot.vocab import NON_QUESTIONS, Style, Technique

from .listening import VISION_CUES, has_cue, is_question

STYLE_GAIN: Final = 2.0  # a line in his style, on top of what the method gives it
DRIVER_SHORT_GAIN: Final = 1.0  # a driver's short question: less than a style's full gain
DRIVER_LONG_COST: Final = 2.0  # a long line to a driver
# A line is short / long by characters in Chinese, by words in English.
SHORT: Final = {"zh": 24, "en": 14}
LONG: Final = {"zh": 70, "en": 40}

_FIGURES: Final = {
    "zh": re.compile(r"\d|多少|几[个家条台位名人次成]|百分|比例|占比|具体|多久|多大"),
    "en": re.compile(
        r"\d|\bhow (?:many|much|long|often)\b|\bwhat (?:share|percentage|proportion|rate)\b|\bexactly\b"
        r"|\bspecifically\b|\bper cent\b|\bpercent",
        re.I,
    ),
}
_CARE: Final = frozenset({Technique.CURIOSITY_CARE, Technique.HUMBLE_DISCLAIMER})
_HIS_IDEAS: Final = frozenset({Technique.HOW_DO_YOU_SEE, Technique.WHAT_IF})


def _length(text: str, lang: str) -> int:
    return len(re.sub(r"\s", "", text)) if lang == "zh" else len(text.split())


def style_move(
    style: Style | None, text: str, lang: str, technique: Technique, method_delta: float
) -> tuple[float, str | None]:
    """The trust a line earns (or, for a driver, costs) for the customer's ``style``, and the
    ``text_keys.STYLE_KEYS`` key that tells the rep why; ``(0.0, None)`` when it does nothing.

    ``technique`` is the line's first; ``method_delta`` what the method gave the line so far (a
    line that already cost trust earns nothing for its style)."""
    if style is None:
        return 0.0, None
    if style is Style.DRIVER and _length(text, lang) > LONG.get(lang, LONG["en"]):
        return -DRIVER_LONG_COST, "driver_long"
    if method_delta < 0 or technique in NON_QUESTIONS or not is_question(text):
        return 0.0, None
    if style is Style.ANALYTICAL and _FIGURES.get(lang, _FIGURES["en"]).search(text):
        return STYLE_GAIN, "analytical"
    if style is Style.DRIVER and _length(text, lang) <= SHORT.get(lang, SHORT["en"]):
        return DRIVER_SHORT_GAIN, "driver_short"
    if style is Style.AMIABLE and technique in _CARE:
        return STYLE_GAIN, "amiable"
    if style is Style.EXPRESSIVE and (technique in _HIS_IDEAS or has_cue(text, VISION_CUES, lang)):
        return STYLE_GAIN, "expressive"
    return 0.0, None
