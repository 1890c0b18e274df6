"""The rule engine: patterns from the question bank, combined by a few structural rules.

How a line is labelled (docs/classifier.md explains it with examples):

1. The line is cleaned and normalised (:mod:`bot.classifier.text`), its language detected, and
   split into sentences and comma clauses. A clause *asks* when it matches a ``question`` marker
   (after ``not_question`` masks are blanked out), ends with a question mark and has some content,
   or matches a ``request`` marker ("tell me about...", "讲讲...").
2. Every technique's patterns are searched; a technique *fires* when the weights of its distinct
   matching patterns add up to the bank's threshold (1.0). For techniques with
   ``needs_question: true`` only ``standalone`` patterns count when the line asks nothing.
3. The primary label:
   - a humble disclaimer whose permission is the whole request -> ``humble_disclaimer``;
     when the line also asks a real question, that question's kind wins and
     ``humble_disclaimer`` is listed second;
   - a line whose last clause promotes the product without asking -> ``pitch``;
   - the customer's previous line was a question and the rep answers, then asks ->
     ``answer_with_question``;
   - otherwise the first fired technique in the bank's ``precedence`` (among those whose evidence
     is within one threshold of the strongest);
   - otherwise a question is ``open_question`` when an open cue fired, else ``closed_question``;
   - otherwise ``greeting`` when it fired, else ``statement``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .bank import LABELS, LANGS, PatternSpec, QuestionBank, shorthand_for
from .prefilter import FactorIndex, required_factors
from .text import (
    clauses,
    clean,
    detect_lang,
    init_segmenter,
    inside_word,
    normalise,
    search,
    segment,
    sentences,
)

GENERIC = ("closed_question", "open_question")
_CLAUSE_BREAK_RE = re.compile(r"[,，、]")
_CONTENT_RE = re.compile(r"[a-z0-9]+|[\u3400-\u4dbf\u4e00-\u9fff]")
_FILLER_WORDS = frozenset(["but", "so", "or", "the", "a", "to", "um", "uh", "er", "hmm"])


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "technique": self.technique,
            "techniques": list(self.techniques),
            "confidence": self.confidence,
            "lang": self.lang,
            "evidence": [e.to_dict() for e in self.evidence],
        }


@dataclass(frozen=True)
class _Pattern:
    technique: str
    spec: PatternSpec
    regex: re.Pattern[str] | None
    words: tuple[str, ...]
    factors: frozenset[str] | None  # literals a match must contain one of (None: always search)
    not_inside: frozenset[str] = frozenset()

    @property
    def text(self) -> str:
        return self.spec.regex if self.spec.regex is not None else " ".join(self.words)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Every match of the pattern (outside its ``not_inside`` words)."""
        if self.regex is None:
            span = self.search(text)
            return [span] if span else []
        return [
            m.span()
            for m in self.regex.finditer(text)
            if not (self.not_inside and inside_word(text, m.span(), self.not_inside))
        ]

    def search(self, text: str) -> tuple[int, int] | None:
        if self.regex is not None:
            return search(self.regex, text, self.not_inside)
        if not all(word in text for word in self.words):  # cheap test before segmenting
            return None
        tokens = segment(text)
        if not all(word in tokens for word in self.words):
            return None
        start = text.find(self.words[0])
        return (start, start + len(self.words[0]))


def _union(regexes: list[str]) -> re.Pattern[str] | None:
    if not regexes:
        return None
    return re.compile("|".join(f"(?:{r})" for r in regexes))


@dataclass
class _LangRules:
    patterns: dict[str, list[_Pattern]]
    question: re.Pattern[str] | None
    request: re.Pattern[str] | None
    not_question: re.Pattern[str] | None
    condition: re.Pattern[str] | None
    asked: list[tuple[re.Pattern[str], bool]]  # (marker, holds in a sentence closed by a full stop)
    shorthand: Any
    flat: list[_Pattern]
    index: FactorIndex
    by_id: dict[tuple[str, str], _Pattern]


@dataclass
class _Clause:
    start: int
    end: int
    asks: bool
    request: bool
    by_mark: bool = False  # it asks only because a question mark closes it (no marker matched)


