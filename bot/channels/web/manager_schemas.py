"""Request and response models of the manager API and of coaching notes (documented by OpenAPI)."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from .input import CleanStr, VisibleText
from .schemas import SessionDetail, _Request

NOTE_MAX_CHARS = 2000
TREND_LENGTH = 10


class RepProgress(BaseModel):
    """One rep of the team and how their rehearsals are going."""

    id: int
    name: str
    login: str
    team: str | None = None
    sessions: int = Field(description="Every session, finished or not.")
    finished: int = Field(description="Visits the rep ended (walk-outs and abandoned visits not included).")
    walked_out: int = Field(default=0, description="Visits the customer walked out of.")
    abandoned: int = Field(default=0, description="Visits left idle and closed as abandoned.")
    scored: int = Field(default=0, description="Visits with a scorecard: what the average counts.")
    average_score: float | None = Field(
        default=None,
        description="Mean score of every visit with a scorecard (ended, walked out, abandoned), one decimal.",
    )
    best_score: int | None = None
    last_practised: str | None = Field(
        default=None, description="When the rep last rehearsed: a line, a start or an end (ISO 8601, UTC)."
    )
    trend: list[int] = Field(
        default=[], description=f"Scores of the last {TREND_LENGTH} finished sessions, oldest first."
    )
    unread_notes: int = Field(description="Coaching notes the rep has not read yet.")


class RepRef(BaseModel):
    id: int
    name: str
    login: str


class Note(BaseModel):
    """A coaching note from a manager to a rep, optionally about one session."""

    id: int
    text: str
    created_at: str
    read_at: str | None = Field(default=None, description="Null while the rep has not read it.")
    author_id: int
    author_name: str
    rep_id: int
    session_id: str | None = None
    session_title: str | None = Field(default=None, description="The title of the session it is about.")


class NoteRequest(_Request):
    text: VisibleText = Field(
        min_length=1, max_length=NOTE_MAX_CHARS, examples=["多问几个“为什么”，再给方案。"]
    )
    session_id: CleanStr | None = Field(
        default=None, min_length=1, max_length=32, description="The rep's session the note is about."
    )

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the note is empty")
        return value.strip()


class ManagedSession(SessionDetail):
    """A rep's session for a manager: the transcript, the scorecard, the rep and the notes on it."""

    rep: RepRef
    notes: list[Note] = Field(default_factory=list)


__all__ = ["NOTE_MAX_CHARS", "TREND_LENGTH", "ManagedSession", "Note", "NoteRequest", "RepProgress", "RepRef"]
