"""``CoachingService``: what managers see of their reps, and the coaching notes between them.

A manager sees the reps of their own team, an admin every rep; a rep or session outside that
scope is reported as not found, as if it did not exist. Every call is one transaction; session
titles come from one query for all the notes at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from bot.storage import CoachingNote, Database, Store, User, store

from .errors import NotAManager, NoteNotFound, RepNotFound, SessionNotFound
from .outbox import Kind, Outbound, post
from .rehearsals import RehearsalService, SessionView
from .telegram import claim_update_in, post_answer
from .user_settings import linked_rep
from .views import TELEGRAM_CHANNEL, LinkedRep

MANAGER_ROLES = ("manager", "admin")
TREND_LENGTH = 10
# /notes in Telegram shows this many of the newest notes (all of them are on the web).
NOTES_SHOWN = 20


@dataclass(frozen=True)
class NoteView:
    """A coaching note with its author's name and the title of the session it is about."""

    id: int
    text: str
    created_at: datetime
    read_at: datetime | None
    author_id: int
    author_name: str | None  # None: the author's account is gone
    rep_id: int
    session_id: str | None = None
    session_title: str | None = None


@dataclass(frozen=True)
class NoteList:
    """Some of a rep's notes (newest first) and how many there are in all, and unread."""

    notes: list[NoteView]
    total: int
    unread: int


@dataclass(frozen=True)
class NotePush:
    """Where a new note goes in Telegram: the rep's chats, in the rep's language."""

    chats: list[int]
    language: str | None
    note: NoteView


#: How a channel words a new note for a rep's chats (queued with the note).
NoteAnnouncer = Callable[[NotePush], Sequence[Outbound]]
#: Queues a new note for another channel in the note's transaction (WeCom's push).
NoteQueuer = Callable[[Store, User, NoteView], None]
#: How a channel words /notes for the rep (None: not linked); the shown notes are read once
#: the answer is delivered (``Outbound.note_ids``).
NotesReply = Callable[[LinkedRep | None, NoteList], Sequence[Outbound]]


@dataclass(frozen=True)
class RepFigures:
    """One rep of the team and how their rehearsals are going."""

    id: int
    name: str
    login: str
    team: str | None
    sessions: int
    finished: int
    walked_out: int
    abandoned: int
    scored: int
    average_score: float | None
    best_score: int | None
    last_practised: datetime | None
    trend: list[int]
    unread_notes: int


@dataclass(frozen=True)
class ManagedView:
    """A rep's session as a manager reads it: the transcript, the rep and the notes on it."""

    session: SessionView
    rep_id: int
    rep_name: str
    rep_login: str
    notes: list[NoteView]


#: What managers see of a private visit's scorecard: figures, never the quoted lines
#: (the coaching points quote the rep) nor the facts the customer told.
PRIVATE_SCORECARD_KEYS = (
    "score",
    "parts",
    "weights",
    "status",
    "language",
    "stage_reached",
    "step_reached",
    "final_stage",
    "rep_turns",
    "techniques",
    "explicit_need",
    "question_share",
    "pitches",
    "hints",
)


def private_scorecard(card: dict[str, Any] | None) -> dict[str, Any] | None:
    """The part of a private visit's scorecard a manager may read."""
    if card is None:
        return None
    shown = {key: card[key] for key in PRIVATE_SCORECARD_KEYS if key in card}
    techniques = shown.get("techniques")
    if isinstance(techniques, dict):  # how often each was used, not the order line by line
        shown["techniques"] = {**techniques, "order": []}
    return shown


