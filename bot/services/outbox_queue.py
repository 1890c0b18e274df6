"""The outbox's queue side: what a message is (kinds, pacing, retries, merging), how a channel
enqueues one inside its turn's transaction, and the claims a :class:`~bot.services.outbox.Outbox`
hands out. Split from ``outbox.py`` (the claiming and dispatching) to keep each module short;
``bot.services.outbox`` re-exports every name. Design: docs/outbox.md.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session

from bot.config import Settings, get_settings
from bot.storage import Store
from bot.storage.models import OutboxMessage
from bot.storage.outbox import OutboxRepository, aware

log = logging.getLogger(__name__)

#: Telegram's limit for one message's text (it counts UTF-16 code units).
TELEGRAM_MAX_CHARS = 4096
#: Between merged messages of one turn (the customer's reply, then the coach's note).
MERGE_SEPARATOR = "\n\n"
#: Payload keys whose values must agree for two messages to become one.
_MERGE_NEUTRAL_KEYS = frozenset({"text", "reply_markup"})
#: How many messages of one turn may be merged into one send.
MAX_MERGE = 4
ERROR_CHARS = 200
#: The shortest sleep of an idle dispatcher, whatever a hint says.
MIN_WAIT = 0.01


class Kind(StrEnum):
    """What an outbox message is; ``note`` messages mark their coaching note read on delivery."""

    REPLY = "reply"
    NOTE = "note"
    PUSH = "push"


# -- pacing and retry settings ------------------------------------------------------------------


@dataclass(frozen=True)
class Pacing:
    """How fast one channel may send: bot-wide and per chat.

    The bot-wide limit is a sliding window (never more than ``rate`` claims in any
    ``window + slack`` seconds); the slack covers the time between a claim and the request
    reaching the API, so the limit also holds where the API counts. Per chat it is a token
    bucket: ``chat_burst`` at once, then ``chat_rate`` per second.
    """

    rate: int = 30
    window: float = 1.0
    slack: float = 0.1
    chat_rate: float = 1.0
    chat_burst: int = 3

    @classmethod
    def telegram(cls, settings: Settings | None = None) -> Pacing:
        settings = settings or get_settings()
        return cls(
            rate=max(1, int(settings.telegram_rate)),
            chat_rate=settings.telegram_chat_rate,
            chat_burst=settings.telegram_chat_burst,
        )


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff for failed sends, and the lease a claim holds while its send is in flight.

    ``lease`` must exceed the sender's own timeout: a claim older than its lease is presumed
    lost with its worker (an unknown outcome) and may be sent once more by another worker.
    """

    base: float = 1.0
    cap: float = 300.0
    max_attempts: int = 12
    lease: float = 60.0


def backoff_delay(attempts: int, policy: RetryPolicy, rng: random.Random) -> float:
    """Exponential backoff with bounded jitter: between half and all of ``base * 2**(n-1)``,
    capped. The jitter spreads out retries of many chats failing at the same moment."""
    ceiling = min(policy.cap, policy.base * 2 ** max(0, attempts - 1))
    return ceiling * rng.uniform(0.5, 1.0)


# -- merging (pure) -----------------------------------------------------------------------------


def text_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


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
        if not isinstance(merged.get("text"), str) or not isinstance(payload.get("text"), str):
            break
        options = {k: v for k, v in merged.items() if k not in _MERGE_NEUTRAL_KEYS}
        if options != {k: v for k, v in payload.items() if k not in _MERGE_NEUTRAL_KEYS}:
            break
        if merged.get("reply_markup") is not None and payload.get("reply_markup") is not None:
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
    chat = repo.lock_chat_for_enqueue(channel, str(chat_key))
    message = repo.add(
        chat,
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


# -- sending ------------------------------------------------------------------------------------


class SendOutcome(StrEnum):
    SENT = "sent"
    RETRY_AFTER = "retry_after"
    FAILED_PERMANENTLY = "failed_permanently"
    BLOCKED = "blocked"
    UNKNOWN_OUTCOME = "unknown_outcome"


@dataclass(frozen=True)
class SendResult:
    """What a send came to. ``error`` is short and never holds the message's text."""

    outcome: SendOutcome
    retry_after: float | None = None
    error: str | None = None

    @classmethod
    def sent(cls) -> SendResult:
        return cls(SendOutcome.SENT)

    @classmethod
    def retry(cls, retry_after: float | None = None, error: str | None = None) -> SendResult:
        """The API answered with a transient error (429, 5xx): not delivered, safe to retry.
        ``retry_after`` is the API's own wait, None for exponential backoff."""
        return cls(SendOutcome.RETRY_AFTER, retry_after, error)

    @classmethod
    def failed(cls, error: str) -> SendResult:
        """The API refused the message for good (400): drop it, the chat's queue moves on."""
        return cls(SendOutcome.FAILED_PERMANENTLY, error=error)

    @classmethod
    def blocked(cls, error: str = "blocked by the user") -> SendResult:
        return cls(SendOutcome.BLOCKED, error=error)

    @classmethod
    def unknown(cls, error: str = "timeout") -> SendResult:
        """No answer (a timeout, a dropped connection): it may or may not have arrived."""
        return cls(SendOutcome.UNKNOWN_OUTCOME, error=error)


class Sender(Protocol):
    """A channel's network edge: one API call per claim, its outcome classified."""

    async def send(self, chat_key: str, payload: Mapping[str, Any]) -> SendResult: ...


@dataclass(frozen=True)
class Claim:
    """Messages of one chat handed to one worker to send as one message."""

    token: str
    channel: str
    chat_key: str
    message_ids: tuple[int, ...]
    kinds: tuple[str, ...]
    payload: dict[str, Any]
    attempt: int
    #: The previous attempt's outcome is unknown: this send may duplicate it.
    resend: bool


@dataclass(frozen=True)
class ClaimBatch:
    claims: list[Claim]
    #: Seconds until more may be due (None: nothing known); the dispatcher sleeps at most this.
    wake_in: float | None = None
    #: Claims found with their lease run out (their worker died or hung): unknown outcomes.
    leases_lost: int = 0


def _short(error: str | None) -> str | None:
    return None if error is None else error[:ERROR_CHARS]


def _mergeable_run(active: Sequence[OutboxMessage], now: datetime) -> list[OutboxMessage]:
    """The head message and the pending, due messages of its group that directly follow it."""
    first = active[0]
    run = [first]
    for message in active[1:]:
        if (
            first.group_key is None
            or message.group_key != first.group_key
            or message.status != "pending"
            or aware(message.not_before) > now
        ):
            break
        run.append(message)
    return run


@dataclass
class DispatchMetrics:
    """Counters of one dispatcher (one worker); the database holds the durable state."""

    sends: int = 0
    sent: int = 0
    merged: int = 0
    retries: int = 0
    failed: int = 0
    blocked: int = 0
    unknown_outcomes: int = 0
    resends: int = 0
    leases_lost: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)
