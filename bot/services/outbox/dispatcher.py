"""Delivering claimed outbox messages: a channel's :class:`Sender` and the :class:`Dispatcher`.

A dispatcher in each worker claims due messages (:meth:`Outbox.claim_due`), hands them to the
channel's sender and settles each claim with the answer. Design: docs/outbox.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from bot.storage import Database

from .claims import Claim, Outbox
from .payloads import sendable
from .policy import Pacing, RetryPolicy
from .queue import add_waker, remove_waker

log = logging.getLogger(__name__)

#: The shortest sleep of an idle dispatcher, whatever a hint says.
MIN_WAIT = 0.01


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


class Dispatcher:
    """Delivers outbox messages of the given channels from this worker, until stopped.

    Wakes when a commit in this process enqueued something and polls every
    ``poll_interval`` for messages enqueued by other workers or coming due.
    """

    def __init__(
        self,
        db: Database,
        senders: Mapping[str, Sender],
        *,
        outbox: Outbox | None = None,
        pacing: Mapping[str, Pacing] | None = None,
        policy: RetryPolicy | None = None,
        batch_size: int = 30,
        poll_interval: float = 0.5,
        send_timeout: float | None = None,
        observe: Callable[[Claim, SendResult], None] | None = None,
    ) -> None:
        """``observe`` is told each send's result (for metrics); it must not raise."""
        self.outbox = outbox or Outbox(db, pacing=pacing, policy=policy)
        self.senders = dict(senders)
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        # A send that outlives the lease could be claimed again elsewhere: give up before that.
        self.send_timeout = send_timeout or self.outbox.policy.lease / 2
        self.metrics = DispatchMetrics()
        self._observe = observe
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def notify(self) -> None:
        """Something was enqueued: look now. Safe from any thread."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake.set)

    async def start(self) -> None:
        if self._task is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._stopping = False
        add_waker(self.notify)
        self._task = asyncio.create_task(self._run(), name="outbox-dispatcher")

    async def stop(self, timeout: float = 10.0) -> None:
        """Finish the sends in flight (up to ``timeout``), then stop; unsent messages stay queued."""
        remove_waker(self.notify)
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(task, timeout)
        except TimeoutError:
            # Cancelled sends stay "sending" until their lease runs out, then count as unknown.
            log.warning("outbox dispatcher did not stop within %.1fs; cancelled", timeout)

    async def _run(self) -> None:
        while not self._stopping:
            # Cleared before the round, so a notify arriving during it is not lost.
            self._wake.clear()
            try:
                wake_in = await self.run_once()
            except Exception:
                log.exception("outbox dispatch round failed; retrying")
                wake_in = self.poll_interval
            if self._stopping:
                break
            if wake_in == 0.0:
                continue  # more is due right now
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._wake.wait(), min(self.poll_interval, wake_in or self.poll_interval)
                )

    async def run_once(self) -> float | None:
        """One round over every channel: claim, send, settle.

        Returns 0.0 when it sent something (look again at once), else the seconds until
        something may come due (None: poll).
        """
        hints: list[float] = []
        sent_any = False
        for channel, sender in self.senders.items():
            batch = await asyncio.to_thread(self.outbox.claim_due, channel, self.batch_size)
            self.metrics.leases_lost += batch.leases_lost
            self.metrics.unknown_outcomes += batch.leases_lost
            if batch.claims:
                sent_any = True
                outcomes = await asyncio.gather(
                    *(self._deliver(sender, claim) for claim in batch.claims), return_exceptions=True
                )
                for outcome in outcomes:
                    if isinstance(outcome, BaseException):
                        # Settling failed (the database?): the claim's lease brings it back.
                        log.error("outbox delivery failed: %r", outcome)
            elif batch.wake_in is not None:
                hints.append(batch.wake_in)
        if sent_any:
            return 0.0
        # Never 0 without progress: a due message whose chat is being written stays due, and
        # looking again at once would spin until that turn commits.
        return max(min(hints), MIN_WAIT) if hints else None

    async def _deliver(self, sender: Sender, claim: Claim) -> None:
        metrics = self.metrics
        metrics.sends += 1
        if claim.resend:
            metrics.resends += 1
        result = await self._send(sender, claim)
        # The request reached the API before this: the send's stamp in the bot-wide window.
        answered_at = self.outbox.clock()
        metrics.by_outcome[result.outcome] = metrics.by_outcome.get(result.outcome, 0) + 1
        if self._observe is not None:
            self._observe(claim, result)
        await self._settle(claim, result, answered_at)

    async def _send(self, sender: Sender, claim: Claim) -> SendResult:
        try:
            return await asyncio.wait_for(
                sender.send(claim.chat_key, sendable(claim.payload)), self.send_timeout
            )
        except TimeoutError:
            return SendResult.unknown("timeout")
        except Exception as exc:
            # Not an answer from the API: the request may have gone out, so it is an unknown outcome.
            log.warning("outbox sender raised %s for chat %s", type(exc).__name__, claim.chat_key)
            return SendResult.unknown(type(exc).__name__)

    async def _settle(self, claim: Claim, result: SendResult, answered_at: float) -> None:
        metrics, settle, at = self.metrics, self.outbox, answered_at
        if result.outcome is SendOutcome.SENT:
            if await asyncio.to_thread(lambda: settle.mark_sent(claim, answered_at=at)):
                metrics.sent += 1
                metrics.merged += len(claim.message_ids) - 1
        elif result.outcome is SendOutcome.RETRY_AFTER:
            status = await asyncio.to_thread(
                lambda: settle.mark_failed(
                    claim, retry_after=result.retry_after, error=result.error, answered_at=at
                )
            )
            if status == "pending":
                metrics.retries += 1
            elif status == "failed":
                metrics.failed += 1
        elif result.outcome is SendOutcome.FAILED_PERMANENTLY:
            await asyncio.to_thread(
                lambda: settle.mark_failed(claim, error=result.error, permanent=True, answered_at=at)
            )
            metrics.failed += 1
        elif result.outcome is SendOutcome.BLOCKED:
            await asyncio.to_thread(
                lambda: settle.mark_blocked(claim, error=result.error or "blocked", answered_at=at)
            )
            metrics.blocked += 1
        else:
            metrics.unknown_outcomes += 1
            status = await asyncio.to_thread(
                lambda: settle.mark_unknown(claim, error=result.error or "timeout", answered_at=at)
            )
            if status == "failed":
                metrics.failed += 1
