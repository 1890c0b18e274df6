"""Everything the Telegram bot says, in Chinese (zh-CN, the default) and English.

The texts are in the catalogue (bot/i18n.py, keys ``telegram.<key>``); this module keeps the
channel's small API. Texts are HTML fragments for Telegram's HTML parse mode: placeholders are
filled with values the caller has already escaped (``html.escape``), so a rep's or a customer's
words never become markup.
"""

from __future__ import annotations

from typing import Final

from bot.i18n import N_, translate

LANGUAGES: Final = ("zh", "en")

# The bot's texts by catalogue key, named here so extraction finds them (the channel passes
# the short key, without "telegram.").
TEXT_KEYS: Final[tuple[str, ...]] = (
    # TRANSLATORS: {name} is the rep's display name. Telegram HTML: keep the tags.
    N_("telegram.welcome_new"),
    # TRANSLATORS: {name} is the rep's display name. Telegram HTML: keep the tags.
    N_("telegram.welcome_back"),
    # TRANSLATORS: {name} is the rep's display name. Telegram HTML: keep the tags.
    N_("telegram.linked"),
    N_("telegram.bad_code"),
    N_("telegram.help"),
    N_("telegram.need_start"),
    N_("telegram.private_only"),
    N_("telegram.unreadable_text"),
    N_("telegram.deactivated"),
    N_("telegram.no_session"),
    # TRANSLATORS: {title} is the scenario's title. Telegram HTML: keep the tags.
    N_("telegram.session_in_progress"),
    N_("telegram.no_scenarios"),
    N_("telegram.choose_scenario"),
    # TRANSLATORS: {title} is the scenario's title. Telegram HTML: keep the tags.
    N_("telegram.choose_language"),
    # TRANSLATORS: {language} is the rehearsal language's name (telegram.language_zh / _en); {title} is the
    # scenario's title. Telegram HTML: keep the tags.
    N_("telegram.choose_mode"),
    N_("telegram.mode_practice"),
    N_("telegram.mode_exam"),
    N_("telegram.language_zh"),
    N_("telegram.language_en"),
    # TRANSLATORS: {customer} is the simulated customer's name, title and company; {difficulty} is the
    # scenario's difficulty (scenario.difficulty.*); {industry} is the customer's industry; {language} is
    # the rehearsal language's name (telegram.language_zh / _en); {mode} is the mode's name
    # (telegram.mode_practice / _exam); {purpose} is the purpose of the visit, from the scenario; {title}
    # is the scenario's title. Telegram HTML: keep the tags.
    N_("telegram.rehearsal_started"),
    # TRANSLATORS: {briefing} is what the rep knows before the visit, from the scenario. Telegram HTML:
    # keep the tags.
    N_("telegram.briefing_known"),
    # TRANSLATORS: {channel} is where the visit began (channel.*); {title} is the scenario's title.
    # Telegram HTML: keep the tags.
    N_("telegram.active_visit_choice"),
    N_("telegram.active_continue"),
    N_("telegram.active_end_start"),
    # TRANSLATORS: {title} is the scenario's title. Telegram HTML: keep the tags.
    N_("telegram.active_continued"),
    # TRANSLATORS: {score} is the score out of 100 (or —); {title} is the scenario's title. Telegram
    # HTML: keep the tags.
    N_("telegram.active_ended"),
    N_("telegram.active_gone"),
    # TRANSLATORS: {state} is the visit's state (status.*: in progress, ended, walked out, abandoned).
    # Telegram HTML: keep the tags.
    N_("telegram.visit_state"),
    # TRANSLATORS: {visits} is a count of finished visits. Telegram HTML: keep the tags.
    N_("telegram.progress_title"),
    # TRANSLATORS: {scores} is a row of scores joined by arrows. Telegram HTML: keep the tags.
    N_("telegram.progress_trend"),
    N_("telegram.progress_none"),
    # TRANSLATORS: {technique} is a technique's name. Telegram HTML: keep the tags.
    N_("telegram.progress_weakest"),
    # TRANSLATORS: {technique} is a technique's name; {title} is a scenario's title. Telegram HTML: keep
    # the tags.
    N_("telegram.progress_next"),
    # TRANSLATORS: {count} is a count of open assignments. Telegram HTML: keep the tags.
    N_("telegram.progress_assignments"),
    # TRANSLATORS: {url} is the address of the progress page. Telegram HTML: keep the tags.
    N_("telegram.progress_link"),
    # TRANSLATORS: {zone} is a time zone name such as Asia/Shanghai. Telegram HTML: keep the tags.
    N_("telegram.settings_show"),
    # TRANSLATORS: {zone} is a time zone name such as Asia/Shanghai. Telegram HTML: keep the tags.
    N_("telegram.settings_zone_set"),
    # TRANSLATORS: {zone} is what the rep typed as a time zone. Telegram HTML: keep the tags.
    N_("telegram.settings_bad_zone"),
    N_("telegram.choice_expired"),
    N_("telegram.customer_label"),
    N_("telegram.coach_label"),
    # TRANSLATORS: {stage} is a stage name (stage.*); {step} is a step name (step.*); {trust} is the
    # customer's trust, a number from 0 to 1. Telegram HTML: keep the tags.
    N_("telegram.state_line"),
    # TRANSLATORS: {hint} is the coach's hint. Telegram HTML: keep the tags.
    N_("telegram.hint"),
    # TRANSLATORS: {state} is the line telegram.state_line; {title} is the scenario's title; {turns} is a
    # number of rep lines. Telegram HTML: keep the tags.
    N_("telegram.score_active"),
    N_("telegram.no_scorecard"),
    N_("telegram.customer_closed"),
    # TRANSLATORS: {title} is the scenario's title. Telegram HTML: keep the tags.
    N_("telegram.scorecard_title"),
    # TRANSLATORS: {score} is the score out of 100. Telegram HTML: keep the tags.
    N_("telegram.scorecard_score"),
    # TRANSLATORS: {stage} is a stage name (stage.*); {step} is a step name (step.*). Telegram HTML: keep the
    # tags.
    N_("telegram.scorecard_reached"),
    # TRANSLATORS: {curve} is a row of bar characters, one per turn. Telegram HTML: keep the tags.
    N_("telegram.scorecard_trust"),
    # TRANSLATORS: {pitches} is a count; {share} is a percentage without the % sign. Telegram HTML: keep the
    # tags.
    N_("telegram.scorecard_questions"),
    # TRANSLATORS: {depth} is a count of levels; {found} is a count; {total} is a count. Telegram HTML: keep
    # the tags.
    N_("telegram.scorecard_problems"),
    # TRANSLATORS: {budget} is ✔ or ✘; {deadline} is ✔ or ✘. Telegram HTML: keep the tags.
    N_("telegram.scorecard_need"),
    # TRANSLATORS: {techniques} is a list of technique names with counts, e.g. 为什么 ×2.
    # Telegram HTML: keep the tags.
    N_("telegram.scorecard_techniques"),
    # TRANSLATORS: {text} is a coaching point quoting the rep. Telegram HTML: keep the tags.
    N_("telegram.scorecard_keep"),
    # TRANSLATORS: {text} is a coaching point quoting the rep. Telegram HTML: keep the tags.
    N_("telegram.scorecard_start"),
    # TRANSLATORS: {text} is a coaching point quoting the rep. Telegram HTML: keep the tags.
    N_("telegram.scorecard_stop"),
    N_("telegram.yes"),
    N_("telegram.no"),
    N_("telegram.ended_nothing"),
    N_("telegram.lang_choose"),
    N_("telegram.lang_set"),
    N_("telegram.unsupported"),
    N_("telegram.edited"),
    N_("telegram.unknown_command"),
    # TRANSLATORS: {limit} is the longest message in characters. Telegram HTML: keep the tags.
    N_("telegram.message_rejected"),
    N_("telegram.session_closed"),
    N_("telegram.notes_none"),
    # TRANSLATORS: {total} is a count; {unread} is a count. Telegram HTML: keep the tags.
    N_("telegram.notes_title"),
    N_("telegram.note_unread"),
    # TRANSLATORS: {title} is the scenario's title. Telegram HTML: keep the tags.
    N_("telegram.note_about"),
    # TRANSLATORS: {shown} is a count. Telegram HTML: keep the tags.
    N_("telegram.notes_more"),
    # TRANSLATORS: {author} is the manager's display name; {note} is the note's text. Telegram HTML: keep the
    # tags.
    N_("telegram.note_pushed"),
    N_("telegram.error"),
    N_("telegram.flag_button"),
    N_("telegram.flag_pick"),
    N_("telegram.flag_just_wrong"),
    # TRANSLATORS: {technique} is a technique's name (technique.*) or telegram.flag_just_wrong.
    # Telegram HTML: keep the tags.
    N_("telegram.flag_thanks"),
)

