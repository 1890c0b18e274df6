"""Who a manager may coach: the reps of their own team (every rep for an admin).

A rep or session outside that scope is reported as not found, as if it did not exist
(the same rule ``CoachingService`` applies to notes).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.storage import RehearsalSession, Store, User
from bot.vocab import Role

from .errors import NotAManager, RepNotFound, SessionNotFound

MANAGERS = (Role.MANAGER, Role.ADMIN)


def manager(s: Store, user_id: int) -> User:
    """The signed-in manager or admin; NotAManager for anyone else."""
    viewer = s.users.get(user_id)
    if viewer is None or viewer.role not in MANAGERS:
        raise NotAManager("Only managers and admins may do this.")
    return viewer


def in_scope(viewer: User, rep: User | None) -> bool:
    if rep is None or rep.role != Role.REP:
        return False
    if viewer.role == Role.ADMIN:
        return True
    return viewer.team_id is not None and rep.team_id == viewer.team_id


def rep_of(s: Store, viewer: User, rep_id: int) -> User:
    rep = s.users.get(rep_id)
    if rep is None or not in_scope(viewer, rep):
        raise RepNotFound("No such rep in your team.")
    return rep


def session_of(s: Store, viewer: User, session_id: str) -> tuple[RehearsalSession, User]:
    """A session of a rep the viewer coaches, and that rep."""
    rehearsal = s.sessions.get(session_id)
    rep = s.users.get(rehearsal.user_id) if rehearsal is not None else None
    if rehearsal is None or rep is None or not in_scope(viewer, rep):
        raise SessionNotFound("No such session in your team.")
    return rehearsal, rep


def team_reps(s: Store, viewer: User) -> Sequence[User]:
    """The reps ``viewer`` coaches: their team's, or every rep for an admin."""
    if viewer.role == Role.ADMIN:
        return s.users.list(role=Role.REP)
    if viewer.team_id is None:
        return []
    return s.users.list(role=Role.REP, team_id=viewer.team_id)


def colleagues(s: Store, rep: User) -> Sequence[User]:
    """The reps of ``rep``'s team (``rep`` among them); only ``rep`` when they have no team."""
    if rep.team_id is None:
        return [rep]
    return s.users.list(role=Role.REP, team_id=rep.team_id)
