"""Prometheus metrics every channel counts into (served by the web channel's ``/metrics``).

Module-level, so the web and Telegram channels count into one registry per process; with
several workers ``PROMETHEUS_MULTIPROC_DIR`` sums them (docs/operations.md).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from bot.services import Claim, SendResult

TURNS = Counter("coach_turns_total", "Rep lines answered by the engine, by channel.", ["channel"])
REQUEST_SECONDS = Histogram(
    "coach_request_seconds",
    "HTTP request duration by route template and method.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
ERRORS = Counter("coach_errors_total", "JSON error responses by error code.", ["code"])
WEBHOOK_DUPLICATES = Counter("coach_webhook_duplicates_total", "Telegram updates delivered again.")
SIGN_IN_FAILURES = Counter("coach_sign_in_failures_total", "Refused sign-ins by reason.", ["reason"])
# Read from the database at each scrape by the worker that serves it: the latest value is
# the truth (another worker's older reading is not).
OUTBOX_DEPTH = Gauge("coach_outbox_depth", "Outbox rows not yet delivered.", multiprocess_mode="mostrecent")
OUTBOX_AGE = Gauge(
    "coach_outbox_oldest_seconds", "Age of the oldest undelivered row.", multiprocess_mode="mostrecent"
)
OUTBOX_SENDS = Counter("coach_outbox_sends_total", "Outbox sends by their outcome.", ["channel", "outcome"])
OUTBOX_RESENDS = Counter(
    "coach_outbox_resends_total", "Outbox sends that may duplicate an earlier one whose outcome was unknown."
)


__all__ = [
    "ERRORS",
    "OUTBOX_AGE",
    "OUTBOX_DEPTH",
    "OUTBOX_RESENDS",
    "OUTBOX_SENDS",
    "REQUEST_SECONDS",
    "SIGN_IN_FAILURES",
    "TURNS",
    "WEBHOOK_DUPLICATES",
]


def count_send(claim: Claim, result: SendResult) -> None:
    """The outbox dispatcher's ``observe`` hook: every send by outcome, and the re-sends."""
    OUTBOX_SENDS.labels(claim.channel, str(result.outcome)).inc()
    if claim.resend:
        OUTBOX_RESENDS.inc()
