"""The scorecard at the end of a visit: what the rep reached, how, and three coaching points.

The score (0-100) is the weighted mean of seven parts, each 0-1, with the scenario's rubric
weights: problems uncovered, depth of the why-chains, motivation angles, explicit need,
share of questions, final trust, and discipline (no early pitch, no private or premature
questions, no ignored customer question). The keep / start / stop points quote the rep's own
lines, so the advice is about what they actually said.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from .coach import ANGLES, NAMES
from .rules import QUESTION_TECHNIQUES
from .state import SessionState

if TYPE_CHECKING:
    from .machine import DialogueMachine

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


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh" else pair[1]


ZH_LEADS = {"is": "：", "after": "，比如接在这句之后：", "instead": "，比如替换这句："}
EN_LEADS = {"is": ": ", "after": ", for example right after: ", "instead": ", for example instead of: "}


def _point(
    kind: str, advice: str, history: list[dict[str, Any]], index: int | None, lang: str, relation: str = "is"
) -> dict[str, Any]:
    """A coaching point quoting the rep's line at ``index``.

    ``relation`` says how the quote relates to the advice: it *is* the example (keep, stop), or
    the advice fits right *after* it, or *instead* of it (start).
    """
    quote = history[index]["text"] if index is not None and 0 <= index < len(history) else None
    text = advice
    if quote:
        leads = ZH_LEADS if lang == "zh" else EN_LEADS
        opening, closing = ("「", "」") if lang == "zh" else ('"', '"')
        text = f"{advice}{leads[relation]}{opening}{quote}{closing}"
    return {"kind": kind, "text": text, "quote": quote, "turn": None if index is None else index + 1}


def build_scorecard(dialogue: DialogueMachine, state: SessionState) -> dict[str, Any]:
    """Everything the issue asks the scorecard to show, JSON-ready."""
    lang = state.lang
    scenario = dialogue.loaded.scenario
    customer = dialogue.customer
    history = state.history
    # What the customer heard (a label corrected by context, see DialogueMachine.effective_technique).
    techniques_used = [
        turn.get("technique") or turn["techniques"][0] for turn in history if turn["techniques"]
    ]
    counts = Counter(techniques_used)
    events = [turn["event"] for turn in history]

    uncovered = [p.id for p in scenario.problems if p.id in state.revealed]
    chains = {p.id: sum(1 for cause in p.causes if cause.id in state.revealed) for p in scenario.problems}
    roots = [p.id for p in scenario.problems if p.causes[-1].id in state.revealed]
    deepest = max(chains.values(), default=0)
    angles = sorted(
        {i.angle for i in scenario.implications if i.id in state.revealed},
        key=lambda angle: list(ANGLES).index(angle),
    )
    script_angles = {i.angle for i in scenario.implications}
    need = {fact: fact in state.revealed for fact in ("deadline", "budget")}
    questions = sum(1 for t in techniques_used if t in QUESTION_TECHNIQUES)
    share = questions / len(history) if history else 0.0

    ratios = [chains[p.id] / len(p.causes) for p in scenario.problems]
    depth = 0.7 * max(ratios, default=0.0) + 0.3 * (sum(ratios) / len(ratios) if ratios else 0.0)
    angle_target = max(dialogue.motivation_needed, min(3, len(script_angles)))
    mistakes = (
        0.5 * state.pitches_before_need
        + 0.25 * state.offences
        + 0.1 * events.count("deflected")
        + 0.1 * state.ignored_questions
    )
    parts = {
        "problems": len(uncovered) / len(scenario.problems),
        "depth": depth,
        "motivation": min(1.0, len(angles) / angle_target) if angle_target else 0.0,
        "need": (need["deadline"] + need["budget"]) / 2,
        "questions": share,
        "trust": state.trust / 100.0,
        "discipline": max(0.0, 1.0 - mistakes) if history else 0.0,
    }
    weights = scenario.rubric.weights.normalised()
    score = round(100 * sum(weights[key] * value for key, value in parts.items()))
    if state.status == "closed_by_customer":
        score = min(score, 30)  # whatever came before, a visit the customer walked out of is a fail

    points = _coaching_points(history, events, lang)
    return {
        "score": int(max(0, min(100, score))),
        "parts": {key: round(value, 3) for key, value in parts.items()},
        "weights": {key: round(value, 3) for key, value in weights.items()},
        "status": state.status,
        "language": lang,
        "stage_reached": state.stage_reached,
        "step_reached": state.step_reached,
        "final_stage": state.stage,
        "rep_turns": len(history),
        "techniques": {"counts": dict(counts), "order": techniques_used},
        "problems": {
            "uncovered": uncovered,
            "total": len(scenario.problems),
            "topics": [customer.topic(p, lang) for p in uncovered],
        },
        "why_chains": chains,
        "deepest_why_chain": deepest,
        "root_needs_found": roots,
        "motivation_angles": angles,
        "explicit_need": {**need, "confirmed": all(need.values())},
        "question_share": round(share, 3),
        "pitches_before_need": state.pitches_before_need,
        "pitches": state.pitches,
        "hints": state.hints,
        "trust_curve": list(state.trust_curve),
        "revealed": list(state.revealed),
        "coaching": points,
    }


def _first_fault(history: list[dict[str, Any]]) -> tuple[int, tuple[str, str]] | None:
    """The rep's first line showing the most serious mistake (STOP's order), with its advice."""
    for event, advice in STOP:
        for i, turn in enumerate(history):
            if turn["event"] == event or (event == "ignored" and turn["ignored"]):
                return i, advice
    return None


def _coaching_points(
    history: list[dict[str, Any]], events: list[str], lang: str
) -> dict[str, dict[str, Any]]:
    """Keep, start and stop, each quoting one of the rep's own lines where there is one."""
    fault = _first_fault(history)
    keep: dict[str, Any] | None = None
    for event, advice in KEEP:
        indexes = [i for i, name in enumerate(events) if name == event]
        if indexes:
            # Praise a line that is not also the one to stop, when the rep gave us one.
            praised = next((i for i in indexes if fault is None or i != fault[0]), indexes[0])
            keep = _point("keep", _pick(advice, lang), history, praised, lang)
            break
    if keep is None:
        keep = _point(
            "keep",
            _pick(("你坚持把拜访进行到了最后", "you saw the visit through"), lang),
            history,
            len(history) - 1 if history else None,
            lang,
        )

    stop: dict[str, Any] | None = None
    if fault is not None:
        stop = _point("stop", _pick(fault[1], lang), history, fault[0], lang)
    if stop is None:
        keep_index = (keep["turn"] or 0) - 1
        idle = [i for i, turn in enumerate(history) if turn["event"] in IDLE_EVENTS and i != keep_index]
        if idle:
            advice = (
                "这句没有带出新东西，可以换成往前推进的问题",
                "this line moved nothing forward; ask one that does",
            )
            stop = _point("stop", _pick(advice, lang), history, idle[0], lang)
        else:
            # Nothing went wrong: quoting a line here would invent a fault.
            advice = (
                "没有需要停止的做法；继续避免过早推销和信任不够时的深问",
                "nothing to stop; keep avoiding early pitches and deep questions before trust",
            )
            stop = _point("stop", _pick(advice, lang), history, None, lang)

    start: dict[str, Any] | None = None
    for technique, successes, advice in START:
        if not successes & set(events):
            index, relation = _where_it_fit(technique, history)
            start = _point("start", _pick(advice, lang), history, index, lang, relation)
            break
    if start is None:
        start = _point(
            "start",
            _pick(
                (
                    "下次拜访用“重拾旧话题”接着今天往下谈",
                    "next visit, pick up today's topics and go on from there",
                ),
                lang,
            ),
            history,
            len(history) - 1 if history else None,
            lang,
        )
    for point, name in ((keep, "keep"), (start, "start"), (stop, "stop")):
        point["label"] = {"keep": ("保持", "Keep"), "start": ("开始", "Start"), "stop": ("停止", "Stop")}[
            name
        ][0 if lang == "zh" else 1]
    return {"keep": keep, "start": start, "stop": stop}


def _where_it_fit(technique: str, history: list[dict[str, Any]]) -> tuple[int | None, str]:
    """The rep line ``technique`` would have followed (the answer that called for it), or the
    first idle line it could have replaced."""
    if not history:
        return None, "is"
    calls_for = {
        "curiosity_care": {"opener_answered", "greeted"},
        "why": {"situation", "sibling"},
        "what_else": {"root_found", "at_root"},
        "what_if": {"root_found"},
        "how_do_you_see": {"implication"},
        "need_confirmation": {"implication", "view"},
        "confirm_question": {"dug", "root_found", "sibling"},
    }.get(technique, set())
    for index, turn in enumerate(history):
        if turn["event"] in calls_for:
            return index, "after"
    for index, turn in enumerate(history):
        if turn["event"] in IDLE_EVENTS or turn["event"] in ("pitch_early", "deflected", "statement"):
            return index, "instead"
    return len(history) - 1, "after"


__all__ = ["NAMES", "build_scorecard"]
