"""The coach: a short note after each rep line (practice mode) and hints on request.

A note names the technique the rep used, says whether it fit the moment (from what the turn
did), and what to try next. A hint suggests a question for the current step: an example from
the question bank, pointed at the scenario's own topic ("ask why about *the doubled returns*").
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from bot.vocab import Event, Technique

from .rules import DEEP_GATE, SHALLOW_GATE
from .scenario import NEED_FACTS
from .state import SessionState, rng_for
from .text_keys import (
    ANALYSIS_KEYS,
    COACH_ANGLE_KEYS,
    COACH_TEXT_KEYS,
    EXAMPLE_KEYS,
    IGNORED_KEY,
    NEED_WORD_KEYS,
    REASON_KEYS,
    STYLE_KEYS,
    UNSURE_KEYS,
    VERDICT_KEYS,
    text,
)
from .turn import TurnOutcome

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.classifier import QuestionBank

    from .machine import DialogueMachine

    #: The bank the coach reads: a loaded one, or a callable giving the one in use now.
    BankSource = QuestionBank | Callable[[], QuestionBank]


# The techniques a note may open with (the line's own technique when it is one of these).
# interest_check is left out as before the switch to the catalogue: such a line is named by its
# first other technique, or as a statement.
NOTED: frozenset[str] = frozenset(Technique) - {Technique.INTEREST_CHECK}


_STOPWORDS = frozenset(
    {
        "the", "and", "for", "that", "this", "with", "your", "you", "what", "have", "from", "they",
        "their", "them", "were", "will", "would", "could", "about", "there", "which", "when", "been",
        "does", "into", "more", "than", "then", "just", "only", "also", "some",
    }
)  # fmt: skip
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_LATIN = re.compile(r"[a-z]{4,}")


def _words(text: str, lang: str) -> set[str]:
    """Comparable units of a text: Chinese character pairs, or English words of 4+ letters."""
    if lang == "zh":
        return {run[i : i + 2] for run in _CJK.findall(text) for i in range(len(run) - 1)}
    return {word for word in _LATIN.findall(text.lower()) if word not in _STOPWORDS}


# When the same advice would come a third time in a row: another way in, by the method's order.
MOVE_ON: dict[str, Technique] = {
    Technique.CLOSED_QUESTION: Technique.CURIOSITY_CARE,
    Technique.CURIOSITY_CARE: Technique.HUMBLE_DISCLAIMER,
    Technique.HUMBLE_DISCLAIMER: Technique.CLOSED_QUESTION,
    Technique.WHY: Technique.WHAT_ELSE,
    Technique.WHAT_ELSE: Technique.CURIOSITY_CARE,
    Technique.WHAT_IF: Technique.HOW_DO_YOU_SEE,
    Technique.HOW_DO_YOU_SEE: Technique.WHAT_IF,
    Technique.NEED_CONFIRMATION: Technique.CONFIRM_QUESTION,
    Technique.CONFIRM_QUESTION: Technique.NEED_CONFIRMATION,
    Technique.REVISIT_TOPIC: Technique.WHY,
}


class Coach:
    """Notes and hints for one scenario version; ``bank`` is the question bank (loaded lazily)."""

    def __init__(self, dialogue: DialogueMachine, bank: BankSource | None = None) -> None:
        self.d = dialogue
        self.customer = dialogue.customer
        # A callable: asked each time (the bank in use, which a publish changes without restart).
        self._source = bank if callable(bank) else None
        # None: not loaded yet; False: could not be loaded (the coach's own words are used).
        self._bank: QuestionBank | Literal[False] | None = None if callable(bank) else bank
        self._vocab: dict[str, frozenset[str]] = {}

    # -- what to do next ---------------------------------------------------------------------

    def suggest(self, state: SessionState) -> tuple[Technique, str | None]:
        """The technique that fits the moment, and the scenario topic it is about (if any)."""
        c = self.customer
        if state.pending_question is not None:
            return Technique.ANSWER_WITH_QUESTION, None
        if state.prior and state.turn <= 3 and state.trust >= SHALLOW_GATE - 10:
            return Technique.REVISIT_TOPIC, None
        if state.trust < SHALLOW_GATE:
            return self._to_earn_liking(state), None
        if not any(p.id in state.revealed for p in c.problems):
            return (
                Technique.CURIOSITY_CARE if c.next_situation(state) is not None else Technique.WHAT_ELSE
            ), None
        if c.next_cause(state) is not None or not c.root_found(state):
            return self._towards_the_root(state)
        return self._after_the_root(state)

    def advise(self, state: SessionState) -> tuple[Technique, str | None]:
        """``suggest``, but the advice moves on: the same technique is never the next step more
        than twice in a row (a rep who did not manage it is shown another way in)."""
        technique, topic_id = self.suggest(state)
        if state.advised[-2:] == [technique, technique] and technique in MOVE_ON:
            technique, topic_id = MOVE_ON[technique], None
        state.advised = [*state.advised[-1:], str(technique)]
        return technique, topic_id

    def _to_earn_liking(self, state: SessionState) -> Technique:
        """Before the customer likes the rep: easy questions, care, or asking permission."""
        if state.opener_closed == 0 and state.turn < 3:
            return Technique.CLOSED_QUESTION
        if self.customer.next_situation(state) is not None:
            return Technique.CURIOSITY_CARE
        return Technique.HUMBLE_DISCLAIMER

    def _towards_the_root(self, state: SessionState) -> tuple[Technique, str | None]:
        """A problem is out but no root need yet: dig, or look for another problem."""
        c = self.customer
        if c.next_cause(state) is None and c.next_sibling(state) is not None:
            return Technique.WHAT_ELSE, None
        return Technique.WHY, state.current_problem

    def _after_the_root(self, state: SessionState) -> tuple[Technique, str | None]:
        """A root need is out: motivation (what if), the customer's view, then deadline and budget."""
        c = self.customer
        motivated = c.motivated(state)
        if state.trust < DEEP_GATE:
            if c.next_sibling(state) is not None and not motivated:
                return Technique.WHAT_ELSE, None
            return Technique.HUMBLE_DISCLAIMER, None
        if not motivated:
            root_problem = next(
                (p.id for p in c.problems if c.root_found(state, p.id)), state.current_problem
            )
            return Technique.WHAT_IF, root_problem
        if c.next_view(state) is not None:
            return Technique.HOW_DO_YOU_SEE, None
        if any(fact not in state.revealed for fact in NEED_FACTS):
            return Technique.NEED_CONFIRMATION, None
        return Technique.CONFIRM_QUESTION, None

    def name(self, technique: str, lang: str) -> str:
        """The technique's name: the catalogue's ``technique.<id>``, which is the question bank's."""
        try:
            return text(f"technique.{technique}", lang)
        except KeyError:
            return technique

    def use_bank(self, source: Callable[[], QuestionBank]) -> None:
        """Read the bank from ``source`` from now on (the bank in use, which a publish changes)."""
        self._source = source

    def bank(self) -> QuestionBank | None:
        if self._source is not None:
            try:
                return self._source()
            except Exception:  # a broken bank must not stop a rehearsal
                return None
        if self._bank is None:
            try:
                from bot.classifier import default_bank

                self._bank = default_bank()
            except Exception:  # a missing or broken bank must not stop a rehearsal
                self._bank = False
        return self._bank or None

    def _reason(self, technique: str, topic_id: str | None, lang: str) -> str:
        key = REASON_KEYS.get(technique)
        wording = text(key, lang) if key is not None else self.name(technique, lang)
        fallback = COACH_TEXT_KEYS["topic_fallback"]
        topic = self.customer.topic(topic_id, lang) if topic_id else text(fallback, lang)
        reason = wording.format(topic=topic)
        problem = self.customer.loaded.problems.get(topic_id) if topic_id else None
        if technique == Technique.WHY and problem is not None:
            # The analysis questions that fit the problem's type (restore / prevent / ideal).
            reason += ("；" if lang == "zh" else "; ") + text(ANALYSIS_KEYS[str(problem.type)], lang)
        return reason

    # -- notes and hints ---------------------------------------------------------------------

    def note(
        self, outcome: TurnOutcome, state: SessionState, *, unsure: bool = False, guess: str | None = None
    ) -> str:
        """The practice-mode note after a rep line.

        When the classifier was ``unsure`` the note says it could not tell the technique (naming
        the ``guess`` if there is one) instead of naming it and judging it as a statement.
        """
        lang = state.lang
        primary = outcome.technique if outcome.technique in NOTED else None
        primary = primary or (outcome.techniques[0] if outcome.techniques else Technique.STATEMENT)
        topic = ""
        if outcome.revealed:
            fact = outcome.revealed[-1]
            topic = self.customer.topic(fact, lang) if fact not in ("deadline", "budget") else ""
            if fact in NEED_WORD_KEYS:
                topic = text(NEED_WORD_KEYS[fact], lang)
        angle = ""
        if outcome.event == Event.IMPLICATION:
            implication = next(i for i in self.customer.implications if i.id == outcome.revealed[-1])
            angle = text(COACH_ANGLE_KEYS[implication.angle], lang)
        verdict_key = VERDICT_KEYS.get(outcome.event)
        verdict = text(verdict_key, lang).format(topic=topic, angle=angle) if verdict_key else ""
        if unsure:
            if guess and guess != Technique.STATEMENT:
                parts = [text(UNSURE_KEYS["guess"], lang).format(name=self.name(guess, lang))]
            else:
                parts = [text(UNSURE_KEYS["plain"], lang)]
            if outcome.event == Event.STATEMENT:
                verdict = ""  # "that was a statement" would judge the line confidently
        else:
            parts = [text(COACH_TEXT_KEYS["note_label"], lang).format(name=self.name(primary, lang))]
        if outcome.ignored_question:
            parts.append(text(IGNORED_KEY, lang))
        if verdict:
            parts.append(verdict)
        if outcome.style_note:
            parts.append(text(STYLE_KEYS[outcome.style_note], lang))
        if state.active:
            technique, topic_id = self.advise(state)
            next_text = text(COACH_TEXT_KEYS["next"], lang)
            parts.append(next_text.format(reason=self._reason(technique, topic_id, lang)))
        return ("" if lang == "zh" else " ").join(parts)

    def _vocabulary(self, lang: str) -> frozenset[str]:
        """Words of the scenario (its topics, industry, company, solution), for picking examples."""
        cached = self._vocab.get(lang)
        if cached is not None:
            return cached
        s = self.customer.scenario
        texts = [s.customer.industry.get(lang), s.customer.company.get(lang), s.solution.name.get(lang)]
        texts += [s.solution.summary.get(lang), s.title.get(lang)]
        texts += [topic.get(lang) for topic in self.customer.loaded.fact_topic.values()]
        vocabulary = frozenset(word for text in texts for word in _words(text, lang))
        self._vocab[lang] = vocabulary
        return vocabulary

    def _closest_to_scenario(self, examples: list[str], lang: str) -> list[str]:
        """The bank's examples sharing the most words with the scenario (all, if none shares two)."""
        vocabulary = self._vocabulary(lang)
        scores = [len(vocabulary.intersection(_words(example, lang))) for example in examples]
        best = max(scores, default=0)
        if best < 2:  # one shared word is chance ("team", "问题"), not relevance
            return examples
        return [e for e, score in zip(examples, scores, strict=True) if score == best]

    def hint(self, state: SessionState) -> str:
        """A question to try now for the suggested technique: the scenario's own example if it has
        one, else the question bank's closest to the scenario."""
        lang = state.lang
        technique, topic_id = self.suggest(state)
        rng = rng_for(state.seed, state.turn, salt=101 + state.hints)
        own = self.customer.scenario.hints.get(technique)
        if technique == Technique.ANSWER_WITH_QUESTION and state.pending_question is not None:
            # The customer is waiting on one question: the example must answer that one.
            asked = next(
                (q for q in self.customer.scenario.customer_questions if q.id == state.pending_question), None
            )
            own = asked.hint if asked is not None and asked.hint is not None else own
        examples: list[str] = own.for_lang(lang) if own is not None else []
        if not examples:
            bank = self.bank()
            if bank is not None:
                try:
                    examples = bank.technique(technique).examples[lang]
                except KeyError:
                    examples = []
            if not examples:
                examples = [text(EXAMPLE_KEYS[technique], lang)]
            examples = self._closest_to_scenario(examples, lang)
        example = examples[rng.randrange(len(examples))]
        name = self.name(technique, lang)
        reason = self._reason(technique, topic_id, lang)
        return text(COACH_TEXT_KEYS["hint"], lang).format(name=name, reason=reason, example=example)
