"""The dialogue state machine: two tracks that move together, built with ``transitions``.

- The relationship **stage** (first_impression -> liking -> trust -> persuasion -> excitation)
  follows trust and what the rep has uncovered (triggers ``warm`` and ``cool``).
- The need-questioning **step** (opener -> curiosity -> analysis -> what_if -> how_do_you_see
  -> need_confirmation, ending in ``ended`` or ``closed_by_customer``) moves on the rep's
  technique: each technique is a trigger, and its rows in ``table.py`` are tried in the order
  of the method's guards.

One ``DialogueMachine`` is built per scenario version and shared by every session: the two
``transitions.Machine`` objects hold no session data. Each turn wraps the session's
``SessionState`` in a short-lived ``TurnModel`` and fires events on it with
``Event.trigger(model)``, so no model is ever registered on the machine. The turn itself is in
``turn.py``; the numbers in ``rules.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from transitions import Machine

from bot.vocab import END_STEPS, QUESTIONING_STEPS, Lang, Mode, Stage, Technique

from .customer import Customer, joiner
from .forms import asks_about_things
from .listening import FOLLOW_UP, FRESH, VISITS, Focus, agrees, focus_of, is_conditional, set_aside
from .reactions import TurnModel
from .relabel import effective_technique
from .scenario import LoadedScenario
from .state import SessionState, rng_for
from .table import STAGE_ROWS, STEP_ROWS, Move, Row, Trigger
from .topics.coverage import another_business
from .topics.index import TopicIndex, specificity
from .turn import TurnOutcome, end_visit, play_turn

# A named topic must match this well on the line's own words (no echo, no context boost); a
# match above OWN_WORDS_MIN + ECHO_ROOM cannot come from the boosts alone (they add up to 0.31).
OWN_WORDS_MIN = 0.1
ECHO_ROOM = 0.31


class TableError(ValueError):
    """A transition table row names something the machine does not have."""


def _method_name(method: Callable[..., Any], row: Row) -> str:
    """The model method's name, after checking ``TurnModel`` really has that method."""
    name = getattr(method, "__name__", "")
    if getattr(TurnModel, name, None) is not method:
        raise TableError(f"{row.trigger}: {method!r} is not a method of TurnModel")
    return name


def _transitions(rows: Iterable[Row], states: tuple[str, ...]) -> list[dict[str, Any]]:
    """``transitions`` definitions of the rows, every name and state checked."""
    known = set(states)
    definitions = []
    for row in rows:
        unknown = sorted({*row.source, row.dest or row.source[0]} - known)
        if unknown:
            raise TableError(f"{row.trigger}: unknown states {unknown}")
        definitions.append(
            {
                "trigger": str(row.trigger),
                "source": [str(state) for state in row.source],
                "dest": None if row.dest is None else str(row.dest),
                "after": None if row.then is None else _method_name(row.then, row),
                "conditions": [_method_name(condition, row) for condition in row.when],
                "unless": [_method_name(condition, row) for condition in row.unless],
            }
        )
    return definitions


def build_machine(rows: Iterable[Row], states: tuple[str, ...], model_attribute: str) -> Machine:
    """A model-less ``transitions`` machine of the rows; raise ``TableError`` on a bad row."""
    return Machine(
        model=None,
        states=[str(state) for state in states],
        initial=str(states[0]),
        transitions=_transitions(rows, states),
        model_attribute=model_attribute,
        auto_transitions=False,
        ignore_invalid_triggers=True,
        send_event=False,
    )


def _check_every_technique_plays(rows: Iterable[Row]) -> None:
    """A technique without a row would leave the customer silent."""
    missing = set(Technique) - {row.trigger for row in rows}
    if missing:
        raise TableError(f"no transition for the techniques {sorted(missing)}")


_check_every_technique_plays(STEP_ROWS)


