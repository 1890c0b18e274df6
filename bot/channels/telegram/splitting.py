"""Split an HTML-formatted message into pieces Telegram accepts (at most 4096 characters each).

Cuts prefer paragraph breaks, then line breaks, then sentence ends (Chinese and Western), then
spaces, and never fall inside a tag or an entity such as ``&amp;``. A tag still open at a cut
(``<i>`` around a long coach note) is closed at the end of the piece and reopened at the start of
the next, so every piece is valid HTML on its own.
"""

from __future__ import annotations

import re
from typing import Final

TELEGRAM_MAX_CHARS: Final = 4096
# Room for the closing tags appended to a piece; our messages nest at most two or three tags.
_TAG_RESERVE: Final = 64
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*>")
_SENTENCE_END = re.compile(r"[。！？；!?;.](?=\s|$)|[。！？；]")


def _open_tags(html: str) -> list[tuple[str, str]]:
    """Tags opened in ``html`` and not closed by its end, outermost first, as (name, opening tag)."""
    stack: list[tuple[str, str]] = []
    for match in _TAG.finditer(html):
        closing, name = match.group(1) == "/", match.group(2).lower()
        if not closing:
            stack.append((name, match.group(0)))
            continue
        for index in range(len(stack) - 1, -1, -1):
            if stack[index][0] == name:
                del stack[index:]
                break
    return stack


def _safe_cut(html: str, cut: int) -> int:
    """Move ``cut`` back so it does not fall inside a tag or an HTML entity."""
    tag_start = html.rfind("<", 0, cut)
    if tag_start != -1 and html.find(">", tag_start, cut) == -1:
        cut = tag_start
    entity_start = html.rfind("&", max(0, cut - 10), cut)
    if entity_start != -1 and html.find(";", entity_start, cut) == -1:
        cut = entity_start
    return cut


def _best_cut(html: str, budget: int) -> int:
    """Where to end the next piece of ``html``: the latest good break point within ``budget``."""
    window = html[:budget]
    half = budget // 2
    for separator in ("\n\n", "\n"):
        index = window.rfind(separator)
        if index >= half:
            return index
    sentence_ends = [m.end() for m in _SENTENCE_END.finditer(window)]
    if sentence_ends and sentence_ends[-1] >= half:
        return sentence_ends[-1]
    space = window.rfind(" ")
    if space >= half:
        return space
    # No natural break in the second half: take any break at all, else cut hard.
    for separator in ("\n\n", "\n", " "):
        index = window.rfind(separator)
        if index > 0:
            return index
    if sentence_ends:
        return sentence_ends[-1]
    return budget


def split_html(html: str, limit: int = TELEGRAM_MAX_CHARS) -> list[str]:
    """Split ``html`` into pieces of at most ``limit`` characters, each valid on its own."""
    if limit <= _TAG_RESERVE * 2:
        raise ValueError(f"limit must be above {_TAG_RESERVE * 2}")
    pieces: list[str] = []
    rest = html.strip()
    reopened = 0  # length of the tags reopened at the start of ``rest``
    while rest:
        if len(rest) <= limit:
            pieces.append(rest)
            break
        budget = limit - _TAG_RESERVE
        cut = _safe_cut(rest, _best_cut(rest, budget))
        if cut <= reopened:  # no usable break (or a giant tag): cut hard so the loop moves on
            cut = budget
        head, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        still_open = _open_tags(head)
        head += "".join(f"</{name}>" for name, _ in reversed(still_open))
        if head.strip():
            pieces.append(head)
        prefix = "".join(opening for _, opening in still_open)
        rest, reopened = (prefix + rest, len(prefix)) if rest else ("", 0)
    return pieces
