"""Errors the services raise, and the one test for "the database did not answer"."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError, StatementError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from bot.engine.results import (
    MessageRejected,
    NotYourSession,
    RehearsalError,
    SessionClosed,
    SessionNotFound,
    UnknownScenario,
)

# What a database failure raises: channels register error handlers for these without importing SQLAlchemy.
DATABASE_ERRORS: tuple[type[Exception], ...] = (DBAPIError, PoolTimeoutError, DisconnectionError)
# Causes are followed this far: drivers wrap errors a few levels deep, never this many.
_CAUSE_DEPTH = 10


class NotAManager(RehearsalError):
    code = "not_a_manager"


class RepNotFound(RehearsalError):
    """No such rep, or one outside the manager's team (told apart from nothing on purpose)."""

    code = "rep_not_found"


class NoteNotFound(RehearsalError):
    code = "note_not_found"


class UserNotFound(RehearsalError):
    code = "user_not_found"


class AssignmentNotPrivate(RehearsalError):
    """An assigned visit is the manager's to read: it cannot be private practice."""

    code = "assignment_not_private"


def check_private(private: bool, *, assigned: bool) -> None:
    """Raise ``AssignmentNotPrivate`` for a private visit started for an assignment."""
    if private and assigned:
        raise AssignmentNotPrivate("An assigned visit cannot be private.")


def is_database_unavailable(error: BaseException | None) -> bool:
    """True when ``error`` (or what caused it) means the database cannot be reached right now."""
    seen = 0
    while error is not None and seen < _CAUSE_DEPTH:
        if isinstance(error, OperationalError | InterfaceError | DisconnectionError | PoolTimeoutError):
            return True
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def sql_error_summary(error: BaseException) -> str | None:
    """For a failed SQL statement: its type, the driver error's type and the SQL text, without
    the driver's message (it can quote values) or the bound parameters; None for other errors."""
    if not isinstance(error, StatementError):
        return None
    cause = type(error.orig).__name__ if error.orig is not None else "-"
    return f"{type(error).__name__} ({cause}); SQL: {error.statement}; details and parameters hidden"


__all__ = [
    "DATABASE_ERRORS",
    "AssignmentNotPrivate",
    "MessageRejected",
    "NotAManager",
    "NotYourSession",
    "NoteNotFound",
    "RehearsalError",
    "RepNotFound",
    "SessionClosed",
    "SessionNotFound",
    "UnknownScenario",
    "UserNotFound",
    "check_private",
    "is_database_unavailable",
    "sql_error_summary",
]
