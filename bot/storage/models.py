"""ORM models: the tables every channel and the engine share."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false, true

# Explicit constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("rep", "trainer", "manager", "admin")
SPEAKERS = ("rep", "customer", "coach")
CHANNELS = ("web", "telegram", "cli")
MODES = ("practice", "exam")


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The team's default time zone (an IANA name) for members who chose none.
    time_zone: Mapped[str | None] = mapped_column(String(64))


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str | None] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16), default="rep")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    language: Mapped[str] = mapped_column(String(8), default="zh")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # A deactivated user keeps their history but can no longer sign in (web or Telegram).
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Where the user's times are shown (an IANA name, e.g. Asia/Shanghai); None: not chosen yet.
    time_zone: Mapped[str | None] = mapped_column(String(64))

    team: Mapped[Team | None] = relationship()


class TelegramLink(Base):
    __tablename__ = "telegram_links"

    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LinkCode(Base):
    """A one-time code shown on the web that links a Telegram account to a user."""

    __tablename__ = "link_codes"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ScriptVersion(Base):
    """One stored version of a trainer-authored script (a scenario or the question bank)."""

    __tablename__ = "script_versions"
    __table_args__ = (UniqueConstraint("kind", "script_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    script_id: Mapped[str] = mapped_column(String(120))
    version: Mapped[str] = mapped_column(String(40))
    content_hash: Mapped[str] = mapped_column(String(64))
    content: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The publish message, and the version as a number (the newest is the published one);
    # None for a version that is not a whole number (written by hand before the studio).
    message: Mapped[str | None] = mapped_column(Text)
    number: Mapped[int | None] = mapped_column(Integer)


class ScriptDraft(Base):
    """A trainer's unpublished edit of a script: one per script, shared by its trainers."""

    __tablename__ = "script_drafts"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    script_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    content: Mapped[str] = mapped_column(Text)
    base_version: Mapped[str | None] = mapped_column(String(40))
    author: Mapped[str | None] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class ScriptRevision(Base):
    """A counter per kind of script, raised by every publish: each worker reads this one row to
    know whether its loaded scripts are still the published ones (no restart, no broadcast)."""

    __tablename__ = "script_revisions"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)


class ClassifierModel(Base):
    """A technique model retrained from the page: its files, and the bank version it was trained
    from. The newest row is the model every worker uses (0013); none: the bank's shipped model."""

    __tablename__ = "classifier_models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_version: Mapped[str] = mapped_column(String(40))
    source_hash: Mapped[str] = mapped_column(String(64))
    lines: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    meta: Mapped[str] = mapped_column(Text)  # the model's technique.json
    arrays: Mapped[bytes] = mapped_column(LargeBinary)  # its technique.npz


