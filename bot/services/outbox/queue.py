"""Writing to the outbox in the caller's transaction, and waking this process's dispatchers."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from bot.storage import Store
from bot.storage.models import OutboxMessage
from bot.storage.outbox import NewMessage, OutboxRepository

from .payloads import NOTE_IDS_KEY, Kind, Outbound

# -- waking dispatchers after a commit ------------------------------------------------------------

_wakers: set[Callable[[], None]] = set()
_wakers_lock = threading.Lock()


def add_waker(waker: Callable[[], None]) -> None:
    """Call ``waker`` after each commit that enqueued something in this process."""
    with _wakers_lock:
        _wakers.add(waker)


def remove_waker(waker: Callable[[], None]) -> None:
    with _wakers_lock:
        _wakers.discard(waker)


def wake_dispatchers() -> None:
    with _wakers_lock:
        wakers = list(_wakers)
    for waker in wakers:
        waker()


def _after_commit(session: Session) -> None:
    if session.info.pop("outbox_enqueued", False):
        wake_dispatchers()


def _after_rollback(session: Session) -> None:
    # A rolled-back enqueue never happened: nothing to deliver, nobody to wake.
    session.info.pop("outbox_enqueued", None)


def _watch_commit(session: Session) -> None:
    session.info["outbox_enqueued"] = True
    if not session.info.get("outbox_listening"):
        session.info["outbox_listening"] = True
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_rollback", _after_rollback)


# -- writing ------------------------------------------------------------------------------------


def _session_of(target: Store | Session) -> Session:
    return target.session if isinstance(target, Store) else target


def enqueue(
    target: Store | Session,
    *,
    channel: str,
    chat_key: str,
    payload: Mapping[str, Any],
    kind: str = Kind.REPLY,
    group_key: str | None = None,
    note_id: int | None = None,
    session_id: str | None = None,
    delay: float = 0.0,
) -> OutboxMessage:
    """Queue one message in the caller's transaction (the one that stores the turn).

    The message exists exactly when the turn does: both commit or neither. Messages sharing a
    ``group_key`` (one turn's reply and note) may be delivered as one message. On SQLite open
    the unit of work with ``write=True``; on PostgreSQL this locks the chat's outbox row until
    the commit, which orders the chat's messages by commit.
    """
    session = _session_of(target)
    repo = OutboxRepository(session)
    now = datetime.now(UTC)
    session.flush()  # the caller's writes first, then the chat's lock (as ``post`` does)
    seq, blocked = repo.reserve(channel, str(chat_key), 1, unblock=False, now=now)
    message = repo.add(
        channel,
        str(chat_key),
        seq=seq,
        blocked=blocked,
        kind=str(kind),
        payload=dict(payload),
        group_key=group_key,
        note_id=note_id,
        session_id=session_id,
        not_before=now + timedelta(seconds=delay),
        now=now,
    )
    _watch_commit(session)
    return message


def unblock(target: Store | Session, *, channel: str, chat_key: str) -> bool:
    """The chat wrote to the bot again, so it no longer blocks it: deliver what comes next.

    Messages stopped while it was blocked stay stopped (they are stale). True if it was blocked.
    """
    repo = OutboxRepository(_session_of(target))
    chat = repo.lock_chat(channel, str(chat_key))
    if chat is None or chat.blocked_at is None:
        return False
    chat.blocked_at = None
    return True


def post(
    target: Store | Session,
    *,
    channel: str,
    chat_key: str,
    messages: Sequence[Outbound],
    group_key: str | None = None,
    session_id: str | None = None,
    unblock_chat: bool = False,
) -> int:
    """Queue a channel's messages for one chat, in order, in the caller's transaction; returns
    how many were queued.

    Those that ``join`` get ``group_key``: next to each other they may go out as one message.

    ``unblock_chat``: the chat just wrote to the bot, so a block it had put on the bot is over
    (lifted first, so these messages are not stopped with the old ones).

    Two statements whatever the number of messages: the chat's row is locked, unblocked and
    its sequence numbers taken in one, the messages inserted in the other.
    """
    if not messages:
        if unblock_chat:
            unblock(target, channel=channel, chat_key=chat_key)
        return 0
    session = _session_of(target)
    queued = []
    for message in messages:
        payload = dict(message.payload)
        if message.note_ids:
            payload[NOTE_IDS_KEY] = list(message.note_ids)
        joined = group_key if message.joins else None
        queued.append(NewMessage(str(message.kind), payload, group_key=joined, session_id=session_id))
    repo = OutboxRepository(session)
    repo.add_many(channel, str(chat_key), queued, unblock=unblock_chat, now=datetime.now(UTC))
    _watch_commit(session)
    return len(queued)
