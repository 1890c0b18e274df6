"""One scenario version ready to play: its state machine, its coach, and the turn loop.

``ScenarioRuntime`` is what the library caches per (scenario id, version) and what the
service, the trainer tests, the terminal and the benchmark all drive. It knows nothing of
storage: it turns a ``SessionState`` and a classified rep line into the customer's reply,
the coach's note and, at the end, the scorecard.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from bot.i18n import N_, translate
from bot.vocab import Mode

from .coach import Coach
from .machine import DialogueMachine
from .results import ScenarioSummary
from .scenario import LoadedScenario
from .schema import LANGS
from .scorecard import Scorecard, build_scorecard
from .state import SessionState
from .turn import TurnOutcome

if TYPE_CHECKING:
    from .coach import BankSource


class ClassificationLike(Protocol):
    """What the engine reads from the classifier's answer."""

    @property
    def technique(self) -> str: ...

    @property
    def techniques(self) -> tuple[str, ...]: ...


Classify = Callable[[str, str, Mapping[str, Any]], ClassificationLike]


def default_classify() -> Classify:
    """``bot.classifier.classify`` with the engine's call shape (imported on first use)."""
    from bot.classifier import classify

    def run(text: str, lang: str, context: Mapping[str, Any]) -> ClassificationLike:
        return classify(text, lang=lang, context=context)

    return run


EXAM_NO_HINT = N_("coach.exam_no_hint")


@dataclass
class PlayedTurn:
    """A rep line played: the machine's outcome and the coach's note (None in exam mode)."""

    outcome: TurnOutcome
    note: str | None
    scorecard: Scorecard | None = None


class ScenarioRuntime:
    """A scenario version's machine and coach, shared by every session of that version."""

    def __init__(self, loaded: LoadedScenario, bank: BankSource | None = None) -> None:
        self.loaded = loaded
        self.scenario = loaded.scenario
        self.machine = DialogueMachine(loaded)
        self.coach = Coach(self.machine, bank)
        self._summary: ScenarioSummary | None = None

    @property
    def id(self) -> str:
        return self.scenario.id

    @property
    def version(self) -> str:
        return self.scenario.version

    def language_for(self, requested: str | None) -> str:
        """The requested language when the scenario has it, else the scenario's first one."""
        languages = list(self.scenario.languages)
        return requested if requested in languages else languages[0]

    def summary(self) -> ScenarioSummary:
        # Built once per runtime: a scenario version never changes, and every Telegram line asks
        # for the summaries to word its answer (6 % of a webhook update's CPU, py-spy).
        if self._summary is None:
            self._summary = self._build_summary()
        return self._summary

    def _build_summary(self) -> ScenarioSummary:
        s = self.scenario
        first = s.languages[0]
        return ScenarioSummary(
            id=s.id,
            version=s.version,
            languages=tuple(s.languages),
            title={lang: s.title.get(lang) for lang in s.languages},
            purpose={lang: s.purpose.get(lang) for lang in s.languages},
            sales_mode=s.sales_mode.value,
            difficulty=s.difficulty,
            customer={
                "name": s.customer.name.get(first),
                "title": s.customer.title.get(first),
                "company": s.customer.company.get(first),
            },
            cards={lang: self.card(lang) for lang in LANGS},
            trains=tuple(str(t) for t in s.trained_techniques()),
        )

    def card(self, lang: str) -> dict[str, str]:
        """The customer and what the rep knows beforehand, in ``lang`` when written in it (a
        text missing in ``lang`` falls back to the scenario's other language)."""
        s = self.scenario
        person = s.customer
        return {
            "name": person.name.get(lang),
            "title": person.title.get(lang),
            "company": person.company.get(lang),
            "industry": person.industry.get(lang),
            "purpose": s.purpose.get(lang),
            "briefing": s.briefing.get(lang) if s.briefing is not None else "",
        }

    def start(
        self, *, lang: str, mode: str, seed: int, prior: list[str] | None = None, visit: str = "fresh"
    ) -> tuple[SessionState, str]:
        """A new session; ``visit="follow_up"`` makes the customer remember ``prior``."""
        return self.machine.start(
            lang=self.language_for(lang), mode=mode, seed=seed, prior=prior, visit=visit
        )

    def play(
        self,
        state: SessionState,
        text: str,
        techniques: list[str],
        *,
        unsure: bool = False,
        guess: str | None = None,
    ) -> PlayedTurn:
        """One classified rep line; the scorecard comes with it when the customer ends the visit,
        unless the caller keeps the visit's history (``history_apart``): it gathers the history
        and asks for the scorecard (``scorecard``), which built here would miss the earlier lines.

        ``unsure`` (with the classifier's ``guess``) says the classifier could not tell the line's
        technique: the machine hears the techniques given (a statement), the note says it is unsure.
        """
        outcome = self.machine.turn(state, text, techniques)
        note = (
            self.coach.note(outcome, state, unsure=unsure, guess=guess)
            if state.mode == Mode.PRACTICE
            else None
        )
        closed = not state.active and not state.history_apart
        scorecard = build_scorecard(self.machine, state) if closed else None
        return PlayedTurn(outcome, note, scorecard)

    def say(self, state: SessionState, text: str, classify: Classify) -> PlayedTurn:
        """Classify a rep line in the context of the customer's last words, then play it.

        The customer's words count as context only while they wait for an answer to one of their
        questions: a rhetorical "really?" inside a reply must not turn the rep's next question
        into "answering with a question". The line's language is detected, not assumed: reps
        switch to English terms or whole English lines in a Chinese visit, and vice versa.
        """
        previous = state.last_customer if state.pending_question is not None else ""
        classification = classify(text, "auto", {"previous": previous})
        techniques = list(classification.techniques) or [classification.technique]
        # Older or fake classifiers may not say whether they were unsure.
        unsure = bool(getattr(classification, "unsure", False))
        guess = getattr(classification, "guess", None) if unsure else None
        return self.play(state, text, techniques, unsure=unsure, guess=guess)

    def end(self, state: SessionState) -> PlayedTurn:
        outcome = self.machine.end(state)
        return PlayedTurn(outcome, None, build_scorecard(self.machine, state))

    def hint(self, state: SessionState) -> str:
        """A hint in practice mode; an exam gives none (and counts none)."""
        if state.mode == Mode.EXAM:
            return translate(EXAM_NO_HINT, state.lang)
        text = self.coach.hint(state)
        state.hints += 1
        return text

    def scorecard(self, state: SessionState) -> Scorecard:
        return build_scorecard(self.machine, state)
