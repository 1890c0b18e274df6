"""A user's settings beyond the language: the time zone times are shown in.

The zone is the user's own (the web page stores the browser's the first time, Telegram
/settings changes it), else the team's default, else UTC. Names are IANA zones (Asia/Shanghai).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.storage import Database, User, store

from .errors import RehearsalError
from .views import LinkedRep

DEFAULT_ZONE = "UTC"


class UnknownTimeZone(RehearsalError):
    code = "unknown_time_zone"


def zone(name: str | None) -> ZoneInfo:
    """The zone called ``name``; UTC for None or a name this machine does not know."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def checked_zone(name: str) -> str:
    """``name`` when it is a known IANA zone (case as written in the database of zones)."""
    cleaned = (name or "").strip()
    if not cleaned or len(cleaned) > 64 or cleaned.startswith(("/", ".")) or ".." in cleaned:
        raise UnknownTimeZone(f"not a time zone: {name!r}")
    try:
        ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnknownTimeZone(f"not a time zone: {name!r}") from None
    return cleaned


def local_time(moment: datetime, zone_name: str | None) -> str:
    """``moment`` (stored in UTC; SQLite hands it back without an offset) in the zone, with the
    zone's abbreviation or offset, e.g. "2026-11-29 21:05 CST"."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    here = aware.astimezone(zone(zone_name))
    return f"{here:%Y-%m-%d %H:%M} {here.tzname() or zone_name or DEFAULT_ZONE}"


def zone_of(user: User) -> str | None:
    """The user's zone, else their team's default; None when neither chose one."""
    if user.time_zone:
        return user.time_zone
    return user.team.time_zone if user.team is not None else None


def linked(user: User) -> LinkedRep:
    """The rep behind a chat account, as channels see them (with their time zone)."""
    return LinkedRep(user.id, user.display_name, user.language, user.active, zone_of(user))


def linked_rep(user: User | None) -> LinkedRep | None:
    return linked(user) if user is not None else None


class UserSettingsService:
    """Reads and changes a user's time zone; one transaction a call."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def time_zone(self, user_id: int) -> str | None:
        """The user's zone, else the team's, else None (the caller's default applies)."""
        with store(self.db) as s:
            user = s.users.get(user_id)
            return zone_of(user) if user is not None else None

    def set_time_zone(self, user_id: int, name: str, *, only_if_unset: bool = False) -> str | None:
        """Store the user's zone (checked); ``only_if_unset`` keeps a zone already chosen. Returns
        the zone in force afterwards."""
        checked = checked_zone(name)
        with store(self.db, write=True) as s:
            user = s.users.get(user_id)
            if user is None:
                return None
            if not (only_if_unset and user.time_zone):
                user.time_zone = checked
            return user.time_zone
