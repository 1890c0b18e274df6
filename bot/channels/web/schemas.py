"""Request and response models of the JSON API (they are what OpenAPI documents)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.services import FlagView, ScenarioSummary, SessionView, TurnResult, TurnView
from bot.vocab import Technique

from .input import CleanStr, MessageText

Language = Literal["zh", "en"]
Mode = Literal["practice", "exam"]


class _Request(BaseModel):
    # Unknown fields are a client bug worth reporting, not something to ignore silently.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable id, e.g. session_not_found, session_closed, not_signed_in.")
    message: str = Field(description="An English explanation for developers; the page shows its own text.")


class ErrorResponse(BaseModel):
    error: ErrorDetail


class LoginRequest(_Request):
    login: CleanStr = Field(min_length=1, max_length=80, examples=["demo"])
    password: str = Field(min_length=1, max_length=256, examples=["correct-horse-battery"])


class PasswordChange(_Request):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(
        min_length=1,
        max_length=256,
        description="At least 10 characters, not a common password, not the login.",
    )


class Me(BaseModel):
    id: int
    login: str
    display_name: str
    role: str
    language: str
    time_zone: str | None = Field(
        default=None,
        description="The zone times are shown in (the user's, else the team's); null: none.",
    )


class Scenario(BaseModel):
    id: str
    version: str
    languages: list[str]
    title: dict[str, str] = Field(description="Title per language code.")
    purpose: dict[str, str] = Field(description="The visit's purpose per language code.")
    sales_mode: str
    difficulty: str
    customer: dict[str, str] = Field(
        description="name, title and company of the simulated customer, in the scenario's first language."
    )
    cards: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="The briefing card per interface language: the customer's name, title, company and "
        "industry, the visit's purpose and what the rep knows beforehand (briefing).",
    )
    trains: list[str] = Field(default_factory=list, description="The techniques this visit trains.")

    @classmethod
    def of(cls, summary: ScenarioSummary) -> Scenario:
        return cls.model_validate(summary.to_dict())


class StartRequest(_Request):
    scenario_id: CleanStr = Field(min_length=1, max_length=120)
    language: Language = "zh"
    mode: Mode = "practice"
    end_active: bool = Field(
        default=False,
        description="End my visit in progress first (its scorecard is kept), so one visit is open at a time.",
    )
    private: bool = Field(
        default=False,
        description="Private practice: managers see that it happened and its score, never its lines.",
    )


class MessageRequest(_Request):
    text: MessageText = Field(min_length=1, description="What the rep says.")
    client_message_id: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="Chosen by the client, unique per message: a retry with the same id gets the "
        "same reply and stores nothing new.",
    )


class TurnOutcome(BaseModel):
    """The outcome of one rep action: the opening, a line, or the end of the visit."""

    session_id: str
    status: str = Field(
        description="active, ended, closed_by_customer (the customer walked out) or abandoned (left idle)."
    )
    stage: str
    step: str
    trust: float
    rep_text: str | None = None
    techniques: list[str] = Field(default=[], description="Empty while an exam runs: the scorecard judges.")
    customer_reply: str | None = None
    coach_note: str | None = Field(default=None, description="Always null in exam mode.")
    revealed: list[str] = Field(default=[], description="Empty while an exam runs.")
    scorecard: dict[str, Any] | None = None
    duplicate: bool = Field(default=False, description="True when this repeats an earlier reply.")
    rep_seq: int | None = Field(
        default=None, description="The seq of the rep's line: flag its judgement at /turns/{seq}/flag."
    )

    @classmethod
    def of(cls, result: TurnResult) -> TurnOutcome:
        return cls.model_validate(result.to_dict())


class Turn(BaseModel):
    seq: int = Field(description="1, 2, 3, ... within the session, without gaps.")
    speaker: Literal["rep", "customer", "coach"] | str
    text: str
    techniques: list[str] = []
    stage: str | None = None
    step: str | None = None
    trust: float | None = None
    created_at: str | None = None

    @classmethod
    def of(cls, turn: TurnView) -> Turn:
        return cls.model_validate(turn.to_dict())


class SessionSummary(BaseModel):
    id: str
    scenario_id: str
    scenario_version: str
    title: str
    language: str
    mode: str
    channel: str
    status: str = Field(
        description="active, ended, closed_by_customer (the customer walked out) or abandoned (left idle)."
    )
    stage: str | None
    step: str | None
    trust: float
    started_at: str
    ended_at: str | None
    score: float | None = Field(default=None, description="The scorecard's score once the visit ended.")
    private: bool = Field(default=False, description="Private practice: only the rep reads its lines.")

    @classmethod
    def of(cls, view: SessionView) -> SessionSummary:
        data = view.to_dict()
        scorecard = data.pop("scorecard", None) or {}
        data.pop("turns", None)
        data.pop("user_id", None)
        return cls.model_validate({**data, "score": scorecard.get("score")})


class SessionDetail(SessionSummary):
    scorecard: dict[str, Any] | None = None
    turns: list[Turn] = []

    @classmethod
    def of(cls, view: SessionView) -> SessionDetail:
        data = view.to_dict()
        data.pop("user_id", None)
        scorecard = data.get("scorecard") or {}
        return cls.model_validate({**data, "score": scorecard.get("score")})


class Hint(BaseModel):
    hint: str


class LinkCode(BaseModel):
    code: str = Field(description="One-time code; send /start CODE to the Telegram bot.")
    command: str = Field(description="The exact text to send in Telegram.")
    expires_in_seconds: int


__all__ = [
    "ErrorResponse",
    "Hint",
    "LinkCode",
    "LoginRequest",
    "Me",
    "MessageRequest",
    "Scenario",
    "SessionDetail",
    "SessionSummary",
    "StartRequest",
    "Turn",
    "TurnOutcome",
]


class FlagRequest(_Request):
    suggested: Technique | None = Field(
        default=None, description="The technique the rep thinks is right; leave it out to say just 'wrong'."
    )


class Flag(BaseModel):
    """A rep's flag in the trainers' review queue."""

    id: int
    session_id: str
    seq: int
    text: str
    predicted: list[str] = Field(description="What the coach judged the line to be, primary first.")
    suggested: str | None
    status: Literal["pending", "accepted", "rejected"]

    @classmethod
    def of(cls, flag: FlagView) -> Flag:
        return cls(
            id=flag.id,
            session_id=flag.session_id,
            seq=flag.seq,
            text=flag.text,
            predicted=flag.predicted,
            suggested=flag.suggested,
            status=flag.status,
        )
