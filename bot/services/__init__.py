"""Use cases over the database, one transaction each: what every channel calls.

``rehearsals`` plays visits, ``accounts`` holds users and Telegram links, ``coaching`` serves
managers and notes. Channels import from here (and ``bot.vocab``), never from ``bot.storage``.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.engine.library import ScenarioLibrary
from bot.engine.results import ScenarioSummary, SessionView, TurnResult, TurnView
from bot.engine.scorecard import Scorecard
from bot.storage import Database

from .accounts import (
    DEMO_ACCOUNTS,
    LINK_CODE_TTL,
    Account,
    AccountsAPI,
    AccountService,
    TelegramStart,
    demo_sign_in_lines,
)
from .coaching import (
    MANAGER_ROLES,
    NOTES_SHOWN,
    TREND_LENGTH,
    CoachingAPI,
    CoachingService,
    ManagedView,
    NoteList,
    NotePush,
    NoteView,
    RepFigures,
)
from .errors import (
    DATABASE_ERRORS,
    MessageRejected,
    NotAManager,
    NoteNotFound,
    NotYourSession,
    RehearsalError,
    RepNotFound,
    SessionClosed,
    SessionNotFound,
    UnknownScenario,
    UserNotFound,
    is_database_unavailable,
)
from .rehearsals import MODES, RehearsalsAPI, RehearsalService
from .views import ActiveTurn, LinkedRep, ScenarioCard, TelegramLine, telegram_turn_id
from .wecom import WECOM_CHANNEL, WeComAPI, WeComLine, WeComService, WeComStart


@dataclass(frozen=True)
class Services:
    """The services of one process, handed to the channels by the composition root."""

    rehearsals: RehearsalsAPI
    accounts: AccountsAPI
    coaching: CoachingAPI
    wecom: WeComAPI


def build_services(db: Database, settings: Settings, library: ScenarioLibrary | None = None) -> Services:
    """The services over ``db``; the scenario library is loaded (and checked) once, here."""
    rehearsals = RehearsalService(db, library=library, settings=settings)
    coaching = CoachingService(db, rehearsals)
    return Services(
        rehearsals=rehearsals,
        accounts=AccountService(db),
        coaching=coaching,
        wecom=WeComService(db, rehearsals, coaching),
    )


__all__ = [
    "DATABASE_ERRORS",
    "DEMO_ACCOUNTS",
    "LINK_CODE_TTL",
    "MANAGER_ROLES",
    "MODES",
    "NOTES_SHOWN",
    "TREND_LENGTH",
    "WECOM_CHANNEL",
    "Account",
    "AccountService",
    "AccountsAPI",
    "ActiveTurn",
    "CoachingAPI",
    "CoachingService",
    "LinkedRep",
    "ManagedView",
    "MessageRejected",
    "NotAManager",
    "NotYourSession",
    "NoteList",
    "NoteNotFound",
    "NotePush",
    "NoteView",
    "RehearsalError",
    "RehearsalService",
    "RehearsalsAPI",
    "RepFigures",
    "RepNotFound",
    "ScenarioCard",
    "ScenarioSummary",
    "Scorecard",
    "Services",
    "SessionClosed",
    "SessionNotFound",
    "SessionView",
    "TelegramLine",
    "TelegramStart",
    "TurnResult",
    "TurnView",
    "UnknownScenario",
    "UserNotFound",
    "WeComAPI",
    "WeComLine",
    "WeComService",
    "WeComStart",
    "build_services",
    "demo_sign_in_lines",
    "is_database_unavailable",
    "telegram_turn_id",
]
