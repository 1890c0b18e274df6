"""What PTB answers or raises, as the outbox's SendResult (the real PTB error classes)."""

from __future__ import annotations

import pytest
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.channels.telegram.sender import classify
from bot.services import SendResult
from bot.services.outbox import SendOutcome


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (RetryAfter(7), SendOutcome.RETRY_AFTER),
        (NetworkError("Internal Server Error (500)"), SendOutcome.RETRY_AFTER),
        (NetworkError("httpx.ConnectError: All connection attempts failed"), SendOutcome.RETRY_AFTER),
        (
            TimedOut("Pool timeout: All connections in the connection pool are occupied."),
            SendOutcome.RETRY_AFTER,
        ),
        (Forbidden("Forbidden: bot was blocked by the user"), SendOutcome.BLOCKED),
        (BadRequest("Bad Request: can't parse entities"), SendOutcome.FAILED_PERMANENTLY),
        (ChatMigrated(-1001), SendOutcome.FAILED_PERMANENTLY),
        (TimedOut(), SendOutcome.UNKNOWN_OUTCOME),
        (BadRequest("Bad Request: message is not modified"), SendOutcome.SENT),
    ],
)
def test_ptb_errors_become_outbox_outcomes(error: Exception, outcome: SendOutcome) -> None:
    assert classify(error).outcome is outcome  # type: ignore[arg-type]


def test_retry_after_keeps_telegrams_wait() -> None:
    assert classify(RetryAfter(7)) == SendResult.retry(7.0, "429 Too Many Requests")