class DialogueMachine:
    """The machine for one scenario version, shared by every session of that version."""

    def __init__(self, loaded: LoadedScenario) -> None:
        self.loaded = loaded
        self.customer = Customer(loaded)
        self.motivation_needed = self.customer.motivation_needed
        self.stage_machine = build_machine(STAGE_ROWS, tuple(Stage), "stage")
        self.step_machine = build_machine(STEP_ROWS, (*QUESTIONING_STEPS, *END_STEPS), "step")
        s = loaded.scenario
        self.topics = TopicIndex(loaded, keywords=s.topic_keywords() or None)
        # A situation item, an implication or a view id -> the problem it belongs to.
        self.parents: dict[str, str | None] = {item.id: item.leads_to for item in s.situation}
        self.parents.update({i.id: i.problem for i in s.implications})
        self.parents.update({v.id: v.problem for v in s.views})
        # A question of his belongs to the problem of the fact it follows ("after").
        owner = {**loaded.cause_owner, **{p: p for p in loaded.problems}, **self.parents}
        self.parents.update({q.id: owner.get(q.after) for q in s.customer_questions})

    def focus(self, state: SessionState, text: str) -> Focus:
        """What ``text`` is about, read in the context of what the customer said (docs/topics.md);
        in "apart from X, ...Y?" it is about Y, and the problem of X is set aside."""
        split = set_aside(text, state.lang)
        if split is None:
            return self._focus(state, text)
        clause, rest = split
        aside = self._focus(state, clause)
        focus = self._focus(state, rest)
        if focus.kind not in ("named", "generic"):
            focus = self._focus(state, text)
        aside_problem = aside.problem if aside.kind == "named" else None
        if focus.kind == "named":  # "apart from X, ...Y?" is about Y
            return replace(focus, aside=aside_problem)
        if aside_problem is None:
            return focus
        # "Apart from the returns, anything else?": it names his topic (the rep listened), and
        # asks about the rest.
        return replace(aside, problem=None, implication=None, view=None, situation=None, aside=aside_problem)

    def _focus(self, state: SessionState, text: str) -> Focus:
        focus = self._topic_focus(state, text)
        strangers = self.topics.strangers(text, self.topics.line_language(text, state.lang))
        return replace(focus, stranger=strangers[0]) if strangers else focus

    def _topic_focus(self, state: SessionState, text: str) -> Focus:
        match = self.topics.match(text, state.lang, said=state.said, context_topic=state.topic)
        # One shared word is not his topic. A yes/no question about a single foreign thing ("any
        # hospitals?") is left to the gentler "no, not us" (guards.asks_about_foreign).
        if another_business(
            self.topics,
            text,
            state.lang,
            match,
            one_thing_enough=not asks_about_things(text, state.lang),
            premise=is_conditional(text, state.lang),
        ):
            return Focus("off_topic", foreign=sum(map(specificity, match.unknown)), known=match.known_mass)
        if match.topic is not None and not match.generic and match.score < OWN_WORDS_MIN + ECHO_ROOM:
            # A line that names a topic only by echoing a word of his ("busy?") and the context
            # boost has nothing of its own: without them it must still match something.
            alone = self.topics.match(text, state.lang)
            if alone.topic is None or (alone.score < OWN_WORDS_MIN and not agrees(alone, self.parents)):
                return focus_of(replace(match, topic=None, generic=True), self.parents, "", state.topic)
        title = self.topics.topic(match.topic).title.get(state.lang, "") if match.topic else ""
        return focus_of(match, self.parents, title, state.topic)

    def motivation_count(self, state: SessionState) -> int:
        return self.customer.motivation_count(state)

    @property
    def known_facts(self) -> frozenset[str]:
        return frozenset(self.loaded.scenario.fact_ids())

    def start(
        self, *, lang: str, mode: str, seed: int, prior: list[str] | None = None, visit: str = FRESH
    ) -> tuple[SessionState, str]:
        """A new session and the customer's opening words.

        ``visit`` is ``"fresh"`` (the default: the customer starts from nothing, whatever earlier
        sessions uncovered) or ``"follow_up"``: he remembers ``prior`` (what earlier visits
        uncovered), the rep may pick it up, and only what this visit adds counts in its score.
        """
        if visit not in VISITS:
            raise ValueError(f"visit must be one of {VISITS}, not {visit!r}")
        s = self.loaded.scenario
        remembered = (
            [fact for fact in (prior or []) if fact in self.known_facts] if visit == FOLLOW_UP else []
        )
        state = SessionState(
            scenario_id=s.id,
            version=s.version,
            lang=Lang(lang),
            mode=Mode(mode),
            seed=seed,
            trust=float(s.customer.initial_trust),
            prior=list(remembered),
            visit=visit,
            earlier=list(remembered),
        )
        state.trust_curve.append(state.trust)
        opening = self.customer.opening(state.lang, rng_for(seed, 0, salt=7))
        if remembered:
            opening += joiner(state.lang) + self.customer.listen(
                "follow_up_opening", state.lang, rng_for(seed, 0, salt=8)
            )
        state.last_customer = opening
        return state, opening

    def fire_step(self, trigger: Trigger, model: TurnModel) -> bool:
        return self._fire(self.step_machine, trigger, model)

    def fire_stage(self, trigger: Move, model: TurnModel) -> bool:
        return self._fire(self.stage_machine, trigger, model)

    @staticmethod
    def _fire(machine: Machine, trigger: str, model: TurnModel) -> bool:
        """Fire ``trigger`` if the current state has transitions for it (else nothing happens)."""
        event = machine.events.get(trigger)
        if event is None or getattr(model, machine.model_attribute) not in event.transitions:
            return False
        return bool(event.trigger(model))

    effective_technique = staticmethod(effective_technique)

    def turn(self, state: SessionState, text: str, techniques: list[str]) -> TurnOutcome:
        """Play one rep line (already classified) on ``state``, which is updated in place."""
        return play_turn(self, state, text, techniques)

    def end(self, state: SessionState) -> TurnOutcome:
        """The rep closes the visit."""
        return end_visit(self, state)


__all__ = ["DialogueMachine", "SessionState", "TableError", "TurnOutcome", "build_machine", "rng_for"]
