"""Row-level access to the outbox tables; the delivery policy lives in ``bot.services.outbox``.

Lock order, kept everywhere so that no two transactions wait on each other in a circle:
limiter row, then chat row, then message rows. Claimers take the limiter row without
SKIP LOCKED (they queue up, so the shared limit is exact) and the chat and message rows with
SKIP LOCKED (a chat whose turn transaction is still open is simply served on the next round).
The one exception: settling a claim takes the limiter row last, to stamp the send. It cannot
close a circle, because a claimer holding the limiter never waits for a chat row (SKIP LOCKED)
and waits only for message rows of a chat whose row it holds itself.
SQLite has no row locks: every outbox write runs under its database-wide write lock instead.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple, cast, overload

from sqlalchemy import Executable, Integer, Table, and_, bindparam, case, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import CoachingNote, OutboxChat, OutboxLimiter, OutboxMessage, utcnow

ACTIVE_STATUSES = ("pending", "sending")


class NewMessage(NamedTuple):
    """A message to queue with ``OutboxRepository.add_many``."""

    kind: str
    payload: dict[str, Any]
    group_key: str | None = None
    note_id: int | None = None
    session_id: str | None = None


def _message_row(
    channel: str,
    chat_key: str,
    seq: int,
    blocked: bool,
    kind: str,
    payload: dict[str, Any],
    group_key: str | None,
    note_id: int | None,
    session_id: str | None,
    not_before: datetime,
    now: datetime,
) -> dict[str, Any]:
    return {
        "channel": channel,
        "chat_key": chat_key,
        "seq": seq,
        "kind": kind,
        "payload": dict(payload),
        "group_key": group_key,
        # A chat that blocked the bot gets nothing until it writes again (unblock).
        "status": "blocked" if blocked else "pending",
        "attempts": 0,
        "resends": 0,
        "not_before": not_before,
        "note_id": note_id,
        "session_id": session_id,
        "created_at": now,
    }


_CHATS = cast(Table, OutboxChat.__table__)
# Built once: a statement object keeps its cache key, so each call skips rebuilding it.
_INSERT_MESSAGES = cast(Table, OutboxMessage.__table__).insert()


@functools.cache
def _reserve_statement(dialect: str, unblock: bool) -> Executable:
    """``INSERT … ON CONFLICT DO UPDATE … RETURNING`` taking ``:count`` numbers of a chat."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    count = bindparam("count", type_=Integer)
    now = bindparam("now", type_=_CHATS.c.updated_at.type)
    statement = insert(_CHATS).values(
        channel=bindparam("channel", type_=_CHATS.c.channel.type),
        chat_key=bindparam("chat_key", type_=_CHATS.c.chat_key.type),
        next_seq=count + 1,
        updated_at=now,
    )
    changes: dict[str, Any] = {"next_seq": _CHATS.c.next_seq + count, "updated_at": now}
    if unblock:
        changes["blocked_at"] = None
    return statement.on_conflict_do_update(
        index_elements=[_CHATS.c.channel, _CHATS.c.chat_key], set_=changes
    ).returning(_CHATS.c.next_seq, _CHATS.c.blocked_at)


