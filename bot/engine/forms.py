"""The form of a rep's question, beyond its technique: one bare question or something said
first, and whether it asks for a number or a name rather than a yes or no."""

from __future__ import annotations

import re
from typing import Final

from .listening import Focus, asks_need, has_cue, is_question
from .schema import ANALYSIS_OF_TYPE, AnalysisAsk, ProblemType

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
    r"最晚|最迟|截止|期限|时间表|预算|经费|多少钱|拨多少|批了多少|批下来.{0,6}多少|盘子.{0,4}多少|"
    r"什么时候(?:就)?(?:要|需要|得|必须)(?:看到|见到|拿到|出)|多久(?:之内|以内|内)?(?:要|需要|得|必须)(?:看到|见到)|"
    r"\b(?:by when|deadline|budgets?|funds?|funding|how much money|money (?:is )?(?:left|unspent)|unspent)\b|"
    r"\b(?:when|how soon) (?:would|will|do|must|should|'d) you (?:need|want|have|expect)\b|"
    r"\btime ?(?:line|frame|scale)s?\b",
    re.IGNORECASE,
)


# "How much cash could go into a trial?", "能拿出多少钱来试": what he could spend, the budget (not
# what something cost him once).
_COULD_SPEND: Final = re.compile(
    r"\bhow much (?:money|cash|budget|funding)\b[^?]{0,40}\b(?:could|would|can|will|might)\b|"
    r"\bhow much (?:could|would|can|might) you (?:put|spend|invest|set aside|commit|free up|find)\b|"
    r"能(?:拿出|投|花|批|挤出)多少|预算(?:能|可以)有多少|(?:能|可以)给多少预算",
    re.IGNORECASE,
)


def asks_what_he_could_spend(text: str) -> bool:
    return bool(_COULD_SPEND.search(text))


def asks_plainly_for_need(text: str) -> bool:
    """The line asks by when or for the money in so many words ("by when must line three show
    data?", "这回批了多少钱？", "how much cash could go into a trial?"), not a cause or his rules."""
    return bool(PLAIN_NEED.search(text) or _COULD_SPEND.search(text)) and asks_need(text)


# Words that ask for the next step: a meeting, a pilot, a proposal, a signature.
NEXT_STEP_CUES: Final[dict[str, tuple[str, ...]]] = {
    "zh": (
        "下周", "下次", "再约", "约个", "约一", "见个面", "见一面", "试点", "带方案", "方案过来",
        "方案来", "周几方便", "哪天方便", "什么时候方便", "上午方便", "下午方便", "安排一次", "安排个",
        "演示", "碰个头", "碰一下", "约时间", "见面聊", "过来给您",
    ),
    "en": (
        "next week", "next meeting", "meet again", "another meeting", "set up a meeting",
        "follow-up meeting", "pilot", "proposal", "come back", "demo", "trial", "which day",
        "are you free", "would suit", "suits you", "could we meet", "can we meet", "shall we meet",
        "meet next", "get together", "schedule a", "book a", "show you a plan", "walk you through",
    ),
}  # fmt: skip
# Signing asks for the next step only in the question itself: "it can go into the contract. Is
# that a must for you?" describes the offer.
SIGNING_CUES: Final[dict[str, tuple[str, ...]]] = {
    "zh": ("签", "合同", "下单"),
    "en": ("sign", "contract", "place an order"),
}


def _cue_re(cues: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(cue) for cue in cues) + r")\b", re.IGNORECASE)


_NEXT_STEP_EN: Final = _cue_re(NEXT_STEP_CUES["en"])
_SIGNING_EN: Final = _cue_re(SIGNING_CUES["en"])
_QUESTION_SENTENCE: Final = re.compile(r"[^。！？!?.;；]*[？?]")


def _names_next_step(text: str) -> bool:
    """Next-step words, English ones as whole words ("contracted trucks" asks for no contract);
    signing words in the question only."""
    asked = " ".join(_QUESTION_SENTENCE.findall(text)) or text
    signing = has_cue(asked, SIGNING_CUES, "zh") or bool(_SIGNING_EN.search(asked))
    return signing or has_cue(text, NEXT_STEP_CUES, "zh") or bool(_NEXT_STEP_EN.search(text))


