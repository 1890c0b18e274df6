"""``WeComService``: the WeCom (企业微信) channel's use cases, each one transaction.

A WeCom callback carries a ``MsgId`` that WeCom sends again when we do not answer within five
seconds. Every message is claimed as ``("wecom", MsgId)`` in the transaction that acts on it,
and the replies are queued in the outbox (``enqueue``) in that same transaction: a message is
handled and answered exactly once, or (rolled back) not at all and handled on the retry.

Channels hand in a ``render`` function that words the outcome; it runs inside the transaction
and must not touch the database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from bot.engine.results import MessageRejected
from bot.storage import Database, Store, User, WeComLinkRepository, store

from .assignments import AssignmentService, AssignmentView
from .coaching import CoachingService, NoteList, NoteView
from .feedback import FeedbackService
from .outbox import NOTE_IDS_KEY, Kind, enqueue, unblock
from .rehearsals import RehearsalService
from .telegram_commands import CommandsInTransaction, commands_in
from .user_settings import zone_of
from .views import ActiveTurn, LinkedRep

WECOM_CHANNEL = "wecom"


@dataclass(frozen=True)
class WeComLine:
    """A WeCom text message as the rehearsal service handled it; ``rep`` None: not linked."""

    rep: LinkedRep | None
    turn: ActiveTurn


@dataclass(frozen=True)
class WeComStart:
    """What ``start`` did: ``kind`` is linked, bad_code, welcome_back, welcome_new or duplicate."""

    kind: str
    name: str = ""
    language: str = ""


# What a channel words inside the transaction: the texts to send, in order.
LineRender = Callable[[WeComLine], Sequence[str]]
StartRender = Callable[[WeComStart], Sequence[str]]
RepRender = Callable[[LinkedRep | None], Sequence[str]]
# /notes: the rep's newest notes worded as the texts to send (rep None: not linked).
NotesRender = Callable[[LinkedRep | None, NoteList], Sequence[str]]
NoteRender = Callable[[NoteView, str], Sequence[str]]
# An assignment (reminder: True) worded for the rep's WeCom, in the rep's language.
AssignmentRender = Callable[[AssignmentView, bool, str], Sequence[str]]
# A command that changes a visit, worded inside its transaction (rep None: not linked).
CommandRender = Callable[[LinkedRep | None, CommandsInTransaction], Sequence[str]]


class WeComAPI(Protocol):
    """The WeCom channel's calls. Every call is one transaction."""

    def rep(self, wecom_userid: str) -> LinkedRep | None: ...

    def is_handled(self, msg_id: str) -> bool: ...

    def line(self, wecom_userid: str, msg_id: str, text: str, render: LineRender) -> bool: ...

    def start(
        self,
        wecom_userid: str,
        msg_id: str,
        *,
        name: str,
        language: str,
        code: str | None,
        render: StartRender,
    ) -> bool: ...

    def claim(self, wecom_userid: str, msg_id: str) -> tuple[bool, LinkedRep | None]: ...

    def answer(self, wecom_userid: str, texts: Sequence[str]) -> None: ...

    def answer_once(self, wecom_userid: str, msg_id: str, render: RepRender) -> bool: ...

    def command(self, wecom_userid: str, msg_id: str, render: CommandRender) -> bool: ...

    def notes(self, wecom_userid: str, msg_id: str, render: NotesRender) -> bool: ...

    def map_user(self, wecom_userid: str, user_id: int) -> LinkedRep: ...

    def push_notes(self, render: NoteRender) -> None: ...

    def announce_assignments(self, assignments: AssignmentService, render: AssignmentRender) -> None: ...


def _linked(user: User | None) -> LinkedRep | None:
    if user is None:
        return None
    return LinkedRep(user.id, user.display_name, user.language, time_zone=zone_of(user))