@overload
def aware(value: datetime) -> datetime: ...
@overload
def aware(value: None) -> None: ...
@overload
def aware(value: datetime | None) -> datetime | None: ...
def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every outbox time is stored in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    @property
    def _is_postgres(self) -> bool:
        return self._s.get_bind().dialect.name == "postgresql"

    def _insert_ignore(self, model: type[Any], **values: Any) -> None:
        """Create a row unless it exists; a concurrent creator wins without an error."""
        dialect_insert = postgresql.insert if self._is_postgres else sqlite.insert
        self._s.execute(dialect_insert(model).values(**values).on_conflict_do_nothing())

    # -- writing ------------------------------------------------------------------------------

    def reserve(
        self, channel: str, chat_key: str, count: int, *, unblock: bool, now: datetime
    ) -> tuple[int, bool]:
        """Take ``count`` sequence numbers of the chat; returns (the first, whether it blocks the bot).

        One statement creates the chat's row if new and locks it until the caller's transaction
        ends (PostgreSQL: the row lock of ``INSERT … ON CONFLICT DO UPDATE``, as strong against
        the claimers' ``FOR UPDATE`` as a ``SELECT … FOR UPDATE``). Holding this lock while the
        numbers are taken and the messages inserted makes the per-chat sequence follow commit
        order: a later number can never become visible first. ``unblock``: the chat wrote to the
        bot again, so its block is lifted in the same statement.
        """
        statement = _reserve_statement(self._s.get_bind().dialect.name, unblock)
        params = {"channel": channel, "chat_key": chat_key, "count": count, "now": now}
        next_seq, blocked_at = self._s.execute(statement, params).one()
        return int(next_seq) - count, blocked_at is not None

    def add(
        self,
        channel: str,
        chat_key: str,
        *,
        seq: int,
        blocked: bool,
        kind: str,
        payload: dict[str, Any],
        group_key: str | None,
        note_id: int | None,
        session_id: str | None,
        not_before: datetime,
        now: datetime,
    ) -> OutboxMessage:
        """One message as an ORM object, flushed (its id known); ``seq`` comes from ``reserve``."""
        message = OutboxMessage(
            **_message_row(
                channel,
                chat_key,
                seq,
                blocked,
                kind,
                payload,
                group_key,
                note_id,
                session_id,
                not_before,
                now,
            )
        )
        self._s.add(message)
        self._s.flush()
        return message

    def add_many(
        self,
        channel: str,
        chat_key: str,
        messages: Sequence[NewMessage],
        *,
        unblock: bool,
        now: datetime,
    ) -> None:
        """Queue ``messages`` to one chat in order, with two statements: the chat's row locked
        and their sequence numbers taken (``reserve``), then one INSERT of them all.

        Whatever the caller's unit of work holds is flushed first, so the rows it writes are
        written before the chat's lock is taken, as when the lock was an ORM query.
        """
        if not messages:
            return
        self._s.flush()
        first, blocked = self.reserve(channel, chat_key, len(messages), unblock=unblock, now=now)
        rows = [
            _message_row(
                channel,
                chat_key,
                first + index,
                blocked,
                m.kind,
                m.payload,
                m.group_key,
                m.note_id,
                m.session_id,
                now,
                now,
            )
            for index, m in enumerate(messages)
        ]
        self._s.connection().execute(_INSERT_MESSAGES, rows)

    # -- claiming -----------------------------------------------------------------------------

    def lock_limiter(self, channel: str) -> OutboxLimiter:
        """The channel's limiter row, locked: claimers of all workers take turns here."""
        self._insert_ignore(OutboxLimiter, channel=channel, stamps=[], updated_at=utcnow())
        limiter = self._s.get(OutboxLimiter, channel, with_for_update=True, populate_existing=True)
        assert limiter is not None
        return limiter

    def in_flight(self, channel: str, *, now: datetime) -> int:
        """Claims of the channel being sent right now by any worker (live leases only: a claim
        whose lease ran out lost its worker). A merged claim is one request: counted once."""
        return int(
            self._s.scalar(
                select(func.count(func.distinct(OutboxMessage.claim_token))).where(
                    OutboxMessage.channel == channel,
                    OutboxMessage.status == "sending",
                    OutboxMessage.lease_until > now,
                )
            )
            or 0
        )

    def due_heads(
        self, channel: str, *, now: datetime, pace_limit: datetime, limit: int
    ) -> Sequence[tuple[OutboxMessage, OutboxChat]]:
        """The first active message of each chat that may be sent now, least recently served first.

        A head is due when it is pending and its ``not_before`` has come, or when it was being
        sent by a worker whose lease ran out; its chat must be unblocked and within its pace
        (``pace_at <= pace_limit``). Read without locks: the caller locks and re-checks each row.
        """
        head_seq = (
            select(OutboxMessage.chat_key, func.min(OutboxMessage.seq).label("seq"))
            .where(OutboxMessage.channel == channel, OutboxMessage.status.in_(ACTIVE_STATUSES))
            .group_by(OutboxMessage.chat_key)
            .subquery()
        )
        query = (
            select(OutboxMessage, OutboxChat)
            .join(
                head_seq,
                and_(OutboxMessage.chat_key == head_seq.c.chat_key, OutboxMessage.seq == head_seq.c.seq),
            )
            .join(
                OutboxChat,
                and_(
                    OutboxChat.channel == OutboxMessage.channel, OutboxChat.chat_key == OutboxMessage.chat_key
                ),
            )
            .where(
                OutboxMessage.channel == channel,
                OutboxChat.blocked_at.is_(None),
                or_(OutboxChat.pace_at.is_(None), OutboxChat.pace_at <= pace_limit),
                or_(
                    and_(OutboxMessage.status == "pending", OutboxMessage.not_before <= now),
                    and_(OutboxMessage.status == "sending", OutboxMessage.lease_until <= now),
                ),
            )
            .order_by(
                case((OutboxChat.last_claimed_at.is_(None), 0), else_=1),
                OutboxChat.last_claimed_at,
                OutboxMessage.id,
            )
            .limit(limit)
        )
        return [(row[0], row[1]) for row in self._s.execute(query).all()]

    def try_lock_chat(self, channel: str, chat_key: str) -> OutboxChat | None:
        """Lock a chat row, or None when another transaction holds it (PostgreSQL SKIP LOCKED)."""
        return self._s.scalar(
            select(OutboxChat)
            .where(OutboxChat.channel == channel, OutboxChat.chat_key == chat_key)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )

    def lock_active(self, channel: str, chat_key: str, *, limit: int) -> Sequence[OutboxMessage]:
        """The chat's first active messages in order, locked (the caller holds the chat lock)."""
        return self._s.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.channel == channel,
                OutboxMessage.chat_key == chat_key,
                OutboxMessage.status.in_(ACTIVE_STATUSES),
            )
            .order_by(OutboxMessage.seq)
            .limit(limit)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all()

    def next_due(
        self, channel: str, *, now: datetime, pace_limit: datetime
    ) -> tuple[datetime | None, datetime | None]:
        """(earliest future ``not_before`` of a pending message, earliest ``pace_at`` beyond
        ``pace_limit``): hints for when the dispatcher should look again. Waking early is
        harmless; waking late delays a chat."""
        not_before = self._s.scalar(
            select(func.min(OutboxMessage.not_before)).where(
                OutboxMessage.channel == channel,
                OutboxMessage.status == "pending",
                OutboxMessage.not_before > now,
            )
        )
        pace_at = self._s.scalar(
            select(func.min(OutboxChat.pace_at)).where(
                OutboxChat.channel == channel,
                OutboxChat.blocked_at.is_(None),
                OutboxChat.pace_at > pace_limit,
            )
        )
        return aware(not_before), aware(pace_at)

    # -- settling -----------------------------------------------------------------------------

    def claimed(self, token: str) -> Sequence[OutboxMessage]:
        """The messages of one claim, locked, as long as that claim still owns them."""
        return self._s.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.claim_token == token, OutboxMessage.status == "sending")
            .order_by(OutboxMessage.seq)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all()

    def lock_chat(self, channel: str, chat_key: str) -> OutboxChat | None:
        return self._s.get(OutboxChat, (channel, chat_key), with_for_update=True, populate_existing=True)

    def block_chat(self, chat: OutboxChat, *, now: datetime, error: str) -> int:
        """Mark the chat blocked and stop its queue; returns how many messages were stopped."""
        chat.blocked_at = now
        result = self._s.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.channel == chat.channel,
                OutboxMessage.chat_key == chat.chat_key,
                OutboxMessage.status.in_(ACTIVE_STATUSES),
            )
            .values(status="blocked", last_error=error, lease_until=None, claim_token=None)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def mark_notes_read(self, note_ids: Sequence[int], *, now: datetime) -> None:
        """A note counts as read once the rep has it (delivered), never before."""
        if note_ids:
            self._s.execute(
                update(CoachingNote)
                .where(CoachingNote.id.in_(list(note_ids)), CoachingNote.read_at.is_(None))
                .values(read_at=now)
                .execution_options(synchronize_session=False)
            )

    # -- reading ------------------------------------------------------------------------------

    def for_chat(self, channel: str, chat_key: str) -> Sequence[OutboxMessage]:
        return self._s.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.channel == channel, OutboxMessage.chat_key == chat_key)
            .order_by(OutboxMessage.seq)
        ).all()

    def get_chat(self, channel: str, chat_key: str) -> OutboxChat | None:
        return self._s.get(OutboxChat, (channel, chat_key))

    def backlog(self, now: datetime) -> tuple[int, float]:
        """(messages not yet delivered, seconds the oldest of them has waited): for /metrics."""
        count, oldest = self._s.execute(
            select(func.count(), func.min(OutboxMessage.created_at)).where(
                OutboxMessage.status.in_(ACTIVE_STATUSES)
            )
        ).one()
        oldest = aware(oldest)
        return int(count), max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0

    def prune(self, before: datetime) -> int:
        """Delete messages settled (sent, failed, blocked) before ``before``; returns how many.

        A settled message is never read again by the outbox: the chat's ``next_seq`` lives in
        its chat row, so deleting old rows does not reuse sequence numbers.
        """
        settled = OutboxMessage.status.not_in(ACTIVE_STATUSES)
        when = func.coalesce(OutboxMessage.sent_at, OutboxMessage.created_at)
        result = self._s.execute(
            delete(OutboxMessage).where(settled, when < before).execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def counts(self, channel: str | None = None) -> dict[str, int]:
        """Messages per status (for health pages and tests)."""
        query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        if channel is not None:
            query = query.where(OutboxMessage.channel == channel)
        return {str(status): int(count) for status, count in self._s.execute(query).all()}