# Asking to meet (not "by when must the pilot run?", a deadline question that names a pilot).
_MEETING: Final = re.compile(
    r"见个?面|见一面|碰个头|碰一下|约个时间|约时间|周[一二三四五几]|星期[一二三四五几]|哪天方便|什么时候方便|"
    r"\b(?:could|can|shall) we meet\b|\bmeet (?:next|on|again)\b|\bnext (?:monday|tuesday|wednesday|thursday|"
    r"friday|week)\b|\bare you free\b|\bwhich day\b",
    re.IGNORECASE,
)


def asks_to_meet(text: str) -> bool:
    """A question asking for a meeting (either language)."""
    return is_question(text) and bool(_MEETING.search(text))


# A line on the visit's purpose asks for the next step only with a word of asking for one: the
# purpose names the customer's problems too ("student housing is run by your office?" is no request).
PURPOSE_ASK: Final = re.compile(
    r"方案|再来|再过来|回来|拜访|约|见面|安排|试[点行用]|合作|下一步|"
    r"\b(?:plans?|meet(?:ing)?|visit|come back|next step|arrange|pilot|trial|proposal|work together)\b",
    re.IGNORECASE,
)


def asks_next_step(text: str, lang: str, focus: Focus) -> bool:
    """True when the line asks for the visit's next step (by topic ``purpose`` or by words)."""
    if not is_question(text):
        return False  # "sign this month and training is free" is a pitch, not a request
    if focus.kind == "named" and focus.key == "purpose" and PURPOSE_ASK.search(text):
        return True
    return _names_next_step(text)  # either language: reps mix them


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


# The analysis questions of a problem's type, by their words (docs/scenarios.md, ``problems``).
ANALYSIS_CUES: Final[dict[AnalysisAsk, dict[str, tuple[str, ...]]]] = {
    AnalysisAsk.made_of: {
        "zh": ("由哪些", "哪几类", "哪几种", "哪些类型", "构成", "组成", "分哪几", "都是些什么"),
        "en": (
            "made up of",
            "made of",
            "break down",
            "breakdown",
            "what kinds",
            "which kinds",
            "what types",
            "consist",
        ),
    },
    AnalysisAsk.where: {
        "zh": ("哪个环节", "哪道工序", "哪一步", "哪个阶段", "什么环节", "哪一环", "在哪儿出", "在哪里出"),
        "en": (
            "where in",
            "at which stage",
            "which stage",
            "which step",
            "at what point",
            "where exactly",
            "where along",
        ),
    },
    AnalysisAsk.compared: {
        # Comparing with another line, site or product; "why so many more than last year?" only
        # describes the rise, so a comparison in time is no cue.
        "zh": ("相比", "比起", "对比", "跟别的", "和别的", "跟其他", "和其他"),
        "en": ("compared", "compare", "versus", "than the other", "than at the other", "than on the other"),
    },
    AnalysisAsk.trigger: {
        "zh": ("引发", "触发", "导火索", "什么情况下会", "在什么情况下"),
        "en": (
            "trigger",
            "set off",
            "sets off",
            "tip it over",
            "under what conditions",
            "what would cause it to",
        ),
    },
    AnalysisAsk.outcome: {
        "zh": ("会发生什么", "会出什么事", "具体会怎样", "最坏会"),
        "en": ("what exactly would happen", "what would actually happen", "worst case"),
    },
    AnalysisAsk.precedent: {
        "zh": ("别家", "同行", "别人遇到", "有没有先例", "出过事", "其他家"),
        "en": (
            "happened to others",
            "other companies",
            "anyone else had",
            "peers",
            "precedent",
            "happened elsewhere",
        ),
    },
    AnalysisAsk.specific: {
        "zh": ("具体", "量化", "什么数字", "多少算", "衡量", "什么标准算"),
        "en": ("specific", "measurable", "measure", "what number", "what target", "what would count as"),
    },
    AnalysisAsk.prerequisite: {
        "zh": ("前提", "先要", "必须先", "先得", "需要具备", "先满足"),
        "en": (
            "must be true",
            "needs to be in place",
            "have to be in place",
            "prerequisite",
            "before that can",
            "first need",
        ),
    },
    AnalysisAsk.path: {
        "zh": ("路径", "怎么走", "分几步", "步骤", "路线图", "从哪儿入手", "从哪里入手"),
        "en": (
            "path",
            "roadmap",
            "what steps",
            "how would you get there",
            "route to",
            "where would you start",
        ),
    },
}


