"""Catalogue keys of the coach's, the customer's and the scorecard's built-in texts.

coach.py, customer.py and coaching.py read their texts from the catalogue (``bot.i18n``) through
these keys; naming them here with ``N_()`` is what lets ``pybabel extract`` find them.
``text()`` is the engine's lookup: ``translate`` without parameters, cached per (key, language)
because a coach note asks for several texts on every turn.
"""

from __future__ import annotations

from functools import cache
from typing import Final

from bot.i18n import N_, translate


@cache
def text(key: str, lang: str) -> str:
    """The raw text of ``key`` in ``lang`` (placeholders left unfilled), cached."""
    return translate(key, lang)


def lines(key: str, lang: str) -> tuple[str, ...]:
    """A text holding one variant per line (the customer's replies), split into its variants."""
    return _lines(key, lang)


@cache
def _lines(key: str, lang: str) -> tuple[str, ...]:
    return tuple(text(key, lang).split("\n"))


# coach.VERDICTS: how the turn went, by the machine's event (no text for "none").
VERDICT_KEYS: Final[dict[str, str]] = {
    "greeted": N_("coach.verdict.greeted"),
    "opener_answered": N_("coach.verdict.opener_answered"),
    "small_talk": N_("coach.verdict.small_talk"),
    "guarded": N_("coach.verdict.guarded"),
    # TRANSLATORS: {topic} is a fact the customer revealed, or a scenario topic, in the visit's language.
    "situation": N_("coach.verdict.situation"),
    "care": N_("coach.verdict.care"),
    "permission": N_("coach.verdict.permission"),
    "deflected": N_("coach.verdict.deflected"),
    "deflected_softened": N_("coach.verdict.deflected_softened"),
    "no_problem_yet": N_("coach.verdict.no_problem_yet"),
    # TRANSLATORS: {topic} is a fact the customer revealed, or a scenario topic, in the visit's language.
    "dug": N_("coach.verdict.dug"),
    # TRANSLATORS: {topic} is a fact the customer revealed, or a scenario topic, in the visit's language.
    "root_found": N_("coach.verdict.root_found"),
    "at_root": N_("coach.verdict.at_root"),
    # TRANSLATORS: {topic} is a fact the customer revealed, or a scenario topic, in the visit's language.
    "analysed": N_("coach.verdict.analysed"),
    # TRANSLATORS: {topic} is a fact the customer revealed, or a scenario topic, in the visit's language.
    "sibling": N_("coach.verdict.sibling"),
    "nothing_else": N_("coach.verdict.nothing_else"),
    "review_not_yet": N_("coach.verdict.review_not_yet"),
    # TRANSLATORS: {angle} is a motivation angle as the coach words it (coach.angle.*).
    "implication": N_("coach.verdict.implication"),
    "view": N_("coach.verdict.view"),
    "view_too_early": N_("coach.verdict.view_too_early"),
    # TRANSLATORS: {topic} is a fact the customer revealed, or a scenario topic, in the visit's language.
    "need": N_("coach.verdict.need"),
    "need_not_ready": N_("coach.verdict.need_not_ready"),
    "need_done": N_("coach.verdict.need_done"),
    "confirmed": N_("coach.verdict.confirmed"),
    "confirm_nothing": N_("coach.verdict.confirm_nothing"),
    "revisited": N_("coach.verdict.revisited"),
    "revisited_talk": N_("coach.verdict.revisited_talk"),
    "revisit_unknown": N_("coach.verdict.revisit_unknown"),
    "answered_back": N_("coach.verdict.answered_back"),
    "answered_plainly": N_("coach.verdict.answered_plainly"),
    "statement": N_("coach.verdict.statement"),
    "pitch_early": N_("coach.verdict.pitch_early"),
    "pitch_after_need": N_("coach.verdict.pitch_after_need"),
    "private": N_("coach.verdict.private"),
    "walked_out": N_("coach.verdict.walked_out"),
}

# coach.IGNORED: the rep did not answer the customer's question.
IGNORED_KEY: Final = N_("coach.ignored")
# style.py: what a line did for a customer of this social style (persona ``style``).
STYLE_KEYS: Final[dict[str, str]] = {
    "analytical": N_("coach.style.analytical"),
    "driver_short": N_("coach.style.driver_short"),
    "driver_long": N_("coach.style.driver_long"),
    "amiable": N_("coach.style.amiable"),
    "expressive": N_("coach.style.expressive"),
}

