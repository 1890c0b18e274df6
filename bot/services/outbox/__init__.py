"""The transactional outbox: everything a channel sends, stored with the turn, delivered later.

A channel calls :func:`enqueue` inside the transaction that stores the turn; once that commits,
the message survives crashes and restarts. A :class:`Dispatcher` in each worker claims due
messages (:meth:`Outbox.claim_due`), hands them to the channel's :class:`Sender` and settles
each claim. Design, states and guarantees: docs/outbox.md.

Modules: ``payloads`` (kinds, merging), ``policy`` (pacing, retries), ``queue`` (enqueue,
unblock, waking dispatchers), ``claims`` (:class:`Outbox`), ``dispatcher`` (sending).
"""

from __future__ import annotations

from .claims import Claim, ClaimBatch, Outbox
from .dispatcher import MIN_WAIT, Dispatcher, DispatchMetrics, Sender, SendOutcome, SendResult
from .payloads import (
    MAX_MERGE,
    MERGE_SEPARATOR,
    NOTE_IDS_KEY,
    TELEGRAM_MAX_CHARS,
    Kind,
    Outbound,
    merge_payloads,
    sendable,
    text_length,
)
from .policy import ERROR_CHARS, Pacing, RetryPolicy, backoff_delay
from .queue import add_waker, enqueue, post, remove_waker, unblock, wake_dispatchers

__all__ = [
    "ERROR_CHARS",
    "MAX_MERGE",
    "MERGE_SEPARATOR",
    "MIN_WAIT",
    "NOTE_IDS_KEY",
    "TELEGRAM_MAX_CHARS",
    "Claim",
    "ClaimBatch",
    "DispatchMetrics",
    "Dispatcher",
    "Kind",
    "Outbound",
    "Outbox",
    "Pacing",
    "RetryPolicy",
    "SendOutcome",
    "SendResult",
    "Sender",
    "add_waker",
    "backoff_delay",
    "enqueue",
    "merge_payloads",
    "post",
    "remove_waker",
    "sendable",
    "text_length",
    "unblock",
    "wake_dispatchers",
]
