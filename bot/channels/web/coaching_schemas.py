"""Request and response models of review 3.0, line comments, assignments and team analytics
(documented by OpenAPI). Times are ISO 8601 in UTC."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, field_validator

from bot.services import AssignmentOrder, AssignmentView, PlanItem, ReviewInput, SkillGap

from .input import MAX_DB_ID, CleanStr, VisibleText
from .schemas import Language, Mode, _Request

TEXT_MAX_CHARS = 2000
MAX_REPS = 500
# A user id as stored (1 to 2^31-1): a larger one would be a 500 on PostgreSQL, not a 422.
RepId = Annotated[int, Field(ge=1, le=MAX_DB_ID)]


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _strip(value: str) -> str:
    return value.strip()


class _Out(BaseModel):
    @classmethod
    def of(cls, view: Any) -> Any:
        return cls.model_validate(asdict(view))


class Comment(_Out):
    id: int
    session_id: str
    seq: int = Field(description="The line (turn) of the transcript it is about.")
    text: str
    author_name: str
    created_at: datetime


class CommentRequest(_Request):
    seq: int = Field(ge=1, le=2**31 - 1)
    text: VisibleText = Field(min_length=1, max_length=TEXT_MAX_CHARS)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the comment is empty")
        return value.strip()


class AssignmentRequest(_Request):
    """A scenario to assign: to the reps listed and/or (``team``) every rep you coach."""

    scenario_id: CleanStr = Field(min_length=1, max_length=120)
    mode: Mode = "practice"
    language: Language = "zh"
    due_at: datetime = Field(description="When it is due (ISO 8601; without an offset it is UTC).")
    pass_mark: int = Field(default=60, ge=0, le=100, description="The score that passes.")
    rep_ids: list[RepId] = Field(
        default_factory=list,
        max_length=MAX_REPS,
        description=(
            "Reps of your team; an id that is not one of them is a 404 naming it, and nothing is assigned."
        ),
    )
    team: bool = False

    def order(self) -> AssignmentOrder:
        return AssignmentOrder(self.scenario_id, self.mode, self.language, _utc(self.due_at), self.pass_mark)


class Assignment(_Out):
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
    status: str = Field(description="open, in_progress, done (below the pass mark), passed or overdue.")
    attempts: int
    best_score: int | None
    last_session_id: str | None
    active_session_id: str | None

    @classmethod
    def of(cls, view: AssignmentView) -> Assignment:
        return cls.model_validate(asdict(view))


class SkillGapModel(BaseModel):
    technique: CleanStr = Field(max_length=40)
    used: int = Field(default=0, ge=0)
    worked: int = Field(default=0, ge=0)
    gap: bool = True
    note: CleanStr = Field(default="", max_length=TEXT_MAX_CHARS)


class PlanItemModel(BaseModel):
    technique: CleanStr = Field(max_length=40)
    action: CleanStr = Field(default="", max_length=TEXT_MAX_CHARS)
    colleague_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    colleague_name: str | None = None


class ColleagueModel(_Out):
    technique: str
    rep_id: int
    name: str
    worked: int = Field(description="Lines of the technique that worked, over their last 10 visits.")
    facts: int = Field(description="Facts those lines uncovered.")


class ReviewedSessionModel(_Out):
    id: str
    title: str
    score: int | None
    started_at: datetime


class ReviewDraftModel(_Out):
    rep_id: int
    sessions: list[ReviewedSessionModel]
    skills: list[SkillGapModel]
    colleagues: list[ColleagueModel]


class ReviewRequest(_Request):
    """A review: the ASK gap, what improving means, the plan, and practice to assign."""

    session_ids: list[CleanStr] = Field(min_length=1, max_length=10)
    attitude: CleanStr = Field(default="", max_length=TEXT_MAX_CHARS)
    knowledge: CleanStr = Field(default="", max_length=TEXT_MAX_CHARS)
    skills: list[SkillGapModel] = Field(default_factory=list, max_length=20)
    improving: CleanStr = Field(default="", max_length=TEXT_MAX_CHARS)
    plan: list[PlanItemModel] = Field(default_factory=list, max_length=20)
    assignments: list[AssignmentRequest] = Field(default_factory=list, max_length=5)
    follow_up_of: int | None = Field(default=None, ge=1, le=2**31 - 1)

    _strip_texts = field_validator("attitude", "knowledge", "improving")(_strip)

    def review(self) -> ReviewInput:
        return ReviewInput(
            session_ids=list(self.session_ids),
            attitude=self.attitude,
            knowledge=self.knowledge,
            skills=[SkillGap(g.technique, g.used, g.worked, True, g.note.strip()) for g in self.skills],
            improving=self.improving,
            plan=[PlanItem(p.technique, p.action.strip(), p.colleague_id) for p in self.plan],
            assignments=[a.order() for a in self.assignments],
            follow_up_of=self.follow_up_of,
        )


class Review(_Out):
    id: int
    rep_id: int
    rep_name: str
    author_name: str
    created_at: datetime
    sessions: list[ReviewedSessionModel]
    attitude: str
    knowledge: str
    skills: list[SkillGapModel]
    improving: str
    plan: list[PlanItemModel]
    follow_up_of: int | None
    assignments: list[Assignment]
    before: float | None = Field(description="The mean score of the reviewed sessions.")
    after: int | None = Field(description="The best score of the review's assignments so far.")


class ScorePointModel(BaseModel):
    day: str = Field(description="The day the visits ended (UTC), YYYY-MM-DD.")
    visits: int
    score: float = Field(description="Their mean score.")


class RepAnalyticsModel(BaseModel):
    id: int
    name: str
    sessions: int
    open: int = Field(description="Visits still in progress.")
    scored: int = Field(description="Visits that ended with a scorecard: what the average counts.")
    average_score: float | None
    walk_outs: int = Field(description="Visits the customer walked out of.")
    abandoned: int = Field(description="Visits closed for being idle too long.")
    facts: int
    deadline: int
    budget: int
    confirmed: int = Field(description="Visits that found out both the deadline and the budget.")
    techniques: dict[str, int]
    trend: list[ScorePointModel]


class TeamAnalyticsModel(_Out):
    since: datetime | None
    until: datetime | None
    techniques: list[str] = Field(description="The heatmap's columns.")
    reps: list[RepAnalyticsModel]


__all__ = [
    "Assignment",
    "AssignmentRequest",
    "Comment",
    "CommentRequest",
    "Review",
    "ReviewDraftModel",
    "ReviewRequest",
    "TeamAnalyticsModel",
]
