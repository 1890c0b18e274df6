"""WeCom (企业微信) links: which user a WeCom member (their userid in the corp) rehearses as.

Kept beside the other models but in its own module, with its own small repository, so the
WeCom channel adds a table without touching the shared repository classes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .models import Base, User, utcnow


class WeComLink(Base):
    """A WeCom member linked to a user (by a one-time code, by /start, or by an admin)."""

    __tablename__ = "wecom_links"

    # WeCom userids are up to 64 bytes (letters, digits, ._-@).
    wecom_userid: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WeComLinkRepository:
    """Reads and writes ``wecom_links`` in the caller's unit of work."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def user(self, wecom_userid: str) -> User | None:
        link = self._s.get(WeComLink, wecom_userid)
        return self._s.get(User, link.user_id) if link is not None else None

    def link(self, wecom_userid: str, user: User) -> WeComLink:
        """Link (or re-link) the member to ``user``."""
        link = self._s.get(WeComLink, wecom_userid)
        if link is None:
            link = WeComLink(wecom_userid=wecom_userid, user_id=user.id)
            self._s.add(link)
        else:
            link.user_id = user.id
        self._s.flush()
        return link

    def userids(self, user_id: int) -> Sequence[str]:
        """The WeCom members linked to a user, oldest link first."""
        rows = self._s.scalars(
            select(WeComLink.wecom_userid)
            .where(WeComLink.user_id == user_id)
            .order_by(WeComLink.created_at, WeComLink.wecom_userid)
        )
        return tuple(rows)


__all__ = ["WeComLink", "WeComLinkRepository"]
