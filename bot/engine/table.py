"""The transition table: the method's rules as declarative rows, one per transition.

A row references the model's guard and reaction methods themselves (``TurnModel.dig``), so a
misspelt name fails at import and mypy checks them; ``machine.build_machine`` turns the rows
into ``transitions`` definitions and refuses a row naming anything the model does not have.
Rows of one trigger are tried in order; the first whose conditions hold fires.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from bot.vocab import QUESTIONING_STEPS, Stage, Step, Technique

# One-letter names keep each row on one line, so the table reads as a table.
from .reactions import TurnModel as M

Condition = Callable[[M], bool]
Reaction = Callable[[M], None]


class Move(StrEnum):
    """The machines' triggers that are not a technique of the rep's."""

    PRIVATE = "private"  # the line touches a private topic, whatever its technique
    OFF_TOPIC = "off_topic"  # a question about something this customer does not have
    IMPOLITE = "impolite"  # slang and no manners: "hey buddy, who's in charge?"
    NEXT_STEP = "next_step"  # the rep asks for the visit's purpose: a meeting, a pilot, a proposal
    PROGRESS = "progress"  # the visit's flow catches up with what was uncovered
    REP_ENDS = "rep_ends"
    WALK_OUT = "walk_out"
    WARM = "warm"  # one stage up
    COOL = "cool"  # one stage down


Trigger = Technique | Move


@dataclass(frozen=True, slots=True)
class Row:
    """One transition: on ``trigger`` from any of ``source``, if every ``when`` holds and no
    ``unless`` does, run ``then`` and move to ``dest`` (None: the state stays)."""

    trigger: Trigger
    dest: str | None
    then: Reaction | None = None
    when: tuple[Condition, ...] = ()
    unless: tuple[Condition, ...] = ()
    source: tuple[str, ...] = QUESTIONING_STEPS


def _step_rows() -> tuple[Row, ...]:
    T, S = Technique, Step
    rows = [
        Row(Move.PRIVATE, None, M.offend_private),
        Row(Move.OFF_TOPIC, None, M.talk_off_topic),
        Row(Move.IMPOLITE, None, M.mind_manners),
        Row(Move.NEXT_STEP, None, M.agree_next_step, when=(M.need_confirmed,)),
        Row(Move.NEXT_STEP, None, M.decline_next_step),
        Row(T.GREETING, None, M.greet),
        # "Has the tender taken over your month?" asks about a change around him: he tells it.
        Row(T.CLOSED_QUESTION, S.CURIOSITY, M.tell_named_change, when=(M.asks_about_new_situation,)),
        Row(T.CLOSED_QUESTION, None, M.say_not_ours, when=(M.asks_about_foreign,)),
        Row(T.CLOSED_QUESTION, S.WHAT_IF, M.imagine, when=(M.asks_about_open_implication,)),
        Row(T.CLOSED_QUESTION, None, M.answer_closed),
        Row(T.INTEREST_CHECK, None, M.answer_guarded, when=(M.guarded,)),
        Row(T.INTEREST_CHECK, None, M.check_interest),
        # A question naming a change around him is specific enough for a guarded customer too.
        Row(T.OPEN_QUESTION, S.CURIOSITY, M.tell_named_situation, when=(M.names_new_situation,)),
        Row(T.OPEN_QUESTION, None, M.say_not_ours, when=(M.asks_about_foreign_things,)),
        Row(T.OPEN_QUESTION, None, M.answer_guarded, when=(M.guarded,)),
        Row(T.OPEN_QUESTION, S.ANALYSIS, M.analyse, when=(M.asks_open_analysis,)),
        Row(T.OPEN_QUESTION, S.WHAT_IF, M.imagine, when=(M.names_open_implication,)),
        Row(T.OPEN_QUESTION, S.HOW_DO_YOU_SEE, M.share_view, when=(M.names_open_view,)),
        Row(T.OPEN_QUESTION, S.ANALYSIS, M.open_named, when=(M.names_new_problem,)),
        Row(T.OPEN_QUESTION, S.CURIOSITY, M.answer_open, when=(M.has_situation_left,)),
        Row(T.OPEN_QUESTION, None, M.answer_open),
    ]
    rows += [
        Row(T.CURIOSITY_CARE, S.WHAT_IF, M.imagine, when=(M.asks_about_open_implication,)),
        Row(T.CURIOSITY_CARE, S.CURIOSITY, M.tell_named_situation, when=(M.names_new_situation,)),
        Row(T.CURIOSITY_CARE, None, M.say_not_ours, when=(M.asks_about_foreign_things,)),
        Row(T.CURIOSITY_CARE, S.CURIOSITY, M.show_care, when=(M.has_situation_left,)),
        Row(T.CURIOSITY_CARE, None, M.show_care),
        Row(T.HUMBLE_DISCLAIMER, None, M.grant_permission),
        Row(T.REVISIT_TOPIC, S.ANALYSIS, M.revisit, when=(M.has_prior,)),
        Row(T.REVISIT_TOPIC, None, M.revisit_talk, when=(M.has_facts,)),
        Row(T.REVISIT_TOPIC, None, M.revisit_unknown),
        Row(T.WHY, None, M.deflect, when=(M.too_early_shallow,)),
        Row(T.WHY, None, M.talk_off_topic, when=(M.names_stranger,)),
        Row(T.WHY, None, M.ask_what_meant, when=(M.unclear,)),
        Row(T.WHY, None, M.say_not_ours, when=(M.asks_about_foreign_things,)),
        Row(T.WHY, S.WHAT_IF, M.imagine, when=(M.why_names_open_implication,)),
        # Why digs what is on the table: a problem he has not told is not his problem yet.
        Row(T.WHY, None, M.not_told_yet, when=(M.names_unreachable_problem,)),
        Row(T.WHY, None, M.no_problem_yet, unless=(M.has_problem,)),
        Row(T.WHY, S.ANALYSIS, M.analyse, when=(M.asks_open_analysis,)),
        Row(T.WHY, S.ANALYSIS, M.dig, when=(M.can_dig,)),
        Row(T.WHY, None, M.at_root),
        Row(T.WHAT_ELSE, None, M.deflect, when=(M.too_early_shallow,)),
        Row(T.WHAT_ELSE, None, M.talk_off_topic, when=(M.names_stranger,)),
        Row(T.WHAT_ELSE, S.ANALYSIS, M.open_named, when=(M.names_new_problem,)),
        Row(T.WHAT_ELSE, S.ANALYSIS, M.open_sibling, when=(M.has_sibling,)),
        Row(T.WHAT_ELSE, S.CURIOSITY, M.tell_more_situation, when=(M.has_situation_left,)),
        Row(T.WHAT_ELSE, None, M.nothing_else),
        Row(T.WHAT_IF, None, M.deflect, when=(M.too_early_deep,)),
        Row(T.WHAT_IF, None, M.talk_off_topic, when=(M.names_stranger,)),
        Row(T.WHAT_IF, None, M.ask_what_meant, when=(M.unclear,)),
        Row(T.WHAT_IF, None, M.say_not_ours, when=(M.asks_about_foreign_things,)),
        Row(T.WHAT_IF, S.HOW_DO_YOU_SEE, M.share_view, when=(M.pictures_view,)),
        Row(T.WHAT_IF, None, M.no_problem_yet, unless=(M.has_problem,)),
        Row(T.WHAT_IF, S.WHAT_IF, M.imagine, when=(M.has_implication,)),
        Row(T.WHAT_IF, None, M.review_not_yet, when=(M.review_not_ready,)),
        Row(T.WHAT_IF, None, M.nothing_else),
        Row(T.HOW_DO_YOU_SEE, None, M.deflect, when=(M.too_early_deep,)),
        Row(T.HOW_DO_YOU_SEE, None, M.ask_what_meant, when=(M.unclear,)),
        # "What would that do for your bid on the new platform?": the stake it names, not a view.
        Row(T.HOW_DO_YOU_SEE, S.WHAT_IF, M.imagine, when=(M.asks_about_open_implication,)),
        Row(T.HOW_DO_YOU_SEE, S.ANALYSIS, M.analyse, when=(M.asks_open_analysis,)),  # "did peers hit it?"
        Row(T.HOW_DO_YOU_SEE, None, M.view_too_early, unless=(M.root_found,)),
        Row(T.HOW_DO_YOU_SEE, S.HOW_DO_YOU_SEE, M.share_view, when=(M.has_view,)),
        Row(T.HOW_DO_YOU_SEE, None, M.nothing_new),
        Row(T.NEED_CONFIRMATION, None, M.deflect, when=(M.too_early_deep,)),
        Row(T.NEED_CONFIRMATION, None, M.talk_off_topic, when=(M.names_stranger,)),
        Row(T.NEED_CONFIRMATION, None, M.need_not_ready, unless=(M.motivated,)),
        Row(T.NEED_CONFIRMATION, S.NEED_CONFIRMATION, M.confirm_need, when=(M.need_left,)),
        Row(T.NEED_CONFIRMATION, None, M.need_done),
        Row(T.CONFIRM_QUESTION, None, M.confirm_yes, when=(M.has_news,)),
        Row(T.CONFIRM_QUESTION, None, M.confirm_nothing),
        # Only fired while the customer's question is pending (see relabel.effective_technique).
        Row(T.ANSWER_WITH_QUESTION, None, M.answer_back, when=(M.pending,)),
        Row(T.PITCH, None, M.hear_pitch, when=(M.root_found,)),
        Row(T.PITCH, None, M.reject_pitch),
        Row(T.STATEMENT, None, M.accept_answer, when=(M.pending,)),
        Row(T.STATEMENT, None, M.neutral),
        Row(Move.PROGRESS, S.ANALYSIS, when=(M.problem_on_table,), source=(S.OPENER, S.CURIOSITY)),
        Row(Move.PROGRESS, S.CURIOSITY, when=(M.has_situation_revealed,), source=(S.OPENER,)),
        Row(Move.REP_ENDS, S.ENDED, M.farewell),
        Row(Move.WALK_OUT, S.CLOSED_BY_CUSTOMER, M.walk_out),
    ]
    return tuple(rows)


def _stage_rows() -> tuple[Row, ...]:
    up: list[tuple[Stage, Stage, tuple[Condition, ...]]] = [
        (Stage.FIRST_IMPRESSION, Stage.LIKING, (M.trust_at_liking,)),
        (Stage.LIKING, Stage.TRUST, (M.trust_at_trust, M.has_facts)),
        (Stage.TRUST, Stage.PERSUASION, (M.trust_at_persuasion, M.root_found)),
        (Stage.PERSUASION, Stage.EXCITATION, (M.trust_at_excitation, M.motivated)),
    ]
    rows: list[Row] = []
    for lower, upper, conditions in up:
        rows.append(Row(Move.WARM, upper, when=conditions, source=(lower,)))
        # Cooling only looks at trust: facts once uncovered stay uncovered.
        rows.append(Row(Move.COOL, lower, unless=conditions[:1], source=(upper,)))
    return tuple(rows)


#: The need-questioning step: each technique is a trigger, its rows are the method's guards.
STEP_ROWS: tuple[Row, ...] = _step_rows()
#: The relationship stage: one stage up (``warm``) or down (``cool``) per turn.
STAGE_ROWS: tuple[Row, ...] = _stage_rows()