def utc(value: datetime | None) -> datetime | None:
    """``value`` with its UTC offset (SQLite hands stored times back without one)."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def figures(rep: User, totals: Any | None, trend: list[int], unread: int) -> RepFigures:
    """A rep's figures from their sessions' totals (``SessionRepository.progress_for_users``: one
    aggregate row, None for a rep without sessions) and their latest scores, oldest first."""
    if totals is None:
        return RepFigures(
            id=rep.id,
            name=rep.display_name,
            login=rep.login or "",
            team=rep.team.name if rep.team else None,
            sessions=0,
            finished=0,
            walked_out=0,
            abandoned=0,
            scored=0,
            average_score=None,
            best_score=None,
            last_practised=None,
            trend=[],
            unread_notes=unread,
        )
    # The last line said counts, not only when a visit started or ended.
    moments = [utc(m) for m in (totals.started_at, totals.updated_at, totals.ended_at) if m is not None]
    scored = int(totals.scored or 0)
    return RepFigures(
        id=rep.id,
        name=rep.display_name,
        login=rep.login or "",
        team=rep.team.name if rep.team else None,
        sessions=int(totals.sessions),
        finished=int(totals.finished or 0),
        walked_out=int(totals.walked_out or 0),
        abandoned=int(totals.abandoned or 0),
        scored=scored,
        average_score=round(int(totals.score_sum) / scored, 1) if scored else None,
        best_score=int(totals.best) if scored else None,
        last_practised=max(m for m in moments if m is not None) if moments else None,
        trend=trend[-TREND_LENGTH:],
        unread_notes=unread,
    )


class CoachingAPI(Protocol):
    """Managers' and reps' coaching calls. Every call is one database transaction."""

    def team_progress(self, viewer_id: int) -> list[RepFigures]: ...

    def rep_sessions(self, viewer_id: int, rep_id: int, *, limit: int = 200) -> list[SessionView]: ...

    def managed_session(self, viewer_id: int, session_id: str) -> ManagedView: ...

    def rep_notes(self, viewer_id: int, rep_id: int) -> list[NoteView]: ...

    def add_note(
        self, viewer_id: int, rep_id: int, text: str, *, session_id: str | None = None
    ) -> NoteView: ...

    def my_notes(self, user_id: int) -> list[NoteView]: ...

    def mark_read(self, user_id: int, note_id: int) -> NoteView: ...

    def read_notes(self, user_id: int, *, shown: int = NOTES_SHOWN) -> NoteList: ...

    def push_targets(self, note_id: int) -> NotePush | None: ...

    def announce_notes(self, announce: NoteAnnouncer) -> None: ...

    def queue_notes_with(self, queue: NoteQueuer) -> None: ...

    def telegram_notes(
        self, update_id: int, telegram_user_id: int, chat_id: int, reply: NotesReply
    ) -> bool: ...


class CoachingService:
    """Implements ``CoachingAPI`` over ``bot.storage``; titles come from the rehearsal service."""

    def __init__(self, db: Database, rehearsals: RehearsalService) -> None:
        self.db = db
        self.rehearsals = rehearsals
        self._announce: NoteAnnouncer | None = None
        self._queuers: list[NoteQueuer] = []

    def announce_notes(self, announce: NoteAnnouncer) -> None:
        """From now on, a new note is also queued for the rep's Telegram chats, worded by
        ``announce``, in the transaction that stores it (nothing is marked read by that)."""
        self._announce = announce

    def queue_notes_with(self, queue: NoteQueuer) -> None:
        """From now on ``queue`` also runs for each new note, in the transaction that stores it."""
        self._queuers.append(queue)

    # -- scope -----------------------------------------------------------------------------

    @staticmethod
    def _viewer(s: Store, user_id: int) -> User:
        viewer = s.users.get(user_id)
        if viewer is None or viewer.role not in MANAGER_ROLES:
            raise NotAManager("Only managers and admins may do this.")
        return viewer

    @staticmethod
    def _in_scope(viewer: User, rep: User | None) -> bool:
        if rep is None or rep.role != "rep":
            return False
        if viewer.role == "admin":
            return True
        return viewer.team_id is not None and rep.team_id == viewer.team_id

    def _rep(self, s: Store, viewer: User, rep_id: int) -> User:
        rep = s.users.get(rep_id)
        if rep is None or not self._in_scope(viewer, rep):
            raise RepNotFound("No such rep in your team.")
        return rep

    # -- progress and sessions -------------------------------------------------------------

    def team_progress(self, viewer_id: int) -> list[RepFigures]:
        """The reps a manager coaches (every rep for an admin) with their figures."""
        with store(self.db) as s:
            viewer = self._viewer(s, viewer_id)
            if viewer.role == "admin":
                reps = list(s.users.list(role="rep"))
            elif viewer.team_id is None:
                reps = []
            else:
                reps = list(s.users.list(role="rep", team_id=viewer.team_id))
            ids = [rep.id for rep in reps]
            # Running totals (rep_totals): the cost follows the number of reps, not of their sessions.
            totals = {int(row.user_id): row for row in s.sessions.progress_for_users(ids)}
            trends = s.sessions.recent_scores(ids, TREND_LENGTH)
            unread = s.notes.unread_counts(ids)
            return [
                figures(rep, totals.get(rep.id), trends.get(rep.id, []), unread.get(rep.id, 0))
                for rep in reps
            ]

    def rep_sessions(self, viewer_id: int, rep_id: int, *, limit: int = 200) -> list[SessionView]:
        with store(self.db) as s:
            self._rep(s, self._viewer(s, viewer_id), rep_id)
            return self.rehearsals.views_in(s, s.sessions.for_user(rep_id, limit=limit))

    def managed_session(self, viewer_id: int, session_id: str) -> ManagedView:
        with store(self.db) as s:
            viewer = self._viewer(s, viewer_id)
            rehearsal = s.sessions.get(session_id)
            rep = s.users.get(rehearsal.user_id) if rehearsal is not None else None
            if rehearsal is None or rep is None or not self._in_scope(viewer, rep):
                raise SessionNotFound("No such session in your team.")
            view = self.rehearsals.view_in(s, rehearsal)
            if view.private:  # the rep's alone: that it happened and its figures, no line
                view = replace(view, turns=[], scorecard=private_scorecard(view.scorecard))
            notes = [
                replace(n, session_title=view.title) for n in self._notes(s, s.notes.for_session(view.id))
            ]
            return ManagedView(view, rep.id, rep.display_name, rep.login or "", notes)

    # -- notes -----------------------------------------------------------------------------

    def rep_notes(self, viewer_id: int, rep_id: int) -> list[NoteView]:
        with store(self.db) as s:
            self._rep(s, self._viewer(s, viewer_id), rep_id)
            return self._titled(s, self._notes(s, s.notes.for_rep(rep_id)))

    def add_note(self, viewer_id: int, rep_id: int, text: str, *, session_id: str | None = None) -> NoteView:
        with store(self.db, write=True) as s:
            viewer = self._viewer(s, viewer_id)
            rep = self._rep(s, viewer, rep_id)
            if session_id is not None:
                rehearsal = s.sessions.get(session_id)
                if rehearsal is None or rehearsal.user_id != rep.id:
                    raise SessionNotFound("No such session of this rep.")
            note = s.notes.add(author=viewer, rep=rep, text=text, session_id=session_id)
            view = self._titled(s, self._notes(s, [note]))[0]
            if self._announce is not None:
                self._queue_announcement(s, self._announce, rep, view)
            for queue in self._queuers:
                queue(s, rep, view)
            return view

    @staticmethod
    def _queue_announcement(s: Store, announce: NoteAnnouncer, rep: User, view: NoteView) -> None:
        chats = list(s.users.telegram_chats(rep.id))
        if not chats:
            return
        messages = [replace(m, kind=Kind.PUSH) for m in announce(NotePush(chats, rep.language, view))]
        for chat_id in chats:
            # A push is no answer to the rep: a chat that blocked the bot stays blocked.
            post(
                s,
                channel=TELEGRAM_CHANNEL,
                chat_key=str(chat_id),
                messages=messages,
                group_key=f"note:{view.id}",
            )

    def my_notes(self, user_id: int) -> list[NoteView]:
        with store(self.db) as s:
            return self._titled(s, self._notes(s, s.notes.for_rep(user_id)))

    def mark_read(self, user_id: int, note_id: int) -> NoteView:
        with store(self.db, write=True) as s:
            note = s.notes.get(note_id)
            if note is None or note.rep_id != user_id:
                raise NoteNotFound("No such note.")
            s.notes.mark_read(note)
            s.session.flush()
            return self._titled(s, self._notes(s, [note]))[0]

    def read_notes(self, user_id: int, *, shown: int = NOTES_SHOWN) -> NoteList:
        """The newest ``shown`` notes of a rep, marked read as they are handed out."""
        with store(self.db, write=True) as s:
            stored = s.notes.for_rep(user_id)
            unread = sum(1 for note in stored if note.read_at is None)
            notes = self._titled(s, self._notes(s, stored[:shown]))
            for note in stored[:shown]:
                s.notes.mark_read(note)
            return NoteList(notes, total=len(stored), unread=unread)

    def notes_in(self, s: Store, user: User | None, *, shown: int = NOTES_SHOWN) -> NoteList:
        """The newest ``shown`` notes of an active rep, read in ``s``'s transaction and marked
        nothing: a channel's outbox marks them read once the list is delivered."""
        if user is None or not user.active:
            return NoteList([], 0, 0)
        stored = s.notes.for_rep(user.id)
        unread = sum(1 for note in stored if note.read_at is None)
        return NoteList(self._titled(s, self._notes(s, stored[:shown])), len(stored), unread)

    def telegram_notes(self, update_id: int, telegram_user_id: int, chat_id: int, reply: NotesReply) -> bool:
        """/notes in one transaction: claim the update, list the rep's newest notes and queue the
        answer ``reply`` words. Nothing is marked read here: the outbox marks the notes shown
        read when the answer is delivered. False: a redelivery, nothing queued."""
        with store(self.db, write=True) as s:
            if not claim_update_in(s, update_id):
                return False
            user = s.users.by_telegram(telegram_user_id)
            post_answer(s, update_id, chat_id, reply(linked_rep(user), self.notes_in(s, user)))
            return True

    def push_targets(self, note_id: int) -> NotePush | None:
        """The rep's Telegram chats and the note to announce there; None: nowhere to push."""
        with store(self.db) as s:
            note = s.notes.get(note_id)
            if note is None:
                return None
            chats = list(s.users.telegram_chats(note.rep_id))
            if not chats:
                return None
            rep = s.users.get(note.rep_id)
            (view,) = self._titled(s, self._notes(s, [note]))
            return NotePush(chats, rep.language if rep else None, view)

    @staticmethod
    def _notes(s: Store, notes: Sequence[CoachingNote]) -> list[NoteView]:
        names = s.notes.author_names(notes)
        return [
            NoteView(
                id=note.id,
                text=note.text,
                created_at=note.created_at,
                read_at=note.read_at,
                author_id=note.author_id,
                author_name=names.get(note.author_id),
                rep_id=note.rep_id,
                session_id=note.session_id,
            )
            for note in notes
        ]

    def _titled(self, s: Store, notes: list[NoteView]) -> list[NoteView]:
        """Name the sessions the notes are about, all in one query."""
        titles = self.rehearsals.titles_in(s, [n.session_id for n in notes if n.session_id])
        return [replace(n, session_title=titles.get(n.session_id)) if n.session_id else n for n in notes]
