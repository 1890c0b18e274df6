"""Storage: SQLAlchemy models, the database handle and the repository layer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .database import Database, current_revision, downgrade, normalise_url, upgrade
from .models import (
    Base,
    ClassifierModel,
    CoachingNote,
    JudgementFlag,
    OutboxChat,
    OutboxLimiter,
    OutboxMessage,
    ProcessedMessage,
    RehearsalSession,
    RetrainJob,
    ScriptVersion,
    Team,
    TelegramLink,
    Turn,
    User,
)
from .outbox import OutboxRepository
from .repository import Store
from .reviews import Assignment, CoachingReview, LineComment, ReviewRepository
from .sessions import TurnSession
from .wecom import WeComLink, WeComLinkRepository

__all__ = [
    "Assignment",
    "Base",
    "ClassifierModel",
    "CoachingNote",
    "CoachingReview",
    "Database",
    "JudgementFlag",
    "LineComment",
    "OutboxChat",
    "OutboxLimiter",
    "OutboxMessage",
    "OutboxRepository",
    "ProcessedMessage",
    "RehearsalSession",
    "RetrainJob",
    "ReviewRepository",
    "ScriptVersion",
    "Store",
    "Team",
    "TelegramLink",
    "Turn",
    "TurnSession",
    "User",
    "WeComLink",
    "WeComLinkRepository",
    "current_revision",
    "downgrade",
    "normalise_url",
    "store",
    "upgrade",
]


@contextmanager
def store(db: Database, *, write: bool = False) -> Iterator[Store]:
    """Open a unit of work on ``db`` and hand out its repositories."""
    with db.session(write=write) as session:
        yield Store(session)
