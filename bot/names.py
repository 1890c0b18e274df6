"""Display names of stages, steps, techniques and the scorecard's other ids, in each language.

The names themselves are in the text catalogue (bot/i18n.py); these tables only say which key
names which id, so Telegram, the terminal and the web pages (through ``/i18n/<lang>.json``)
all show the same word. Technique names agree with the question bank (a test checks it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from bot.i18n import N_, translate
from bot.vocab import Lang

# The relationship stages (bot.vocab.Stage).
STAGE_NAMES: Final[dict[str, str]] = {
    "first_impression": N_("stage.first_impression"),
    "liking": N_("stage.liking"),
    "trust": N_("stage.trust"),
    "persuasion": N_("stage.persuasion"),
    "excitation": N_("stage.excitation"),
}

# The questioning steps and the two ends of a visit (bot.vocab.Step).
STEP_NAMES: Final[dict[str, str]] = {
    "opener": N_("step.opener"),
    "curiosity": N_("step.curiosity"),
    "analysis": N_("step.analysis"),
    "what_if": N_("step.what_if"),
    "how_do_you_see": N_("step.how_do_you_see"),
    "need_confirmation": N_("step.need_confirmation"),
    "ended": N_("step.ended"),
    "closed_by_customer": N_("step.closed_by_customer"),
}

# Every technique the classifier emits (bot.vocab.Technique).
TECHNIQUE_NAMES: Final[dict[str, str]] = {
    "greeting": N_("technique.greeting"),
    "confirm_question": N_("technique.confirm_question"),
    "statement": N_("technique.statement"),
    "closed_question": N_("technique.closed_question"),
    "curiosity_care": N_("technique.curiosity_care"),
    "humble_disclaimer": N_("technique.humble_disclaimer"),
    "revisit_topic": N_("technique.revisit_topic"),
    "answer_with_question": N_("technique.answer_with_question"),
    "what_else": N_("technique.what_else"),
    "why": N_("technique.why"),
    "what_if": N_("technique.what_if"),
    "how_do_you_see": N_("technique.how_do_you_see"),
    "open_question": N_("technique.open_question"),
    "need_confirmation": N_("technique.need_confirmation"),
    "pitch": N_("technique.pitch"),
    "interest_check": N_("technique.interest_check"),
}

# The motivation angles of a what-if (bot.vocab.Angle).
ANGLE_NAMES: Final[dict[str, str]] = {
    "vision": N_("angle.vision"),
    "long_term_harm": N_("angle.long_term_harm"),
    "spreading_harm": N_("angle.spreading_harm"),
    "long_term_gain": N_("angle.long_term_gain"),
    "spreading_gain": N_("angle.spreading_gain"),
    "avoid_harm_review": N_("angle.avoid_harm_review"),
}

# A scenario's sales mode and difficulty (dialogues/*.yaml).
SCENARIO_NAMES: Final[dict[str, str]] = {
    "need_excitation": N_("scenario.kind.need_excitation"),
    "motivation_excitation": N_("scenario.kind.motivation_excitation"),
    "product_push": N_("scenario.kind.product_push"),
    "easy": N_("scenario.difficulty.easy"),
    "medium": N_("scenario.difficulty.medium"),
    "hard": N_("scenario.difficulty.hard"),
}

# Session statuses (bot.vocab.Status), and the labels older transcripts carry.
STATUS_NAMES: Final[dict[str, str]] = {
    "active": N_("status.active"),
    "ended": N_("status.ended"),
    "closed_by_customer": N_("status.closed_by_customer"),
    "abandoned": N_("status.abandoned"),
    "small_talk": N_("status.small_talk"),
    "private_topic": N_("status.private_topic"),
    "other": N_("status.other"),
}

# Where a line came from (bot.vocab.Channel).
CHANNEL_NAMES: Final[dict[str, str]] = {
    "web": N_("channel.web"),
    "telegram": N_("channel.telegram"),
    "cli": N_("channel.cli"),
    "wecom": N_("channel.wecom"),
}

_TABLES: Final = (STAGE_NAMES, STEP_NAMES, TECHNIQUE_NAMES, ANGLE_NAMES, SCENARIO_NAMES, STATUS_NAMES)


def all_terms(lang: Lang | str) -> dict[str, str]:
    """Every id above with its name in ``lang`` (a status name wins over a step of the same id)."""
    return {key: translate(catalogue_key, lang) for table in _TABLES for key, catalogue_key in table.items()}


def name_of(table: Mapping[str, str], key: str | None, lang: Lang | str) -> str:
    """A stage, step or technique name in ``lang``; unknown ids are shown as they are."""
    if key is None:
        return "—"
    catalogue_key = table.get(key)
    return translate(catalogue_key, lang) if catalogue_key else key.replace("_", " ")