# The command menu Telegram shows next to the input box (`coach telegram set-webhook` sets it).
COMMAND_KEYS: Final[dict[str, str]] = {
    "rehearse": N_("telegram.command.rehearse"),
    "hint": N_("telegram.command.hint"),
    "score": N_("telegram.command.score"),
    "end": N_("telegram.command.end"),
    "notes": N_("telegram.command.notes"),
    "progress": N_("telegram.command.progress"),
    "settings": N_("telegram.command.settings"),
    "lang": N_("telegram.command.lang"),
    "help": N_("telegram.command.help"),
}


def command_description(command: str, lang: str) -> str:
    """The menu's description of ``command`` in ``lang``."""
    return translate(COMMAND_KEYS[command], lang)


# Kept for callers that read the menu as a table: command -> {"zh": ..., "en": ...}.
COMMAND_MENU: Final[dict[str, dict[str, str]]] = {
    command: {lang: command_description(command, lang) for lang in LANGUAGES} for command in COMMAND_KEYS
}


# Kept for callers that read texts as a table: short key -> {"zh": template, "en": template}.
TEXTS: Final[dict[str, dict[str, str]]] = {
    key.removeprefix("telegram."): {lang: translate(key, lang) for lang in LANGUAGES} for key in TEXT_KEYS
}


def ui_language(value: str | None, default: str = "zh") -> str:
    """Map a stored or Telegram language code ("en-GB", "zh-hans"...) to one we speak."""
    if value:
        head = value.lower().split("-")[0].split("_")[0]
        if head in LANGUAGES:
            return head
    return default if default in LANGUAGES else "zh"


def text(key: str, lang: str, **values: object) -> str:
    """The text ``key`` in ``lang`` (Chinese when the language is unknown), filled with ``values``."""
    catalogue_key = "telegram." + key
    return translate(catalogue_key, lang, **values)


def both(key: str, **values: object) -> str:
    """Chinese first, then English: for people whose language we do not know yet."""
    return f"{text(key, 'zh', **values)}\n\n{text(key, 'en', **values)}"