def analysis_asked(text: str, lang: str, problem_type: ProblemType) -> AnalysisAsk | None:
    """Which of the analysis questions of ``problem_type`` the line asks, if any."""
    return next(
        (ask for ask in ANALYSIS_OF_TYPE[problem_type] if has_cue(text, ANALYSIS_CUES[ask], lang)), None
    )


# "Who else ends up feeling it?", "还有谁会受牵连？": the spreading harm, not what else is wrong.
_HIT: Final[dict[str, tuple[str, ...]]] = {
    "zh": (
        "牵连",
        "连累",
        "波及",
        "拖累",
        "受影响",
        "影响到",
        "跟着受罪",
        "跟着受苦",
        "跟着吃亏",
        "跟着遭殃",
        "受累",
        "跟着倒霉",
        "买单",
        "埋单",
        "被拖下水",
        "牵扯",
    ),
    "en": (
        "feel it",
        "feels it",
        "feeling it",
        "affected",
        "hit by",
        "gets hit",
        "knock-on",
        "ripple",
        "suffer",
        "drag down",
        "drags down",
        "dragged down",
        "dragged into",
        "drags in",
        "dragged in",
        "pulled into",
        "caught up in",
        "pay for it",
        "pays for it",
        "paying for it",
        "take the hit",
        "takes the hit",
        "spill over",
        "spills over",
        "end up paying",
        "ends up paying",
        "foot the bill",
        "foots the bill",
        "pick up the bill",
        "picks up the bill",
        "pay the price",
        "pays the price",
        "take a hit",
        "takes a hit",
        "feel the pinch",
        "feels the pinch",
    ),
}


def asks_who_is_hit(text: str, lang: str) -> bool:
    """A question about who else bears a problem's harm."""
    return has_cue(text, _HIT, lang)


_WHO_ELSE: Final[dict[str, tuple[str, ...]]] = {
    "zh": ("还有谁", "还有哪些人", "其他人", "别的人", "谁会跟着", "哪些部门", "哪些人"),
    "en": ("who else", "anyone else", "which other", "what other teams", "who in"),
}


def asks_who_else_is_hit(text: str, lang: str) -> bool:
    """ "Who else feels it?" in so many words: a what-if on the spreading harm, whatever label
    the line got ("一个老技师走了，店里还有谁会跟着受影响？" read as care)."""
    return asks_who_is_hit(text, lang) and has_cue(text, _WHO_ELSE, lang)


# Naming an earlier visit, not something said a moment ago in this one.
EARLIER_VISIT_CUES: Final[dict[str, tuple[str, ...]]] = {
    "zh": ("上次", "上回", "那次", "上周", "上个月", "之前来", "以前来", "之前见"),
    "en": ("last time", "last week", "last month", "we talked", "we spoke", "when we met", "last visit"),
}


# "I hear the fire service has a campaign on. How does that land on you?": news the rep brings
# before asking what it means for him (the method's curiosity question).
HEARD_CUES: Final[dict[str, tuple[str, ...]]] = {
    "zh": ("听说", "了解到", "据说", "听人说", "看到新闻", "注意到", "看报道"),
    "en": ("i hear", "i heard", "i gather", "i understand", "i read", "i've read", "i saw",
           "i noticed", "i'm told", "word is"),
}  # fmt: skip


# "If I had an idea, would you want to hear it?" in so many words: the interest check, even when
# the customer's own question is pending and the line is heard as answering it with a question.
_INTEREST: Final[dict[str, re.Pattern[str]]] = {
    "zh": re.compile(r"兴趣|想不想听|要不要听|(?:乐意|愿意)(?:听|了解)|听听不|听听吗"),
    "en": re.compile(
        r"\b(?:would|will|could) (?:you|that) (?:be )?(?:interested|want to hear|like to hear)\b"
        r"|\binterested in hearing\b|\bwant to hear (?:it|how|about|more)\b|\bworth your time\b",
        re.IGNORECASE,
    ),
}


def asks_interest(text: str, lang: str) -> bool:
    return bool(_INTEREST[lang].search(text))
