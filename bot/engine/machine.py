"""The dialogue state machine: two tracks that move together, built with ``transitions``.

- The relationship **stage** (first_impression -> liking -> trust -> persuasion -> excitation)
  follows trust and what the rep has uncovered (triggers ``warm`` and ``cool``).
- The need-questioning **step** (opener -> curiosity -> analysis -> what_if -> how_do_you_see
  -> need_confirmation, ending in ``ended`` or ``closed_by_customer``) moves on the rep's
  technique: each technique is a trigger, and its transitions are listed in the order the
  method's guards are tried (deep questions before trust are deflected, a pitch before a need
  costs trust, "why" digs one level into the current problem, and so on).

One ``DialogueMachine`` is built per scenario version and shared by every session: the two
``transitions.Machine`` objects hold no session data. Each turn wraps the session's
``SessionState`` (a plain dict in the database) in a short-lived ``TurnModel`` and fires
events on it with ``Event.trigger(model)``, so no model is ever registered on the machine.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, fields
from typing import Any

from transitions import Machine

from .customer import Customer, joiner
from .scenario import NEED_FACTS, STAGES, STEPS, TECHNIQUES, LoadedScenario

END_STEPS: tuple[str, ...] = ("ended", "closed_by_customer")
# Every technique but these three asks the customer something.
QUESTION_TECHNIQUES = frozenset(TECHNIQUES) - {"greeting", "pitch", "statement"}

# Trust thresholds of the relationship stages (the stage needs facts too, see ``warm``).
STAGE_TRUST: dict[str, float] = {
    "first_impression": 0,
    "liking": 30,
    "trust": 45,
    "persuasion": 55,
    "excitation": 60,
}
SHALLOW_GATE = 30.0  # why / what else need the customer to like the rep
DEEP_GATE = 45.0  # what if / how do you see it / deadline and budget need trust
SOFTENING = 10.0  # a humble disclaimer lowers each gate by this much
WALK_OUT_TRUST = 5.0
WALK_OUT_PITCHES = 3
GUARDED_BELOW = {"low": 40.0, "medium": 30.0, "high": 20.0}

# Trust moves, in points of 0-100. Mistakes the persona is ``offended_by`` cost twice as much.
GAIN = {
    "greeting": 3.0,
    "opener_closed": 6.0,
    "closed": 1.0,
    "guarded": 1.0,
    "care": 7.0,
    "care_again": 3.0,
    "open": 4.0,
    "reveal": 4.0,
    "implication": 5.0,
    "view": 5.0,
    "need": 3.0,
    "permission": 2.0,
    "confirm": 4.0,
    "revisit_prior": 8.0,
    "revisit_talk": 3.0,
    "answer_back": 6.0,
    "accept_answer": 1.0,
    "pitch_after_need": 1.0,
}
COST = {
    "deflect": 4.0,
    "pitch_early": 7.0,
    "private": 6.0,
    "ignored": 3.0,
    "need_not_ready": 2.0,
    "view_too_early": 1.0,
    "revisit_unknown": 3.0,
}
OFFENCE_OF = {
    "deflect": "deep_questions_before_trust",
    "pitch_early": "early_pitch",
    "private": "private_topics",
}


@dataclass
class SessionState:
    """Everything the engine knows about one rehearsal; stored as JSON each turn."""

    scenario_id: str
    version: str
    lang: str
    mode: str
    seed: int
    trust: float
    stage: str = "first_impression"
    step: str = "opener"
    status: str = "active"
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
    stage_reached: str = "first_impression"
    step_reached: str = "opener"
    trust_curve: list[float] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    last_customer: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy. Hand-written: ``dataclasses.asdict`` deep-copies the history
        recursively and cost more than the rest of a turn."""
        data = {name: getattr(self, name) for name in _STATE_FIELDS}
        for name in _STATE_LISTS:
            data[name] = list(data[name])
        data["history"] = [dict(entry) for entry in self.history]  # entries are never edited
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SessionState:
        return cls(**{key: value for key, value in data.items() if key in _STATE_FIELDS})

    @property
    def active(self) -> bool:
        return self.status == "active"


