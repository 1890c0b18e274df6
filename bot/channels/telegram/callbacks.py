"""Inline-button callback data: encoded here, decoded here, matched by ``CallbackQueryHandler`` patterns.

Telegram limits callback data to 64 bytes, so a scenario travels as a short hash of its id.
The /rehearse steps are ``sc:KEY`` → ``lg:KEY:LANG`` → ``md:KEY:LANG:MODE``; ``ui:LANG`` sets the
interface language; ``fw:``/``fl:`` flag a coach's judgement (below). Anything else (an old
keyboard, a forged press) is answered as expired.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Final

from bot.services import MODES, TECHNIQUES

UI_LANGUAGES: Final = ("zh", "en")
UI_PATTERN: Final = re.compile(r"^ui:(zh|en)$")
PICK_PATTERN: Final = re.compile(r"^(sc|lg|md):([0-9a-f]{12})(?::([a-z]{2}))?(?::([a-z]+))?$")


def scenario_key(scenario_id: str) -> str:
    """A short, stable stand-in for a scenario id."""
    return hashlib.sha1(scenario_id.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Pick:
    """A step of choosing a visit: the scenario, then its language, then the mode."""

    key: str
    language: str | None = None
    mode: str | None = None

    @property
    def starts_visit(self) -> bool:
        """The last step starts a visit: the only press that changes anything."""
        return self.mode is not None


def ui_choice(lang: str) -> str:
    return f"ui:{lang}"


def pick_scenario(scenario_id: str) -> str:
    return f"sc:{scenario_key(scenario_id)}"


def pick_language(key: str, lang: str) -> str:
    return f"lg:{key}:{lang}"


def pick_mode(key: str, lang: str, mode: str) -> str:
    return f"md:{key}:{lang}:{mode}"


def decode_pick(data: str) -> Pick | None:
    """The step a press stands for; None for data that is not a well-formed step."""
    match = PICK_PATTERN.match(data)
    if match is None:
        return None
    kind, key, language, mode = match.groups()
    expected = {"sc": (False, False), "lg": (True, False), "md": (True, True)}[kind]
    if (language is not None, mode is not None) != expected or (mode is not None and mode not in MODES):
        return None
    return Pick(key, language, mode)


def decode_ui(data: str) -> str | None:
    match = UI_PATTERN.match(data)
    return match.group(1) if match else None


# "Wrong judgement?" under a coach's note: ``fw:SESSION:SEQ`` opens the techniques,
# ``fl:SESSION:SEQ:TECHNIQUE`` (``-`` for "just wrong") stores the flag. At most 63 bytes.
FLAG_PATTERN: Final = re.compile(r"^(fw|fl):([0-9a-f]{32}):(\d{1,6})(?::([a-z_]{1,24}|-))?$")
JUST_WRONG: Final = "-"


@dataclass(frozen=True)
class FlagPress:
    """A press on a "wrong judgement?" button: open the choice, or flag with ``suggested``."""

    session_id: str
    seq: int
    chosen: bool  # False: the button under the note; True: a technique (or "just wrong") was picked
    suggested: str | None = None


def flag_open(session_id: str, seq: int) -> str:
    return f"fw:{session_id}:{seq}"


def flag_choice(session_id: str, seq: int, technique: str | None) -> str:
    return f"fl:{session_id}:{seq}:{technique or JUST_WRONG}"


def decode_flag(data: str) -> FlagPress | None:
    """The flag press ``data`` stands for; None for malformed data or an unknown technique."""
    match = FLAG_PATTERN.match(data)
    if match is None:
        return None
    kind, session_id, seq, choice = match.groups()
    if (kind == "fl") != (choice is not None):
        return None
    if choice is None:
        return FlagPress(session_id, int(seq), chosen=False)
    if choice != JUST_WRONG and choice not in TECHNIQUES:
        return None
    return FlagPress(session_id, int(seq), chosen=True, suggested=None if choice == JUST_WRONG else choice)


# A visit is still active when the rep sends /rehearse (begun on the web, say): ``av:c:SESSION``
# continues it, ``av:e:SESSION`` ends it and offers the scenarios again.
ACTIVE_PATTERN: Final = re.compile(r"^av:(c|e):([0-9a-f]{32})$")


@dataclass(frozen=True)
class ActivePress:
    """A press on "continue it" (``end`` False) or "end it and start another" (``end`` True)."""

    session_id: str
    end: bool


def active_continue(session_id: str) -> str:
    return f"av:c:{session_id}"


def active_end(session_id: str) -> str:
    return f"av:e:{session_id}"


def decode_active(data: str) -> ActivePress | None:
    match = ACTIVE_PATTERN.match(data)
    if match is None:
        return None
    kind, session_id = match.groups()
    return ActivePress(session_id, end=kind == "e")


__all__ = [
    "ACTIVE_PATTERN",
    "FLAG_PATTERN",
    "JUST_WRONG",
    "PICK_PATTERN",
    "UI_PATTERN",
    "ActivePress",
    "FlagPress",
    "Pick",
    "active_continue",
    "active_end",
    "decode_active",
    "decode_flag",
    "decode_pick",
    "decode_ui",
    "flag_choice",
    "flag_open",
    "pick_language",
    "pick_mode",
    "pick_scenario",
    "scenario_key",
    "ui_choice",
]