@dataclass
class _Analysis:
    text: str
    clauses: list[_Clause] = field(default_factory=list)

    @property
    def asks(self) -> bool:
        return any(c.asks for c in self.clauses)

    @property
    def last_asks(self) -> bool:
        return bool(self.clauses) and self.clauses[-1].asks

    @property
    def request(self) -> bool:
        return any(c.request for c in self.clauses)

    def rising_summary(self, lang: str) -> bool:
        """A statement of several parts said with a question mark: the rep checks a summary.

        "Okay, three clinics, one receptionist, and bookings all come through WhatsApp?" asks only
        through its question mark (no clause starts like a question), and it says enough to be a
        recap (two clauses with content, or a long sentence), not a one-fact check ("SAP?").
        """
        asking = [c for c in self.clauses if c.asks]
        if not asking or not all(c.by_mark for c in asking):
            return False
        parts = [c for c in self.clauses if _has_content(self.text[c.start : c.end], 2)]
        if lang == "zh":
            size = len(_CONTENT_RE.findall(self.text))
            return len(parts) >= 2 and size >= 14
        words = len(_CONTENT_RE.findall(self.text))
        return len(parts) >= 3 or (len(parts) >= 2 and words >= 10) or words >= 14


class Classifier:
    """Classifies rep lines with the rules of one question bank."""

    def __init__(self, bank: QuestionBank) -> None:
        self.bank = bank
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
        self._rules: dict[str, _LangRules] = {}
        self._asked: dict[str, bool] = {}  # the customer's previous lines: did they ask?
        markers = bank.header.markers
        for lang in LANGS:
            patterns: dict[str, list[_Pattern]] = {}
            for technique in bank.techniques.values():
                compiled = []
                for spec in technique.detect.patterns[lang]:
                    compiled.append(
                        _Pattern(
                            technique.id,
                            spec,
                            re.compile(spec.regex) if spec.regex is not None else None,
                            tuple(spec.words or ()),
                            required_factors(spec.regex)
                            if spec.regex is not None
                            else frozenset(spec.words or ()) or None,
                            frozenset(spec.not_inside),
                        )
                    )
                patterns[technique.id] = compiled
            flat = [p for ps in patterns.values() for p in ps]
            if any(p.words or p.not_inside for p in flat):
                init_segmenter()  # load jieba's dictionary now, not on the first line
            self._rules[lang] = _LangRules(
                patterns=patterns,
                question=_union([p.regex for p in markers.question[lang] if p.regex]),
                request=_union([p.regex for p in markers.request[lang] if p.regex]),
                not_question=_union([p.regex for p in markers.not_question[lang] if p.regex]),
                condition=_union([p.regex for p in markers.condition[lang] if p.regex]),
                asked=[(re.compile(p.regex), p.standalone) for p in markers.asked[lang] if p.regex],
                shorthand=shorthand_for(bank.header, lang),
                flat=flat,
                index=FactorIndex([p.factors for p in flat]),
                by_id={(p.technique, p.spec.id): p for p in flat},
            )

    @classmethod
    def from_bank(cls, bank: QuestionBank) -> Classifier:
        return cls(bank)

    # --- analysis -------------------------------------------------------------------------------

    def _analyse(self, text: str, rules: _LangRules, min_content: int = 1) -> _Analysis:
        analysis = _Analysis(text)
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
                if not asks and sentence_mark and not _CLAUSE_BREAK_RE.search(text, c_end, s_end):
                    asks = by_mark = True  # the clause the question mark closes
                asks = asks and _has_content(body, min_content)
                analysis.clauses.append(_Clause(c_start, c_end, asks, request, by_mark and asks))
        return analysis

    def _evidence(self, text: str, rules: _LangRules) -> dict[str, list[Evidence]]:
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

    @staticmethod
    def _score(items: list[Evidence]) -> float:
        return sum(e.weight for e in items)

    def _previous_asks(self, context: Mapping[str, Any] | None) -> bool:
        if not context:
            return False
        previous = context.get("previous")
        if not isinstance(previous, str) or not previous.strip():
            return False
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
            if sentence.endswith("?") and _has_content(sentence):
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

    # --- classification -------------------------------------------------------------------------

    def classify(
        self, text: str, lang: str = "auto", context: Mapping[str, Any] | None = None
    ) -> Classification:
        cleaned = clean(text)
        if lang not in LANGS:
            lang = detect_lang(cleaned)
        if not _CONTENT_RE.search(cleaned.lower()):
            return Classification("statement", ("statement",), 1.0 if not cleaned else 0.9, lang)
        rules = self._rules[lang]
        norm = normalise(cleaned, lang, rules.shorthand)
        analysis = self._analyse(norm, rules)
        found = self._evidence(norm, rules)
        return self._decide(norm, analysis, found, lang, rules, context)

    def _decide(
        self,
        norm: str,
        analysis: _Analysis,
        found: dict[str, list[Evidence]],
        lang: str,
        rules: _LangRules,
        context: Mapping[str, Any] | None,
    ) -> Classification:
        threshold = self.threshold
        asks = analysis.asks
        if rules.condition is not None and any(t in found for t in self.ignore_in_condition):
            premises = [m.span() for m in rules.condition.finditer(norm)]
            if premises:  # "if the budget were cut, ...": a premise, not a question about it
                for technique in self.ignore_in_condition & set(found):
                    found[technique] = [
                        e for e in found[technique] if not any(_inside(e.span, p) for p in premises)
                    ]
        if not asks:  # only standalone patterns count for techniques that need a question
            for technique in list(found):
                if self.needs_question.get(technique, True):
                    found[technique] = [
                        e for e in found[technique] if (technique, e.pattern) in self.standalone
                    ]

        # Humble disclaimer: its spans are set aside; does a real question remain?
        humble = found.get("humble_disclaimer", [])
        humble_fired = self._score(humble) >= threshold
        real_question = asks
        humble_spans: list[tuple[int, int]] = []
        if humble_fired:
            # every occurrence of each permission or apology phrase is set aside, not just the first
            spans = [
                span
                for e in humble
                if e.weight > 0
                for span in rules.by_id[("humble_disclaimer", e.pattern)].spans(norm)
            ]
            for technique in list(found):
                if technique == "humble_disclaimer":
                    continue
                kept = [e for e in found[technique] if not any(_overlaps(e.span, s) for s in spans)]
                found[technique] = kept
            humble_spans = spans
            masked = _mask(norm, spans)
            # What is left must say something on its own: "我先?" after "请教一件事可以吗" does not.
            real_question = self._analyse(masked, rules, min_content=4).asks

        scores = {t: self._score(items) for t, items in found.items()}
        fired = {t for t, s in scores.items() if s >= threshold}
        if humble_fired:
            fired.add("humble_disclaimer")

        def evidence_for(*techniques: str) -> tuple[Evidence, ...]:
            return tuple(e for t in techniques for e in found.get(t, []) if e.weight > 0)

        specific = [t for t in self.precedence if t in fired and t != "humble_disclaimer"]
        if len(specific) > 1:
            # Precedence settles a tie between kinds that both clearly apply; a kind with much
            # stronger evidence (a full threshold more) is not overruled by a barely-fired one.
            strongest = max(scores[t] for t in specific)
            leading = [t for t in specific if scores[t] > strongest - threshold]
            specific = leading + [t for t in specific if t not in leading]
        form = None
        explicit_form = False  # a form cue fired (not just the default "closed")
        if asks:
            form = "open_question" if ("open_question" in fired or analysis.request) else "closed_question"
            explicit_form = analysis.request or scores.get(form, 0.0) > 0

        # 1. permission is the whole request. A kind that needs a question does not count through
        # cues in the permission's own clause: in 「关于预算我能请教一下吗？」 the budget is the
        # topic of the permission, not a question about the budget.
        if humble_fired and not real_question and specific:
            asked_in = [
                (c.start, c.end)
                for c in analysis.clauses
                if any(_overlaps((c.start, c.end), h) for h in humble_spans)
            ]
            specific = [
                t
                for t in specific
                if not self.needs_question.get(t, True)
                or self._score(
                    [
                        e
                        for e in found[t]
                        if (t, e.pattern) in self.standalone
                        or not any(_overlaps(e.span, c) for c in asked_in)
                    ]
                )
                >= threshold
            ]
        if humble_fired and not real_question and not specific:
            return self._result(
                "humble_disclaimer", [], scores, lang, evidence_for("humble_disclaimer"), fired
            )

        # 2. the line ends promoting the product, without asking
        if "pitch" in fired and not analysis.last_asks:
            return self._result("pitch", [], scores, lang, evidence_for("pitch"), fired)

        # 3. answer the customer's question, then ask one back
        if asks and self._previous_asks(context) and _answers_first(analysis):
            inner = [t for t in specific if t != "answer_with_question"]
            others = [*inner[:1], *([form] if form and not inner else [])]
            if humble_fired:
                others.append("humble_disclaimer")
            return self._result(
                "answer_with_question", others, scores, lang, evidence_for(*inner[:1]), fired, bonus=0.1
            )
        specific = [t for t in specific if t != "answer_with_question"]

        if specific:
            primary = specific[0]
            others = specific[1:]
            if humble_fired:
                others.append("humble_disclaimer")
            if form and explicit_form and primary != "confirm_question":
                others.append(form)
            return self._result(primary, others, scores, lang, evidence_for(primary), fired)

        if form == "closed_question" and analysis.rising_summary(lang):
            return self._result("confirm_question", [], scores, lang, evidence_for("confirm_question"), fired)
        if form == "closed_question" and scores.get("greeting", 0.0) >= 2 * threshold:
            # "您好，请问您是李经理吧？我是华腾的小陈。": pleasantries around a who-are-you check
            return self._result("greeting", [form], scores, lang, evidence_for("greeting"), fired)
        if form is not None:
            others = ["humble_disclaimer"] if humble_fired else []
            return self._result(form, others, scores, lang, evidence_for(form), fired)
        if "greeting" in fired:
            return self._result("greeting", [], scores, lang, evidence_for("greeting"), fired)
        return Classification("statement", ("statement",), 0.6, lang, ())

    def _result(
        self,
        primary: str,
        others: list[str],
        scores: dict[str, float],
        lang: str,
        evidence: tuple[Evidence, ...],
        fired: set[str],
        bonus: float = 0.0,
    ) -> Classification:
        labels = [primary]
        for label in others:
            if label not in labels and label in LABELS:
                labels.append(label)
        score = scores.get(primary, 0.0)
        if primary in GENERIC:
            confidence = 0.7 if score >= self.threshold else 0.55
        else:
            confidence = 0.6 + 0.15 * min(score / self.threshold, 2.0) + bonus
        rivals = len([t for t in fired if t not in labels and t not in GENERIC])
        confidence -= 0.1 * rivals + 0.05 * max(0, len(labels) - 2)
        confidence = round(max(0.3, min(confidence, 0.97)), 2)
        return Classification(primary, tuple(labels), confidence, lang, evidence)


def _has_content(body: str, minimum: int = 1) -> bool:
    """A clause before a question mark asks when it says something (``right?`` does, ``but?`` not)."""
    return sum(1 for t in _CONTENT_RE.findall(body) if t not in _FILLER_WORDS) >= minimum


def _inside(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return b[0] <= a[0] and a[1] <= b[1]


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(start, min(end, len(chars))):
            if chars[i] not in ",.?!;:。… ":
                chars[i] = "_"  # a word character: what is left cannot join across the gap
        after = end
        while after < len(chars) and chars[after] == " ":
            after += 1
        if after < len(chars) and chars[after] == "?" and end > start:
            # the question mark that closes a permission belongs to it: in 「去年那次事故我能问问吗？」
            # the topic before the permission does not ask by that mark
            chars[after] = "."
    return "".join(chars)


def _answers_first(analysis: _Analysis) -> bool:
    """The line starts with an answer (a clause that does not ask) before it asks."""
    for clause in analysis.clauses:
        if clause.asks:
            return False
        if _has_content(analysis.text[clause.start : clause.end]):
            return True
    return False