# coach.ANGLES: the angles as the coach words them inside a verdict.
COACH_ANGLE_KEYS: Final[dict[str, str]] = {
    "vision": N_("coach.angle.vision"),
    "long_term_harm": N_("coach.angle.long_term_harm"),
    "spreading_harm": N_("coach.angle.spreading_harm"),
    "long_term_gain": N_("coach.angle.long_term_gain"),
    "spreading_gain": N_("coach.angle.spreading_gain"),
    "avoid_harm_review": N_("coach.angle.avoid_harm_review"),
}

# coach.NEED_WORDS: the parts of an explicit need.
NEED_WORD_KEYS: Final[dict[str, str]] = {
    "deadline": N_("coach.need.deadline"),
    "budget": N_("coach.need.budget"),
}

# coach.REASONS: why the coach suggests a technique next.
# The analysis questions that fit a problem's type, added to the coach's "ask why about X".
ANALYSIS_KEYS: Final[dict[str, str]] = {
    "restore": N_("coach.analysis.restore"),
    "prevent": N_("coach.analysis.prevent"),
    "ideal": N_("coach.analysis.ideal"),
}

REASON_KEYS: Final[dict[str, str]] = {
    "answer_with_question": N_("coach.reason.answer_with_question"),
    "closed_question": N_("coach.reason.closed_question"),
    "curiosity_care": N_("coach.reason.curiosity_care"),
    "humble_disclaimer": N_("coach.reason.humble_disclaimer"),
    # TRANSLATORS: {topic} is a fact the customer revealed, or a scenario topic, in the visit's language.
    "why": N_("coach.reason.why"),
    "what_else": N_("coach.reason.what_else"),
    # TRANSLATORS: {topic} is a fact the customer revealed, or a scenario topic, in the visit's language.
    "what_if": N_("coach.reason.what_if"),
    "how_do_you_see": N_("coach.reason.how_do_you_see"),
    "need_confirmation": N_("coach.reason.need_confirmation"),
    "confirm_question": N_("coach.reason.confirm_question"),
    "revisit_topic": N_("coach.reason.revisit_topic"),
}

# coach.FALLBACK_EXAMPLES: examples when no question bank is at hand.
EXAMPLE_KEYS: Final[dict[str, str]] = {
    "answer_with_question": N_("coach.example.answer_with_question"),
    "closed_question": N_("coach.example.closed_question"),
    "curiosity_care": N_("coach.example.curiosity_care"),
    "humble_disclaimer": N_("coach.example.humble_disclaimer"),
    "why": N_("coach.example.why"),
    "what_else": N_("coach.example.what_else"),
    "what_if": N_("coach.example.what_if"),
    "how_do_you_see": N_("coach.example.how_do_you_see"),
    "need_confirmation": N_("coach.example.need_confirmation"),
    "confirm_question": N_("coach.example.confirm_question"),
    "revisit_topic": N_("coach.example.revisit_topic"),
}

