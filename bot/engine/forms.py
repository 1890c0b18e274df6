"""The form of a rep's question, beyond its technique: one bare question or something said
first, and whether it asks for a number or a name rather than a yes or no."""

from __future__ import annotations

import re
from typing import Final

from .listening import is_question

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


def asks_for_detail(text: str, lang: str) -> str | None:
    """ "figure" or "detail" when a question asks for a number or a name ("how many stores?",
    "which system do you use?"), None for a yes/no question: "yes, that's right" answers only those."""
    if not is_question(text) or (lang == "zh" and _YES_NO_ZH.search(text)):
        return None
    if _FIGURE_ASK[lang].search(text):
        return "figure"
    if _DETAIL_ASK[lang].search(text.strip()):
        return "detail"
    return None
