"""Review 3.0: a manager's coaching review of one or more sessions, and comments on single lines.

The review diagnoses the ability gap by ASK (attitude, skill, knowledge): the skill gaps are
pre-filled from the sessions by technique (``draft``), says what improving means for the rep,
plans the improvement with a colleague to learn from per technique (the team's rep with the best
record in it over their last 10 visits: correct uses first, then the facts those lines uncovered),
and assigns practice (``AssignmentService``). A follow-up review (``follow_up_of``) closes the
PDCA loop: each review shows the score before (its sessions) and after (its assignments' best).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from statistics import mean
from typing import Any

from bot.engine.coaching import KEEP, START
from bot.engine.results import RehearsalError
from bot.storage import CoachingReview, Database, LineComment, RehearsalSession, Store, User, store
from bot.vocab import Technique

from . import scope
from .assignments import AssignmentOrder, AssignmentService, AssignmentView, BadAssignment
from .errors import NotYourSession, SessionNotFound
from .rehearsals import RehearsalService

#: A colleague's record in a technique is read from their last this many finished visits.
RECORD_VISITS = 10
#: The method's questioning techniques, in the order a visit needs them: the skills reviewed.
METHOD_TECHNIQUES: tuple[str, ...] = tuple(technique for technique, _ in START)
#: A line of a technique "worked" when the customer answered it with one of these events.
_WORKED: dict[str, frozenset[str]] = {technique: frozenset(events) for technique, events in START}
_KEEP = frozenset(KEEP)
MAX_SESSIONS = 10


class ReviewNotFound(SessionNotFound):
    code = "review_not_found"


class PrivateVisit(RehearsalError):
    """A private practice visit's lines are the rep's alone: no comment on them."""

    code = "private_visit"


@dataclass(frozen=True)
class CommentView:
    id: int
    session_id: str
    seq: int
    text: str
    author_name: str
    created_at: datetime


@dataclass(frozen=True)
class SkillGap:
    """A technique in the reviewed sessions: lines that used it, lines that worked, and whether
    it is a gap (never worked). ``note`` is the manager's words on it."""

    technique: str
    used: int
    worked: int
    gap: bool
    note: str = ""


@dataclass(frozen=True)
class Colleague:
    """The team's rep to learn a technique from, and their record over their last visits."""

    technique: str
    rep_id: int
    name: str
    worked: int
    facts: int


@dataclass(frozen=True)
class ReviewedSession:
    id: str
    title: str
    score: int | None
    started_at: datetime


@dataclass(frozen=True)
class ReviewDraft:
    """What a new review starts from: the sessions, the skill gaps, a colleague per technique."""

    rep_id: int
    sessions: list[ReviewedSession]
    skills: list[SkillGap]
    colleagues: list[Colleague]


@dataclass(frozen=True)
class PlanItem:
    technique: str
    action: str
    colleague_id: int | None = None
    colleague_name: str | None = None


@dataclass(frozen=True)
class ReviewInput:
    """A review as the manager wrote it."""

    session_ids: list[str]
    attitude: str = ""
    knowledge: str = ""
    skills: list[SkillGap] = field(default_factory=list)
    improving: str = ""
    plan: list[PlanItem] = field(default_factory=list)
    assignments: list[AssignmentOrder] = field(default_factory=list)
    follow_up_of: int | None = None


@dataclass(frozen=True)
class ReviewView:
    id: int
    rep_id: int
    rep_name: str
    author_name: str
    created_at: datetime
    sessions: list[ReviewedSession]
    attitude: str
    knowledge: str
    skills: list[SkillGap]
    improving: str
    plan: list[PlanItem]
    follow_up_of: int | None
    assignments: list[AssignmentView]
    before: float | None  # the mean score of the reviewed sessions
    after: int | None  # the best score of its assignments' attempts


def _heard(entry: dict[str, Any]) -> str | None:
    techniques = entry.get("techniques") or []
    return entry.get("technique") or (techniques[0] if techniques else None)


