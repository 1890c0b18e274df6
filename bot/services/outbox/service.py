"""``OutboxService``: the outbox's use cases for channels and operators (one transaction each)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.storage import Database, store

from .payloads import Outbound
from .queue import post


@dataclass(frozen=True)
class Backlog:
    """What is waiting to be delivered: how many messages, and the oldest one's age."""

    depth: int
    oldest_seconds: float


class OutboxService:
    """Queue messages outside a turn (after a claim, a group chat's notice), read the backlog,
    prune old rows. Messages that belong to a turn are queued by that turn's use case."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def post(
        self,
        channel: str,
        chat_key: str,
        messages: Sequence[Outbound],
        *,
        group_key: str | None = None,
        unblock_chat: bool = False,
    ) -> int:
        """Queue ``messages`` for one chat in one transaction; returns how many were queued."""
        if not messages:
            return 0
        with store(self.db, write=True) as s:
            return post(
                s,
                channel=channel,
                chat_key=chat_key,
                messages=messages,
                group_key=group_key,
                unblock_chat=unblock_chat,
            )

    def backlog(self) -> Backlog:
        with store(self.db) as s:
            depth, oldest = s.outbox.backlog(datetime.now(UTC))
            return Backlog(depth, oldest)

    def prune(self, before: datetime) -> int:
        """Delete delivered (and given-up) messages settled before ``before``."""
        with store(self.db, write=True) as s:
            return s.outbox.prune(before)
