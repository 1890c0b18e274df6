"""What the WeCom application says: the Telegram bot's words as plain text, plus WeCom's own.

WeCom text messages are plain text (no bold, no italics), so the shared wording — the turn,
the coach's note, the scorecard, the notes — is built by the Telegram formatter and then
stripped of its HTML. Texts that differ in WeCom (help, numbered choices, linking) are the
catalogue's ``wecom.*`` keys.
"""

from __future__ import annotations

import html
import re
from typing import Final

from bot.channels.telegram.texts import text as shared_text
from bot.channels.telegram.texts import ui_language
from bot.i18n import N_, translate

TEXT_KEYS: Final[tuple[str, ...]] = (
    N_("wecom.help"),
    N_("wecom.need_start"),
    # TRANSLATORS: {name} is the rep's display name.
    N_("wecom.linked"),
    N_("wecom.bad_code"),
    # TRANSLATORS: {choices} is a numbered list of scenarios, one a line.
    N_("wecom.choose_scenario"),
    # TRANSLATORS: {title} is the scenario's title; {choices} is a numbered list of language and mode pairs.
    N_("wecom.choose_option"),
    N_("wecom.choice_expired"),
    N_("wecom.unsupported"),
    N_("wecom.unknown_command"),
    N_("wecom.lang_choose"),
)

_TAG = re.compile(r"<[^>]+>")


def plain(fragment: str) -> str:
    """HTML from the shared formatter as the plain text WeCom shows."""
    return html.unescape(_TAG.sub("", fragment))


def text(key: str, lang: str, **values: object) -> str:
    """``wecom.<key>`` when WeCom has its own wording, else the shared (Telegram) text, as plain text."""
    own = f"wecom.{key}"
    if own in TEXT_KEYS:
        return translate(own, lang, **values)
    return plain(shared_text(key, lang, **values))


__all__ = ["TEXT_KEYS", "plain", "text", "ui_language"]
