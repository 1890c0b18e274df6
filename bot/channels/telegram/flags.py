"""The "wrong judgement?" button under the coach's note, and the technique keyboard behind it.

A press on the button opens a keyboard of the techniques by name (and "just wrong") as a new
message, so the note stays as it was; a press on a technique stores the flag for the trainers'
review queue (``Services.feedback``) and turns that keyboard into a short thanks.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.names import TECHNIQUE_NAMES, name_of
from bot.services import Flagging, RehearsalError, SessionView, TurnResult

from .callbacks import FlagPress, flag_choice, flag_open
from .claims import Rep
from .delivery import Outgoing
from .formatting import esc
from .texts import text

TELEGRAM_CHANNEL = "telegram"
ROW = 2  # technique buttons per row: the names are short, two fit on a phone


def flag_keyboard(result: TurnResult, session: SessionView, lang: str) -> InlineKeyboardMarkup | None:
    """The button under a practice-mode note on a rep's line; None when there is nothing to judge."""
    if session.mode != "practice" or not result.coach_note or result.rep_seq is None:
        return None
    button = InlineKeyboardButton(
        text("flag_button", lang), callback_data=flag_open(session.id, result.rep_seq)
    )
    return InlineKeyboardMarkup([[button]])


def open_flag(rep: Rep, press: FlagPress) -> list[Outgoing]:
    """The techniques by name, then "just wrong"."""
    names = sorted(TECHNIQUE_NAMES, key=lambda technique: name_of(TECHNIQUE_NAMES, technique, rep.lang))
    buttons = [
        InlineKeyboardButton(
            name_of(TECHNIQUE_NAMES, technique, rep.lang),
            callback_data=flag_choice(press.session_id, press.seq, technique),
        )
        for technique in names
    ]
    rows = [buttons[i : i + ROW] for i in range(0, len(buttons), ROW)]
    rows.append(
        [
            InlineKeyboardButton(
                text("flag_just_wrong", rep.lang),
                callback_data=flag_choice(press.session_id, press.seq, None),
            )
        ]
    )
    return [Outgoing(text("flag_pick", rep.lang), InlineKeyboardMarkup(rows))]


def store_flag(rep: Rep, press: FlagPress, flagging: Flagging) -> list[Outgoing]:
    """Queue the flag; a line that is not the rep's (a forged press) is answered as expired."""
    try:
        flag = flagging.flag(rep.user_id, press.session_id, press.seq, press.suggested, TELEGRAM_CHANNEL)
    except RehearsalError:
        return [Outgoing(text("choice_expired", rep.lang), edit=True)]
    if flag.suggested:
        said = name_of(TECHNIQUE_NAMES, flag.suggested, rep.lang)
    else:
        said = text("flag_just_wrong", rep.lang)
    return [Outgoing(text("flag_thanks", rep.lang, technique=esc(said)), edit=True)]


__all__ = ["flag_keyboard", "open_flag", "store_flag"]
