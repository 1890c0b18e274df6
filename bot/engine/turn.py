"""One rep line through the machines: route -> answer -> trust -> advance -> record.

- **route**: which trigger the customer reacts to (a private topic, the answer to his own
  question, or the line's technique read in context), and whether his question was ignored;
- **answer**: fire it on the step machine; the first row whose guards hold makes him answer;
- **trust**: apply the turn's trust change; he walks out when it collapses;
- **advance**: the step catches up with what is uncovered, the stage cools or warms by one;
- **record**: the turn goes into the session's history and comes back as a ``TurnOutcome``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.vocab import QUESTIONING_STEPS, Event, Stage, Status, Step, Technique

from .customer import Customer, joiner
from .forms import (
    HEARD_CUES,
    asks_interest,
    asks_next_step,
    asks_plainly_for_need,
    asks_to_meet,
    is_bare_question,
    names_offer,
)
from .listening import (
    IMPOLITE_CUES,
    NEXT_STEP_TECHNIQUES,
    TOPICAL,
    Focus,
    asks_cause,
    asks_need,
    has_cue,
    is_conditional,
    is_question,
    is_why,
)
from .reactions import TurnModel
from .relabel import PLAIN_QUESTIONS, effective_technique
from .rules import GAIN, HARD_QUESTIONS, NOT_IGNORING, WALK_OUT_PITCHES, WALK_OUT_TRUST
from .state import SessionState
from .style import style_move
from .table import Move, Trigger
from .topics.index import TopicIndex


class DialogueMachine(Protocol):
    """What a turn needs of the scenario's machines (``machine.DialogueMachine`` is one); a
    protocol, so the turn does not import the module that builds on it."""

    @property
    def customer(self) -> Customer: ...

    def fire_step(self, trigger: Trigger, model: TurnModel) -> bool: ...

    def fire_stage(self, trigger: Move, model: TurnModel) -> bool: ...

    @property
    def topics(self) -> TopicIndex: ...

    @property
    def parents(self) -> dict[str, str | None]: ...

    def focus(self, state: SessionState, text: str) -> Focus: ...


_STAGES: tuple[Stage, ...] = tuple(Stage)
# The enums by value: a dict look-up costs a twentieth of calling the enum, several times a turn.
_TECHNIQUE_OF: dict[str, Technique] = {t.value: t for t in Technique}
_STEP_OF: dict[str, Step] = {s.value: s for s in Step}
_STAGE_OF: dict[str, Stage] = {s.value: s for s in Stage}


@dataclass
class TurnOutcome:
    """What one rep line (or the end of the visit) did."""

    reply: str
    event: Event  # what happened, for the coach
    techniques: list[Technique]  # as classified, primary first
    revealed: list[str]
    trust_before: float
    trust_after: float
    stage: Stage
    step: Step
    status: Status
    ignored_question: bool = False
    asked_question: str | None = None
    technique: Trigger | None = None  # what the customer reacted to (``Move.PRIVATE`` for a private question)
    style_note: str | None = None  # what the line did for his social style (``style.style_move``)

    @property
    def trust_delta(self) -> float:
        return round(self.trust_after - self.trust_before, 2)


def play_turn(dialogue: DialogueMachine, state: SessionState, text: str, labels: list[str]) -> TurnOutcome:
    """Play one rep line (already classified) on ``state``, which is updated in place."""
    if not state.active:
        raise ValueError("the visit is over")
    techniques = [_TECHNIQUE_OF[label] for label in labels] or [Technique.STATEMENT]
    focus = dialogue.focus(state, text)
    recalled = recall_named(state, focus) if state.prior and focus.kind == "named" else []
    discussed = state.current_problem
    if focus.kind == "named" and focus.problem is not None and focus.problem in state.revealed:
        state.current_problem = focus.problem  # the problem the rep names is the one talked about
    model = TurnModel(dialogue.customer, state, text, techniques, focus)
    model.discussed = discussed
    model.revealed.extend(recalled)
    if not state.referred and dialogue.customer.names_referral(text, state.lang):
        state.referred = True  # the best door: someone he knows sent the rep
        model.delta += GAIN["referral"]
    trust_before = state.trust
    trigger, ignored = _route(dialogue, model)
    _answer(dialogue, model, trigger)
    style_delta, style_note = style_move(
        dialogue.customer.persona.style, text, state.lang, techniques[0], model.delta
    )
    model.delta += style_delta
    walked_out = _settle_trust(model)
    _advance(dialogue, model, walked_out)
    return _record(dialogue, model, trigger, trust_before, ignored, style_note)


def _route(dialogue: DialogueMachine, model: TurnModel) -> tuple[Trigger, bool]:
    """The trigger the customer reacts to, and whether the line left his question unanswered."""
    state, techniques = model.state, model.techniques
    if dialogue.customer.is_private(model.text, state.lang):
        return Move.PRIVATE, False
    if has_cue(model.text, IMPOLITE_CUES, state.lang):
        return Move.IMPOLITE, False
    answering = state.pending_question is not None and Technique.ANSWER_WITH_QUESTION in techniques
    if answering and not _moves_away(dialogue, model):
        return Technique.ANSWER_WITH_QUESTION, False  # answering the customer's question wins over the rest
    trigger = _topical_trigger(model, effective_technique(state, techniques, model.text))
    if model.focus.kind != "off_topic":
        state.off_topic_run = 0
    if state.pending_question is None or trigger in NOT_IGNORING or trigger == Move.NEXT_STEP:
        return trigger, False
    # The rep moved on without answering: the customer says so, and minds it a little.
    state.ignored_questions += 1
    state.pending_question = None
    model.say("ignored_question")
    model.cost("ignored")
    return trigger, True


def _topical_trigger(model: TurnModel, trigger: Trigger) -> Trigger:
    """The technique read with what the line is about: a next-step request, an off-topic question,
    a question about his business whatever its form."""
    text, lang, focus = model.text, model.state.lang, model.focus
    if isinstance(trigger, Technique):
        trigger = _form_read(model, trigger)
    # Asking for the next step names days and meetings, words no scenario has: it goes first.
    asking = trigger in NEXT_STEP_TECHNIQUES or (trigger == Technique.WHY and not is_why(text))
    if asking and asks_next_step(text, lang, focus):  # (a why with no "why" in it: read by its words)
        return Move.NEXT_STEP
    if trigger == Technique.NEED_CONFIRMATION and asks_to_meet(text):
        return Move.NEXT_STEP  # "could we meet next Tuesday?" asks for a meeting, not a deadline
    # "If I had an idea, want to hear it?" in his own homely words is no question about another
    # business: an interest check names nothing of anyone's.
    if focus.kind == "off_topic" and trigger in TOPICAL and not _checks_interest(trigger, text, lang):
        return Move.OFF_TOPIC
    return trigger


def _checks_interest(trigger: Trigger, text: str, lang: str) -> bool:
    return trigger == Technique.INTEREST_CHECK and asks_interest(text, lang)


def _form_read(model: TurnModel, trigger: Technique) -> Technique:
    """The label re-read from the line's form: a pending answer-with-question, a need question that
    asks for a cause or about his rules, a statement that is a question about his business."""
    text, lang = model.text, model.state.lang
    if trigger == Technique.ANSWER_WITH_QUESTION:  # his question is pending; the line is about another
        others = [t for t in model.techniques if t != Technique.ANSWER_WITH_QUESTION]
        if not others and asks_plainly_for_need(text):
            return Technique.NEED_CONFIRMATION  # "by when would line three need data?": not his question
        conditional = is_conditional(text, lang)
        trigger = others[0] if others else Technique.WHAT_IF if conditional else Technique.OPEN_QUESTION
    need_or_not = _need_read(model, trigger)
    if need_or_not is not None:
        return need_or_not
    if _asks_about_a_change(model, trigger):
        return Technique.CURIOSITY_CARE  # "the new inspections start next year: what do they mean for you?"
    if trigger == Technique.NEED_CONFIRMATION and not asks_need(text):
        rest: list[Technique] = [t for t in model.techniques if t != Technique.NEED_CONFIRMATION]
        trigger = rest[0] if rest else Technique.WHY if is_why(text) else Technique.OPEN_QUESTION
    hidden = _hidden_question(model, trigger)
    if hidden is not None:
        return hidden
    if trigger == Technique.STATEMENT and is_question(text):
        return _question_read(model)
    return trigger


def _asks_about_a_change(model: TurnModel, trigger: Technique) -> bool:
    """A what-if or view label on a question about a change around him that pictures nothing (no
    "if", no harm or gain, no one else it reaches) and names no offer: asking what it means for him
    ("how does that land on your side?") is curiosity, not the what-if or the view step."""
    text, lang = model.text, model.state.lang
    return (
        (trigger == Technique.WHAT_IF or (trigger == Technique.HOW_DO_YOU_SEE and _clearly_his_change(model)))
        and model.focus.situation is not None
        and not is_conditional(text, lang)
        and Customer.direction(text, lang) is None
        and Customer.scope_of(text, lang) != "spreading"
    )


def _clearly_his_change(model: TurnModel) -> bool:
    """The line brings news of a change around him it clearly names ("I hear ..."), and no offer
    (a view asks about an idea)."""
    text, lang = model.text, model.state.lang
    return model.focus.clear and has_cue(text, HEARD_CUES, lang) and not names_offer(text)


def _question_read(model: TurnModel) -> Technique:
    """A question labelled a statement: a why when it asks for a cause ("what stops a leak being
    fixed the same day?"), an open question when it names his business, else the statement."""
    if asks_cause(model.text):
        return Technique.WHY
    return Technique.OPEN_QUESTION if model.focus.kind == "named" else Technique.STATEMENT


# Labels a plain question about the money or the date gets: the need question once he is motivated.
_MONEY_OR_DATE_LABELS = frozenset({Technique.CLOSED_QUESTION, Technique.OPEN_QUESTION})


def _need_read(model: TurnModel, trigger: Technique) -> Technique | None:
    """A need label on a line picturing his problem is the what-if; a what-if label on a plain
    budget or deadline question once he is motivated (or picturing neither harm nor gain) is the
    need question. None when neither."""
    text = model.text
    by_when_or_money = asks_plainly_for_need(text)  # "if you trialled it, by when...?" is the need
    if (
        trigger == Technique.NEED_CONFIRMATION
        and not by_when_or_money
        and asks_need(text)
        and _pictures_his_problem(model)
    ):
        return Technique.WHAT_IF  # "if the power bill stays this high, who ends up paying?"
    plain = trigger == Technique.WHAT_IF and by_when_or_money
    if plain and (model.motivated() or Customer.direction(text, model.state.lang) is None):
        return Technique.NEED_CONFIRMATION  # "how much budget is left, if the payback is quick?"
    if trigger in _MONEY_OR_DATE_LABELS and by_when_or_money and model.motivated():
        return Technique.NEED_CONFIRMATION  # "这次批下来的盘子大概多少？是按三年总包来算吗？"
    return None


def _hidden_question(model: TurnModel, trigger: Technique) -> Technique | None:
    """A question about a problem he has told that asks for its cause is a why ("what's making it
    so hard?"); an open or care question picturing it going on is a what-if ("如果一直这样的话，
    谁会受影响？"). None when the label stands."""
    text, focus = model.text, model.focus
    # A view asked for before he sees the problem's root would only be "too early": the line is
    # the why or what-if its form hides ("what's pushing the bills up?", "if it goes on, how does
    # that land on the staff?").
    if not _names_told_problem(model) or not is_question(text):
        return None
    early_view = trigger == Technique.HOW_DO_YOU_SEE and not model.customer.root_found(
        model.state, focus.problem
    )
    if trigger not in PLAIN_QUESTIONS and not early_view:
        return None
    if asks_cause(text):
        return Technique.WHY
    if trigger != Technique.STATEMENT and is_conditional(text, model.state.lang):
        return Technique.WHAT_IF
    return None


def _pictures_his_problem(model: TurnModel) -> bool:
    """A need question that is a conditional about a problem he told, naming no offer: it pictures
    the problem going on, as a what-if does (the money it costs is not the budget)."""
    return (
        _names_told_problem(model)
        and is_conditional(model.text, model.state.lang)
        and not names_offer(model.text)
    )


def _names_told_problem(model: TurnModel) -> bool:
    focus = model.focus
    return focus.kind == "named" and focus.problem is not None and focus.problem in model.state.revealed


def _moves_away(dialogue: DialogueMachine, model: TurnModel) -> bool:
    """The line does not take up the customer's pending question, whatever the classifier read
    in its form: it is about another business, it is "apart from X, what else?", or it names
    another problem than the one his question is about."""
    focus, pending = model.focus, model.state.pending_question
    if focus.kind == "off_topic" or (focus.aside is not None and Technique.WHAT_ELSE in model.techniques):
        return True
    if asks_plainly_for_need(model.text) or asks_interest(model.text, model.state.lang):
        return True  # deadline, budget, "want to hear an idea?": the rep moved on to his plans
    if focus.kind == "named" and is_bare_question(model.text) and asks_cause(model.text):
        return True  # a why about his business and nothing else: the rep asks, he was not answered
    asked_about = dialogue.parents.get(pending) if pending is not None else None
    return focus.kind == "named" and None not in (focus.problem, asked_about) and focus.problem != asked_about


def _answer(dialogue: DialogueMachine, model: TurnModel, trigger: Trigger) -> None:
    """Fire the trigger on the step machine; the customer may ask a question of his own."""
    state = model.state
    dialogue.fire_step(trigger, model)
    state.step = _STEP_OF[model.step]
    if trigger in HARD_QUESTIONS:
        state.permission = False  # the granted permission is used up by the hard question
    if model.asked_question is not None:
        question = dialogue.customer.questions[model.asked_question]
        state.pending_question = question.id
        state.asked.append(question.id)
        model.parts.append(dialogue.customer.pick(question.asks, state.lang, model.rng))


def _settle_trust(model: TurnModel) -> bool:
    """Apply the turn's trust change (kept within 0-100); True when the customer walks out."""
    state = model.state
    state.trust = max(0.0, min(100.0, round(state.trust + model.delta, 2)))
    return state.trust < WALK_OUT_TRUST or state.pitches_before_need >= WALK_OUT_PITCHES


def _advance(dialogue: DialogueMachine, model: TurnModel, walked_out: bool) -> None:
    """Move the step (or end the visit) and the stage, and note the furthest reached."""
    state = model.state
    if walked_out:
        dialogue.fire_step(Move.WALK_OUT, model)
        state.status = Status.CLOSED_BY_CUSTOMER
    else:
        dialogue.fire_step(Move.PROGRESS, model)
    state.step = _STEP_OF[model.step]
    model.stage = str(state.stage)
    if not dialogue.fire_stage(Move.COOL, model):
        dialogue.fire_stage(Move.WARM, model)
    state.stage = _STAGE_OF[model.stage]
    if _STAGES.index(state.stage) > _STAGES.index(state.stage_reached):
        state.stage_reached = state.stage
    if state.step in QUESTIONING_STEPS and QUESTIONING_STEPS.index(state.step) > QUESTIONING_STEPS.index(
        state.step_reached
    ):
        state.step_reached = state.step


def _record(
    dialogue: DialogueMachine,
    model: TurnModel,
    trigger: Trigger,
    trust_before: float,
    ignored: bool,
    style_note: str | None,
) -> TurnOutcome:
    """Write the turn into the session's history and say what it did."""
    state, techniques, focus = model.state, model.techniques, model.focus
    state.turn += 1
    state.trust_curve.append(state.trust)
    reply = joiner(state.lang).join(model.parts)
    state.last_customer = reply
    state.last_reply_key = model.reply_key
    state.last_event = model.event
    remember_said(state, reply)
    if model.revealed:
        state.topic = dialogue.topics.key_for_fact(model.revealed[-1]) or state.topic
    elif focus.kind == "named":
        state.topic = focus.key
    state.history.append(
        {
            "text": model.text,
            "techniques": techniques,
            "technique": techniques[0] if trigger == Move.PRIVATE else trigger,
            "event": model.event,
            "trust": state.trust,
            "delta": round(state.trust - trust_before, 2),
            "revealed": list(model.revealed),
            "step": state.step,
            "ignored": ignored,
            "topic": focus.key,
            "focus": focus.kind,
            "clear": focus.clear,  # a named topic heard on a strong match (scorecard._on_topic_share)
        }
    )
    return TurnOutcome(
        reply=reply,
        event=model.event,
        techniques=techniques,
        technique=trigger,
        revealed=list(model.revealed),
        trust_before=trust_before,
        trust_after=state.trust,
        stage=state.stage,
        step=state.step,
        status=state.status,
        ignored_question=ignored,
        asked_question=model.asked_question,
        style_note=style_note,
    )


def recall_named(state: SessionState, focus: Focus) -> list[str]:
    """In a follow-up visit, a line naming what the customer told last time picks it up: he
    remembers it (and the problem it belongs to), so the talk goes on from there."""
    fact = str(focus.key).partition(":")[2].split("/")[-1]
    recalled = []
    for known in (focus.problem, fact):
        if known is not None and known in state.prior:
            state.prior.remove(known)
            if known not in state.revealed:
                state.revealed.append(known)
                recalled.append(known)
            state.picked_up.append(known)
    return recalled


def remember_said(state: SessionState, line: str) -> None:
    """Keep the customer's last lines (the topic matcher looks at six)."""
    if line:
        state.said.append(line)
        del state.said[:-6]


def end_visit(dialogue: DialogueMachine, state: SessionState) -> TurnOutcome:
    """The rep closes the visit (nothing happens if it is already over)."""
    model = TurnModel(dialogue.customer, state, "", [])
    trust = state.trust
    if state.active:
        dialogue.fire_step(Move.REP_ENDS, model)
        state.step = _STEP_OF[model.step]
        state.status = Status.ENDED
        state.last_customer = joiner(state.lang).join(model.parts)
    return TurnOutcome(
        reply=joiner(state.lang).join(model.parts),
        event=Event.ENDED,
        techniques=[],
        revealed=[],
        trust_before=trust,
        trust_after=state.trust,
        stage=state.stage,
        step=state.step,
        status=state.status,
    )
