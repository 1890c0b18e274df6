"""The form of a rep's question, beyond its technique: one bare question or something said
first, and whether it asks for a number or a name rather than a yes or no."""

from __future__ import annotations

import re
from typing import Final

from .listening import asks_need, is_question

_SENTENCE_END: Final = re.compile(r"[。！!？?；;]+|\.(?:\s|$)")


def is_bare_question(text: str) -> bool:
    """The whole line is one question, with nothing said before it: "why have returns gone up?",
    not "the plants we work with were hit too. What worries you most?" (an answer, then a question)."""
    parts = [p for p in _SENTENCE_END.split(text.strip()) if p.strip()]
    return len(parts) == 1 and is_question(text)


_FIGURE_ASK: Final[dict[str, re.Pattern[str]]] = {
    "en": re.compile(
        r"\bhow (?:many|much|long|often|big|large)\b|\bwhat (?:percentage|share|proportion|number)\b", re.I
    ),
    "zh": re.compile(r"多少|几[个家条台位名人次年月天周种批层栋辆成]|多久|多长时间|多大|百分之几"),
}
_DETAIL_ASK: Final[dict[str, re.Pattern[str]]] = {
    "en": re.compile(r"(?:^|[,.;]\s*|\b(?:so|and)\s+)(?:what|which|who|where|when)\b(?!\s+if\b)", re.I),
    "zh": re.compile(r"什么|哪[个些家里儿种位天]|谁|几点|几号"),
}
_YES_NO_ZH: Final = re.compile(r"[吗吧][？?。]?\s*$|是不是|有没有|对不对|是否")
# How many of something he has or runs ("how many stores do you have?", "你们有几家店？"): a count
# of his own business he knows by heart, so "I couldn't give you an exact figure" rings false.
_COUNT_ASK: Final[dict[str, re.Pattern[str]]] = {
    "en": re.compile(
        r"\bhow many\b(?![^?.!]*\b(?:a|per|each|every|last|this|next) (?:day|week|month|year|quarter)\b)"
        r"[^?.!]*?\b(?:(?:do|does) (?:you|your|the|we)\b[^?.!]*?\b(?:have|run|operate|own|manage|employ)"
        r"|have you got|are there|in total|altogether)\b",
        re.I,
    ),
    "zh": re.compile(r"(?:多少|几)[家辆台座所间]|[一总]共有"),
}


def asks_for_detail(text: str, lang: str) -> str | None:
    """ "count", "figure" or "detail" when a question asks how many of his things there are ("how
    many stores do you have?"), another number ("how long has it been?") or a name ("which system
    do you use?"), None for a yes/no question: "yes, that's right" answers only those."""
    if not is_question(text) or (lang == "zh" and _YES_NO_ZH.search(text)):
        return None
    if _FIGURE_ASK[lang].search(text):
        return "count" if _COUNT_ASK[lang].search(text) else "figure"
    if _DETAIL_ASK[lang].search(text.strip()):
        return "detail"
    return None


_AMOUNT_ASK: Final = re.compile(r"\bhow (?:many|much)\b|多少|几[个家条台位名种批层栋辆]", re.I)


def asks_about_things(text: str, lang: str) -> bool:
    """A yes/no question or one asking how many or how much of something ("any hospitals?", "how
    many trucks do you run?"): "no, not us" fits it when the thing is foreign to him. Not a
    question about him or how he works ("how long have you been in this role?", "which system
    do you use?"), where an unfamiliar word is no sign of another business."""
    return asks_for_detail(text, lang) is None or bool(_AMOUNT_ASK.search(text))


# The offer itself, named (not its pronouns: "who ends up paying for it?" names no offer).
_OFFER_NOUNS: Final = re.compile(
    r"试点|试行|试用|方案|系统|项目|平台|上线|合作|引入|采购|"
    r"\b(?:pilot|trial|solution|system|project|platform|rollout|go live|proposal|purchase)\b",
    re.IGNORECASE,
)


def names_offer(text: str) -> bool:
    return bool(_OFFER_NOUNS.search(text))


# Asking by when or for the money in so many words (asked_need's "when" alone also asks when
# something started).
PLAIN_NEED: Final = re.compile(
    r"最晚|最迟|截止|期限|时间表|预算|经费|多少钱|拨多少|批了多少|"
    r"\b(?:by when|deadline|budgets?|funds?|funding|how much money|money (?:is )?(?:left|unspent)|unspent)\b",
    re.IGNORECASE,
)


def asks_plainly_for_need(text: str) -> bool:
    """The line asks by when or for the money in so many words ("by when must line three show
    data?", "这回批了多少钱？"), not a cause or his rules."""
    return bool(PLAIN_NEED.search(text)) and asks_need(text)


# A greeting that takes leave ("thanks, I won't keep you"): once the visit is under way, goodbye.
GOODBYE_CUES: Final[dict[str, tuple[str, ...]]] = {
    "zh": (
        "再见", "告辞", "不打扰", "不占您", "不耽误您", "您忙", "您先忙", "先走", "回头见", "下次见",
        "改天见",
    ),
    "en": (
        "goodbye", "bye", "see you", "won't keep you", "let you get", "take care", "have a good", "talk soon",
    ),
}  # fmt: skip
