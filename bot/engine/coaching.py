"""The scorecard's three coaching points: what to keep, start and stop doing.

Each point quotes the rep's own line where there is one, so the advice is about what they
actually said: the best move to keep, the worst mistake to stop (or an idle line), and the
first step of the method the visit never reached, placed where it would have fitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.vocab import Event

# Events worth keeping, best first, with why they worked.
KEEP: list[tuple[str, tuple[str, str]]] = [
    ("root_found", ("这句追问挖到了根本需求", "this question reached the root need")),
    (
        "implication",
        ("这句“如果”让客户自己看到了利害", "this what-if let the customer see the stakes himself"),
    ),
    ("answered_back", ("你简短回答后把问题抛了回去", "you answered briefly and asked back")),
    ("sibling", ("这句“还有吗”打开了另一个问题", "this what-else opened another problem")),
    ("need", ("你确认了明确需求", "you confirmed the explicit need")),
    ("view", ("你用案例引出了客户的看法", "you drew out the customer's view with a case")),
    ("dug", ("这句追问让客户往下讲了一层", "this why took the customer one level deeper")),
    ("revisited", ("你接上了上次拜访的话题", "you picked up the last visit's topic")),
    ("situation", ("你的关心让客户讲出了变化", "your care got the customer talking about what changed")),
    ("confirmed", ("你的总结让客户觉得被理解", "your summary made the customer feel understood")),
    ("opener_answered", ("你用容易回答的问题开了头", "you opened with an easy question")),
    ("greeted", ("你礼貌地开了场", "you opened politely")),
]
# Mistakes to stop, worst first.
STOP: list[tuple[str, tuple[str, str]]] = [
    (
        "pitch_early",
        ("还没有需求就推销，客户失去了耐心", "pitching before a need lost the customer's patience"),
    ),
    ("private", ("问了私人话题", "you asked about a private matter")),
    (
        "deflected",
        ("信任不够时问得太深，客户回避了", "you asked too deep before trust, and the customer dodged"),
    ),
    ("ignored", ("没有回应客户的问题", "you ignored the customer's question")),
    ("revisit_unknown", ("提到了客户没说过的话", "you referred to something the customer never said")),
    (
        "need_not_ready",
        ("客户还没有动机就问时间和预算", "you asked for timing and budget before the customer was motivated"),
    ),
    ("view_too_early", ("还没找到根本需求就给方案", "you offered solutions before finding the root need")),
    ("statement", ("说了陈述而不是提问", "you made a statement instead of asking")),
    ("small_talk", ("问题没有带出新信息", "the question brought out nothing new")),
]
# Lines that moved nothing forward.
IDLE_EVENTS = frozenset(
    {
        "small_talk",
        "guarded",
        "care",
        "nothing_else",
        "at_root",
        "confirm_nothing",
        "need_done",
        "answered_plainly",
    }
)
# What to start doing: the method's techniques in order, with the event that shows success.
START: list[tuple[str, set[str], tuple[str, str]]] = [
    ("curiosity_care", {"situation", "care"}, ("用关心和好奇打开话题", "open with care and curiosity")),
    (
        "why",
        {"dug", "root_found"},
        ("用“为什么”一层层挖到根本需求", "dig with why, one level at a time, to the root need"),
    ),
    ("what_else", {"sibling"}, ("用“还有吗”找出更多问题", "use what-else to find more problems")),
    ("what_if", {"implication"}, ("用“如果”让客户看到利害", "use what-if so the customer sees the stakes")),
    (
        "how_do_you_see",
        {"view"},
        ("说出想法或案例，问客户怎么看", "offer an idea or a case and ask for the customer's view"),
    ),
    ("need_confirmation", {"need"}, ("确认时间计划和预算", "confirm the deadline and the budget")),
    ("confirm_question", {"confirmed"}, ("总结并确认客户说的话", "sum up and check what the customer said")),
]


ZH_LEADS = {"is": "：", "after": "，比如接在这句之后：", "instead": "，比如替换这句："}
EN_LEADS = {"is": ": ", "after": ", for example right after: ", "instead": ", for example instead of: "}


# The points' headings, in the order of the languages' pairs.
POINT_LABELS: dict[str, tuple[str, str]] = {
    "keep": ("保持", "Keep"),
    "start": ("开始", "Start"),
    "stop": ("停止", "Stop"),
}

NO_KEEP = ("你坚持把拜访进行到了最后", "you saw the visit through")
IDLE_STOP = (
    "这句没有带出新东西，可以换成往前推进的问题",
    "this line moved nothing forward; ask one that does",
)
NOTHING_TO_STOP = (
    "没有需要停止的做法；继续避免过早推销和信任不够时的深问",
    "nothing to stop; keep avoiding early pitches and deep questions before trust",
)
NOTHING_TO_START = (
    "下次拜访用“重拾旧话题”接着今天往下谈",
    "next visit, pick up today's topics and go on from there",
)
# The answers that call for a technique: the start point quotes the line right before it.
CALLS_FOR: dict[str, set[str]] = {
    "curiosity_care": {"opener_answered", "greeted"},
    "why": {"situation", "sibling"},
    "what_else": {"root_found", "at_root"},
    "what_if": {"root_found"},
    "how_do_you_see": {"implication"},
    "need_confirmation": {"implication", "view"},
    "confirm_question": {"dug", "root_found", "sibling"},
}
# Lines a missing technique could have replaced.
REPLACEABLE = IDLE_EVENTS | {Event.PITCH_EARLY, Event.DEFLECTED, Event.STATEMENT}

History = list[dict[str, Any]]


@dataclass(frozen=True)
class CoachingPoint:
    """One point: the advice (with the quote worked in), the quoted line and its turn (1-based)."""

    kind: str  # keep / start / stop
    text: str
    quote: str | None
    turn: int | None
    label: str

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "text": self.text,
            "quote": self.quote,
            "turn": self.turn,
            "label": self.label,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CoachingPoint:
        return cls(
            kind=data["kind"], text=data["text"], quote=data["quote"], turn=data["turn"], label=data["label"]
        )


@dataclass(frozen=True)
class Coaching:
    keep: CoachingPoint
    start: CoachingPoint
    stop: CoachingPoint

    def to_json(self) -> dict[str, Any]:
        return {"keep": self.keep.to_json(), "start": self.start.to_json(), "stop": self.stop.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Coaching:
        return cls(**{key: CoachingPoint.from_json(data[key]) for key in ("keep", "start", "stop")})


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh" else pair[1]


def _point(
    kind: str, advice: tuple[str, str], history: History, index: int | None, lang: str, relation: str = "is"
) -> CoachingPoint:
    """A coaching point quoting the rep's line at ``index``.

    ``relation`` says how the quote relates to the advice: it *is* the example (keep, stop), or
    the advice fits right *after* it, or *instead* of it (start).
    """
    quote = history[index]["text"] if index is not None and 0 <= index < len(history) else None
    text = _pick(advice, lang)
    if quote:
        leads = ZH_LEADS if lang == "zh" else EN_LEADS
        opening, closing = ("「", "」") if lang == "zh" else ('"', '"')
        text = f"{text}{leads[relation]}{opening}{quote}{closing}"
    return CoachingPoint(
        kind, text, quote, None if index is None else index + 1, _pick(POINT_LABELS[kind], lang)
    )


def _last(history: History) -> int | None:
    return len(history) - 1 if history else None


def _first_fault(history: History) -> tuple[int, tuple[str, str]] | None:
    """The rep's first line showing the most serious mistake (STOP's order), with its advice."""
    for event, advice in STOP:
        for i, turn in enumerate(history):
            if turn["event"] == event or (event == "ignored" and turn["ignored"]):
                return i, advice
    return None


def coaching_points(history: History, events: list[str], lang: str) -> Coaching:
    """Keep, start and stop, each quoting one of the rep's own lines where there is one."""
    fault = _first_fault(history)
    keep = _keep(history, events, lang, None if fault is None else fault[0])
    if fault is not None:
        stop = _point("stop", fault[1], history, fault[0], lang)
    else:
        stop = _idle_stop(history, lang, (keep.turn or 0) - 1)
    return Coaching(keep=keep, start=_start(history, events, lang), stop=stop)


