"""One rehearsal's state: what the engine knows about a visit, stored as JSON after every turn.

Stage, step, status, language and mode are vocabulary enums; they are ``str`` subclasses, so
the stored JSON reads exactly as it did when they were plain strings, and old sessions load.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, fields
from typing import Any

from bot.vocab import Lang, Mode, Stage, Status, Step


@dataclass
class SessionState:
    """Everything the engine knows about one rehearsal; stored as JSON each turn."""

    scenario_id: str
    version: str
    lang: Lang
    mode: Mode
    seed: int
    trust: float
    stage: Stage = Stage.FIRST_IMPRESSION
    step: Step = Step.OPENER
    status: Status = Status.ACTIVE
    turn: int = 0
    revealed: list[str] = field(default_factory=list)
    prior: list[str] = field(default_factory=list)
    current_problem: str | None = None
    pending_question: str | None = None
    asked: list[str] = field(default_factory=list)
    permission: bool = False
    confirmed_upto: int = 0
    opener_closed: int = 0
    cares: int = 0
    greeted: bool = False
    pitches: int = 0
    pitches_before_need: int = 0
    deflections: int = 0
    offences: int = 0
    ignored_questions: int = 0
    answered_back: int = 0
    hints: int = 0
    stage_reached: Stage = Stage.FIRST_IMPRESSION
    step_reached: Step = Step.OPENER
    trust_curve: list[float] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    last_customer: str = ""
    # Added with topic matching (defaults so stored sessions from before load unchanged):
    topic: str | None = None  # the topic key the customer last talked about (docs/topics.md)
    said: list[str] = field(default_factory=list)  # the customer's last lines, most recent last
    off_topic: int = 0  # questions about things this customer does not have
    off_topic_run: int = 0  # of them in a row (each costs more than the one before)
    last_reply_key: str = ""  # the engine wording used last turn, so a fallback is not repeated
    visit: str = "fresh"  # "fresh" or "follow_up" (the customer remembers ``prior``)
    earlier: list[str] = field(default_factory=list)  # facts an earlier visit uncovered (no credit now)
    picked_up: list[str] = field(default_factory=list)  # earlier facts the rep revisited this visit
    next_step: str = ""  # "", "agreed" or "declined": the visit's purpose asked for
    interest: str = ""  # the customer's answer to the last interest check
    referred: bool = False  # the rep named the person who referred him (trust once)
    advised: list[str] = field(default_factory=list)  # the coach's last suggested techniques
    # Added to keep a turn's work flat as a visit grows (issue 12): with ``history_apart`` the
    # caller keeps the history entries elsewhere (the service: one per rep line's row), so the
    # state it loads and stores each turn holds only the lines played since it was loaded.
    history_apart: bool = False
    last_event: str = ""  # the event of the last rep line, for reactions that look one line back

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy. Hand-written: ``dataclasses.asdict`` deep-copies the history
        recursively and cost more than the rest of a turn."""
        data = {name: getattr(self, name) for name in _STATE_FIELDS}
        for name in _STATE_LISTS:
            data[name] = list(data[name])
        for name, default in _ADDED_DEFAULTS.items():
            if data[name] == default:
                del data[name]  # unused so far: the state is stored exactly as before the field existed
        if self.history_apart:
            del data["history"]
        else:
            data["history"] = [dict(entry) for entry in self.history]  # entries are never edited
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SessionState:
        """Read a stored state; keys this version does not know are dropped."""
        known = {key: value for key, value in data.items() if key in _STATE_FIELDS}
        for name, enum in _STATE_ENUMS.items():
            if name in known:
                known[name] = enum(known[name])
        return cls(**known)

    def pick_up_earlier(self, recalled_now: list[str]) -> list[str]:
        """A revisit: every fact of the earlier visit is told again (``recalled_now``, those the
        line named, already were), in the earlier order, and each is credited as picked up, not
        as uncovered. Returns the facts recalled; the prior visit is used up."""
        earlier_now = set(self.prior) | set(recalled_now)
        recalled = [fact for fact in self.earlier if fact in earlier_now] or list(self.prior)
        self.prior.clear()
        for fact in recalled:
            if fact not in self.revealed:
                self.revealed.append(fact)
                recalled_now.append(fact)
            if fact not in self.picked_up:
                self.picked_up.append(fact)
        return recalled

    @property
    def active(self) -> bool:
        return self.status == Status.ACTIVE


_STATE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(SessionState))
# Fields added with topic matching, and their defaults: written only once they differ.
_ADDED_DEFAULTS: dict[str, Any] = {
    "topic": None,
    "said": [],
    "off_topic": 0,
    "off_topic_run": 0,
    "last_reply_key": "",
    "visit": "fresh",
    "earlier": [],
    "picked_up": [],
    "next_step": "",
    "interest": "",
    "referred": False,
    "advised": [],
    "history_apart": False,
    "last_event": "",
}
_STATE_LISTS = ("revealed", "prior", "asked", "trust_curve", "said", "earlier", "picked_up", "advised")
# The stored JSON holds the enums' string values; read them back as the enums.
_STATE_ENUMS: dict[str, type[Lang | Mode | Stage | Step | Status]] = {
    "lang": Lang,
    "mode": Mode,
    "stage": Stage,
    "step": Step,
    "status": Status,
    "stage_reached": Stage,
    "step_reached": Step,
}


def rng_for(seed: int, turn: int, salt: int = 0) -> random.Random:
    """A generator private to (session seed, turn): never the global one, so replays are exact."""
    return random.Random(((seed & 0xFFFFFFFFFFFF) * 1_000_003 + turn) * 31 + salt)