def _worked(technique: str, event: str) -> bool:
    return event in _WORKED.get(technique, _KEEP)


def _with_history(s: Store, rehearsal: RehearsalSession) -> dict[str, Any]:
    """A visit's state with its line history: an active visit keeps it on its turns (0017)."""
    state = dict(rehearsal.state or {})
    if state.get("history_apart"):
        state["history"] = s.turns.entries(rehearsal.id)
    return state


def technique_record(states: Sequence[dict[str, Any]]) -> dict[str, tuple[int, int, int]]:
    """Per technique over the visits' line histories: (lines used, lines that worked, facts those
    lines uncovered)."""
    record: dict[str, list[int]] = {}
    for state in states:
        for entry in state.get("history") or []:
            technique = _heard(entry)
            if technique is None:
                continue
            row = record.setdefault(str(technique), [0, 0, 0])
            row[0] += 1
            if _worked(str(technique), str(entry.get("event", ""))):
                row[1] += 1
                row[2] += len(entry.get("revealed") or [])
    return {technique: (row[0], row[1], row[2]) for technique, row in record.items()}


def skill_gaps(states: Sequence[dict[str, Any]]) -> list[SkillGap]:
    """The method's techniques in the sessions: a gap wherever a technique never worked."""
    record = technique_record(states)
    gaps = []
    for technique in METHOD_TECHNIQUES:
        used, worked, _ = record.get(technique, (0, 0, 0))
        gaps.append(SkillGap(technique, used, worked, gap=worked == 0))
    return gaps


def _known_technique(value: str) -> str:
    if value not in set(Technique):
        raise BadAssignment(f"no technique {value!r}")
    return value


