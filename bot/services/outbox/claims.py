"""Claiming due outbox messages and settling each claim with the API's answer.

:meth:`Outbox.claim_due` hands a worker the head of each due chat's queue, within the pacing;
:meth:`Outbox.mark_sent`, :meth:`~Outbox.mark_failed`, :meth:`~Outbox.mark_unknown` and
:meth:`~Outbox.mark_blocked` settle it. States and guarantees: docs/outbox.md.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.storage import Database
from bot.storage.models import OutboxMessage
from bot.storage.outbox import OutboxRepository, aware

from .payloads import MAX_MERGE, NOTE_IDS_KEY, merge_payloads
from .policy import Pacing, RetryPolicy, backoff_delay, short_error

log = logging.getLogger(__name__)


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


@dataclass
class _Round:
    """One claiming transaction of one channel: its clock and what it has claimed so far."""

    channel: str
    pacing: Pacing
    now: datetime
    tolerance: timedelta
    claims: list[Claim] = field(default_factory=list)
    leases_lost: int = 0

    @property
    def pace_limit(self) -> datetime:
        """A chat whose pace is at most this may send (its burst allowance)."""
        return self.now + self.tolerance


def _note_ids(messages: Sequence[OutboxMessage]) -> list[int]:
    """The coaching notes these messages carry: one pushed note, or the notes a list shows."""
    found = [m.note_id for m in messages if m.note_id is not None]
    for message in messages:
        found.extend(int(i) for i in (message.payload or {}).get(NOTE_IDS_KEY) or [])
    return found


def _due_run(active: Sequence[OutboxMessage], now: datetime) -> list[OutboxMessage]:
    """The head and the due pending messages of its turn right after it (merge candidates)."""
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


def _window(stamps: Sequence[Any], now_ts: float, pacing: Pacing) -> list[float]:
    """The send stamps still inside the bot-wide window (``window + slack`` seconds), oldest first."""
    span = pacing.window + pacing.slack
    return sorted(float(s) for s in stamps if float(s) > now_ts - span)


#: How soon to look again when the window is full of sends still in flight (perhaps another
#: worker's: this one is not told when they are answered).
IN_FLIGHT_RECHECK = 0.1


def _window_opens(recent: Sequence[float], busy: int, now_ts: float, pacing: Pacing) -> float:
    """Seconds until the full window may have room: when enough stamps leave it, or, when it
    waits for sends in flight, a short while."""
    leave = busy - pacing.rate + 1  # stamps that must leave the window
    if leave > len(recent):
        return IN_FLIGHT_RECHECK
    return max(0.0, recent[leave - 1] + pacing.window + pacing.slack - now_ts)


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

    def clock(self) -> float:
        """The wall-clock time the limiter counts in (epoch seconds)."""
        return self._clock()

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
        tolerance = timedelta(seconds=(pacing.chat_burst - 1) / pacing.chat_rate)
        idle = self._idle(channel, tolerance)
        if idle is not None:
            return idle
        with self.db.session(write=True) as session:
            repo = OutboxRepository(session)
            limiter = repo.lock_limiter(channel)
            # Read the clock after the lock: a claimer that waited must not count a stale window.
            now_ts, now = self._now()
            recent = _window(limiter.stamps, now_ts, pacing)
            limiter.stamps = recent
            # Sends in flight may reach the API at any moment until they are settled (a slow
            # batch lands next to the next one); settled sends are stamped when answered.
            busy = repo.in_flight(channel, now=now) + len(recent)
            budget = min(limit, pacing.rate - busy)
            if budget <= 0:
                return ClaimBatch([], wake_in=_window_opens(recent, busy, now_ts, pacing))
            state = _Round(channel, pacing, now, tolerance)
            self._claim_heads(repo, state, budget)
            wake_in = None if state.claims else self._wake_hint(repo, channel, now, tolerance)
            return ClaimBatch(state.claims, wake_in=wake_in, leases_lost=state.leases_lost)

    def _idle(self, channel: str, tolerance: timedelta) -> ClaimBatch | None:
        """An empty batch when nothing is due, else None: a look without locks first, so an
        idle poll neither takes SQLite's write lock (turns wait for it) nor queues for the
        limiter row on PostgreSQL."""
        with self.db.session() as session:
            repo = OutboxRepository(session)
            _, now = self._now()
            if repo.due_heads(channel, now=now, pace_limit=now + tolerance, limit=1):
                return None
            return ClaimBatch([], wake_in=self._wake_hint(repo, channel, now, tolerance))

    def _claim_heads(self, repo: OutboxRepository, state: _Round, budget: int) -> None:
        heads = repo.due_heads(
            state.channel, now=state.now, pace_limit=state.pace_limit, limit=budget * 4 + 16
        )
        for head, _ in heads:
            if len(state.claims) >= budget:
                break
            claim = self._claim_chat(repo, state, head.chat_key)
            if claim is not None:
                state.claims.append(claim)

    def _claim_chat(self, repo: OutboxRepository, state: _Round, chat_key: str) -> Claim | None:
        """Lock one chat and claim the head of its queue (merged with its turn), if it is due."""
        chat = repo.try_lock_chat(state.channel, chat_key)
        if chat is None or chat.blocked_at is not None:
            return None  # being written by a turn, or blocked meanwhile: next round
        pace_at = aware(chat.pace_at)
        if pace_at is not None and pace_at > state.pace_limit:
            return None
        active = list(repo.lock_active(state.channel, chat.chat_key, limit=MAX_MERGE))
        if not active or not self._head_ready(active, state):
            return None
        run = _due_run(active, state.now)
        payload, count = merge_payloads([m.payload for m in run])
        run = run[:count]
        token = uuid.uuid4().hex
        for message in run:
            message.status = "sending"
            message.attempts += 1
            message.claim_token = token
            message.lease_until = state.now + timedelta(seconds=self.policy.lease)
        interval = timedelta(seconds=1 / state.pacing.chat_rate)
        chat.pace_at = max(pace_at or state.now, state.now) + interval
        chat.last_claimed_at = state.now
        return Claim(
            token=token,
            channel=state.channel,
            chat_key=chat.chat_key,
            message_ids=tuple(m.id for m in run),
            kinds=tuple(m.kind for m in run),
            payload=payload,
            attempt=run[0].attempts,
            resend=any(m.resends > 0 for m in run),
        )

    def _head_ready(self, active: Sequence[OutboxMessage], state: _Round) -> bool:
        """Whether the chat's first active message may be sent now.

        One still in flight with a live lease makes the chat wait (order); one whose lease ran
        out lost its worker: an unknown outcome, re-sent once.
        """
        first = active[0]
        if first.status != "sending":
            return aware(first.not_before) <= state.now
        lease_until = aware(first.lease_until)
        if lease_until is not None and lease_until > state.now:
            return False
        state.leases_lost += 1
        stale = [m for m in active if m.claim_token == first.claim_token]
        return self._settle_unknown(stale, state.now, "lease expired", delay=0.0)

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
                message.last_error = short_error(f"outcome unknown after a re-send: {error}")
                message.lease_until = message.claim_token = None
            return False
        for message in messages:
            message.status = "pending"
            message.resends += 1
            message.last_error = short_error(f"outcome unknown: {error}")
            message.not_before = now + timedelta(seconds=delay)
            message.lease_until = message.claim_token = None
        return True

    # -- settling

    def _settle(
        self,
        claim: Claim,
        apply: Callable[[OutboxRepository, list[OutboxMessage], datetime], Any],
        answered_at: float | None = None,
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
            result = None
            if messages:
                result = apply(repo, messages, now)
            else:
                log.warning("outbox claim %s settled after it was taken over", claim.token)
            self._stamp_send(repo, claim.channel, answered_at)
            return result

    def _stamp_send(self, repo: OutboxRepository, channel: str, answered_at: float | None) -> None:
        """Count the answered send in the bot-wide window, in the transaction that ends its
        claim: from this commit on it is no longer in flight, and its stamp stands in for it.
        The stamp is when the answer came (``answered_at``, else now): never before the
        request reached the API."""
        limiter = repo.lock_limiter(channel)  # last: see the lock order in bot.storage.outbox
        now_ts = self._clock()
        stamp = now_ts if answered_at is None else min(answered_at, now_ts)
        limiter.stamps = [*_window(limiter.stamps, now_ts, self.pacing_for(channel)), stamp]

    def mark_sent(self, claim: Claim, *, answered_at: float | None = None) -> bool:
        """Delivered: never send again; notes among the messages count as read now."""

        def apply(repo: OutboxRepository, messages: list[OutboxMessage], now: datetime) -> bool:
            for message in messages:
                message.status = "sent"
                message.sent_at = now
                message.last_error = None
                message.lease_until = message.claim_token = None
            repo.mark_notes_read(_note_ids(messages), now=now)
            return True

        return bool(self._settle(claim, apply, answered_at))

    def mark_failed(
        self,
        claim: Claim,
        *,
        retry_after: float | None = None,
        error: str | None = None,
        permanent: bool = False,
        answered_at: float | None = None,
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
                message.last_error = short_error(error)
                message.lease_until = message.claim_token = None
                if give_up:
                    message.status = "failed"
                else:
                    message.status = "pending"
                    message.not_before = now + timedelta(seconds=delay)
            return "failed" if give_up else "pending"

        result = self._settle(claim, apply, answered_at)
        return None if result is None else str(result)

    def mark_unknown(
        self, claim: Claim, *, error: str = "timeout", answered_at: float | None = None
    ) -> str | None:
        """No answer: allow exactly one re-send (after a short backoff), then give up.

        Returns "pending" (a re-send is due), "failed", or None when the claim was taken over.
        """

        def apply(repo: OutboxRepository, messages: list[OutboxMessage], now: datetime) -> str:
            delay = backoff_delay(max(m.attempts for m in messages), self.policy, self._rng)
            return "pending" if self._settle_unknown(messages, now, error, delay=delay) else "failed"

        result = self._settle(claim, apply, answered_at)
        return None if result is None else str(result)

    def mark_blocked(
        self, claim: Claim, *, error: str = "blocked by the user", answered_at: float | None = None
    ) -> int | None:
        """The user blocked the bot (403): mark the chat and stop all its queued messages.

        Returns how many messages were stopped (None when the claim was taken over).
        """

        def apply(repo: OutboxRepository, messages: list[OutboxMessage], now: datetime) -> int:
            chat = repo.get_chat(claim.channel, claim.chat_key)
            assert chat is not None  # every message has its chat row
            return repo.block_chat(chat, now=now, error=short_error(error) or "blocked")

        result = self._settle(claim, apply, answered_at)
        return None if result is None else int(result)
