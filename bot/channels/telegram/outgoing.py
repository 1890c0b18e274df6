"""What the bot wants to say, as outbox payloads: HTML split into Telegram-sized pieces.

Handlers return ``Outgoing`` messages (HTML, a keyboard, whether it replaces the pressed
message); the services queue the payloads made here in the transaction that stores what the
update did, and the outbox's dispatcher sends them (``sender.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram.constants import ParseMode

from bot.services import Outbound

from .delivery import Outgoing
from .sender import EDIT_KEY
from .splitting import split_html


def _payload(html: str, keyboard: Any = None, *, edit: int | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"text": html, "parse_mode": ParseMode.HTML.value}
    if keyboard is not None:
        payload["reply_markup"] = keyboard.to_dict()
    if edit is not None:
        payload[EDIT_KEY] = edit
    return payload


def outbound(messages: Sequence[Outgoing], *, pressed: int | None = None) -> list[Outbound]:
    """Payloads for ``messages`` in order. A message longer than Telegram's limit becomes several,
    its keyboard on the last; an edit replaces message ``pressed`` with its first piece (none
    pressed: it is sent as a new message). A message's notes are read once its last piece is
    delivered."""
    queued: list[Outbound] = []
    for message in messages:
        pieces = split_html(message.html)
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            edit = pressed if message.edit and index == 0 else None
            payload = _payload(piece, message.keyboard if last else None, edit=edit)
            note_ids = tuple(message.note_ids) if last else ()
            queued.append(Outbound(payload, kind=message.kind, note_ids=note_ids, joins=message.joins))
    return queued


__all__ = ["outbound"]
