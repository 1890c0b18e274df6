"""Inline-button callback data: encoded here, decoded here, matched by ``CallbackQueryHandler`` patterns.

Telegram limits callback data to 64 bytes, so a scenario travels as a short hash of its id.
The /rehearse steps are ``sc:KEY`` → ``lg:KEY:LANG`` → ``md:KEY:LANG:MODE``; ``ui:LANG`` sets the
interface language. Anything else (an old keyboard, a forged press) is answered as expired.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Final

from bot.services import MODES

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


__all__ = [
    "PICK_PATTERN",
    "UI_PATTERN",
    "Pick",
    "decode_pick",
    "decode_ui",
    "pick_language",
    "pick_mode",
    "pick_scenario",
    "scenario_key",
    "ui_choice",
]