_STATE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(SessionState))
_STATE_LISTS = ("revealed", "prior", "asked", "trust_curve")


@dataclass
class TurnOutcome:
    """What one rep line (or the end of the visit) did."""

    reply: str
    event: str  # what happened, for the coach: "dug", "deflected", "pitch_early", ...
    techniques: list[str]  # as classified, primary first
    revealed: list[str]
    trust_before: float
    trust_after: float
    stage: str
    step: str
    status: str
    ignored_question: bool = False
    asked_question: str | None = None
    technique: str = ""  # what the customer reacted to ("private" for a private question)

    @property
    def trust_delta(self) -> float:
        return round(self.trust_after - self.trust_before, 2)


def rng_for(seed: int, turn: int, salt: int = 0) -> random.Random:
    """A generator private to (session seed, turn): never the global one, so replays are exact."""
    return random.Random(((seed & 0xFFFFFFFFFFFF) * 1_000_003 + turn) * 31 + salt)


class TurnModel:
    """The ``transitions`` model for one turn: the session's state plus this turn's input.

    Condition methods encode the method's guards; action methods make the customer answer.
    """

    def __init__(
        self,
        dialogue: DialogueMachine,
        state: SessionState,
        text: str,
        techniques: list[str],
    ) -> None:
        self.d = dialogue
        self.customer = dialogue.customer
        self.state = state
        self.stage = state.stage
        self.step = state.step
        self.text = text
        self.techniques = techniques
        self.lang = state.lang
        self.rng = rng_for(state.seed, state.turn)
        self.softened = state.permission or "humble_disclaimer" in techniques[1:]
        self.parts: list[str] = []
        self.revealed: list[str] = []
        self.event = "none"
        self.delta = 0.0
        self.asked_question: str | None = None

    # -- helpers ---------------------------------------------------------------------------

    def _say(self, key: str, **fields: str) -> None:
        self.parts.append(self.customer.say(key, self.lang, self.rng, **fields))

    def _reveal(self, fact_id: str) -> None:
        if fact_id in self.state.revealed:
            return
        self.state.revealed.append(fact_id)
        self.revealed.append(fact_id)
        if fact_id in self.state.prior:
            self.state.prior.remove(fact_id)
        self.parts.append(self.customer.tell(fact_id, self.lang, self.rng))
        question = self.customer.question_after(fact_id, self.state)
        if question is not None and self.state.pending_question is None and self.asked_question is None:
            self.asked_question = question.id

    def _cost(self, kind: str) -> None:
        offended = OFFENCE_OF.get(kind) in self.customer.persona.offended_by
        self.delta -= COST[kind] * (2 if offended else 1)

    def _gate(self, gate: float) -> bool:
        """True when the customer is not ready for a question that needs ``gate`` trust."""
        return self.state.trust < gate - (SOFTENING if self.softened else 0.0)

    # -- conditions (the method's guards) ----------------------------------------------------

    def too_early_shallow(self) -> bool:
        return self._gate(SHALLOW_GATE)

    def too_early_deep(self) -> bool:
        return self._gate(DEEP_GATE)

    def guarded(self) -> bool:
        return self.state.trust < GUARDED_BELOW[self.customer.persona.talkative]

    def has_problem(self) -> bool:
        return self.state.current_problem is not None

    def can_dig(self) -> bool:
        return self.customer.next_cause(self.state) is not None

    def has_sibling(self) -> bool:
        return self.customer.next_sibling(self.state) is not None

    def has_situation_left(self) -> bool:
        return self.customer.next_situation(self.state) is not None

    def has_situation_revealed(self) -> bool:
        return any(item.id in self.state.revealed for item in self.customer.situation)

    def has_implication(self) -> bool:
        return self.customer.next_implication(self.state, self.text, self.lang) is not None

    def root_found(self) -> bool:
        return self.customer.root_found(self.state)

    def has_view(self) -> bool:
        return self.customer.next_view(self.state) is not None

    def motivated(self) -> bool:
        return self.d.motivation_count(self.state) >= self.d.motivation_needed

    def need_left(self) -> bool:
        return any(fact not in self.state.revealed for fact in NEED_FACTS)

    def has_news(self) -> bool:
        return len(self.state.revealed) > self.state.confirmed_upto

    def has_prior(self) -> bool:
        return bool(self.state.prior)

    def has_facts(self) -> bool:
        return bool(self.state.revealed)

    def pending(self) -> bool:
        return self.state.pending_question is not None

    def trust_at_liking(self) -> bool:
        return self.state.trust >= STAGE_TRUST["liking"]

    def trust_at_trust(self) -> bool:
        return self.state.trust >= STAGE_TRUST["trust"]

    def trust_at_persuasion(self) -> bool:
        return self.state.trust >= STAGE_TRUST["persuasion"]

    def trust_at_excitation(self) -> bool:
        return self.state.trust >= STAGE_TRUST["excitation"]

    # -- actions: how the customer answers ---------------------------------------------------

    def greet(self) -> None:
        self.event = "greeted"
        if not self.state.greeted:
            self.state.greeted = True
            self.delta += GAIN["greeting"]
        self._say("greeting")

    def answer_closed(self) -> None:
        if self.state.step == "opener" and self.state.opener_closed < 2:
            self.state.opener_closed += 1
            self.delta += GAIN["opener_closed"]
            self.event = "opener_answered"
        else:
            self.delta += GAIN["closed"]
            self.event = "small_talk"
        self._say("small_talk")

    def answer_guarded(self) -> None:
        self.event = "guarded"
        self.delta += GAIN["guarded"]
        self._say("guarded")

    def answer_open(self) -> None:
        item = self.customer.next_situation(self.state)
        if item is not None and item.min_trust <= self.state.trust:
            self._tell_situation(item.id, GAIN["open"])
            return
        if self.customer.persona.talkative == "high" and self.can_dig():
            self.dig()
            return
        self.event = "small_talk"
        self.delta += GAIN["closed"]
        self._say("small_talk")

    def show_care(self) -> None:
        item = self.customer.next_situation(self.state)
        self.state.cares += 1
        gain = GAIN["care"] if self.state.cares <= 2 else GAIN["care_again"]
        if item is not None and item.min_trust <= self.state.trust:
            self._tell_situation(item.id, gain)
            return
        self.event = "care"
        self.delta += GAIN["care_again"]
        self._say("small_talk")

    def _tell_situation(self, fact_id: str, gain: float) -> None:
        item = next(i for i in self.customer.situation if i.id == fact_id)
        self.event = "situation"
        self.delta += gain
        self._reveal(item.id)
        if item.leads_to is not None and item.leads_to not in self.state.revealed:
            self._open_problem(item.leads_to)

    def _open_problem(self, problem_id: str) -> None:
        self.state.current_problem = problem_id
        self._reveal(problem_id)

    def grant_permission(self) -> None:
        self.event = "permission"
        self.state.permission = True
        self.delta += GAIN["permission"]
        self._say("permission")

    def deflect(self) -> None:
        self.state.deflections += 1
        if self.softened:
            self.event = "deflected_softened"
            self._say("deflect_softened")
        else:
            self.event = "deflected"
            self._cost("deflect")
            self._say("deflect")

    def no_problem_yet(self) -> None:
        self.event = "no_problem_yet"
        self._say("no_problem_yet")

    def dig(self) -> None:
        found = self.customer.next_cause(self.state)
        assert found is not None  # guarded by can_dig
        problem, index = found
        cause = problem.causes[index]
        if cause.min_trust > self.state.trust:
            self.deflect()
            return
        self.delta += GAIN["reveal"]
        self._reveal(cause.id)
        self.event = "root_found" if index == len(problem.causes) - 1 else "dug"

    def at_root(self) -> None:
        self.event = "at_root"
        self._say("no_deeper")

    def open_sibling(self) -> None:
        problem = self.customer.next_sibling(self.state)
        assert problem is not None  # guarded by has_sibling
        if problem.min_trust > self.state.trust:
            self.deflect()
            return
        self.event = "sibling"
        self.delta += GAIN["reveal"]
        self._open_problem(problem.id)

    def tell_more_situation(self) -> None:
        item = self.customer.next_situation(self.state)
        assert item is not None  # guarded by has_situation_left
        if item.min_trust > self.state.trust:
            self.deflect()
            return
        self._tell_situation(item.id, GAIN["reveal"])

    def nothing_new(self) -> None:
        self.event = "small_talk"
        self._say("small_talk")

    def nothing_else(self) -> None:
        self.event = "nothing_else"
        self._say("nothing_else")

    def imagine(self) -> None:
        implication = self.customer.next_implication(self.state, self.text, self.lang)
        assert implication is not None  # guarded by has_implication
        if implication.min_trust > self.state.trust:
            self.deflect()
            return
        self.event = "implication"
        self.delta += GAIN["implication"]
        self._reveal(implication.id)

    def share_view(self) -> None:
        view = self.customer.next_view(self.state)
        assert view is not None  # guarded by has_view
        self.event = "view"
        self.delta += GAIN["view"]
        self._reveal(view.id)

    def view_too_early(self) -> None:
        self.event = "view_too_early"
        self._cost("view_too_early")
        self._say("view_too_early")

    def confirm_need(self) -> None:
        fact = self.customer.next_need(self.state, self.text, self.lang)
        assert fact is not None  # guarded by need_left
        self.event = "need"
        self.delta += GAIN["need"]
        self._reveal(fact)

    def need_not_ready(self) -> None:
        self.event = "need_not_ready"
        self._cost("need_not_ready")
        self._say("need_not_ready")

    def need_done(self) -> None:
        self.event = "need_done"
        self._say("need_done")

    def confirm_yes(self) -> None:
        self.event = "confirmed"
        self.state.confirmed_upto = len(self.state.revealed)
        self.delta += GAIN["confirm"]
        self._say("confirm_yes")

    def confirm_nothing(self) -> None:
        self.event = "confirm_nothing"
        self._say("confirm_nothing")

    def revisit(self) -> None:
        """Pick up where an earlier visit left off: its facts count again, its problem is current."""
        self.event = "revisited"
        recalled = list(self.state.prior)
        self.state.prior.clear()
        for fact in recalled:
            if fact not in self.state.revealed:
                self.state.revealed.append(fact)
                self.revealed.append(fact)
        problems = [f for f in recalled if f in self.customer.loaded.problems]
        owners = [
            self.customer.loaded.cause_owner[f] for f in recalled if f in self.customer.loaded.cause_owner
        ]
        if problems or owners:
            self.state.current_problem = (owners or problems)[-1]
        topical = [f for f in recalled if f in self.customer.loaded.fact_topic]
        topic = self.customer.topic(topical[-1], self.lang) if topical else ""
        self.delta += GAIN["revisit_prior"]
        self._say("revisit", topic=topic)

    def revisit_talk(self) -> None:
        self.event = "revisited_talk"
        topical = [f for f in self.state.revealed if f in self.customer.loaded.fact_topic]
        topic = self.customer.topic(topical[-1], self.lang) if topical else ""
        self.delta += GAIN["revisit_talk"]
        self._say("revisit", topic=topic)

    def revisit_unknown(self) -> None:
        self.event = "revisit_unknown"
        self._cost("revisit_unknown")
        self._say("revisit_unknown")

    def answer_back(self) -> None:
        question_id = self.state.pending_question
        assert question_id is not None  # guarded by pending
        question = self.customer.questions[question_id]
        self.state.pending_question = None
        self.state.answered_back += 1
        self.event = "answered_back"
        self.delta += GAIN["answer_back"]
        self.parts.append(self.customer.pick(question.answered, self.lang, self.rng))
        if question.reveals is not None:
            if question.reveals in self.customer.loaded.problems:
                self._open_problem(question.reveals)
            else:
                self._reveal(question.reveals)

    def accept_answer(self) -> None:
        self.state.pending_question = None
        self.event = "answered_plainly"
        self.delta += GAIN["accept_answer"]
        self._say("small_talk")

    def neutral(self) -> None:
        self.event = "statement"
        self._say("statement")

    def reject_pitch(self) -> None:
        self.event = "pitch_early"
        self.state.pitches += 1
        self.state.pitches_before_need += 1
        self._cost("pitch_early")
        self._say("pitch_early")

    def hear_pitch(self) -> None:
        self.event = "pitch_after_need"
        self.state.pitches += 1
        self.delta += GAIN["pitch_after_need"]
        self._say("pitch_after_need")
        question = self.customer.question_after("pitch", self.state)
        if question is not None and self.state.pending_question is None:
            self.asked_question = question.id

    def offend_private(self) -> None:
        self.event = "private"
        self.state.offences += 1
        self._cost("private")
        self._say("private_topic")

    def walk_out(self) -> None:
        self.event = "walked_out" if self.event == "none" else self.event
        self._say("close_visit")

    def farewell(self) -> None:
        self.event = "ended"
        self._say("farewell")


