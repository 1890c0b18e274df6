"""Use cases over the database, one transaction each: what every channel calls.

``rehearsals`` plays visits, ``accounts`` holds users and Telegram links, ``coaching`` serves
managers and notes, ``feedback`` queues reps' "judged wrong" flags for trainers.
Channels import from here (and ``bot.vocab``), never from ``bot.storage``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.classifier import default_bank
from bot.config import Settings
from bot.engine.library import ScenarioLibrary
from bot.engine.results import ScenarioSummary, SessionView, TurnResult, TurnView
from bot.engine.scorecard import Scorecard
from bot.passwords import DEFAULT_CONCURRENT_CHECKS, CheckGate, PolicyViolation, TooBusy
from bot.storage import Database

from .accounts import (
    DEMO_ACCOUNTS,
    LINK_CODE_TTL,
    Account,
    AccountsAPI,
    AccountService,
    DemoAccount,
    TelegramStart,
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
    sql_error_summary,
)
from .feedback import (
    TECHNIQUES,
    FeedbackAPI,
    FeedbackService,
    FlagNotFound,
    FlagView,
    NotARepLine,
    UnknownTechnique,
)
from .idle import IdleVisits
from .outbox import Claim, Dispatcher, Kind, Outbound, Pacing, RetryPolicy, SendResult
from .outbox import Sender as OutboxSender
from .outbox.service import Backlog, OutboxService
from .progress import (
    PROGRESS_VISITS,
    Progress,
    ProgressAPI,
    ProgressService,
    ScorePoint,
    Suggestion,
    TechniqueStat,
)
from .rehearsals import MODES, RehearsalsAPI, RehearsalService
from .techniques import TechniqueGuide, TechniqueGuides
from .telegram import TelegramAnswers, telegram_group
from .throttle import SignInThrottle, ThrottleLimits
from .user_settings import UnknownTimeZone, UserSettingsService, local_time
from .views import ActiveTurn, LinkedRep, ScenarioCard, TelegramLine, telegram_turn_id
from .web_sessions import PasswordRejected, SessionUser, WebSessionService
from .wecom import WECOM_CHANNEL, WeComAPI, WeComLine, WeComService, WeComStart


@dataclass(frozen=True)
class Services:
    """The services of one process, handed to the channels by the composition root."""

    rehearsals: RehearsalsAPI
    accounts: AccountsAPI
    coaching: CoachingAPI
    # What the channels send goes through the outbox (docs/outbox.md).
    outbox: OutboxService
    telegram: TelegramAnswers
    # Web sign-in sessions and the failed sign-in counts, both in the database so every worker
    # sees the same.
    web_sessions: WebSessionService
    throttle: SignInThrottle
    feedback: FeedbackAPI
    wecom: WeComAPI
    # A rep's own progress across visits, and the question bank's word on a technique.
    progress: ProgressAPI
    techniques: TechniqueGuides
    settings: UserSettingsService
    # Visits left idle are closed as abandoned by a sweep in every worker.
    idle: IdleVisits


def build_services(db: Database, settings: Settings, library: ScenarioLibrary | None = None) -> Services:
    """The services over ``db``; the scenario library is loaded (and checked) once, here."""
    rehearsals = RehearsalService(db, library=library, settings=settings)
    coaching = CoachingService(db, rehearsals)
    limits = ThrottleLimits(
        per_login=settings.sign_in_failures_per_login,
        per_address=settings.sign_in_failures_per_address,
        window=timedelta(seconds=settings.sign_in_window_seconds),
    )
    return Services(
        rehearsals=rehearsals,
        accounts=AccountService(db),
        coaching=coaching,
        outbox=OutboxService(db),
        telegram=TelegramAnswers(db),
        web_sessions=WebSessionService(db, ttl=timedelta(days=settings.session_days)),
        throttle=SignInThrottle(db, limits),
        feedback=FeedbackService(db),
        wecom=WeComService(db, rehearsals, coaching),
        progress=ProgressService(db, rehearsals.library),
        techniques=TechniqueGuides(lambda: rehearsals.library.bank or default_bank()),
        settings=UserSettingsService(db),
        idle=IdleVisits(db, rehearsals.versions, timedelta(hours=settings.idle_close_hours)),
    )


__all__ = [
    "DATABASE_ERRORS",
    "DEFAULT_CONCURRENT_CHECKS",
    "DEMO_ACCOUNTS",
    "LINK_CODE_TTL",
    "MANAGER_ROLES",
    "MODES",
    "NOTES_SHOWN",
    "PROGRESS_VISITS",
    "TECHNIQUES",
    "TREND_LENGTH",
    "WECOM_CHANNEL",
    "Account",
    "AccountService",
    "AccountsAPI",
    "ActiveTurn",
    "Backlog",
    "CheckGate",
    "Claim",
    "CoachingAPI",
    "CoachingService",
    "DemoAccount",
    "Dispatcher",
    "FeedbackAPI",
    "FeedbackService",
    "FlagNotFound",
    "FlagView",
    "IdleVisits",
    "Kind",
    "LinkedRep",
    "ManagedView",
    "MessageRejected",
    "NotAManager",
    "NotARepLine",
    "NotYourSession",
    "NoteList",
    "NoteNotFound",
    "NotePush",
    "NoteView",
    "Outbound",
    "OutboxSender",
    "OutboxService",
    "Pacing",
    "PasswordRejected",
    "PolicyViolation",
    "Progress",
    "ProgressAPI",
    "ProgressService",
    "RehearsalError",
    "RehearsalService",
    "RehearsalsAPI",
    "RepFigures",
    "RepNotFound",
    "RetryPolicy",
    "ScenarioCard",
    "ScenarioSummary",
    "ScorePoint",
    "Scorecard",
    "SendResult",
    "Services",
    "SessionClosed",
    "SessionNotFound",
    "SessionUser",
    "SessionView",
    "SignInThrottle",
    "Suggestion",
    "TechniqueGuide",
    "TechniqueGuides",
    "TechniqueStat",
    "TelegramAnswers",
    "TelegramLine",
    "TelegramStart",
    "ThrottleLimits",
    "TooBusy",
    "TurnResult",
    "TurnView",
    "UnknownScenario",
    "UnknownTechnique",
    "UnknownTimeZone",
    "UserNotFound",
    "UserSettingsService",
    "WeComAPI",
    "WeComLine",
    "WeComService",
    "WeComStart",
    "WebSessionService",
    "build_services",
    "is_database_unavailable",
    "local_time",
    "sql_error_summary",
    "telegram_group",
    "telegram_turn_id",
]