# customer.DEFAULT_REPLIES: the customer's built-in lines.
REPLY_KEYS: Final[dict[str, str]] = {
    # TRANSLATORS: one reply per line, the customer picks one; any number of lines.
    "greeting": N_("customer.reply.greeting"),
    # TRANSLATORS: one reply per line, the customer picks one; any number of lines.
    "small_talk": N_("customer.reply.small_talk"),
    # TRANSLATORS: one reply per line, the customer picks one; any number of lines.
    "permission": N_("customer.reply.permission"),
    # TRANSLATORS: one reply per line, the customer picks one; any number of lines.
    "guarded": N_("customer.reply.guarded"),
    # TRANSLATORS: one reply per line, the customer picks one; any number of lines.
    "deflect": N_("customer.reply.deflect"),
    # TRANSLATORS: one reply per line, the customer picks one; any number of lines.
    "deflect_softened": N_("customer.reply.deflect_softened"),
    # TRANSLATORS: one reply per line, the customer picks one; any number of lines.
    "pitch_early": N_("customer.reply.pitch_early"),
    # TRANSLATORS: one reply per line, the customer picks one; any number of lines.
    "pitch_after_need": N_("customer.reply.pitch_after_need"),
    # TRANSLATORS: one reply per line, the customer picks one; any number of lines.
    "private_topic": N_("customer.reply.private_topic"),
    # TRANSLATORS: one reply per line, the customer picks one; any number of lines.
    "nothing_else": N_("customer.reply.nothing_else"),
    # TRANSLATORS: one reply per line, the customer picks one; any number of lines.
    "no_deeper": N_("customer.reply.no_deeper"),
    # TRANSLATORS: one reply per line, the customer picks one; any number of lines.
    "review_not_yet": N_("customer.reply.review_not_yet"),
    # TRANSLATORS: one reply per line, the customer picks one; any number of lines.
    "no_problem_yet": N_("customer.reply.no_problem_yet"),
    # TRANSLATORS: one reply per line, the customer picks one; any number of lines.
    "confirm_yes": N_("customer.reply.confirm_yes"),
    # TRANSLATORS: one reply per line, the customer picks one; any number of lines.
    "confirm_nothing": N_("customer.reply.confirm_nothing"),
    # TRANSLATORS: one reply per line, the customer picks one; any number of lines; {topic} is a fact the
    # customer revealed, or a scenario topic, in the visit's language.
    "revisit": N_("customer.reply.revisit"),
    # TRANSLATORS: one reply per line, the customer picks one; any number of lines; {topic} is what the
    # customer said earlier in this same visit (not a previous visit), in the visit's language.
    "revisit_talk": N_("customer.reply.revisit_talk"),
    # TRANSLATORS: one reply per line, the customer picks one; any number of lines.
    "revisit_unknown": N_("customer.reply.revisit_unknown"),
    # TRANSLATORS: one reply per line, the customer picks one; any number of lines.
    "view_too_early": N_("customer.reply.view_too_early"),
    # TRANSLATORS: one reply per line, the customer picks one; any number of lines.
    "need_not_ready": N_("customer.reply.need_not_ready"),
    # TRANSLATORS: one reply per line, the customer picks one; any number of lines.
    "need_done": N_("customer.reply.need_done"),
    # TRANSLATORS: one reply per line, the customer picks one; any number of lines.
    "ignored_question": N_("customer.reply.ignored_question"),
    # TRANSLATORS: one reply per line, the customer picks one; any number of lines.
    "statement": N_("customer.reply.statement"),
    # TRANSLATORS: one reply per line, the customer picks one; any number of lines.
    "close_visit": N_("customer.reply.close_visit"),
    # TRANSLATORS: one reply per line, the customer picks one; any number of lines.
    "farewell": N_("customer.reply.farewell"),
}

# scorecard.KEEP: what worked, by event.
KEEP_KEYS: Final[dict[str, str]] = {
    # TRANSLATORS: completes "Keep: ...".
    "root_found": N_("scorecard.keep.root_found"),
    # TRANSLATORS: completes "Keep: ...".
    "implication": N_("scorecard.keep.implication"),
    # TRANSLATORS: completes "Keep: ...".
    "answered_back": N_("scorecard.keep.answered_back"),
    # TRANSLATORS: completes "Keep: ...".
    "sibling": N_("scorecard.keep.sibling"),
    # TRANSLATORS: completes "Keep: ...".
    "need": N_("scorecard.keep.need"),
    # TRANSLATORS: completes "Keep: ...".
    "view": N_("scorecard.keep.view"),
    # TRANSLATORS: completes "Keep: ...".
    "dug": N_("scorecard.keep.dug"),
    # TRANSLATORS: completes "Keep: ...".
    "revisited": N_("scorecard.keep.revisited"),
    # TRANSLATORS: completes "Keep: ...".
    "situation": N_("scorecard.keep.situation"),
    # TRANSLATORS: completes "Keep: ...".
    "confirmed": N_("scorecard.keep.confirmed"),
    # TRANSLATORS: completes "Keep: ...".
    "opener_answered": N_("scorecard.keep.opener_answered"),
    # TRANSLATORS: completes "Keep: ...".
    "greeted": N_("scorecard.keep.greeted"),
    # TRANSLATORS: completes "Keep: ..."; when no line earned praise.
    "saw_it_through": N_("scorecard.keep.saw_it_through"),
}

