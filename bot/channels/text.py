"""Checks on the text people send, shared by every channel (the web API and the Telegram bot).

PostgreSQL refuses NUL in text, other control characters are never typed on purpose, a line of
only zero-width characters looks empty to the rep and the classifier alike, and a right-to-left
override inside a name or a note can reorder what is shown around it.
"""

from __future__ import annotations

import unicodedata

# Whitespace the rep may type; every other control character (Cc) is refused.
_ALLOWED_CONTROLS = frozenset("\n\t\r")
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def control_characters(text: str) -> list[str]:
    """The control characters in ``text`` that are not newline, tab or carriage return."""
    return [c for c in text if unicodedata.category(c) == "Cc" and c not in _ALLOWED_CONTROLS]


def is_invisible(text: str) -> bool:
    """True when nothing would be seen: only whitespace and format characters (zero-width
    spaces and joiners, bidi marks, BOM: Unicode category Cf)."""
    return all(c.isspace() or unicodedata.category(c) == "Cf" for c in text)


def unreadable(text: str) -> bool:
    """A line no channel stores: control characters (NUL included) or nothing visible."""
    return bool(control_characters(text)) or is_invisible(text)


def isolate_bidi(text: str) -> str:
    """Wrap text that contains bidi controls in FSI…PDI, so an RTL override cannot reorder the
    words around it when shown (Telegram messages, logs). The web pages isolate with CSS."""
    if any(c in _BIDI_CONTROLS for c in text):
        return f"\u2068{text}\u2069"
    return text


__all__ = ["control_characters", "is_invisible", "isolate_bidi", "unreadable"]
