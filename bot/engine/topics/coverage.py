"""Is a line about this customer's business at all? How much of it the topic it is heard as covers.

The matcher scores a line by the words it shares with each topic, so a single shared word can
carry a question about another business onto one of his topics ("what happens to your delivery
times if half the trucks fail the new emissions check?" asked of a hotel group with a carbon
goal: "emissions"). Such a line names a thing of another business that no text of this scenario
mentions (trucks: ``domains.other_business``), and the topic it is heard as uses few of its
words (a stake any business has: "your margins"). ``another_business`` says so; the engine then
hears the line as off-topic (docs/topics.md, "Another business").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from bot.engine.topics.domains import other_business
from bot.engine.topics.index import TopicIndex, TopicMatch, specificity

# A line is about another business when it names a thing of one that this scenario never uses
# (each counts as at least one ordinary word, "gym" too), its words this scenario never uses
# weigh FOREIGN_MIN (one and a half ordinary words), and the topic it is heard as uses no more of
# its words than those and at most COVERED_MAX (two ordinary words: "your margins", "cash flow"
# fit any business).
FOREIGN_MIN: Final = 1.5
COVERED_MAX: Final = 2.0
HIS_COVERED_MAX: Final = 3.0
# "Your cinemas", "你们公交公司的司机": the rep says he has the thing. A thing of another business
# named as his is enough on its own (no second foreign word needed), when his topic covers little.
_HIS: Final[dict[str, re.Pattern[str]]] = {
    # "your bank's loan book": the possessive joins the owner to what he owns.
    "en": re.compile(r"\byour\s+(?:own\s+)?([a-z-]+(?:['’]s)?(?:\s+[a-z-]+)?)", re.IGNORECASE),
    # Not "你们有没有做医院的业务？": that asks whether he has it.
    "zh": re.compile(
        r"(?:(?:你们|您们|贵公司|贵司|咱们)的?|您的|你的)(?!有没有|是不是|是否|会不会|有|也|还)(\w{1,8})"
    ),
}


@dataclass(frozen=True, slots=True)
class Coverage:
    """A line's specific words, as weights (``specificity``): all of them, those one topic uses,
    those no text of the scenario uses, and those that name a thing of another business."""

    specific: float = 0.0
    covered: float = 0.0
    foreign: float = 0.0
    objects: tuple[str, ...] = ()


def coverage(index: TopicIndex, text: str, lang: str, match: TopicMatch) -> Coverage:
    """How much of ``text`` the topic ``match`` hears it as (its runner-up when it has none) uses,
    and how much of it this scenario never uses. ``lang`` is the session's language."""
    lang = index.line_language(text, lang)  # as the matcher reads it
    words = index.content_words(text, lang)
    key = match.topic or match.runner_up
    covered = sum(specificity(word) for word in words if key is not None and index.uses(key, word, lang))
    unknown = tuple(dict.fromkeys(match.unknown))
    return Coverage(
        specific=sum(specificity(w) for w in words),
        covered=covered,
        foreign=sum(specificity(w) for w in unknown),
        objects=other_business(unknown, lang),
    )


def another_business(
    index: TopicIndex,
    text: str,
    lang: str,
    match: TopicMatch,
    *,
    one_thing_enough: bool = False,
    premise: bool = False,
) -> bool:
    """The line is about things of another business, not his: it names one this scenario never
    uses, and the topic it is heard as shares little else with it. ``one_thing_enough``: a single
    such thing does it when no word of the line is his topic's ("anything else with the carmaker
    keeping you up?" asked of a fleet). Such a thing weighs one ordinary foreign word, or one and a
    half when the line is no yes/no question about things or pictures it (``premise``: "if the
    cinema stays half empty, will you close screens?"); "do you run any hospitals?" is left to
    the gentler "no, not us"."""
    if not match.unknown or match.generic:
        return False
    found = coverage(index, text, lang, match)
    if not found.objects:
        return False
    if one_thing_enough and found.covered == 0:
        return True
    if found.covered <= HIS_COVERED_MAX and _names_as_his(index, text, lang, found.objects):
        return True
    weight = FOREIGN_MIN if one_thing_enough or premise else 1.0  # what each named thing weighs at least
    foreign = max(found.foreign, weight * len(found.objects))
    return foreign >= FOREIGN_MIN and found.covered <= min(COVERED_MAX, foreign)


def _names_as_his(index: TopicIndex, text: str, lang: str, objects: tuple[str, ...]) -> bool:
    """The line names one of ``objects`` (things of another business) as his: "your cinemas"."""
    lang = index.line_language(text, lang)
    for owned in _HIS[lang].findall(text):
        words = index.content_words(owned, lang) if lang == "en" else [owned]
        if any(obj == word or (lang == "zh" and obj in word) for obj in objects for word in words):
            return True
    return False
