"""The classifier: the question bank's rules find the facts, a trained model decides.

How a line is labelled (docs/classifier.md explains it with examples):

1. The line is cleaned and normalised (:mod:`bot.classifier.text`), its language detected, and
   split into sentences and comma clauses. A clause *asks* when it matches a ``question`` marker
   (after ``not_question`` masks are blanked out), ends with a question mark and has some content,
   or matches a ``request`` marker ("tell me about...", "讲讲...").
2. Every technique's patterns are searched (:meth:`Classifier.facts`). Cues inside an if-clause
   do not count for ``ignore_in_condition`` techniques, only ``standalone`` ones count in a line
   that asks nothing, and permission phrases are set aside to see whether a real question remains.
3. The model (:mod:`bot.classifier.model`) scores every label from the n-grams, the rules' hits
   and the clause facts (:meth:`Classifier.flags`), the customer's previous line included. A few
   hard vetoes apply (an answer with a question needs the customer's question); below the
   model's ``unsure_below`` probability the line is a ``statement`` marked ``unsure``.
4. The evidence is what weighed most for the chosen label: rules with what they matched, clause
   facts, n-grams. Without a model (a bank with no ``model/``) :meth:`Classifier.rule_label`
   decides alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .bank import LANGS, QuestionBank
from .features import overlap_bucket, pieces
from .model import MODEL_DIR, TechniqueModel
from .rules import (
    CLAUSE_BREAK_RE,
    CONTENT_RE,
    Analysis,
    Clause,
    LangRules,
    answers_first,
    compile_rules,
    has_content,
    inside,
    mask,
    overlaps,
)
from .text import (
    clauses,
    clean,
    detect_lang,
    normalise,
    sentences,
)

_STRUCTURAL = ("humble_disclaimer", "answer_with_question")
#: Kinds listed after the primary label when the rules found them too.
_SECONDARY = frozenset(
    [
        "humble_disclaimer",
        "revisit_topic",
        "need_confirmation",
        "what_if",
        "what_else",
        "how_do_you_see",
        "why",
        "curiosity_care",
        "confirm_question",
        "interest_check",
    ]
)
_EXPLAIN = 3  # evidence items shown: the features that weighed most
_MAX_CONFIDENCE = 0.99


@dataclass(frozen=True)
class Evidence:
    """One pattern that fired: for which technique, which pattern, and what it matched."""

    technique: str
    pattern: str
    text: str
    matched: str
    span: tuple[int, int]
    weight: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "technique": self.technique,
            "pattern": self.pattern,
            "text": self.text,
            "matched": self.matched,
            "span": list(self.span),
            "weight": self.weight,
        }


@dataclass(frozen=True)
class Classification:
    """The classifier's answer for one rep line."""

    technique: str
    techniques: tuple[str, ...]
    confidence: float
    lang: str
    evidence: tuple[Evidence, ...] = ()
    unsure: bool = False  # the model was not confident: ``technique`` is then "statement"
    guess: str | None = None  # what the model would have said when unsure

    def to_dict(self) -> dict[str, Any]:
        return {
            "technique": self.technique,
            "techniques": list(self.techniques),
            "confidence": self.confidence,
            "lang": self.lang,
            "evidence": [e.to_dict() for e in self.evidence],
            "unsure": self.unsure,
            "guess": self.guess,
        }


@dataclass
class Facts:
    """What the rules found in one normalised line (``norm`` is empty when nothing was said)."""

    norm: str
    lang: str
    analysis: Analysis
    found: dict[str, list[Evidence]]  # after premises, question-less lines and permissions
    scores: dict[str, float]
    fired: frozenset[str]
    real_question: bool  # a question remains once permission phrases are set aside
    previous_asks: bool  # the customer's previous line asked something
    previous: str  # the customer's previous line, normalised ("" without one)


