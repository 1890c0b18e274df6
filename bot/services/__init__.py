"""Use cases over the database, one transaction each: what every channel calls.

``rehearsals`` plays visits, ``accounts`` holds users and Telegram links, ``coaching`` serves
managers and notes, ``feedback`` queues reps' "judged wrong" flags for trainers.
Channels import from here (and ``bot.vocab``), never from ``bot.storage``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

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
from .admin import (
    AdminAPI,
    AdminRefused,
    AdminService,
    ImportResult,
    NotAnAdmin,
    RowProblem,
    TeamNotFound,
    TeamView,
    UserView,
)
from .analytics import AnalyticsService, RepAnalytics, ScorePoint, TeamAnalytics
from .assignments import (
    AssignmentNotFound,
    AssignmentOrder,
    AssignmentPush,
    AssignmentQueue,
    AssignmentService,
    AssignmentView,
    BadAssignment,
    ReminderLoop,
)
from .bank_studio import BankStudio, TechniqueDocument, TechniqueListing, TechniqueNotFound
from .browse import (
    BrowseAPI,
    BrowsedSession,
    BrowseService,
    ExportedSession,
    FilterOptions,
    OutcomeFigures,
    RepReport,
    SessionFilter,
    SessionPage,
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
    AssignmentNotPrivate,
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
    check_private,
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
from .model_versions import (
    BankVersionMismatch,
    JobNotFound,
    ModelNotFound,
    ModelVersions,
    ModelVersionView,
    RetrainJobView,
    TrainingUnavailable,
)
from .outbox import Claim, Dispatcher, Kind, Outbound, Pacing, RetryPolicy, SendResult
from .outbox import Sender as OutboxSender
from .outbox.service import Backlog, OutboxService
from .progress import (
    PROGRESS_VISITS,
    Progress,
    ProgressAPI,
    ProgressPoint,
    ProgressService,
    Suggestion,
    TechniqueStat,
    open_assignments_of,
)
from .rehearsals import MODES, RehearsalService
from .rehearsals_api import RehearsalsAPI
from .reviews import (
    Colleague,
    CommentView,
    PlanItem,
    PrivateVisit,
    ReviewDraft,
    ReviewedSession,
    ReviewInput,
    ReviewNotFound,
    ReviewService,
    ReviewView,
    SkillGap,
)
from .script_preview import PreviewTurn, ScriptPreview
from .script_stats import (
    FactStatistics,
    FlaggedLine,
    NotATrainer,
    ScenarioStatistics,
    ScriptStatisticsService,
    StatisticsAPI,
    StopPoint,
    WalkOut,
)
from .script_studio import (
    TRAINER_ROLES,
    Problem,
    ScriptDocument,
    ScriptExists,
    ScriptListing,
    ScriptRejected,
    ScriptStudio,
    TestOutcome,
    VersionConflict,
    VersionEntry,
    VersionNotFound,
)
from .techniques import TechniqueGuide, TechniqueGuides
from .telegram import TelegramAnswers, telegram_group
from .telegram_commands import (
    CommandAct,
    CommandsInTransaction,
    Flagging,
    TelegramCommands,
    VisitCommands,
    commands_in,
)
from .throttle import SignInThrottle, ThrottleLimits
from .user_settings import UnknownTimeZone, UserSettingsService, local_time
from .views import ActiveTurn, LinkedRep, ScenarioCard, TelegramLine, telegram_turn_id
from .web_sessions import NotSignedIn, PasswordRejected, SessionUser, WebSessionService
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
    # /hint, /end and the button that starts a visit: claim, act and answer in one transaction.
    telegram_commands: TelegramCommands
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
    # The managers' sessions list, exports and reports.
    browse: BrowseAPI
    # Teams and users, for admins.
    admin: AdminAPI
    # Visits left idle are closed as abandoned by a sweep in every worker.
    idle: IdleVisits
    # The trainer studio: drafts, checks, publishing (every worker picks a publish up), preview.
    scripts: ScriptStudio
    preview: ScriptPreview
    # Review 3.0, assignments and team analytics (issue 14).
    assignments: AssignmentService
    reviews: ReviewService
    analytics: AnalyticsService
    # Trainers' view of how a scenario's visits go (None only for hand-built test services).
    statistics: StatisticsAPI | None = None
    # The technique model in use: the newest retrained one in the database, checked per line.
    models: ModelVersions | None = None
    # The question bank in the studio: techniques as database versions (None: hand-built tests).
    bank: BankStudio | None = None


def build_services(db: Database, settings: Settings, library: ScenarioLibrary | None = None) -> Services:
    """The services over ``db``; the scenario library is loaded (and checked) once, here."""
    models = ModelVersions(db, settings.questionbank_dir)
    rehearsals = RehearsalService(db, library=library, settings=settings, classify=models.classify)
    # The coaches read the bank in use, which a publish changes (unless the library was given a
    # bank of its own; a library shared by several builds follows the newest).
    if rehearsals.library.bank is None or callable(rehearsals.library.bank):
        rehearsals.library.use_bank(models.bank)
    coaching = CoachingService(db, rehearsals)
    studio = ScriptStudio(db, rehearsals)
    assignments = AssignmentService(
        db, rehearsals, remind_before=timedelta(hours=settings.assignment_reminder_hours)
    )
    feedback = FeedbackService(db, classify=models.classify)
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
        telegram_commands=TelegramCommands(db, rehearsals, feedback),
        web_sessions=WebSessionService(db, ttl=timedelta(days=settings.session_days)),
        throttle=SignInThrottle(db, limits),
        feedback=feedback,
        wecom=WeComService(db, rehearsals, coaching, feedback),
        progress=ProgressService(
            db, rehearsals.library, open_assignments=open_assignments_of(assignments.my_assignments)
        ),
        techniques=TechniqueGuides(models.bank),
        settings=UserSettingsService(db),
        browse=BrowseService(db, rehearsals),
        admin=AdminService(db),
        idle=IdleVisits(db, rehearsals.versions, timedelta(hours=settings.idle_close_hours)),
        scripts=studio,
        preview=ScriptPreview(studio),
        assignments=assignments,
        reviews=ReviewService(db, rehearsals, assignments),
        analytics=AnalyticsService(db),
        statistics=ScriptStatisticsService(db, rehearsals.library),
        models=models,
        bank=BankStudio(db, models),
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
    "TRAINER_ROLES",
    "TREND_LENGTH",
    "WECOM_CHANNEL",
    "Account",
    "AccountService",
    "AccountsAPI",
    "ActiveTurn",
    "AdminAPI",
    "AdminRefused",
    "AdminService",
    "AnalyticsService",
    "AssignmentNotFound",
    "AssignmentNotPrivate",
    "AssignmentOrder",
    "AssignmentPush",
    "AssignmentQueue",
    "AssignmentService",
    "AssignmentView",
    "Backlog",
    "BadAssignment",
    "BankStudio",
    "BankVersionMismatch",
    "BrowseAPI",
    "BrowseService",
    "BrowsedSession",
    "CheckGate",
    "Claim",
    "CoachingAPI",
    "CoachingService",
    "Colleague",
    "CommandAct",
    "CommandsInTransaction",
    "CommentView",
    "DemoAccount",
    "Dispatcher",
    "ExportedSession",
    "FactStatistics",
    "FeedbackAPI",
    "FeedbackService",
    "FilterOptions",
    "FlagNotFound",
    "FlagView",
    "FlaggedLine",
    "Flagging",
    "IdleVisits",
    "ImportResult",
    "JobNotFound",
    "Kind",
    "LinkedRep",
    "ManagedView",
    "MessageRejected",
    "ModelNotFound",
    "ModelVersionView",
    "ModelVersions",
    "NotAManager",
    "NotARepLine",
    "NotATrainer",
    "NotAnAdmin",
    "NotSignedIn",
    "NotYourSession",
    "NoteList",
    "NoteNotFound",
    "NotePush",
    "NoteView",
    "Outbound",
    "OutboxSender",
    "OutboxService",
    "OutcomeFigures",
    "Pacing",
    "PasswordRejected",
    "PlanItem",
    "PolicyViolation",
    "PreviewTurn",
    "PrivateVisit",
    "Problem",
    "Progress",
    "ProgressAPI",
    "ProgressPoint",
    "ProgressService",
    "RehearsalError",
    "RehearsalService",
    "RehearsalsAPI",
    "ReminderLoop",
    "RepAnalytics",
    "RepFigures",
    "RepNotFound",
    "RepReport",
    "RetrainJobView",
    "RetryPolicy",
    "ReviewDraft",
    "ReviewInput",
    "ReviewNotFound",
    "ReviewService",
    "ReviewView",
    "ReviewedSession",
    "RowProblem",
    "ScenarioCard",
    "ScenarioStatistics",
    "ScenarioSummary",
    "ScorePoint",
    "Scorecard",
    "ScriptDocument",
    "ScriptExists",
    "ScriptListing",
    "ScriptPreview",
    "ScriptRejected",
    "ScriptStatisticsService",
    "ScriptStudio",
    "SendResult",
    "Services",
    "SessionClosed",
    "SessionFilter",
    "SessionNotFound",
    "SessionPage",
    "SessionUser",
    "SessionView",
    "SignInThrottle",
    "SkillGap",
    "StatisticsAPI",
    "StopPoint",
    "Suggestion",
    "TeamAnalytics",
    "TeamNotFound",
    "TeamView",
    "TechniqueDocument",
    "TechniqueGuide",
    "TechniqueGuides",
    "TechniqueListing",
    "TechniqueNotFound",
    "TechniqueStat",
    "TelegramAnswers",
    "TelegramCommands",
    "TelegramLine",
    "TelegramStart",
    "TestOutcome",
    "ThrottleLimits",
    "TooBusy",
    "TrainingUnavailable",
    "TurnResult",
    "TurnView",
    "UnknownScenario",
    "UnknownTechnique",
    "UnknownTimeZone",
    "UserNotFound",
    "UserSettingsService",
    "UserView",
    "VersionConflict",
    "VersionEntry",
    "VersionNotFound",
    "VisitCommands",
    "WalkOut",
    "WeComAPI",
    "WeComLine",
    "WeComService",
    "WeComStart",
    "WebSessionService",
    "build_services",
    "check_private",
    "commands_in",
    "is_database_unavailable",
    "local_time",
    "sql_error_summary",
    "telegram_group",
    "telegram_turn_id",
]