class ReviewService:
    """Reviews and line comments over ``bot.storage``; one transaction per call."""

    def __init__(self, db: Database, rehearsals: RehearsalService, assignments: AssignmentService) -> None:
        self.db = db
        self.rehearsals = rehearsals
        self.assignments = assignments

    # -- comments on single lines --------------------------------------------------------------

    @staticmethod
    def _comments(s: Store, comments: Sequence[LineComment]) -> list[CommentView]:
        authors = {c.author_id for c in comments}
        names = {u.id: u.display_name for u in (s.users.get(i) for i in authors) if u is not None}
        return [
            CommentView(c.id, c.session_id, c.seq, c.text, names.get(c.author_id, ""), c.created_at)
            for c in comments
        ]

    def comment(self, viewer_id: int, session_id: str, seq: int, text: str) -> CommentView:
        """Comment on line ``seq`` of a session of a rep the viewer coaches."""
        with store(self.db, write=True) as s:
            viewer = scope.manager(s, viewer_id)
            rehearsal, _ = scope.session_of(s, viewer, session_id)
            if rehearsal.private:
                raise PrivateVisit("This visit is private practice: its lines are the rep's alone.")
            if not any(t.seq == seq for t in s.turns.for_session(session_id, after_seq=seq - 1, limit=1)):
                raise SessionNotFound(f"No line {seq} in this session.")
            return self._comments(
                s, [s.reviews.add_comment(session_id=session_id, seq=seq, author=viewer, text=text)]
            )[0]

    def session_comments(self, viewer_id: int, session_id: str) -> list[CommentView]:
        """The comments on a session, for a manager who coaches its rep."""
        with store(self.db) as s:
            scope.session_of(s, scope.manager(s, viewer_id), session_id)
            return self._comments(s, s.reviews.comments(session_id))

    def my_comments(self, user_id: int, session_id: str) -> list[CommentView]:
        """The comments on one of the rep's own sessions."""
        with store(self.db) as s:
            rehearsal = s.sessions.get(session_id)
            if rehearsal is None or rehearsal.user_id != user_id:
                raise NotYourSession("Not your session.")
            return self._comments(s, s.reviews.comments(session_id))

    # -- the draft -----------------------------------------------------------------------------

    def _sessions(
        self, s: Store, viewer: User, session_ids: Sequence[str]
    ) -> tuple[User, list[RehearsalSession]]:
        """The reviewed sessions: 1 to MAX_SESSIONS, all of one rep the viewer coaches."""
        wanted = list(dict.fromkeys(session_ids))
        if not 1 <= len(wanted) <= MAX_SESSIONS:
            raise BadAssignment(f"a review is about 1 to {MAX_SESSIONS} sessions")
        found = [scope.session_of(s, viewer, session_id) for session_id in wanted]
        reps = {rep.id for _, rep in found}
        if len(reps) != 1:
            raise BadAssignment("the sessions of a review are one rep's")
        return found[0][1], [rehearsal for rehearsal, _ in found]

    def _reviewed(self, s: Store, rehearsals: Sequence[RehearsalSession]) -> list[ReviewedSession]:
        titles = self.rehearsals.titles_in(s, [r.id for r in rehearsals])
        return [
            ReviewedSession(r.id, titles.get(r.id, r.scenario_id), r.score, r.started_at) for r in rehearsals
        ]

    def _colleagues(self, s: Store, rep: User, techniques: Sequence[str]) -> list[Colleague]:
        """Per technique, the teammate (not ``rep``) with the best record over their last visits."""
        mates = [m for m in scope.colleagues(s, rep) if m.id != rep.id and m.active]
        states = s.reviews.recent_states([m.id for m in mates], RECORD_VISITS)
        records = {m.id: technique_record(states.get(m.id, [])) for m in mates}
        found = []
        for technique in techniques:
            best = max(
                mates,
                key=lambda m: (records[m.id].get(technique, (0, 0, 0))[1:], -m.id),
                default=None,
            )
            if best is None:
                continue
            _, worked, facts = records[best.id].get(technique, (0, 0, 0))
            if worked:
                found.append(Colleague(technique, best.id, best.display_name, worked, facts))
        return found

    def draft(self, viewer_id: int, session_ids: Sequence[str]) -> ReviewDraft:
        """A new review of ``session_ids``, pre-filled: the skill gaps by technique from the
        sessions and a colleague to learn each technique from."""
        with store(self.db) as s:
            rep, rehearsals = self._sessions(s, scope.manager(s, viewer_id), session_ids)
            gaps = skill_gaps([_with_history(s, r) for r in rehearsals])
            colleagues = self._colleagues(s, rep, [g.technique for g in gaps if g.gap])
            return ReviewDraft(rep.id, self._reviewed(s, rehearsals), gaps, colleagues)

    # -- reviews ---------------------------------------------------------------------------------

    def write(self, viewer_id: int, review: ReviewInput) -> ReviewView:
        """Store a review and its assignments (to the reviewed rep) in one transaction."""
        with store(self.db, write=True) as s:
            viewer = scope.manager(s, viewer_id)
            rep, rehearsals = self._sessions(s, viewer, review.session_ids)
            if review.follow_up_of is not None:
                earlier = s.reviews.review(review.follow_up_of)
                if earlier is None or earlier.rep_id != rep.id:
                    raise ReviewNotFound("No such review of this rep.")
            names = {m.id: m.display_name for m in scope.colleagues(s, rep)}
            for item in review.plan:
                _known_technique(item.technique)
                if item.colleague_id is not None and item.colleague_id not in names:
                    raise BadAssignment("the colleague to learn from is a rep of the same team")
            row = s.reviews.add_review(
                CoachingReview(
                    author_id=viewer.id,
                    rep_id=rep.id,
                    session_ids=[r.id for r in rehearsals],
                    attitude=review.attitude,
                    knowledge=review.knowledge,
                    skills=[
                        {
                            "technique": _known_technique(g.technique),
                            "note": g.note,
                            "used": g.used,
                            "worked": g.worked,
                        }
                        for g in review.skills
                    ],
                    improving=review.improving,
                    plan=[
                        {"technique": p.technique, "action": p.action, "colleague_id": p.colleague_id}
                        for p in review.plan
                    ],
                    follow_up_of=review.follow_up_of,
                    created_at=datetime.now(UTC),
                )
            )
            for order in review.assignments:
                self.assignments.assign_in(s, viewer, [rep], order, review_id=row.id)
            return self._views(s, [row])[0]

    def rep_reviews(self, viewer_id: int, rep_id: int) -> list[ReviewView]:
        with store(self.db) as s:
            rep = scope.rep_of(s, scope.manager(s, viewer_id), rep_id)
            return self._views(s, s.reviews.reviews_for(rep.id))

    def my_reviews(self, user_id: int) -> list[ReviewView]:
        with store(self.db) as s:
            return self._views(s, s.reviews.reviews_for(user_id))

    def _views(self, s: Store, rows: Sequence[CoachingReview]) -> list[ReviewView]:
        """Views of ``rows``: names, sessions and assignments read once for all of them."""
        names = _names(s, rows)
        views = self.assignments.views_in(s, s.reviews.for_reviews([r.id for r in rows]), names)
        rehearsals = s.reviews.sessions([i for r in rows for i in r.session_ids or []])
        reviewed = {x.id: x for x in self._reviewed(s, list(rehearsals.values()))}
        return [
            review_view(
                r,
                names,
                [reviewed[i] for i in r.session_ids or [] if i in reviewed],
                [v for v in views if v.review_id == r.id],
            )
            for r in rows
        ]