class RetrainJob(Base):
    """A retrain started from the page, run in the background by the worker that took it
    (0014; heartbeat 0016). ``slot`` is 1 while it runs and unique, so two requests start one job."""

    __tablename__ = "retrain_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="running")  # running, done, failed
    slot: Mapped[int | None] = mapped_column(Integer, unique=True)
    author: Mapped[str] = mapped_column(String(120))
    bank_version: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    model_id: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(200))
    # Written every few seconds while the job trains (0016): a silent job's worker is gone.
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RehearsalSession(Base):
    __tablename__ = "rehearsal_sessions"
    __table_args__ = (
        Index("ix_rehearsal_sessions_user_started", "user_id", "started_at"),
        # The rep's active visit is one index seek (every Telegram line and web send looks it up),
        # and team progress counts, sums and maxes from this index alone (0007_performance).
        Index(
            "ix_rehearsal_sessions_user_status",
            "user_id",
            "status",
            "updated_at",
            "started_at",
            "ended_at",
            "score",
        ),
        # The trend: a rep's newest scored visits.
        Index("ix_rehearsal_sessions_user_ended", "user_id", "ended_at"),
        # The managers' sessions list across reps, newest first (0010_private_practice).
        Index("ix_rehearsal_sessions_started", "started_at", "id"),
        # The idle sweep: the oldest active visits first (0008_idle_sessions).
        Index("ix_rehearsal_sessions_status_updated", "status", "updated_at"),
        # Script statistics: a scenario's newest visits (0013).
        Index("ix_rehearsal_sessions_scenario_started", "scenario_id", "started_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scenario_id: Mapped[str] = mapped_column(String(120))
    scenario_version: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(16))
    mode: Mapped[str] = mapped_column(String(16), default="practice")
    language: Mapped[str] = mapped_column(String(8), default="zh")
    status: Mapped[str] = mapped_column(String(32), default="active")
    stage: Mapped[str | None] = mapped_column(String(40))
    step: Mapped[str | None] = mapped_column(String(40))
    trust: Mapped[float] = mapped_column(Float, default=0.0)
    seed: Mapped[int] = mapped_column(BigInteger, default=0)
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    next_seq: Mapped[int] = mapped_column(Integer, default=1)
    scorecard: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The scorecard's score, as a column so team progress can aggregate it in SQL.
    score: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A private practice visit: only the rep reads its lines; managers see that it happened and
    # its score (0010_private_practice). Assignments are never private.
    private: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    user: Mapped[User] = relationship()


class Turn(Base):
    __tablename__ = "turns"
    __table_args__ = (UniqueConstraint("session_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("rehearsal_sessions.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    techniques: Mapped[list[Any]] = mapped_column(default=list)
    stage: Mapped[str | None] = mapped_column(String(40))
    step: Mapped[str | None] = mapped_column(String(40))
    trust: Mapped[float | None] = mapped_column(Float)
    revealed: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # A rep line's entry in the engine's history while its visit is active (0017): the session's
    # state then leaves the history out, so a turn reads and writes the same amount at line 300
    # as at line 3. The visit's closing state gathers the entries back (``SessionState.history``).
    entry: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class RevealedFacts(Base):
    """What a rep's visits to one scenario have brought out so far, in the order it came out.

    A revisit starts from it (the customer remembers); kept up to date by the turns that reveal
    something, so starting a visit reads one row however many visits came before.
    """

    __tablename__ = "revealed_facts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    scenario_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    facts: Mapped[list[Any]] = mapped_column(default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class RepTotals(Base):
    """A rep's running totals over their closed visits, kept in the transaction that closes one
    (``SessionRepository.end``; 0015_rep_totals), so team progress reads one row per rep however
    many visits are stored. Visits still active are read from their index when progress is shown."""

    __tablename__ = "rep_totals"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    finished: Mapped[int] = mapped_column(Integer, default=0)
    walked_out: Mapped[int] = mapped_column(Integer, default=0)
    abandoned: Mapped[int] = mapped_column(Integer, default=0)
    scored: Mapped[int] = mapped_column(Integer, default=0)
    score_sum: Mapped[int] = mapped_column(BigInteger, default=0)
    best: Mapped[int | None] = mapped_column(Integer)
    last_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ProcessedMessage(Base):
    """An inbound message already handled: a redelivery finds it and gets the stored reply."""

    __tablename__ = "processed_messages"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    session_id: Mapped[str | None] = mapped_column(String(32))
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CoachingNote(Base):
    """A manager's note to a rep, optionally about one session."""

    __tablename__ = "coaching_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    rep_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[str | None] = mapped_column(ForeignKey("rehearsal_sessions.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# The transactional outbox (docs/outbox.md): what a channel sends, stored in the turn's transaction.
OUTBOX_STATUSES = ("pending", "sending", "sent", "failed", "blocked")


class OutboxMessage(Base):
    """One message to send on a channel, delivered in ``seq`` order within its chat."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        UniqueConstraint("channel", "chat_key", "seq"),
        # The dispatcher looks for the head (lowest seq) of each chat's pending/sending messages.
        Index("ix_outbox_messages_queue", "channel", "status", "chat_key", "seq"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    # A string, so chats of channels other than Telegram (WeCom ids, …) fit as well.
    chat_key: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Messages of one turn share a group key; consecutive ones may go out as one message.
    group_key: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Re-sends after an unknown outcome (a timeout or a lost lease): at most one per message.
    resends: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claim_token: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(200))
    note_id: Mapped[int | None] = mapped_column(ForeignKey("coaching_notes.id", ondelete="SET NULL"))
    session_id: Mapped[str | None] = mapped_column(ForeignKey("rehearsal_sessions.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OutboxChat(Base):
    """Per-chat outbox state: the sequence counter, the pacing bucket and the blocked flag."""

    __tablename__ = "outbox_chats"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_seq: Mapped[int] = mapped_column(Integer, default=1)
    # GCRA's theoretical arrival time: the chat may send while pace_at <= now + (burst - 1) / rate.
    pace_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the chat was last served: the least recently served chat goes first (fairness).
    last_claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    blocked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class OutboxLimiter(Base):
    """The bot-wide send limit of one channel, shared by every worker and host on the database.

    ``stamps`` holds the epoch times at which recent sends were answered (settled), a sliding
    window: a claim is allowed only while the claims in flight plus the stamps inside the
    window are fewer than ``rate``. Each send reached the API before its stamp, so the count
    holds where the API counts, however long a send took.
    """

    __tablename__ = "outbox_limiters"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    stamps: Mapped[list[Any]] = mapped_column(default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class WebSession(Base):
    """A web sign-in. The cookie holds a random token; only its SHA-256 is stored, so a copy of
    the database does not let anyone sign in, and revoking a row ends that browser's session."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    user_agent: Mapped[str | None] = mapped_column(String(120))


class SignInAttempt(Base):
    """Failed sign-ins per key ("login:<name>" or "addr:<ip>") in a fixed window, in the
    database so every worker and host counts the same failures."""

    __tablename__ = "sign_in_attempts"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    failures: Mapped[int] = mapped_column(Integer, default=0)


FLAG_STATUSES = ("pending", "accepted", "rejected")


class JudgementFlag(Base):
    """A rep's "the coach judged this line wrong": one per rep line and rep, reviewed by a trainer."""

    __tablename__ = "judgement_flags"
    __table_args__ = (
        UniqueConstraint("session_id", "seq", "user_id"),
        Index("ix_judgement_flags_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    session_id: Mapped[str] = mapped_column(ForeignKey("rehearsal_sessions.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    # The customer's previous line, the classifier's context ("" when there was none).
    context: Mapped[str] = mapped_column(Text, default="")
    predicted: Mapped[list[Any]] = mapped_column(default=list)
    confidence: Mapped[float | None] = mapped_column(Float)
    suggested: Mapped[str | None] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reviewer: Mapped[str | None] = mapped_column(String(120))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    label: Mapped[str | None] = mapped_column(String(40))
