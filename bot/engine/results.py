"""What the rehearsal engine hands to channels: plain, JSON-ready values.

Channels (web, Telegram, terminal) depend on these types and on ``RehearsalAPI`` only, never on
the state machine or the storage models behind them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol


class RehearsalError(Exception):
    """Base class; ``code`` is a stable id channels map to a message or an HTTP status."""

    code = "rehearsal_error"


class UnknownScenario(RehearsalError):
    code = "unknown_scenario"


class SessionNotFound(RehearsalError):
    code = "session_not_found"


class SessionClosed(RehearsalError):
    code = "session_closed"


class NotYourSession(RehearsalError):
    code = "not_your_session"


class MessageRejected(RehearsalError):
    """Empty, oversized or otherwise unusable rep text; nothing was stored."""

    code = "message_rejected"


@dataclass(frozen=True)
class ScenarioSummary:
    id: str
    version: str
    languages: tuple[str, ...]
    title: dict[str, str]
    purpose: dict[str, str]
    sales_mode: str
    difficulty: str
    customer: dict[str, str]  # "name", "title", "company" in the scenario's first language
    # The briefing card per language: "name", "title", "company", "industry" of the customer and
    # "briefing" (what the rep knows beforehand; "" when the scenario says nothing).
    cards: dict[str, dict[str, str]] = field(default_factory=dict)
    trains: tuple[str, ...] = ()  # the techniques the visit trains, most trained first

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def card(self, lang: str) -> dict[str, str]:
        """The briefing card in ``lang`` (an interface language), else in the scenario's first
        language: a scenario without English still shows its customer on an English page."""
        return self.cards.get(lang) or self.cards.get(self.languages[0]) or dict(self.customer)


@dataclass(frozen=True)
class TurnView:
    seq: int
    speaker: str  # rep / customer / coach
    text: str
    techniques: list[str] = field(default_factory=list)
    stage: str | None = None
    step: str | None = None
    trust: float | None = None
    created_at: str | None = None  # ISO 8601

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TurnResult:
    """The outcome of one rep action (start, a line, end)."""

    session_id: str
    status: str  # active / ended / closed_by_customer
    stage: str
    step: str
    trust: float
    rep_text: str | None = None
    techniques: list[str] = field(default_factory=list)
    customer_reply: str | None = None
    coach_note: str | None = None  # None in exam mode
    revealed: list[str] = field(default_factory=list)
    scorecard: dict[str, Any] | None = None
    duplicate: bool = False  # a redelivered message: nothing new was stored
    rep_seq: int | None = None  # the seq of the rep's line, for flagging its judgement

    @property
    def ended(self) -> bool:
        return self.status != "active"

    def to_dict(self) -> dict[str, Any]:
        # Field by field, not dataclasses.asdict: a turn makes two of these (the stored answer to
        # a redelivery, the channel's reply) and asdict's recursive copy was a measurable part of
        # a turn's CPU. The lists and the scorecard are copied one level: callers only read them.
        return {
            "session_id": self.session_id,
            "status": self.status,
            "stage": self.stage,
            "step": self.step,
            "trust": self.trust,
            "rep_text": self.rep_text,
            "techniques": list(self.techniques),
            "customer_reply": self.customer_reply,
            "coach_note": self.coach_note,
            "revealed": list(self.revealed),
            "scorecard": dict(self.scorecard) if self.scorecard is not None else None,
            "duplicate": self.duplicate,
            "rep_seq": self.rep_seq,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TurnResult:
        return cls(**data)


@dataclass(frozen=True)
class SessionView:
    id: str
    user_id: int
    scenario_id: str
    scenario_version: str
    title: str
    language: str
    mode: str
    channel: str
    status: str
    stage: str | None
    step: str | None
    trust: float
    started_at: str
    ended_at: str | None
    scorecard: dict[str, Any] | None
    turns: list[TurnView] = field(default_factory=list)
    private: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def sealed(self) -> bool:
        """An exam still running: the rep sees no judgement of their lines until the scorecard."""
        return self.mode == "exam" and self.status == "active"

    def as_seen_by_rep(self) -> SessionView:
        """The visit as its rep may read it: during an exam, no technique per line and no trust,
        stage or step per customer line (the scorecard shows them all once the visit ends)."""
        if not self.sealed:
            return self
        hidden = [replace(t, techniques=[], stage=None, step=None, trust=None) for t in self.turns]
        return replace(self, turns=hidden)


class RehearsalAPI(Protocol):
    """The engine's surface for channels. Every call is one database transaction."""

    def scenarios(self, language: str | None = None, *, fresh: bool = True) -> list[ScenarioSummary]: ...

    def start(
        self,
        user_id: int,
        scenario_id: str,
        *,
        language: str,
        mode: str,
        channel: str,
        seed: int | None = None,
        visit: str = "fresh",  # or "follow_up": the customer remembers earlier visits
        private: bool = False,  # only the rep reads its lines
    ) -> TurnResult: ...

    def send(
        self, session_id: str, text: str, *, user_id: int, channel: str, message_id: str | None = None
    ) -> TurnResult: ...

    def hint(self, session_id: str, *, user_id: int) -> str: ...

    def end(self, session_id: str, *, user_id: int, channel: str) -> TurnResult: ...

    def session(self, session_id: str, *, user_id: int | None = None) -> SessionView: ...

    def sessions_for(self, user_id: int, *, limit: int = 50) -> list[SessionView]: ...

    def active_session(self, user_id: int) -> SessionView | None: ...
