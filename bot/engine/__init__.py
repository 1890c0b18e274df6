"""The rehearsal engine: scenarios, the dialogue state machine, the customer and the coach.

It knows nothing of HTTP or Telegram; channels call ``RehearsalAPI``.
"""

from __future__ import annotations

from .results import (
    MessageRejected,
    NotYourSession,
    RehearsalAPI,
    RehearsalError,
    ScenarioSummary,
    SessionClosed,
    SessionNotFound,
    SessionView,
    TurnResult,
    TurnView,
    UnknownScenario,
)

__all__ = [
    "MessageRejected",
    "NotYourSession",
    "RehearsalAPI",
    "RehearsalError",
    "ScenarioSummary",
    "SessionClosed",
    "SessionNotFound",
    "SessionView",
    "TurnResult",
    "TurnView",
    "UnknownScenario",
]
