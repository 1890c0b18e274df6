"""The question bank's rules compiled for one language, and the clause facts they read.

The classifier (:mod:`bot.classifier.engine`) searches these patterns and markers to find the
facts a line shows; the trained model weighs them. Kept apart so the decision reads on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .bank import LangPatterns, PatternSpec, QuestionBank, shorthand_for
from .prefilter import FactorIndex, required_factors
from .text import init_segmenter, inside_word, search, segment

CLAUSE_BREAK_RE = re.compile(r"[,，、]")
CONTENT_RE = re.compile(r"[a-z0-9]+|[\u3400-\u4dbf\u4e00-\u9fff]")
FILLER_WORDS = frozenset(["but", "so", "or", "the", "a", "to", "um", "uh", "er", "hmm"])


@dataclass(frozen=True)
class Pattern:
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


def union_of(regexes: list[str]) -> re.Pattern[str] | None:
    if not regexes:
        return None
    return re.compile("|".join(f"(?:{r})" for r in regexes))


@dataclass
class LangRules:
    patterns: dict[str, list[Pattern]]
    question: re.Pattern[str] | None
    request: re.Pattern[str] | None
    not_question: re.Pattern[str] | None
    condition: re.Pattern[str] | None
    asked: list[tuple[re.Pattern[str], bool]]  # (marker, holds in a sentence closed by a full stop)
    shorthand: Any
    flat: list[Pattern]
    index: FactorIndex
    by_id: dict[tuple[str, str], Pattern]


@dataclass
class Clause:
    start: int
    end: int
    asks: bool
    request: bool
    by_mark: bool = False  # it asks only because a question mark closes it (no marker matched)


@dataclass
class Analysis:
    text: str
    clauses: list[Clause] = field(default_factory=list)

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
        parts = [c for c in self.clauses if has_content(self.text[c.start : c.end], 2)]
        if lang == "zh":
            size = len(CONTENT_RE.findall(self.text))
            return len(parts) >= 2 and size >= 14
        words = len(CONTENT_RE.findall(self.text))
        return len(parts) >= 3 or (len(parts) >= 2 and words >= 10) or words >= 14


def compile_pattern(technique: str, spec: PatternSpec) -> Pattern:
    regex = re.compile(spec.regex) if spec.regex is not None else None
    words = tuple(spec.words or ())
    factors = required_factors(spec.regex) if spec.regex is not None else frozenset(words) or None
    return Pattern(technique, spec, regex, words, factors, frozenset(spec.not_inside))


def compile_rules(bank: QuestionBank, lang: str) -> LangRules:
    """One language's patterns and markers, compiled and indexed by their literals."""
    patterns: dict[str, list[Pattern]] = {
        t.id: [compile_pattern(t.id, spec) for spec in t.detect.patterns[lang]]
        for t in bank.techniques.values()
    }
    flat = [p for ps in patterns.values() for p in ps]
    if any(p.words or p.not_inside for p in flat):
        init_segmenter()  # load jieba's dictionary now, not on the first line
    markers = bank.header.markers

    def union(group: LangPatterns) -> re.Pattern[str] | None:
        return union_of([p.regex for p in group[lang] if p.regex])

    return LangRules(
        patterns=patterns,
        question=union(markers.question),
        request=union(markers.request),
        not_question=union(markers.not_question),
        condition=union(markers.condition),
        asked=[(re.compile(p.regex), p.standalone) for p in markers.asked[lang] if p.regex],
        shorthand=shorthand_for(bank.header, lang),
        flat=flat,
        index=FactorIndex([p.factors for p in flat]),
        by_id={(p.technique, p.spec.id): p for p in flat},
    )


def has_content(body: str, minimum: int = 1) -> bool:
    """A clause before a question mark asks when it says something (``right?`` does, ``but?`` not)."""
    return sum(1 for t in CONTENT_RE.findall(body) if t not in FILLER_WORDS) >= minimum


def inside(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return b[0] <= a[0] and a[1] <= b[1]


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def mask(text: str, spans: list[tuple[int, int]]) -> str:
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


def answers_first(analysis: Analysis) -> bool:
    """The line starts with an answer (a clause that does not ask) before it asks."""
    for clause in analysis.clauses:
        if clause.asks:
            return False
        if has_content(analysis.text[clause.start : clause.end]):
            return True
    return False