def _keep(history: History, events: list[str], lang: str, fault: int | None) -> CoachingPoint:
    for event, advice in KEEP:
        indexes = [i for i, name in enumerate(events) if name == event]
        if indexes:
            # Praise a line that is not also the one to stop, when the rep gave us one.
            praised = next((i for i in indexes if i != fault), indexes[0])
            return _point("keep", advice, history, praised, lang)
    return _point("keep", NO_KEEP, history, _last(history), lang)


def _idle_stop(history: History, lang: str, keep_index: int) -> CoachingPoint:
    """No mistake: stop the first idle line, if any besides the praised one."""
    idle = [i for i, turn in enumerate(history) if turn["event"] in IDLE_EVENTS and i != keep_index]
    if idle:
        return _point("stop", IDLE_STOP, history, idle[0], lang)
    # Nothing went wrong: quoting a line here would invent a fault.
    return _point("stop", NOTHING_TO_STOP, history, None, lang)


def _start(history: History, events: list[str], lang: str) -> CoachingPoint:
    for technique, successes, advice in START:
        if not successes & set(events):
            index, relation = _where_it_fit(technique, history)
            return _point("start", advice, history, index, lang, relation)
    return _point("start", NOTHING_TO_START, history, _last(history), lang)


def _where_it_fit(technique: str, history: History) -> tuple[int | None, str]:
    """The rep line ``technique`` would have followed (the answer that called for it), or the
    first idle line it could have replaced."""
    if not history:
        return None, "is"
    calls_for = CALLS_FOR.get(technique, set())
    for index, turn in enumerate(history):
        if turn["event"] in calls_for:
            return index, "after"
    for index, turn in enumerate(history):
        if turn["event"] in REPLACEABLE:
            return index, "instead"
    return len(history) - 1, "after"
