"""Splitting replies into pieces WeCom accepts: a text message holds at most 2048 bytes of UTF-8."""

from __future__ import annotations

from typing import Final

#: WeCom's limit for a text message's content, in bytes of UTF-8.
WECOM_MAX_BYTES: Final = 2048


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _hard_cut(text: str, limit: int) -> list[str]:
    """Cut at character boundaries (never inside a character's bytes)."""
    pieces, current = [], ""
    for char in text:
        if _size(current + char) > limit:
            pieces.append(current)
            current = ""
        current += char
    return [*pieces, current] if current else pieces


def split_text(text: str, limit: int = WECOM_MAX_BYTES) -> list[str]:
    """``text`` in pieces of at most ``limit`` bytes, cut at paragraphs, then lines, then anywhere."""
    if _size(text) <= limit:
        return [text] if text else []
    for separator in ("\n\n", "\n", "。", ". "):
        parts = text.split(separator)
        if len(parts) > 1:
            break
    else:
        return _hard_cut(text, limit)
    pieces: list[str] = []
    current = ""
    for index, part in enumerate(parts):
        chunk = part + (separator if index < len(parts) - 1 and separator in "。. " else "")
        joined = f"{current}{separator if current and separator not in '。. ' else ''}{chunk}"
        if _size(joined) <= limit:
            current = joined
            continue
        if current:
            pieces.append(current)
        if _size(chunk) <= limit:
            current = chunk
        else:
            *whole, current = split_text(chunk, limit)
            pieces.extend(whole)
    if current:
        pieces.append(current)
    return [piece for piece in (p.strip("\n") for p in pieces) if piece]


__all__ = ["WECOM_MAX_BYTES", "split_text"]