class Classifier:
    """Classifies rep lines: a trained model decides, the question bank's rules explain."""

    def __init__(self, bank: QuestionBank, model: TechniqueModel | None = None) -> None:
        self.bank = bank
        self.model = model
        self.threshold = bank.threshold
        self.precedence = [t for t in bank.precedence if t in bank.techniques]
        self.needs_question: dict[str, bool] = {
            t.id: t.detect.needs_question for t in bank.techniques.values()
        }
        self.ignore_in_condition: set[str] = {
            t.id for t in bank.techniques.values() if t.detect.ignore_in_condition
        }
        self.standalone = {
            (t.id, spec.id)
            for t in bank.techniques.values()
            for lang in LANGS
            for spec in t.detect.patterns[lang]
            if spec.standalone
        }
        self._asked: dict[str, bool] = {}  # the customer's previous lines: did they ask?
        self._rules: dict[str, LangRules] = {lang: compile_rules(bank, lang) for lang in LANGS}

    @classmethod
    def from_bank(cls, bank: QuestionBank, *, rules_only: bool = False) -> Classifier:
        """The classifier of a bank, with the model shipped in its ``model/`` folder if any."""
        return cls(bank, None if rules_only else TechniqueModel.load(bank.directory / MODEL_DIR))

    # --- analysis -------------------------------------------------------------------------------

    def _analyse(self, text: str, rules: LangRules, min_content: int = 1) -> Analysis:
        analysis = Analysis(text)
        for s_start, s_end in sentences(text):
            sentence_mark = text[s_start:s_end].rstrip().endswith("?")
            parts = clauses(text, s_start, s_end)
            for c_start, c_end in parts:
                piece = text[c_start:c_end]
                if rules.not_question is not None:
                    piece = rules.not_question.sub(lambda m: " " * len(m.group(0)), piece)
                body = piece.strip(" .!?;:。…_")
                request = bool(rules.request and rules.request.search(body))
                asks = request or bool(rules.question and rules.question.search(body))
                by_mark = False
                if not asks and sentence_mark and not CLAUSE_BREAK_RE.search(text, c_end, s_end):
                    asks = by_mark = True  # the clause the question mark closes
                asks = asks and has_content(body, min_content)
                analysis.clauses.append(Clause(c_start, c_end, asks, request, by_mark and asks))
        return analysis

    def _evidence(self, text: str, rules: LangRules) -> dict[str, list[Evidence]]:
        found: dict[str, list[Evidence]] = {}
        flat = rules.flat
        for position in rules.index.candidates(text):
            pattern = flat[position]
            span = pattern.search(text)
            if span is None:
                continue
            found.setdefault(pattern.technique, []).append(
                Evidence(
                    pattern.technique,
                    pattern.spec.id,
                    pattern.text,
                    text[span[0] : span[1]],
                    span,
                    pattern.spec.weight,
                )
            )
        return found

    def _previous_asks(self, previous: str) -> bool:
        known = self._asked.get(previous)
        if known is None:
            if len(self._asked) > 4096:
                self._asked.clear()
            known = self._asked[previous] = self._asks(previous)
        return known

    def _asks(self, previous: str) -> bool:
        """Did the customer's line ask something? Stricter than for a rep's line, by meaning.

        A sentence closed by a question mark asks; without one, only a real interrogative
        structure does (the bank's ``asked`` markers: an auxiliary before its subject, a wh-word
        before its verb, 吗, A-不-A, 是…还是…). In a sentence closed by a full stop only the
        markers marked ``standalone`` count (an inversion or 吗 asks even then; a bare Chinese
        wh-word is then an indefinite). Look-alikes do not: "Hello, have a seat.",
        "Who knows, maybe next year.", 「没什么」「哪儿都一样」「几个人都在忙」「随便坐吧」.
        """
        cleaned = clean(previous)
        lang = detect_lang(cleaned)
        rules = self._rules[lang]
        text = normalise(cleaned, lang, rules.shorthand)
        for s_start, s_end in sentences(text):
            sentence = text[s_start:s_end].rstrip()
            if sentence.endswith("?") and has_content(sentence):
                return True
            stated = sentence.endswith((".", "。", "!"))
            markers = [m for m, standalone in rules.asked if standalone or not stated]
            if not markers:
                continue
            for c_start, c_end in clauses(text, s_start, s_end):
                piece = text[c_start:c_end]
                if rules.not_question is not None:
                    piece = rules.not_question.sub(lambda m: " " * len(m.group(0)), piece)
                body = piece.strip(" .!?;:。…_")
                if any(m.search(body) for m in markers):
                    return True
        return False

    # --- the rules' facts -----------------------------------------------------------------------

    def facts(self, text: str, lang: str = "auto", context: Mapping[str, Any] | None = None) -> Facts:
        """Everything the rules find in one line: the model's features and the reps' evidence."""
        cleaned = clean(text)
        if lang not in LANGS:
            lang = detect_lang(cleaned)
        rules = self._rules[lang]
        norm = normalise(cleaned, lang, rules.shorthand) if CONTENT_RE.search(cleaned.lower()) else ""
        analysis = self._analyse(norm, rules)
        found = self._evidence(norm, rules) if norm else {}
        self._drop_premises(norm, found, rules)
        if not analysis.asks:
            self._standalone_only(found)
        humble_fired, real_question = self._set_aside_humble(norm, analysis, found, rules)
        scores = {t: sum(e.weight for e in items) for t, items in found.items()}
        fired = {t for t, s in scores.items() if s >= self.threshold}
        if humble_fired:
            fired.add("humble_disclaimer")
        previous = _previous_text(context)
        return Facts(
            norm=norm,
            lang=lang,
            analysis=analysis,
            found=found,
            scores=scores,
            fired=frozenset(fired),
            real_question=real_question,
            previous_asks=bool(previous) and self._previous_asks(previous),
            previous=normalise(clean(previous), detect_lang(clean(previous))) if previous else "",
        )

    def _drop_premises(self, norm: str, found: dict[str, list[Evidence]], rules: LangRules) -> None:
        """Cues inside an if-clause are a premise: "if the budget were cut, ..." is no budget question."""
        touched = self.ignore_in_condition & set(found)
        if rules.condition is None or not touched:
            return
        premises = [m.span() for m in rules.condition.finditer(norm)]
        for technique in touched:
            found[technique] = [e for e in found[technique] if not any(inside(e.span, p) for p in premises)]

    def _standalone_only(self, found: dict[str, list[Evidence]]) -> None:
        """A line that asks nothing keeps only the standalone cues of the question kinds."""
        for technique in list(found):
            if self.needs_question.get(technique, True):
                found[technique] = [e for e in found[technique] if (technique, e.pattern) in self.standalone]

    def _set_aside_humble(
        self, norm: str, analysis: Analysis, found: dict[str, list[Evidence]], rules: LangRules
    ) -> tuple[bool, bool]:
        """Set the permission and apology phrases aside; (did they fire, does a real question remain).

        Cues inside a permission phrase do not count for other techniques ("would it be ok if I
        asked about X" is no what-if), and what remains must ask on its own.
        """
        humble = found.get("humble_disclaimer", [])
        if sum(e.weight for e in humble) < self.threshold:
            return False, analysis.asks
        spans = [
            span
            for e in humble
            if e.weight > 0
            for span in rules.by_id[("humble_disclaimer", e.pattern)].spans(norm)
        ]
        for technique in found:
            if technique != "humble_disclaimer":
                found[technique] = [
                    e for e in found[technique] if not any(overlaps(e.span, s) for s in spans)
                ]
        # What is left must say something on its own: "我先?" after "请教一件事可以吗" does not.
        return True, self._analyse(mask(norm, spans), rules, min_content=4).asks

    def rule_label(self, facts: Facts) -> str:
        """The rules' own reading, a feature for the model (and the answer when no model is loaded)."""
        analysis = facts.analysis
        specific = [t for t in self.precedence if t in facts.fired and t not in _STRUCTURAL]
        if analysis.asks and facts.previous_asks and answers_first(analysis):
            return "answer_with_question"
        if "pitch" in facts.fired and not analysis.last_asks:
            return "pitch"
        if "humble_disclaimer" in facts.fired and not facts.real_question:
            return "humble_disclaimer"
        if specific:
            return specific[0]
        if analysis.asks:
            if analysis.rising_summary(facts.lang):
                return "confirm_question"
            return (
                "open_question" if "open_question" in facts.fired or analysis.request else "closed_question"
            )
        return "greeting" if "greeting" in facts.fired else "statement"

    def flags(self, facts: Facts) -> list[str]:
        """The rules' hits and the clause facts, as binary features."""
        analysis = facts.analysis
        answered_first = answers_first(analysis)
        facts_on = {
            "q:asks": analysis.asks,
            "q:last": analysis.last_asks,
            "q:request": analysis.request,
            "q:mark-only": analysis.asks and all(c.by_mark for c in analysis.clauses if c.asks),
            "q:summary": analysis.rising_summary(facts.lang),
            "q:answers-first": answered_first,
            "q:real": facts.real_question,
            "ctx:asks": facts.previous_asks,
            "ctx:asks-answered-asked": facts.previous_asks and answered_first and analysis.asks,
            "ctx:asks-asked": facts.previous_asks and analysis.asks,
        }
        flags = [f"lang:{facts.lang}"]
        flags += [name for name, on in facts_on.items() if on]
        flags += [f"r:{e.technique}:{e.pattern}" for items in facts.found.values() for e in items]
        if facts.previous:
            flags.append(f"ctx:overlap:{overlap_bucket(facts.norm, facts.previous)}")
        return flags

    # --- classification -------------------------------------------------------------------------

    def classify(
        self, text: str, lang: str = "auto", context: Mapping[str, Any] | None = None
    ) -> Classification:
        facts = self.facts(text, lang, context)
        if not facts.norm:  # blank lines, emoji, punctuation: nothing was said
            return Classification("statement", ("statement",), 1.0, facts.lang)
        if self.model is None:
            label = self.rule_label(facts)
            techniques = self._in_order(label, facts, facts.fired)
            return Classification(label, techniques, 0.5, facts.lang, self._rule_evidence(label, facts))
        return self._judge(facts)

    def _judge(self, facts: Facts) -> Classification:
        """The model decides; the rules veto what the method rules out and explain the rest."""
        model = self.model
        assert model is not None
        vector = model.vector_of(*pieces(facts.norm, facts.lang), self.flags(facts))
        decision = model.decision(vector)
        scores = decision.tolist()
        ranked = sorted(range(len(scores)), key=scores.__getitem__, reverse=True)
        best = next(i for i in ranked if self._allowed(model.labels[i], facts))
        label = model.labels[best]
        # a probability, never a certainty: 0.996 shows as 0.99
        confidence = min(float(model.probabilities(decision)[best]), _MAX_CONFIDENCE)
        evidence = self._explain(label, facts, model.contributions(vector, label, _EXPLAIN * 4))
        if confidence < model.unsure_below:
            # Too close to call: the coach says it is unsure and the engine hears a statement.
            return Classification(
                "statement",
                ("statement",),
                round(confidence, 2),
                facts.lang,
                evidence,
                unsure=True,
                guess=label,
            )
        # one-vs-rest: a positive score is the model's own "this too"
        also = frozenset(t for t, score in zip(model.labels, scores, strict=True) if score > 0)
        techniques = self._in_order(label, facts, also)
        return Classification(label, techniques, round(confidence, 2), facts.lang, evidence)

    def _allowed(self, label: str, facts: Facts) -> bool:
        """The hard vetoes, where the method is unambiguous."""
        if label == "answer_with_question":  # only the customer's question can be answered
            return facts.previous_asks and facts.analysis.asks
        return True

    def _in_order(self, label: str, facts: Facts, also: frozenset[str] = frozenset()) -> tuple[str, ...]:
        """The primary label, then the other kinds in the order they occur in the line.

        The others are the kinds in ``also`` and a permission the rules set aside ("Sorry to ask,
        but why…" is a why, then a humble disclaimer).
        """
        others = {t for t in also if t in _SECONDARY} | (facts.fired & {"humble_disclaimer"})
        first = {
            t: min((e.span[0] for e in facts.found.get(t, []) if e.weight > 0), default=len(facts.norm))
            for t in others - {label}
        }
        return (label, *sorted(first, key=lambda t: (first[t], t)))

    def _rule_evidence(self, label: str, facts: Facts) -> tuple[Evidence, ...]:
        return tuple(e for e in facts.found.get(label, []) if e.weight > 0)

    def _explain(self, label: str, facts: Facts, weights: list[tuple[str, float]]) -> tuple[Evidence, ...]:
        """The rules, clause facts and n-grams that weighed most for ``label``, strongest first.

        A rule is shown with what it matched; an n-gram only when it says something (a word, not
        a lone character or punctuation).
        """
        evidence = []
        for name, weight in weights:
            kind, _, value = name.partition(":")
            hit = _hit(facts, value) if kind == "r" else None
            if hit is not None:
                evidence.append(
                    Evidence(hit.technique, hit.pattern, hit.text, hit.matched, hit.span, round(weight, 3))
                )
            elif kind not in ("c", "w"):
                evidence.append(Evidence(label, name, name, "", (0, 0), round(weight, 3)))
            elif len(CONTENT_RE.findall(value)) >= (1 if kind == "w" else 2):
                start = facts.norm.find(value)
                span = (start, start + len(value)) if start >= 0 else (0, 0)
                evidence.append(
                    Evidence(label, name, name, value if start >= 0 else "", span, round(weight, 3))
                )
            if len(evidence) == _EXPLAIN:
                break
        return tuple(evidence)


def _hit(facts: Facts, name: str) -> Evidence | None:
    """The rule hit behind a feature ``<technique>:<pattern id>``."""
    technique, _, pattern = name.partition(":")
    return next((e for e in facts.found.get(technique, ()) if e.pattern == pattern), None)


def _previous_text(context: Mapping[str, Any] | None) -> str:
    previous = context.get("previous") if context else None
    return previous if isinstance(previous, str) and previous.strip() else ""
