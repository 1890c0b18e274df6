"""How fast a channel may send (pacing) and how failed sends are retried (backoff, leases)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from bot.config import Settings, get_settings

#: Stored errors are cut to this length; they never hold the message's text.
ERROR_CHARS = 200


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


def short_error(error: str | None) -> str | None:
    return None if error is None else error[:ERROR_CHARS]