def _step_transitions() -> list[dict[str, Any]]:
    """Each technique's transitions, tried in order; the first whose conditions hold fires.

    ``dest: None`` is an internal transition: the customer answers, the step stays.
    """
    active = list(STEPS)
    t: list[dict[str, Any]] = []

    def add(
        trigger: str,
        dest: str | None,
        after: str | None,
        conditions: list[str] | None = None,
        unless: list[str] | None = None,
        source: list[str] | None = None,
    ) -> None:
        t.append(
            {
                "trigger": trigger,
                "source": source or active,
                "dest": dest,
                "after": after,
                "conditions": conditions or [],
                "unless": unless or [],
            }
        )

    add("private", None, "offend_private")
    add("greeting", None, "greet")
    add("closed_question", None, "answer_closed")
    add("open_question", None, "answer_guarded", ["guarded"])
    add("open_question", "curiosity", "answer_open", ["has_situation_left"])
    add("open_question", None, "answer_open")
    add("curiosity_care", "curiosity", "show_care", ["has_situation_left"])
    add("curiosity_care", None, "show_care")
    add("humble_disclaimer", None, "grant_permission")
    add("revisit_topic", "analysis", "revisit", ["has_prior"])
    add("revisit_topic", None, "revisit_talk", ["has_facts"])
    add("revisit_topic", None, "revisit_unknown")
    add("why", None, "deflect", ["too_early_shallow"])
    add("why", None, "no_problem_yet", unless=["has_problem"])
    add("why", "analysis", "dig", ["can_dig"])
    add("why", None, "at_root")
    add("what_else", None, "deflect", ["too_early_shallow"])
    add("what_else", "analysis", "open_sibling", ["has_sibling"])
    add("what_else", "curiosity", "tell_more_situation", ["has_situation_left"])
    add("what_else", None, "nothing_else")
    add("what_if", None, "deflect", ["too_early_deep"])
    add("what_if", None, "no_problem_yet", unless=["has_problem"])
    add("what_if", "what_if", "imagine", ["has_implication"])
    add("what_if", None, "nothing_else")
    add("how_do_you_see", None, "deflect", ["too_early_deep"])
    add("how_do_you_see", None, "view_too_early", unless=["root_found"])
    add("how_do_you_see", "how_do_you_see", "share_view", ["has_view"])
    add("how_do_you_see", None, "nothing_new")
    add("need_confirmation", None, "deflect", ["too_early_deep"])
    add("need_confirmation", None, "need_not_ready", unless=["motivated"])
    add("need_confirmation", "need_confirmation", "confirm_need", ["need_left"])
    add("need_confirmation", None, "need_done")
    add("confirm_question", None, "confirm_yes", ["has_news"])
    add("confirm_question", None, "confirm_nothing")
    # Only fired while the customer's question is pending (see DialogueMachine.effective_technique).
    add("answer_with_question", None, "answer_back", ["pending"])
    add("pitch", None, "hear_pitch", ["root_found"])
    add("pitch", None, "reject_pitch")
    add("statement", None, "accept_answer", ["pending"])
    add("statement", None, "neutral")
    # After the technique: the visit's flow catches up with what was uncovered.
    add("progress", "analysis", None, ["has_problem"], source=["opener", "curiosity"])
    add("progress", "curiosity", None, ["has_situation_revealed"], source=["opener"])
    t.append({"trigger": "rep_ends", "source": active, "dest": "ended", "after": "farewell"})
    t.append({"trigger": "walk_out", "source": active, "dest": "closed_by_customer", "after": "walk_out"})
    return t


