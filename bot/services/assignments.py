"""Practice assignments (the "do" of PDCA): a manager assigns a scenario to reps or a whole team;
reps start it from the web chat; the manager sees it open, done, passed or overdue.

A rep linked in Telegram is told when a scenario is assigned and reminded before it is due:
both are queued in the outbox in the transaction that stores them (docs/outbox.md), worded by
the channel (``announce_with``). The reminder check (``remind_due``) claims each reminder with a
conditional UPDATE, so any number of workers may run it at once and each reminder is queued once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from bot.engine.results import RehearsalError, TurnResult
from bot.storage import Assignment, Database, RehearsalSession, Store, User, store
from bot.vocab import Lang, Mode, Status

from . import scope
from .errors import RepNotFound, UnknownScenario
from .outbox import Kind, Outbound, post
from .rehearsals import RehearsalService
from .views import TELEGRAM_CHANNEL

logger = logging.getLogger(__name__)
#: A reminder goes out this long before the due date (unless the assignment is passed).
REMIND_BEFORE = timedelta(hours=24)
PASS_MARK = 60


class AssignmentNotFound(RehearsalError):
    """No such assignment of yours (or of your team's reps)."""

    code = "assignment_not_found"


class BadAssignment(RehearsalError):
    """An assignment the service cannot store (no reps, a pass mark out of 0-100, ...)."""

    code = "bad_assignment"


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class AssignmentOrder:
    """What a manager assigns: a scenario, played in a mode and language, by a date, to a mark."""

    scenario_id: str
    mode: str
    language: str
    due_at: datetime
    pass_mark: int = PASS_MARK


@dataclass(frozen=True)
class AssignmentView:
    """An assignment and where it stands. ``status``: open, in_progress, done (finished below the
    pass mark), passed, or overdue (past the due date and not passed)."""

    id: int
    rep_id: int
    rep_name: str
    review_id: int | None
    scenario_id: str
    title: str
    mode: str
    language: str
    due_at: datetime
    pass_mark: int
    created_at: datetime
    status: str
    attempts: int
    best_score: int | None
    last_session_id: str | None
    active_session_id: str | None


@dataclass(frozen=True)
class AssignmentPush:
    """An assignment to announce in the rep's Telegram chats (``reminder``: it is due soon)."""

    chats: list[int]
    language: str | None
    assignment: AssignmentView
    reminder: bool


#: How a channel words an assignment (or its reminder) for the rep's chats.
AssignmentAnnouncer = Callable[[AssignmentPush], Sequence[Outbound]]
#: Another channel's queueing of an announcement, in the assignment's (or reminder's)
#: transaction: (transaction, rep, assignment, reminder) → whether anything was queued.
AssignmentQueue = Callable[[Store, User, "AssignmentView", bool], bool]


def assignment_status(
    assignment: Assignment, sessions: dict[str, RehearsalSession], now: datetime
) -> tuple[str, int | None, str | None]:
    """(status, best score, the attempt still active) from the attempts' sessions."""
    tried = [sessions[i] for i in assignment.attempts or [] if i in sessions]
    scores = [int(r.score) for r in tried if r.score is not None and r.status != Status.ACTIVE]
    active = next((r.id for r in reversed(tried) if r.status == Status.ACTIVE), None)
    best = max(scores) if scores else None
    if best is not None and best >= assignment.pass_mark:
        return "passed", best, active
    if _utc(assignment.due_at) < now:
        return "overdue", best, active
    if any(r.status != Status.ACTIVE for r in tried):
        return "done", best, active
    return ("in_progress" if active else "open"), best, active


class AssignmentService:
    """Assignments over ``bot.storage``; titles and starting a visit through the rehearsal service."""

    def __init__(
        self, db: Database, rehearsals: RehearsalService, *, remind_before: timedelta = REMIND_BEFORE
    ):
        self.db = db
        self.rehearsals = rehearsals
        self.remind_before = remind_before
        self._announce: AssignmentAnnouncer | None = None
        self._other_queues: list[AssignmentQueue] = []

    def announce_with(self, announce: AssignmentAnnouncer) -> None:
        """From now on new assignments and reminders are queued for the reps' Telegram chats."""
        self._announce = announce

    def queue_announcements_with(self, queue: AssignmentQueue) -> None:
        """Another channel (WeCom) queues each announcement too, in the same transaction."""
        self._other_queues.append(queue)

    @property
    def announces(self) -> bool:
        """Some channel announces assignments (the reminder loop has something to do)."""
        return self._announce is not None or bool(self._other_queues)

    # -- views ---------------------------------------------------------------------------------

    def _title(self, scenario_id: str, language: str) -> str:
        if scenario_id not in self.rehearsals.library:
            return scenario_id  # a scenario since withdrawn keeps its id as its name
        return self.rehearsals.scenario_card(scenario_id, language).title

    def views_in(
        self, s: Store, assignments: Sequence[Assignment], names: dict[int, str], now: datetime | None = None
    ) -> list[AssignmentView]:
        """Views of ``assignments`` with their status (one query for every attempt's session)."""
        now = now or datetime.now(UTC)
        sessions = s.reviews.sessions([i for a in assignments for i in a.attempts or []])
        views = []
        for a in assignments:
            status, best, active = assignment_status(a, sessions, now)
            attempts = list(a.attempts or [])
            views.append(
                AssignmentView(
                    id=a.id,
                    rep_id=a.rep_id,
                    rep_name=names.get(a.rep_id, ""),
                    review_id=a.review_id,
                    scenario_id=a.scenario_id,
                    title=self._title(a.scenario_id, a.language),
                    mode=a.mode,
                    language=a.language,
                    due_at=_utc(a.due_at),
                    pass_mark=a.pass_mark,
                    created_at=_utc(a.created_at),
                    status=status,
                    attempts=len(attempts),
                    best_score=best,
                    last_session_id=attempts[-1] if attempts else None,
                    active_session_id=active,
                )
            )
        return views

    # -- the manager's side ----------------------------------------------------------------------

    def check(self, order: AssignmentOrder) -> AssignmentOrder:
        """The order with its values checked (raises UnknownScenario or BadAssignment)."""
        if order.scenario_id not in self.rehearsals.library:
            raise UnknownScenario(f"no scenario {order.scenario_id!r}")
        if order.mode not in set(Mode) or order.language not in set(Lang):
            raise BadAssignment("mode must be practice or exam, language zh or en")
        if not 0 <= order.pass_mark <= 100:
            raise BadAssignment("the pass mark is a score from 0 to 100")
        return replace(order, due_at=_utc(order.due_at))

    def assign_in(
        self,
        s: Store,
        viewer: User,
        reps: Sequence[User],
        order: AssignmentOrder,
        review_id: int | None = None,
    ) -> list[AssignmentView]:
        """Store one assignment per rep in the caller's transaction and queue the announcements."""
        order = self.check(order)
        if not reps:
            raise BadAssignment("no rep to assign to")
        now = datetime.now(UTC)
        batch = secrets.token_hex(8)
        rows = [
            s.reviews.add_assignment(
                Assignment(
                    author_id=viewer.id,
                    rep_id=rep.id,
                    review_id=review_id,
                    batch=batch,
                    scenario_id=order.scenario_id,
                    mode=order.mode,
                    language=order.language,
                    due_at=order.due_at,
                    pass_mark=order.pass_mark,
                    attempts=[],
                    created_at=now,
                    # Due within the reminder window: the announcement says when, no reminder follows.
                    reminded_at=now if order.due_at - now <= self.remind_before else None,
                )
            )
            for rep in reps
        ]
        views = self.views_in(s, rows, {rep.id: rep.display_name for rep in reps}, now)
        by_id = {rep.id: rep for rep in reps}
        for view in views:
            self._queue(s, by_id[view.rep_id], view, reminder=False)
        return views

    def assign(
        self, viewer_id: int, order: AssignmentOrder, *, rep_ids: Sequence[int] = (), team: bool = False
    ) -> list[AssignmentView]:
        """Assign to the reps ``rep_ids`` and, with ``team``, to every rep the viewer coaches."""
        with store(self.db, write=True) as s:
            viewer = scope.manager(s, viewer_id)
            reps = {rep.id: rep for rep in (scope.team_reps(s, viewer) if team else [])}
            unknown = []
            for rep_id in dict.fromkeys(rep_ids):  # each once, in the order given
                found = s.users.get(rep_id)
                if scope.in_scope(viewer, found) and found is not None:
                    reps[found.id] = found
                else:
                    unknown.append(rep_id)
            if unknown:  # every id that is not a rep of the team, not only the first
                listed = ", ".join(str(rep_id) for rep_id in unknown)
                raise RepNotFound(f"No such rep in your team: {listed}. Nothing was assigned.")
            return self.assign_in(s, viewer, list(reps.values()), order)

    def team_assignments(self, viewer_id: int, *, now: datetime | None = None) -> list[AssignmentView]:
        """Every assignment of the reps the viewer coaches, by due date, as it stands ``now``."""
        with store(self.db) as s:
            reps = scope.team_reps(s, scope.manager(s, viewer_id))
            names = {rep.id: rep.display_name for rep in reps}
            return self.views_in(s, s.reviews.assignments_for(list(names)), names, now)

    # -- the rep's side --------------------------------------------------------------------------

    def my_assignments(self, user_id: int) -> list[AssignmentView]:
        with store(self.db) as s:
            user = s.users.get(user_id)
            if user is None:
                raise RepNotFound("No such user.")
            return self.views_in(s, s.reviews.assignments_for([user_id]), {user.id: user.display_name})

    def start(self, user_id: int, assignment_id: int, *, channel: str) -> TurnResult:
        """Start the assigned visit. Two transactions: the visit starts as any other, then it is
        recorded as an attempt (a crash in between leaves a visit that counts for nothing)."""
        with store(self.db) as s:
            found = s.reviews.assignment(assignment_id)
            if found is None or found.rep_id != user_id:
                raise AssignmentNotFound("No such assignment of yours.")
            scenario_id, language, mode = found.scenario_id, found.language, found.mode
        result = self.rehearsals.start(user_id, scenario_id, language=language, mode=mode, channel=channel)
        with store(self.db, write=True) as s:
            row = s.reviews.assignment(assignment_id, for_update=True)
            if row is not None:
                s.reviews.add_attempt(row, result.session_id)
        return result

    # -- Telegram ----------------------------------------------------------------------------------

    def _queue(self, s: Store, rep: User, view: AssignmentView, *, reminder: bool) -> bool:
        """Queue the announcement for the rep's chats in every channel; False: nowhere to send it."""
        queued = [queue(s, rep, view, reminder) for queue in self._other_queues]
        return self._queue_telegram(s, rep, view, reminder=reminder) or any(queued)

    def _queue_telegram(self, s: Store, rep: User, view: AssignmentView, *, reminder: bool) -> bool:
        if self._announce is None:
            return False
        chats = list(s.users.telegram_chats(rep.id))
        if not chats:
            return False
        push = AssignmentPush(chats, rep.language, view, reminder)
        messages = [replace(m, kind=Kind.PUSH) for m in self._announce(push)]
        for chat_id in chats:
            post(
                s,
                channel=TELEGRAM_CHANNEL,
                chat_key=str(chat_id),
                messages=messages,
                group_key=f"assignment:{view.id}:{'reminder' if reminder else 'new'}",
            )
        return True

    def remind_due(self, now: datetime | None = None) -> int:
        """Queue a reminder for each assignment due within the window and not reminded yet; how
        many were queued. Passed assignments are marked without a message."""
        now = now or datetime.now(UTC)
        queued = 0
        with store(self.db, write=True) as s:
            due = list(s.reviews.due_for_reminder(now + self.remind_before))
            reps = {a.rep_id: s.users.get(a.rep_id) for a in due}
            names = {rep_id: rep.display_name for rep_id, rep in reps.items() if rep is not None}
            for view, row in zip(self.views_in(s, due, names, now), due, strict=True):
                if not s.reviews.claim_reminder(row.id, now):
                    continue  # another worker queued it
                rep = reps.get(row.rep_id)
                if rep is None or not rep.active or view.status in ("passed", "overdue"):
                    continue
                queued += self._queue(s, rep, view, reminder=True)
        return queued


class ReminderLoop:
    """Each worker's periodic reminder check (``AssignmentService.remind_due``): every
    ``every`` seconds, in a thread. Safe with any number of workers: each reminder is claimed once."""

    def __init__(self, service: AssignmentService, every: float) -> None:
        self.service = service
        self.every = every
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="assignment-reminders")

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.to_thread(self.service.remind_due)
            except Exception:  # the database may be down for a while: try again next time
                logger.warning("The assignment reminder check failed; retrying later", exc_info=True)
            await asyncio.sleep(self.every)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


__all__ = [
    "PASS_MARK",
    "REMIND_BEFORE",
    "AssignmentAnnouncer",
    "AssignmentNotFound",
    "AssignmentOrder",
    "AssignmentPush",
    "AssignmentQueue",
    "AssignmentService",
    "AssignmentView",
    "BadAssignment",
    "ReminderLoop",
    "assignment_status",
]
