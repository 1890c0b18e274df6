"""The method's guards: what the customer is ready for, read from the session's state.

``Guards`` is the part of a turn's ``transitions`` model the transition table's conditions
name; ``reactions.TurnModel`` adds what the customer does.
"""

from __future__ import annotations

import random

from bot.vocab import Lang, Stage, Technique

from .customer import Customer
from .rules import DEEP_GATE, GUARDED_BELOW, SHALLOW_GATE, SOFTENING, STAGE_TRUST
from .scenario import NEED_FACTS
from .state import SessionState, rng_for


class Guards:
    """One turn's input (the session's state and the rep's line) and the conditions on it."""

    # The machines' current states, as plain strings: ``transitions`` reads an Enum by its name.
    stage: str
    step: str

    def __init__(
        self, customer: Customer, state: SessionState, text: str, techniques: list[Technique]
    ) -> None:
        self.customer = customer
        self.state = state
        self.stage = str(state.stage)
        self.step = str(state.step)
        self.text = text
        self.techniques = techniques
        self.lang: Lang = state.lang
        self.rng: random.Random = rng_for(state.seed, state.turn)
        self.softened = state.permission or Technique.HUMBLE_DISCLAIMER in techniques[1:]

    def _gate(self, gate: float) -> bool:
        """True when the customer is not ready for a question that needs ``gate`` trust."""
        return self.state.trust < gate - (SOFTENING if self.softened else 0.0)

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
        return self.customer.motivated(self.state)

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
        return self.state.trust >= STAGE_TRUST[Stage.LIKING]

    def trust_at_trust(self) -> bool:
        return self.state.trust >= STAGE_TRUST[Stage.TRUST]

    def trust_at_persuasion(self) -> bool:
        return self.state.trust >= STAGE_TRUST[Stage.PERSUASION]

    def trust_at_excitation(self) -> bool:
        return self.state.trust >= STAGE_TRUST[Stage.EXCITATION]