def _stage_transitions() -> list[dict[str, Any]]:
    """One stage up (``warm``) or down (``cool``) per turn, on trust and what is uncovered."""
    up = [
        ("first_impression", "liking", ["trust_at_liking"]),
        ("liking", "trust", ["trust_at_trust", "has_facts"]),
        ("trust", "persuasion", ["trust_at_persuasion", "root_found"]),
        ("persuasion", "excitation", ["trust_at_excitation", "motivated"]),
    ]
    t: list[dict[str, Any]] = []
    for source, dest, conditions in up:
        t.append({"trigger": "warm", "source": source, "dest": dest, "conditions": conditions})
        t.append({"trigger": "cool", "source": dest, "dest": source, "unless": [conditions[0]]})
    return t


class DialogueMachine:
    """The machine for one scenario version, shared by every session of that version."""

    def __init__(self, loaded: LoadedScenario) -> None:
        self.loaded = loaded
        self.customer = Customer(loaded)
        self.motivation_needed = loaded.scenario.explicit_need.motivation_needed
        self.implication_ids = frozenset(i.id for i in loaded.scenario.implications)
        common: dict[str, Any] = {
            "model": None,
            "auto_transitions": False,
            "ignore_invalid_triggers": True,
            "send_event": False,
        }
        self.stage_machine = Machine(
            states=list(STAGES),
            initial=STAGES[0],
            transitions=_stage_transitions(),
            model_attribute="stage",
            **common,
        )
        self.step_machine = Machine(
            states=[*STEPS, *END_STEPS],
            initial=STEPS[0],
            transitions=_step_transitions(),
            model_attribute="step",
            **common,
        )

    def motivation_count(self, state: SessionState) -> int:
        return sum(1 for fact in state.revealed if fact in self.implication_ids)

    # -- the session's life ------------------------------------------------------------------

    def start(
        self, *, lang: str, mode: str, seed: int, prior: list[str] | None = None
    ) -> tuple[SessionState, str]:
        """A fresh session and the customer's opening words."""
        s = self.loaded.scenario
        state = SessionState(
            scenario_id=s.id,
            version=s.version,
            lang=lang,
            mode=mode,
            seed=seed,
            trust=float(s.customer.initial_trust),
            prior=[fact for fact in (prior or []) if fact in self.known_facts],
        )
        state.trust_curve.append(state.trust)
        opening = self.customer.opening(lang, rng_for(seed, 0, salt=7))
        state.last_customer = opening
        return state, opening

    @property
    def known_facts(self) -> frozenset[str]:
        return frozenset(self.loaded.scenario.fact_ids())

    def _fire(self, machine: Machine, trigger: str, model: TurnModel) -> bool:
        """Fire ``trigger`` if the current state has transitions for it (else nothing happens)."""
        event = machine.events.get(trigger)
        if event is None or getattr(model, machine.model_attribute) not in event.transitions:
            return False
        return bool(event.trigger(model))

    @staticmethod
    def effective_technique(state: SessionState, techniques: list[str]) -> str:
        """The technique the customer reacts to, where the label alone would mislead.

        - "Answering with a question" needs a question of the customer's to answer: without
          one, the line is whatever the classifier saw next in it (a why, a what-if...).
        - A confirming question before the customer has said anything checks what the rep
          already knows (明知故问): the customer hears an easy closed question.
        """
        primary = techniques[0]
        primary = "open_question" if primary == "interest_check" else primary  # until the engine routes it
        if primary == "answer_with_question" and state.pending_question is None:
            primary = techniques[1] if len(techniques) > 1 else "open_question"
        if primary == "confirm_question" and not state.revealed:
            primary = "closed_question"
        return primary

    def turn(self, state: SessionState, text: str, techniques: list[str]) -> TurnOutcome:
        """Play one rep line (already classified) on ``state``, which is updated in place."""
        if not state.active:
            raise ValueError("the visit is over")
        techniques = list(techniques) or ["statement"]
        model = TurnModel(self, state, text, techniques)
        trust_before = state.trust
        ignored = False

        if self.customer.is_private(text, state.lang):
            trigger = "private"
        elif state.pending_question is not None and "answer_with_question" in techniques:
            trigger = "answer_with_question"  # answering the customer's question wins over the rest
        else:
            trigger = self.effective_technique(state, techniques)
            if state.pending_question is not None and trigger not in ("statement", "pitch"):
                # The rep moved on without answering: the customer says so, and minds it a little.
                ignored = True
                state.ignored_questions += 1
                state.pending_question = None
                model._say("ignored_question")
                model._cost("ignored")
        self._fire(self.step_machine, trigger, model)
        state.step = model.step
        if trigger in ("why", "what_if", "how_do_you_see", "need_confirmation", "what_else"):
            state.permission = False  # the granted permission is used up by the hard question
        if model.asked_question is not None:
            question = self.customer.questions[model.asked_question]
            state.pending_question = question.id
            state.asked.append(question.id)
            model.parts.append(self.customer.pick(question.asks, state.lang, model.rng))

        state.trust = max(0.0, min(100.0, round(state.trust + model.delta, 2)))
        if state.trust < WALK_OUT_TRUST or state.pitches_before_need >= WALK_OUT_PITCHES:
            self._fire(self.step_machine, "walk_out", model)
            state.status = "closed_by_customer"
        else:
            self._fire(self.step_machine, "progress", model)
        state.step = model.step
        model.stage = state.stage
        if not self._fire(self.stage_machine, "cool", model):
            self._fire(self.stage_machine, "warm", model)
        state.stage = model.stage
        self._track_reached(state)
        state.turn += 1
        state.trust_curve.append(state.trust)
        reply = joiner(state.lang).join(model.parts)
        state.last_customer = reply
        state.history.append(
            {
                "text": text,
                "techniques": techniques,
                "technique": techniques[0] if trigger == "private" else trigger,
                "event": model.event,
                "trust": state.trust,
                "delta": round(state.trust - trust_before, 2),
                "revealed": list(model.revealed),
                "step": state.step,
                "ignored": ignored,
            }
        )
        return TurnOutcome(
            reply=reply,
            event=model.event,
            techniques=techniques,
            technique=trigger,
            revealed=list(model.revealed),
            trust_before=trust_before,
            trust_after=state.trust,
            stage=state.stage,
            step=state.step,
            status=state.status,
            ignored_question=ignored,
            asked_question=model.asked_question,
        )

    def end(self, state: SessionState) -> TurnOutcome:
        """The rep closes the visit."""
        model = TurnModel(self, state, "", [])
        trust = state.trust
        if state.active:
            self._fire(self.step_machine, "rep_ends", model)
            state.step = model.step
            state.status = "ended"
            state.last_customer = joiner(state.lang).join(model.parts)
        return TurnOutcome(
            reply=joiner(state.lang).join(model.parts),
            event="ended",
            techniques=[],
            revealed=[],
            trust_before=trust,
            trust_after=state.trust,
            stage=state.stage,
            step=state.step,
            status=state.status,
        )

    @staticmethod
    def _track_reached(state: SessionState) -> None:
        if STAGES.index(state.stage) > STAGES.index(state.stage_reached):
            state.stage_reached = state.stage
        if state.step in STEPS and STEPS.index(state.step) > STEPS.index(state.step_reached):
            state.step_reached = state.step
