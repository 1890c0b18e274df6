"""What an outbox message carries, and merging one turn's messages into one send (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

#: Telegram's limit for one message's text (it counts UTF-16 code units).
TELEGRAM_MAX_CHARS = 4096
#: Between merged messages of one turn (the customer's reply, then the coach's note).
MERGE_SEPARATOR = "\n\n"
#: Payload keys whose values need not agree for two messages to become one.
_MERGE_NEUTRAL_KEYS = frozenset({"text", "reply_markup"})
#: Payload keys starting with this are the outbox's own, never handed to a sender.
PRIVATE_PREFIX = "_"
#: The coaching notes a message shows (a /notes list): marked read once it is delivered.
NOTE_IDS_KEY = "_note_ids"
#: How many messages of one turn may be merged into one send.
MAX_MERGE = 4


class Kind(StrEnum):
    """What an outbox message is; ``note`` messages mark their coaching note read on delivery."""

    REPLY = "reply"
    NOTE = "note"
    PUSH = "push"


@dataclass(frozen=True)
class Outbound:
    """One message a channel wants delivered, worded by the channel, queued by a service.

    ``payload`` is what the channel's sender takes (JSON-able: text, parse mode, keyboard…);
    ``note_ids`` are the coaching notes it shows, marked read when it is delivered.
    """

    payload: dict[str, Any]
    kind: str = Kind.REPLY
    note_ids: tuple[int, ...] = ()
    #: May go out as one message with the next ones of its group that join too (a turn's
    #: customer reply and coach note); a message that does not join always stands alone.
    joins: bool = False


def sendable(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The payload without the outbox's own keys: what the sender gets."""
    return {k: v for k, v in payload.items() if not k.startswith(PRIVATE_PREFIX)}


def _options(payload: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: v for k, v in payload.items() if k not in _MERGE_NEUTRAL_KEYS and not k.startswith(PRIVATE_PREFIX)
    }


def text_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def _mergeable(merged: Mapping[str, Any], payload: Mapping[str, Any]) -> bool:
    if not isinstance(merged.get("text"), str) or not isinstance(payload.get("text"), str):
        return False
    if _options(merged) != _options(payload):
        return False
    return merged.get("reply_markup") is None or payload.get("reply_markup") is None


def merge_payloads(
    payloads: Sequence[Mapping[str, Any]], *, limit: int = TELEGRAM_MAX_CHARS
) -> tuple[dict[str, Any], int]:
    """Merge the longest leading run of ``payloads`` that fits in one message.

    Returns the payload to send and how many of ``payloads`` it carries (at least one).
    Two payloads merge only when both are text, every other option (parse mode, link
    previews…) agrees, at most one carries a reply keyboard (it is kept), and the joined text
    fits in ``limit``.
    """
    if not payloads:
        raise ValueError("nothing to merge")
    merged = dict(payloads[0])
    count = 1
    for payload in payloads[1:]:
        if not _mergeable(merged, payload):
            break
        text = f"{merged['text']}{MERGE_SEPARATOR}{payload['text']}"
        if text_length(text) > limit:
            break
        markup = merged.get("reply_markup")
        merged = {**merged, **payload, "text": text}
        if markup is not None:
            merged["reply_markup"] = markup
        count += 1
    return merged, count
