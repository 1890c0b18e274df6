"""The transactional outbox: everything a channel sends, stored with the turn, delivered later.

A channel calls :func:`enqueue` inside the transaction that stores the turn; once that commits,
the message survives crashes and restarts. A :class:`Dispatcher` in each worker claims due
messages (:meth:`Outbox.claim_due`), hands them to the channel's :class:`Sender` and settles
each claim with :meth:`Outbox.mark_sent`, :meth:`~Outbox.mark_failed`, :meth:`~Outbox.mark_unknown`
or :meth:`~Outbox.mark_blocked`. Design, states and guarantees: docs/outbox.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.storage import Database
from bot.storage.models import OutboxMessage
from bot.storage.outbox import OutboxRepository, aware

from .outbox_queue import (
    ERROR_CHARS,
    MAX_MERGE,
    MERGE_SEPARATOR,
    MIN_WAIT,
    TELEGRAM_MAX_CHARS,
    Claim,
    ClaimBatch,
    DispatchMetrics,
    Kind,
    Pacing,
    RetryPolicy,
    Sender,
    SendOutcome,
    SendResult,
    _mergeable_run,
    _short,
    add_waker,
    backoff_delay,
    enqueue,
    merge_payloads,
    remove_waker,
    text_length,
    unblock,
    wake_dispatchers,
)

log = logging.getLogger(__name__)


class Outbox:
    """Claiming and settling outbox messages on one database (all methods are blocking)."""

    def __init__(
        self,
        db: Database,
        *,
        pacing: Mapping[str, Pacing] | None = None,
        policy: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.pacing = dict(pacing or {})
        self.policy = policy or RetryPolicy()
        # Wall-clock time: several hosts share the limiter, so it must be comparable across them.
        self._clock = clock
        self._rng = rng or random.Random()

    def pacing_for(self, channel: str) -> Pacing:
        return self.pacing.get(channel) or Pacing()

    def _now(self) -> tuple[float, datetime]:
        stamp = self._clock()
        return stamp, datetime.fromtimestamp(stamp, UTC)

    # -- claiming

    def claim_due(self, channel: str, limit: int = 30) -> ClaimBatch:
        """Claim the next deliverable message of up to ``limit`` chats.

        Only the head of each chat's queue is claimable, so a chat's messages go out in order,
        one at a time. Chats are served least-recently-served first (round robin), each within
        its pace, all within the channel's bot-wide limit.
        """
        pacing = self.pacing_for(channel)
        span = pacing.window + pacing.slack
        tolerance = timedelta(seconds=(pacing.chat_burst - 1) / pacing.chat_rate)
        # A look without locks first: an idle poll must not take SQLite's write lock (turns wait
        # for it) nor queue for the limiter row on PostgreSQL.
        with self.db.session() as session:
            repo = OutboxRepository(session)
            _, now = self._now()
            if not repo.due_heads(channel, now=now, pace_limit=now + tolerance, limit=1):
                return ClaimBatch([], wake_in=self._wake_hint(repo, channel, now, tolerance))
        with self.db.session(write=True) as session:
            repo = OutboxRepository(session)
            limiter = repo.lock_limiter(channel)
            # Read the clock after the lock: a claimer that waited must not stamp a stale time.
            now_ts, now = self._now()
            recent = sorted(float(s) for s in limiter.stamps if float(s) > now_ts - span)
            budget = min(limit, pacing.rate - len(recent))
            if budget <= 0:
                # Full window: look again when its oldest claim leaves it.
                wake = recent[len(recent) - pacing.rate] + span - now_ts
                limiter.stamps = recent
                return ClaimBatch([], wake_in=max(0.0, wake))
            claims: list[Claim] = []
            leases_lost = 0
            heads = repo.due_heads(channel, now=now, pace_limit=now + tolerance, limit=budget * 4 + 16)
            for head, _ in heads:
                if len(claims) >= budget:
                    break
                claim, lease_lost = self._claim_chat(repo, channel, head.chat_key, now, tolerance, pacing)
                leases_lost += lease_lost
                if claim is not None:
                    claims.append(claim)
            # Stamped at the end: a claim of many chats takes a while, and its sends start only
            # now; a stamp from the start would let the next window open too early.
            if claims:
                end_ts = max(now_ts, self._clock())
                recent.extend([end_ts] * len(claims))
            limiter.stamps = recent
            wake_in = None if claims else self._wake_hint(repo, channel, now, tolerance)
            return ClaimBatch(claims, wake_in=wake_in, leases_lost=leases_lost)

    def _claim_chat(
        self,
        repo: OutboxRepository,
        channel: str,
        chat_key: str,
        now: datetime,
        tolerance: timedelta,
        pacing: Pacing,
    ) -> tuple[Claim | None, int]:
        """Claim the head run of one chat, if it is free, within its pace and due; returns the
        claim (None: not this round) and whether an expired lease was found (0 or 1)."""
        chat = repo.try_lock_chat(channel, chat_key)
        if chat is None or chat.blocked_at is not None:
            return None, 0  # being written by a turn, or blocked meanwhile: next round
        pace_at = aware(chat.pace_at)
        if pace_at is not None and pace_at > now + tolerance:
            return None, 0
        active = list(repo.lock_active(channel, chat.chat_key, limit=MAX_MERGE))
        if not active:
            return None, 0
        first, lease_lost = active[0], 0
        if first.status == "sending":
            lease_until = aware(first.lease_until)
            if lease_until is not None and lease_until > now:
                return None, 0  # still in flight with a live worker: order says wait
            lease_lost = 1
            stale = [m for m in active if m.claim_token == first.claim_token]
            if not self._settle_unknown(stale, now, "lease expired", delay=0.0):
                return None, lease_lost
        elif aware(first.not_before) > now:
            return None, 0
        payload, count = merge_payloads([m.payload for m in _mergeable_run(active, now)])
        run = active[:count]
        token = uuid.uuid4().hex
        for message in run:
            message.status = "sending"
            message.attempts += 1
            message.claim_token = token
            message.lease_until = now + timedelta(seconds=self.policy.lease)
        interval = timedelta(seconds=1 / pacing.chat_rate)
        chat.pace_at = max(pace_at or now, now) + interval
        chat.last_claimed_at = now
        claim = Claim(
            token=token,
            channel=channel,
            chat_key=chat.chat_key,
            message_ids=tuple(m.id for m in run),
            kinds=tuple(m.kind for m in run),
            payload=payload,
            attempt=first.attempts,
            resend=any(m.resends > 0 for m in run),
        )
        return claim, lease_lost

    @staticmethod
    def _wake_hint(repo: OutboxRepository, channel: str, now: datetime, tolerance: timedelta) -> float | None:
        """Seconds until a retry or a paced chat may come due (None: nothing waiting)."""
        # Only chats held back by their pace matter: one within its pace is due already.
        not_before, pace_at = repo.next_due(channel, now=now, pace_limit=now + tolerance)
        hints = [(not_before - now).total_seconds()] if not_before else []
        if pace_at is not None:
            hints.append((pace_at - tolerance - now).total_seconds())
        return max(0.0, min(hints)) if hints else None

    def _settle_unknown(
        self, messages: Sequence[OutboxMessage], now: datetime, error: str, *, delay: float
    ) -> bool:
        """After an unknown outcome: allow one re-send (True), or give up (False).

        Telegram's sendMessage has no idempotency key, so a re-send may duplicate the message;
        a second unknown outcome is not risked again.
        """
        if any(m.resends >= 1 for m in messages):
            for message in messages:
                message.status = "failed"
                message.last_error = _short(f"outcome unknown after a re-send: {error}")
                message.lease_until = message.claim_token = None
            return False
        for message in messages:
            message.status = "pending"
            message.resends += 1
            message.last_error = _short(f"outcome unknown: {error}")
            message.not_before = now + timedelta(seconds=delay)
            message.lease_until = message.claim_token = None
        return True

    # -- settling

    def _settle(
        self, claim: Claim, apply: Callable[[OutboxRepository, list[OutboxMessage], datetime], Any]
    ) -> Any:
        """Run ``apply`` on the claim's messages if the claim still owns them, else return None.

        A claim whose lease ran out may have been taken over by another worker; its late
        outcome must not overwrite the newer claim's state.
        """
        with self.db.session(write=True) as session:
            repo = OutboxRepository(session)
            _, now = self._now()
            repo.lock_chat(claim.channel, claim.chat_key)  # lock order: chat, then messages
            messages = list(repo.claimed(claim.token))
            if not messages:
                log.warning("outbox claim %s settled after it was taken over", claim.token)
                return None
            return apply(repo, messages, now)

    def mark_sent(self, claim: Claim) -> bool:
        """Delivered: never send again; notes among the messages count as read now."""

        def apply(repo: OutboxRepository, messages: list[OutboxMessage], now: datetime) -> bool:
            for message in messages:
                message.status = "sent"
                message.sent_at = now
                message.last_error = None
                message.lease_until = message.claim_token = None
            repo.mark_notes_read([m.note_id for m in messages if m.note_id is not None], now=now)
            return True

        return bool(self._settle(claim, apply))

    def mark_failed(
        self,
        claim: Claim,
        *,
        retry_after: float | None = None,
        error: str | None = None,
        permanent: bool = False,
    ) -> str | None:
        """The API answered with an error, so the message was not delivered.

        Transient (``permanent=False``): due again after ``retry_after`` when the API gave one,
        else after exponential backoff with jitter; after ``max_attempts`` it fails for good.
        Returns the messages' new status (None when the claim was taken over).
        """

        def apply(repo: OutboxRepository, messages: list[OutboxMessage], now: datetime) -> str:
            attempts = max(m.attempts for m in messages)
            give_up = permanent or attempts >= self.policy.max_attempts
            if retry_after is not None:
                delay = max(0.0, retry_after)
            else:
                delay = backoff_delay(attempts, self.policy, self._rng)
            for message in messages:
                message.last_error = _short(error)
                message.lease_until = message.claim_token = None
                if give_up:
                    message.status = "failed"
                else:
                    message.status = "pending"
                    message.not_before = now + timedelta(seconds=delay)
            return "failed" if give_up else "pending"

        result = self._settle(claim, apply)
        return None if result is None else str(result)

    def mark_unknown(self, claim: Claim, *, error: str = "timeout") -> str | None:
        """No answer: allow exactly one re-send (after a short backoff), then give up.

        Returns "pending" (a re-send is due), "failed", or None when the claim was taken over.
        """

        def apply(repo: OutboxRepository, messages: list[OutboxMessage], now: datetime) -> str:
            delay = backoff_delay(max(m.attempts for m in messages), self.policy, self._rng)
            return "pending" if self._settle_unknown(messages, now, error, delay=delay) else "failed"

        result = self._settle(claim, apply)
        return None if result is None else str(result)

    def mark_blocked(self, claim: Claim, *, error: str = "blocked by the user") -> int | None:
        """The user blocked the bot (403): mark the chat and stop all its queued messages.

        Returns how many messages were stopped (None when the claim was taken over).
        """

        def apply(repo: OutboxRepository, messages: list[OutboxMessage], now: datetime) -> int:
            chat = repo.get_chat(claim.channel, claim.chat_key)
            assert chat is not None  # every message has its chat row
            return repo.block_chat(chat, now=now, error=_short(error) or "blocked")

        result = self._settle(claim, apply)
        return None if result is None else int(result)


# -- the dispatcher -----------------------------------------------------------------------------


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
    ) -> None:
        self.outbox = outbox or Outbox(db, pacing=pacing, policy=policy)
        self.senders = dict(senders)
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        # A send that outlives the lease could be claimed again elsewhere: give up before that.
        self.send_timeout = send_timeout or self.outbox.policy.lease / 2
        self.metrics = DispatchMetrics()
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
        try:
            result = await asyncio.wait_for(sender.send(claim.chat_key, claim.payload), self.send_timeout)
        except TimeoutError:
            result = SendResult.unknown("timeout")
        except Exception as exc:
            # Not an answer from the API: the request may have gone out, so it is an unknown outcome.
            log.warning("outbox sender raised %s for chat %s", type(exc).__name__, claim.chat_key)
            result = SendResult.unknown(type(exc).__name__)
        metrics.by_outcome[result.outcome] = metrics.by_outcome.get(result.outcome, 0) + 1
        settle = self.outbox
        if result.outcome is SendOutcome.SENT:
            if await asyncio.to_thread(settle.mark_sent, claim):
                metrics.sent += 1
                metrics.merged += len(claim.message_ids) - 1
        elif result.outcome is SendOutcome.RETRY_AFTER:
            status = await asyncio.to_thread(
                lambda: settle.mark_failed(claim, retry_after=result.retry_after, error=result.error)
            )
            if status == "pending":
                metrics.retries += 1
            elif status == "failed":
                metrics.failed += 1
        elif result.outcome is SendOutcome.FAILED_PERMANENTLY:
            await asyncio.to_thread(lambda: settle.mark_failed(claim, error=result.error, permanent=True))
            metrics.failed += 1
        elif result.outcome is SendOutcome.BLOCKED:
            await asyncio.to_thread(lambda: settle.mark_blocked(claim, error=result.error or "blocked"))
            metrics.blocked += 1
        else:
            metrics.unknown_outcomes += 1
            status = await asyncio.to_thread(
                lambda: settle.mark_unknown(claim, error=result.error or "timeout")
            )
            if status == "failed":
                metrics.failed += 1


__all__ = [
    "ERROR_CHARS",
    "MAX_MERGE",
    "MERGE_SEPARATOR",
    "MIN_WAIT",
    "TELEGRAM_MAX_CHARS",
    "Claim",
    "ClaimBatch",
    "DispatchMetrics",
    "Dispatcher",
    "Kind",
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
    "remove_waker",
    "text_length",
    "unblock",
    "wake_dispatchers",
]