def _enqueue_texts(
    s: Store,
    wecom_userid: str,
    texts: Sequence[str],
    *,
    note_id: int | None = None,
    shown_notes: Sequence[int] = (),
) -> None:
    """Queue ``texts`` in order; ``shown_notes`` (a /notes list) are marked read when its last
    piece is delivered."""
    if note_id is None and texts:
        unblock(s, channel=WECOM_CHANNEL, chat_key=wecom_userid)  # the member wrote to us again
    for number, text in enumerate(texts, start=1):
        payload: dict[str, object] = {"text": text}
        if shown_notes and number == len(texts):
            payload[NOTE_IDS_KEY] = list(shown_notes)
        enqueue(
            s,
            channel=WECOM_CHANNEL,
            chat_key=wecom_userid,
            payload=payload,
            kind=Kind.PUSH if note_id is not None else Kind.REPLY,
            note_id=None,  # a pushed note is announced, not read: /notes marks it read
        )


class WeComService:
    """Implements ``WeComAPI`` over ``bot.storage`` and the rehearsal service."""

    def __init__(
        self,
        db: Database,
        rehearsals: RehearsalService,
        coaching: CoachingService,
        feedback: FeedbackService | None = None,
    ) -> None:
        self.db = db
        self.rehearsals = rehearsals
        self.coaching = coaching
        self.feedback = feedback

    def rep(self, wecom_userid: str) -> LinkedRep | None:
        with store(self.db) as s:
            return _linked(WeComLinkRepository(s.session).user(wecom_userid))

    def is_handled(self, msg_id: str) -> bool:
        """The message was claimed before (a retry of WeCom's): answer it, do nothing."""
        with store(self.db) as s:
            return s.inbound.get(WECOM_CHANNEL, msg_id) is not None

    def line(self, wecom_userid: str, msg_id: str, text: str, render: LineRender) -> bool:
        """A text line: the rep, the active session, the claim, the turn and the replies, together.

        Returns False for a redelivery (nothing played, nothing queued).
        """
        try:
            checked, rejected = self.rehearsals._checked(text), None
        except MessageRejected as error:
            checked, rejected = "", error
        with store(self.db, write=True) as s:
            if s.inbound.get(WECOM_CHANNEL, msg_id) is not None:
                return False
            user = WeComLinkRepository(s.session).user(wecom_userid)
            rep = _linked(user)
            if rep is None:
                turn = ActiveTurn(None)
            else:
                turn = self.rehearsals._to_active(s, rep.user_id, checked, WECOM_CHANNEL, msg_id, rejected)
            if turn.duplicate:
                return False
            # Not played (no link, no session, a rejected line): claim it here instead.
            if turn.result is None and not s.inbound.claim(WECOM_CHANNEL, msg_id):
                return False
            _enqueue_texts(s, wecom_userid, render(WeComLine(rep, turn)))
            return True

    def start(
        self,
        wecom_userid: str,
        msg_id: str,
        *,
        name: str,
        language: str,
        code: str | None,
        render: StartRender,
    ) -> bool:
        """/start [CODE]: link to a web account by code, welcome back, or create a rep."""
        with store(self.db, write=True) as s:
            if not s.inbound.claim(WECOM_CHANNEL, msg_id):
                return False
            _enqueue_texts(s, wecom_userid, render(self._start(s, wecom_userid, name, language, code)))
            return True

    @staticmethod
    def _start(s: Store, wecom_userid: str, name: str, language: str, code: str | None) -> WeComStart:
        links = WeComLinkRepository(s.session)
        if code:
            user = s.users.redeem_link_code(code)
            if user is None:
                return WeComStart("bad_code")
            links.link(wecom_userid, user)
            return WeComStart("linked", user.display_name, user.language)
        user = links.user(wecom_userid)
        if user is not None:
            return WeComStart("welcome_back", user.display_name, user.language)
        display = name.strip() or f"WeCom {wecom_userid}"
        user = s.users.create(display, role="rep", language=language)
        links.link(wecom_userid, user)
        return WeComStart("welcome_new", display, language)

    def claim(self, wecom_userid: str, msg_id: str) -> tuple[bool, LinkedRep | None]:
        """Claim the message before acting on it (False: seen before), and find the rep."""
        with store(self.db, write=True) as s:
            if not s.inbound.claim(WECOM_CHANNEL, msg_id):
                return False, None
            return True, _linked(WeComLinkRepository(s.session).user(wecom_userid))

    def answer(self, wecom_userid: str, texts: Sequence[str]) -> None:
        """Queue replies to a message claimed before (``claim``)."""
        if texts:
            with store(self.db, write=True) as s:
                _enqueue_texts(s, wecom_userid, texts)

    def answer_once(self, wecom_userid: str, msg_id: str, render: RepRender) -> bool:
        """Claim the message and queue ``render(rep)`` in one transaction (False: seen before)."""
        with store(self.db, write=True) as s:
            if not s.inbound.claim(WECOM_CHANNEL, msg_id):
                return False
            rep = _linked(WeComLinkRepository(s.session).user(wecom_userid))
            _enqueue_texts(s, wecom_userid, render(rep))
            return True

    def command(self, wecom_userid: str, msg_id: str, render: CommandRender) -> bool:
        """/hint, /end or the pick that starts a visit: the claim, the change and the queued
        replies in one transaction (False: seen before, nothing done). An exception from
        ``render`` or from queueing undoes all three, so WeCom's retry runs it afresh."""
        with store(self.db, write=True) as s:
            if not s.inbound.claim(WECOM_CHANNEL, msg_id):
                return False
            rep = _linked(WeComLinkRepository(s.session).user(wecom_userid))
            _enqueue_texts(s, wecom_userid, render(rep, commands_in(s, self.rehearsals, self.feedback)))
            return True

    def notes(self, wecom_userid: str, msg_id: str, render: NotesRender) -> bool:
        """/notes in one transaction: claim the message, list the rep's newest notes and queue
        ``render``'s texts. Nothing is marked read here: the outbox marks the listed notes read
        when the list is delivered, so a failed send loses none (False: seen before)."""
        with store(self.db, write=True) as s:
            if not s.inbound.claim(WECOM_CHANNEL, msg_id):
                return False
            user = WeComLinkRepository(s.session).user(wecom_userid)
            found = self.coaching.notes_in(s, user)
            texts = render(_linked(user), found)
            _enqueue_texts(s, wecom_userid, texts, shown_notes=[note.id for note in found.notes])
            return True

    def map_user(self, wecom_userid: str, user_id: int) -> LinkedRep:
        """An admin links a WeCom member to an existing user (raises LookupError for no user)."""
        with store(self.db, write=True) as s:
            user = s.users.get(user_id)
            if user is None:
                raise LookupError(f"no user {user_id}")
            WeComLinkRepository(s.session).link(wecom_userid, user)
            return LinkedRep(user.id, user.display_name, user.language, time_zone=zone_of(user))

    def push_notes(self, render: NoteRender) -> None:
        """From now on each new coaching note is queued for the rep's WeCom members, worded by
        ``render``, in the transaction that stores the note: both are kept or neither."""
        self.coaching.queue_notes_with(partial(self._queue_note, render))

    def announce_assignments(self, assignments: AssignmentService, render: AssignmentRender) -> None:
        """From now on each new assignment and each reminder is queued for the rep's WeCom
        members, worded by ``render``, in the transaction that stores it (or claims the reminder)."""
        assignments.queue_announcements_with(partial(self._queue_assignment, render))

    @staticmethod
    def _queue_assignment(
        render: AssignmentRender, s: Store, rep: User, view: AssignmentView, reminder: bool
    ) -> bool:
        userids = WeComLinkRepository(s.session).userids(rep.id)
        if not userids:
            return False
        texts = render(view, reminder, rep.language)
        for userid in userids:
            for text in texts:
                enqueue(s, channel=WECOM_CHANNEL, chat_key=userid, payload={"text": text}, kind=Kind.PUSH)
        return True

    @staticmethod
    def _queue_note(render: NoteRender, s: Store, rep: User, view: NoteView) -> None:
        userids = WeComLinkRepository(s.session).userids(rep.id)
        if not userids:
            return
        texts = render(view, rep.language)
        for userid in userids:
            _enqueue_texts(s, userid, texts, note_id=view.id)


__all__ = [
    "WECOM_CHANNEL",
    "AssignmentRender",
    "CommandRender",
    "LineRender",
    "NoteRender",
    "RepRender",
    "StartRender",
    "WeComAPI",
    "WeComLine",
    "WeComService",
    "WeComStart",
]
