"""The technique a rep's line is reacted to, where its label alone would mislead: the label
re-read from the line's form and from what the visit has told so far (a turn's first step)."""

from __future__ import annotations

from bot.vocab import Angle, Technique

from .customer import asked_need
from .forms import (
    EARLIER_VISIT_CUES,
    asks_interest,
    asks_what_he_could_spend,
    asks_who_else_is_hit,
    asks_who_is_hit,
)
from .listening import angle_wanted, asks_cause, has_cue, is_conditional, is_question, is_tag_question
from .state import SessionState

# Labels a tag question ("..., right?") gets by mistake when it only checks what the rep knows.
_DEEP_LABELS = frozenset({Technique.HOW_DO_YOU_SEE, Technique.NEED_CONFIRMATION})
_ASKS_ABOUT = frozenset({Technique.WHY, Technique.WHAT_IF, Technique.WHAT_ELSE, Technique.HOW_DO_YOU_SEE})
# Labels a question asking what he could spend gets by mistake.
_PLAIN_ASKS = frozenset(
    {Technique.CLOSED_QUESTION, Technique.WHY, Technique.OPEN_QUESTION, Technique.STATEMENT}
)
# Labels "who else ends up paying for it?" gets (care, an open question, money: a need question).
_WHO_ELSE_LABELS = frozenset({Technique.CURIOSITY_CARE, Technique.OPEN_QUESTION, Technique.NEED_CONFIRMATION})
# Labels a question about his problem gets when its form hides a why or a what-if.
PLAIN_QUESTIONS = frozenset({Technique.STATEMENT, Technique.OPEN_QUESTION, Technique.CURIOSITY_CARE})


def effective_technique(state: SessionState, techniques: list[Technique], text: str = "") -> Technique:
    """The technique the customer reacts to, where the label alone would mislead.

    - "Answering with a question" needs a question of the customer's to answer: without
      one, the line is whatever the classifier saw next in it (a why, a what-if...).
    - A confirming question before the customer has said anything checks what the rep
      already knows (明知故问): the customer hears an easy closed question; so is a tag question
      ("..., don't you?", "……吧？") read as a view or a deadline question before he has told
      anything.
    - "Again?" on a first visit, before he has told anything, with no "last time" in it, is
      a question about now, not a revisit of something he never said.
    - "If it carries on, who else...?" is a what-if about the spreading harm, not a what-else.
    - A closed question also read as a need question that asks by when or how much is the need
      question ("how much was approved? do the contracted trucks count?").
    """
    primary = techniques[0]
    rest = techniques[1] if len(techniques) > 1 else None
    if primary == Technique.ANSWER_WITH_QUESTION and state.pending_question is None:
        primary = rest or Technique.OPEN_QUESTION
    return _reread(state, primary, rest, text)


def _reread(state: SessionState, primary: Technique, rest: Technique | None, text: str) -> Technique:
    """The label re-read from the line's form where the visit so far contradicts it."""
    lang = state.lang
    told_nothing = not state.revealed and not state.prior
    confirms = primary == Technique.CONFIRM_QUESTION and not state.revealed
    tags = primary in _DEEP_LABELS and told_nothing and is_tag_question(text, lang)
    if confirms or tags:
        return Technique.CLOSED_QUESTION
    # Before he has told anything, "you said..." can only be his opening: a question about now.
    said_before = has_cue(text, EARLIER_VISIT_CUES, lang)
    if primary == Technique.REVISIT_TOPIC and told_nothing and is_question(text) and not said_before:
        return rest if rest is not None and rest != Technique.REVISIT_TOPIC else Technique.OPEN_QUESTION
    if primary == Technique.REVISIT_TOPIC and not state.prior and rest in _ASKS_ABOUT:
        return rest  # "you mentioned X earlier, why...?" in one visit: a question about X
    if _pictures_harm(state, primary, text) or _asks_review(primary, text, lang):
        return Technique.WHAT_IF
    if _checks_interest_by_offer(primary, text, lang):
        return Technique.INTEREST_CHECK
    return _closed_need(primary, rest, text)


def _pictures_harm(state: SessionState, primary: Technique, text: str) -> bool:
    """A what-else that pictures a case ("what else if ...?") or asks who else is hit, and a care
    or open question (or a need question: "who pays for it?") asking who else bears what he told:
    what-ifs."""
    lang = state.lang
    if primary == Technique.WHAT_ELSE:
        return is_conditional(text, lang) or asks_who_is_hit(text, lang)
    return primary in _WHO_ELSE_LABELS and bool(state.revealed) and asks_who_else_is_hit(text, lang)


def _checks_interest_by_offer(primary: Technique, text: str, lang: str) -> bool:
    """ "If I had an idea, would you want to hear it?" labelled an answer (to his question) or a
    yes/no question: the interest check its words make it."""
    if primary == Technique.CLOSED_QUESTION:
        return is_conditional(text, lang) and asks_interest(text, lang)
    return primary == Technique.ANSWER_WITH_QUESTION and asks_interest(text, lang)


def _asks_review(primary: Technique, text: str, lang: str) -> bool:
    """A why (or plain question) label on "if you went ahead, what would worry you most?": a
    conditional asking his worries about a change, no cause (the avoid-harm review is a what-if)."""
    return (
        (primary == Technique.WHY or primary in PLAIN_QUESTIONS)
        and is_conditional(text, lang)
        and angle_wanted(text, lang) is Angle.AVOID_HARM_REVIEW
        and not asks_cause(text)
    )


def _closed_need(primary: Technique, rest: Technique | None, text: str) -> Technique:
    """A closed label with a need label after it on a line asking by when or how much, or a
    closed, why or open label on a line asking how much money he could put in ("how much cash
    could go into a trial?", "how much could you put behind a first phase?")."""
    if primary in _PLAIN_ASKS and asks_what_he_could_spend(text):
        return Technique.NEED_CONFIRMATION
    if primary == Technique.CLOSED_QUESTION and rest == Technique.NEED_CONFIRMATION and asked_need(text):
        return Technique.NEED_CONFIRMATION  # "how much was approved? do the contracted trucks count?"
    return primary
