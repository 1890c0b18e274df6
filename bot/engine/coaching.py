"""The scorecard's three coaching points: what to keep, start and stop doing.

Each point quotes the rep's own line where there is one, so the advice is about what they
actually said: the best move to keep, the worst mistake to stop (or an idle line), and the
first step of the method the visit never reached, placed where it would have fitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.vocab import Event, Technique

from .text_keys import KEEP_KEYS, LEAD_KEYS, POINT_LABEL_KEYS, QUOTE_KEY, START_KEYS, STOP_KEYS
from .text_keys import text as translate_text

# Events worth keeping, best first; why they worked is the catalogue's scorecard.keep.<event>.
KEEP: list[str] = [
    "root_found",
    "implication",
    "answered_back",
    "sibling",
    "need",
    "view",
    "dug",
    "revisited",
    "situation",
    "confirmed",
    "opener_answered",
    "greeted",
]
# Mistakes to stop, worst first (scorecard.stop.<event>).
STOP: list[str] = [
    "pitch_early",
    "off_topic",
    "private",
    "deflected",
    "ignored",
    "revisit_unknown",
    "need_not_ready",
    "next_step_declined",
    "view_too_early",
    "statement",
    "small_talk",
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
# What to start doing: the method's techniques in order, with the events that show success
# (the advice is scorecard.start.<technique>).
START: list[tuple[str, set[str]]] = [
    ("curiosity_care", {"situation", "care"}),
    ("why", {"dug", "root_found", "analysed"}),
    ("what_else", {"sibling"}),
    ("what_if", {"implication"}),
    ("how_do_you_see", {"view"}),
    ("need_confirmation", {"need"}),
    ("confirm_question", {"confirmed"}),
]

# The advice when the visit gives no event to keep, no mistake, or nothing left to start.
NO_KEEP = KEEP_KEYS["saw_it_through"]
IDLE_STOP = STOP_KEYS["idle"]
NOTHING_TO_STOP = STOP_KEYS["nothing"]
NOTHING_TO_START = START_KEYS["revisit_topic"]
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


def _point(
    kind: str, advice: str, history: History, index: int | None, lang: str, relation: str = "is"
) -> CoachingPoint:
    """A coaching point quoting the rep's line at ``index``.

    ``relation`` says how the quote relates to the advice: it *is* the example (keep, stop), or
    the advice fits right *after* it, or *instead* of it (start).
    """
    quote = history[index]["text"] if index is not None and 0 <= index < len(history) else None
    text = translate_text(advice, lang)
    if quote:
        lead = translate_text(LEAD_KEYS[relation], lang)
        text = text + lead + translate_text(QUOTE_KEY, lang).format(quote=quote)
    label = translate_text(POINT_LABEL_KEYS[kind], lang)
    return CoachingPoint(kind, text, quote, None if index is None else index + 1, label)


def _last(history: History) -> int | None:
    return len(history) - 1 if history else None


def _first_fault(history: History) -> tuple[int, str] | None:
    """The rep's first line showing the most serious mistake (STOP's order), with its advice's key."""
    for event in STOP:
        for i, turn in enumerate(history):
            if turn["event"] == event or (event == "ignored" and turn["ignored"]):
                return i, STOP_KEYS[event]
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


def _praisable(turn: dict[str, Any]) -> bool:
    """A line the engine may have misjudged is never praised: one the classifier also read as a
    pitch (a door pitch taken for care), or one about nothing of this customer's."""
    return Technique.PITCH not in turn["techniques"] and turn.get("focus") not in ("off_topic", "unclear")


def _keep(history: History, events: list[str], lang: str, fault: int | None) -> CoachingPoint:
    for event in KEEP:
        indexes = [i for i, name in enumerate(events) if name == event and _praisable(history[i])]
        # A line that named his topic is the better example than a generic one.
        indexes.sort(key=lambda i: history[i].get("focus") not in (None, "named"))
        if indexes:
            # Praise a line that is not also the one to stop, when the rep gave us one.
            praised = next((i for i in indexes if i != fault), indexes[0])
            return _point("keep", KEEP_KEYS[event], history, praised, lang)
    return _point("keep", NO_KEEP, history, _last(history), lang)


def _idle_stop(history: History, lang: str, keep_index: int) -> CoachingPoint:
    """No mistake: stop the first idle line, if any besides the praised one."""
    idle = [i for i, turn in enumerate(history) if turn["event"] in IDLE_EVENTS and i != keep_index]
    if idle:
        return _point("stop", IDLE_STOP, history, idle[0], lang)
    # Nothing went wrong: quoting a line here would invent a fault.
    return _point("stop", NOTHING_TO_STOP, history, None, lang)


def _start(history: History, events: list[str], lang: str) -> CoachingPoint:
    used = {str(turn.get("technique")) for turn in history}
    for technique, successes in START:
        # Never "start" what the rep did: a technique tried without success is not the advice.
        if not successes & set(events) and technique not in used:
            index, relation = _where_it_fit(technique, history)
            return _point("start", START_KEYS[technique], history, index, lang, relation)
    generic = [i for i, turn in enumerate(history) if turn.get("focus") == "generic"]
    if len(generic) * 2 > len(history):  # mostly "why is that?": name what the customer said
        return _point("start", START_KEYS["name_topics"], history, generic[0], lang, "instead")
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