def _names(s: Store, rows: Sequence[CoachingReview]) -> dict[int, str]:
    """The display names of the reviews' authors, reps and colleagues to learn from."""
    people = {i for r in rows for i in (r.author_id, r.rep_id)}
    people |= {int(p["colleague_id"]) for r in rows for p in r.plan or [] if p.get("colleague_id")}
    users = (s.users.get(i) for i in people)
    return {u.id: u.display_name for u in users if u is not None}


def _skills(stored: Sequence[dict[str, Any]]) -> list[SkillGap]:
    return [
        SkillGap(g["technique"], int(g.get("used", 0)), int(g.get("worked", 0)), True, g.get("note", ""))
        for g in stored
    ]


def _plan(stored: Sequence[dict[str, Any]], names: dict[int, str]) -> list[PlanItem]:
    found = []
    for p in stored:
        colleague = int(p["colleague_id"]) if p.get("colleague_id") else None
        found.append(
            PlanItem(
                p["technique"], p.get("action", ""), colleague, names.get(colleague) if colleague else None
            )
        )
    return found


def review_view(
    r: CoachingReview, names: dict[int, str], sessions: list[ReviewedSession], own: list[AssignmentView]
) -> ReviewView:
    """A stored review with its sessions and assignments: before is the sessions' mean score,
    after the best score of its assignments so far."""
    scores = [x.score for x in sessions if x.score is not None]
    bests = [v.best_score for v in own if v.best_score is not None]
    return ReviewView(
        id=r.id,
        rep_id=r.rep_id,
        rep_name=names.get(r.rep_id, ""),
        author_name=names.get(r.author_id, ""),
        created_at=r.created_at,
        sessions=sessions,
        attitude=r.attitude,
        knowledge=r.knowledge,
        skills=_skills(r.skills or []),
        improving=r.improving,
        plan=_plan(r.plan or [], names),
        follow_up_of=r.follow_up_of,
        assignments=own,
        before=round(mean(scores), 1) if scores else None,
        after=max(bests) if bests else None,
    )


__all__ = [
    "METHOD_TECHNIQUES",
    "RECORD_VISITS",
    "Colleague",
    "CommentView",
    "PlanItem",
    "PrivateVisit",
    "ReviewDraft",
    "ReviewInput",
    "ReviewNotFound",
    "ReviewService",
    "ReviewView",
    "ReviewedSession",
    "SkillGap",
    "skill_gaps",
    "technique_record",
]