# scorecard.STOP: mistakes to stop, by event.
STOP_KEYS: Final[dict[str, str]] = {
    # TRANSLATORS: completes "Stop: ...".
    "pitch_early": N_("scorecard.stop.pitch_early"),
    # TRANSLATORS: completes "Stop: ...".
    "private": N_("scorecard.stop.private"),
    # TRANSLATORS: completes "Stop: ...".
    "off_topic": N_("scorecard.stop.off_topic"),
    # TRANSLATORS: completes "Stop: ...".
    "next_step_declined": N_("scorecard.stop.next_step_declined"),
    # TRANSLATORS: completes "Stop: ...".
    "deflected": N_("scorecard.stop.deflected"),
    # TRANSLATORS: completes "Stop: ...".
    "ignored": N_("scorecard.stop.ignored"),
    # TRANSLATORS: completes "Stop: ...".
    "revisit_unknown": N_("scorecard.stop.revisit_unknown"),
    # TRANSLATORS: completes "Stop: ...".
    "need_not_ready": N_("scorecard.stop.need_not_ready"),
    # TRANSLATORS: completes "Stop: ...".
    "view_too_early": N_("scorecard.stop.view_too_early"),
    # TRANSLATORS: completes "Stop: ...".
    "statement": N_("scorecard.stop.statement"),
    # TRANSLATORS: completes "Stop: ...".
    "small_talk": N_("scorecard.stop.small_talk"),
    # TRANSLATORS: completes "Stop: ..."; the idle line is quoted after it.
    "idle": N_("scorecard.stop.idle"),
    # TRANSLATORS: completes "Stop: ..."; when nothing went wrong.
    "nothing": N_("scorecard.stop.nothing"),
}

# scorecard.START (and the revisit advice): what to start doing, by technique.
START_KEYS: Final[dict[str, str]] = {
    # TRANSLATORS: completes "Start: ...".
    "curiosity_care": N_("scorecard.start.curiosity_care"),
    # TRANSLATORS: completes "Start: ...".
    "why": N_("scorecard.start.why"),
    # TRANSLATORS: completes "Start: ...".
    "what_else": N_("scorecard.start.what_else"),
    # TRANSLATORS: completes "Start: ...".
    "what_if": N_("scorecard.start.what_if"),
    # TRANSLATORS: completes "Start: ...".
    "how_do_you_see": N_("scorecard.start.how_do_you_see"),
    # TRANSLATORS: completes "Start: ...".
    "need_confirmation": N_("scorecard.start.need_confirmation"),
    # TRANSLATORS: completes "Start: ...".
    "confirm_question": N_("scorecard.start.confirm_question"),
    # TRANSLATORS: completes "Start: ...".
    "name_topics": N_("scorecard.start.name_topics"),
    # TRANSLATORS: completes "Start: ...".
    "revisit_topic": N_("scorecard.start.revisit_topic"),
}

# scorecard.ZH_LEADS / EN_LEADS: joins a coaching point to the quoted rep line.
LEAD_KEYS: Final[dict[str, str]] = {
    # TRANSLATORS: punctuation included; the quoted line follows.
    "is": N_("scorecard.lead.is"),
    # TRANSLATORS: punctuation included; the quoted line follows.
    "after": N_("scorecard.lead.after"),
    # TRANSLATORS: punctuation included; the quoted line follows.
    "instead": N_("scorecard.lead.instead"),
}

# scorecard's point labels (keep, start, stop).
POINT_LABEL_KEYS: Final[dict[str, str]] = {
    "keep": N_("scorecard.label.keep"),
    "start": N_("scorecard.label.start"),
    "stop": N_("scorecard.label.stop"),
}

# coach.py's inline texts: the note's label, the next-step line, a hint, and the topic fallback.
COACH_TEXT_KEYS: Final[dict[str, str]] = {
    # TRANSLATORS: {name} is the technique's name (technique.*); opens a coach note.
    "note_label": N_("coach.note_label"),
    # TRANSLATORS: {reason} is one of coach.reason.*.
    "next": N_("coach.next"),
    # TRANSLATORS: {name} is a technique's name; {reason} is one of coach.reason.*;
    # {example} is an example question.
    "hint": N_("coach.hint"),
    # TRANSLATORS: stands for {topic} when the scenario names none.
    "topic_fallback": N_("coach.topic_fallback"),
}

# The quote marks around a rep line inside a coaching point.
# TRANSLATORS: {quote} is the rep's own line, quoted after a coaching point's lead.
QUOTE_KEY: Final = N_("scorecard.quote")

# The coach's note when the classifier could not tell the line's technique (it counts as a statement).
UNSURE_KEYS: Final[dict[str, str]] = {
    # TRANSLATORS: opens a coach note instead of coach.note_label when the classifier was unsure.
    "plain": N_("coach.unsure"),
    # TRANSLATORS: opens a coach note when unsure; {name} is the guessed technique (technique.*).
    "guess": N_("coach.unsure_guess"),
}
