"""The question bank: trainer-authored YAML in ``questionbank/``, validated with located errors.

Layout of a bank directory:

- ``bank.yaml``: ``version``, the decision ``threshold``, the ``precedence`` of the specific
  techniques, the shared ``markers`` (what makes a clause a question, a request or a pitch-free
  aside) and the ``shorthand`` table;
- one ``<technique id>.yaml`` per technique (all 16 labels must be present): names, definition,
  when to use it, suited ``steps``, example questions, coaching tips, common mistakes, and the
  ``detect`` block with the detection patterns per language.

Any problem (syntax, unknown key, missing key, bad regex, a pattern that misses its own example)
raises :class:`bot.yamlsource.ScriptError` naming the file, the line and what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from bot.i18n import N_
from bot.yamlsource import (
    ScriptError,
    ScriptProblem,
    SourceDocument,
    lint,
    load_yaml,
    model_problems,
    parse_yaml,
    read_document,
    validate,
)

from .text import Shorthand, clean, normalise, search, segment

LANGS: tuple[str, ...] = ("zh", "en")

Label = Literal[
    "greeting",
    "closed_question",
    "open_question",
    "confirm_question",
    "curiosity_care",
    "humble_disclaimer",
    "revisit_topic",
    "what_else",
    "why",
    "what_if",
    "how_do_you_see",
    "need_confirmation",
    "answer_with_question",
    "pitch",
    "statement",
    "interest_check",
]
#: The fixed label ids, in the order reports list them: those of ``bot.vocab.Technique`` (tested).
LABELS: tuple[str, ...] = get_args(Label)

#: Where a technique suits: relationship stages (methodology §2), the five-step canvas (§3) and
#: the parts of a visit.
STEPS: dict[str, str] = {
    "network": "relationship stage 0: network, before the visit",
    "first_impression": "relationship stage 1: first impression",
    "liking": "relationship stage 2: liking",
    "trust": "relationship stage 3: trust",
    "persuasion": "relationship stage 4: persuasion",
    "excitation": "relationship stage 5: question-driven excitation",
    "understand_business": "canvas step 1: understand the business",
    "discover_problems": "canvas step 2: discover problems",
    "analyse_problems": "canvas step 3: analyse problems",
    "excite_motivation": "canvas step 4: excite motivation",
    "evaluate_solution": "canvas step 5: evaluate the solution",
    "confirm_need": "confirm the explicit need (plan and budget)",
    "opening": "the opening of a visit",
    "closing": "the close of a visit",
    "any": "anywhere in a visit",
}

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
StepId = Literal[
    "network",
    "first_impression",
    "liking",
    "trust",
    "persuasion",
    "excitation",
    "understand_business",
    "discover_problems",
    "analyse_problems",
    "excite_motivation",
    "evaluate_solution",
    "confirm_need",
    "opening",
    "closing",
    "any",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LangText(_Strict):
    """One text per language."""

    zh: NonEmpty
    en: NonEmpty

    def __getitem__(self, lang: str) -> str:
        return str(getattr(self, lang if lang in LANGS else "zh"))


class LangList(_Strict):
    """A list of texts per language."""

    zh: list[NonEmpty] = Field(min_length=1)
    en: list[NonEmpty] = Field(min_length=1)

    def __getitem__(self, lang: str) -> list[str]:
        return list(getattr(self, lang if lang in LANGS else "zh"))


class Examples(LangList):
    """Example questions a rep could ask: at least 8 per language, written by us."""

    zh: list[NonEmpty] = Field(min_length=8)
    en: list[NonEmpty] = Field(min_length=8)


class PatternSpec(_Strict):
    """One detection pattern.

    ``regex`` is a Python regular expression searched in the normalised line (lower case,
    simplified Chinese, ASCII punctuation: write ``?`` and ``,`` even for Chinese). ``words`` are
    jieba tokens that must all appear (Chinese), for cues a substring would over-match.
    ``weight`` 1 is enough on its own; below 1 it needs another cue of the same technique
    (weights of distinct patterns add up); a negative weight vetoes.
    ``not_inside`` lists words in which a match does not count, judged on jieba's tokens: a busy
    cue ``忙`` is not busy inside ``帮忙``, a tired cue ``累`` not inside ``累计``.
    ``standalone: true`` lets the pattern count when the line asks nothing, for a technique
    whose ``needs_question`` is true (a permission request, a declarative summary).
    ``matches`` / ``not_matches`` are sample lines checked when the bank loads.
    """

    id: NonEmpty
    regex: str | None = None
    words: list[NonEmpty] | None = None
    weight: float = Field(default=1.0, ge=-10, le=10)
    standalone: bool = False
    not_inside: list[NonEmpty] = Field(default_factory=list)
    note: str | None = None
    matches: list[str] = Field(default_factory=list)
    not_matches: list[str] = Field(default_factory=list)

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> PatternSpec:
        if (self.regex is None) == (self.words is None):
            raise ValueError("a pattern needs exactly one of 'regex' or 'words'")
        return self


class LangPatterns(_Strict):
    zh: list[PatternSpec] = Field(default_factory=list)
    en: list[PatternSpec] = Field(default_factory=list)

    def __getitem__(self, lang: str) -> list[PatternSpec]:
        return list(getattr(self, lang if lang in LANGS else "zh"))


class Detect(_Strict):
    """How the classifier recognises the technique."""

    needs_question: bool = True
    #: Cues inside a conditional premise ("if the budget were cut, ...") do not count.
    ignore_in_condition: bool = False
    patterns: LangPatterns = Field(default_factory=LangPatterns)


class Technique(_Strict):
    """One questioning technique (or one of the non-question labels)."""

    id: Label
    name: LangText
    definition: LangText
    when: LangText
    steps: tuple[StepId, ...] = ()
    examples: Examples
    tips: LangList
    mistakes: LangList
    detect: Detect = Field(default_factory=Detect)


class Markers(_Strict):
    """Shared cues: what makes a clause a question, a request, or a reply to a question."""

    question: LangPatterns = Field(default_factory=LangPatterns)
    request: LangPatterns = Field(default_factory=LangPatterns)
    not_question: LangPatterns = Field(default_factory=LangPatterns)
    condition: LangPatterns = Field(default_factory=LangPatterns)
    asked: LangPatterns = Field(default_factory=LangPatterns)


class BankHeader(_Strict):
    """``bank.yaml``."""

    version: NonEmpty
    threshold: float = Field(default=1.0, gt=0)
    precedence: list[Label]
    markers: Markers = Field(default_factory=Markers)
    shorthand: dict[Literal["zh", "en"], dict[str, str]] = Field(default_factory=dict)

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int | float) else value


@dataclass(frozen=True)
class QuestionBank:
    """The loaded bank: techniques by id, shared markers, and where each came from."""

    version: str
    directory: Path
    header: BankHeader
    techniques: dict[str, Technique]
    sources: dict[str, SourceDocument]
    #: Technique files read from the database instead of ``directory`` (name → text).
    texts: Mapping[str, str] = field(default_factory=dict)

    def technique(self, technique_id: str) -> Technique:
        try:
            return self.techniques[technique_id]
        except KeyError:
            raise KeyError(f"no technique {technique_id!r} in the question bank") from None

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(t for t in LABELS if t in self.techniques)

    @property
    def precedence(self) -> tuple[str, ...]:
        return tuple(self.header.precedence)

    @property
    def threshold(self) -> float:
        return self.header.threshold


HEADER_FILE = "bank.yaml"


def load_question_bank(directory: Path | str, texts: Mapping[str, str] | None = None) -> QuestionBank:
    """Load and validate every file of a bank directory; all problems are reported together.

    ``texts`` maps technique file names (``why.yaml``) to their text: those are read from it, not
    from the directory (the versions published in the database), and may add files."""
    root = Path(directory)
    texts = texts or {}
    problems: list[ScriptProblem] = []
    if not root.is_dir():
        raise ScriptError([ScriptProblem.keyed(str(root), None, None, "", N_("script.bank.not_found"))])
    header_path = root / HEADER_FILE
    sources: dict[str, SourceDocument] = {}
    header = _load_header(header_path, sources, problems)

    techniques: dict[str, Technique] = {}
    where: dict[str, str] = {}
    on_disk = sorted(root.glob("*.yaml")) + sorted(root.glob("*.yml"))
    names = sorted({p.name for p in on_disk} | set(texts), key=lambda n: (n.endswith(".yml"), n))
    for name in names:
        if name == HEADER_FILE:
            continue
        path = root / name
        try:
            doc = parse_yaml(texts[name], str(path)) if name in texts else load_yaml(path)
            technique = validate(Technique, doc)
        except ScriptError as exc:
            problems.extend(exc.problems)
            continue
        sources[path.name] = doc
        if technique.id in techniques:
            problems.append(
                doc.report(
                    ("id",), N_("script.bank.defined_again"), id=technique.id, first=where[technique.id]
                )
            )
            continue
        if path.stem != technique.id:
            problems.append(doc.report(("id",), N_("script.bank.file_name"), id=technique.id))
        techniques[technique.id] = technique
        where[technique.id] = path.name
        problems.extend(_check_patterns(technique, doc, header))

    missing = [label for label in LABELS if label not in techniques]
    if missing and not problems:
        problems.append(
            ScriptProblem.keyed(
                str(header_path), None, None, "", N_("script.bank.missing_files"), labels=", ".join(missing)
            )
        )
    if header is not None:
        doc = sources[HEADER_FILE]
        for index, label in enumerate(header.precedence):
            if label in ("closed_question", "open_question", "statement", "greeting", "pitch"):
                problems.append(
                    doc.report(("precedence", index), N_("script.bank.generic_precedence"), label=label)
                )
        if len(set(header.precedence)) != len(header.precedence):
            problems.append(doc.report(("precedence",), N_("script.bank.listed_twice")))
    if problems:
        raise ScriptError(problems)
    assert header is not None
    return QuestionBank(
        version=header.version,
        directory=root,
        header=header,
        techniques=techniques,
        sources=sources,
        texts=dict(texts),
    )


def check_technique(
    text: str, file: str, header: BankHeader | None
) -> tuple[Technique | None, list[ScriptProblem]]:
    """One technique file on its own: every problem at its line (syntax, shape, patterns that
    miss their samples), then the warnings (``severity`` "warning": a list that reads as one
    sentence split by commas). The editor checks a trainer's edit with it."""
    doc, problems = read_document(text, file)
    if problems:
        return None, problems
    technique, problems = model_problems(Technique, doc)
    if technique is None:
        return None, problems + lint(doc)
    return technique, problems + _check_patterns(technique, doc, header) + lint(doc)


def _load_header(
    path: Path, sources: dict[str, SourceDocument], problems: list[ScriptProblem]
) -> BankHeader | None:
    """``bank.yaml``, its document added to ``sources`` and its problems to ``problems``."""
    try:
        doc = load_yaml(path)
        sources[HEADER_FILE] = doc
        header = validate(BankHeader, doc)
    except ScriptError as exc:
        problems.extend(exc.problems)
        return None
    problems.extend(_check_patterns_of_markers(header, doc))
    return header


def shorthand_for(header: BankHeader | None, lang: str) -> Shorthand:
    return Shorthand(dict(header.shorthand.get(lang, {})) if header else {}, lang)  # type: ignore[call-overload]


def _self_test(
    spec: PatternSpec,
    lang: str,
    doc: SourceDocument,
    path: tuple[str | int, ...],
    header: BankHeader | None,
) -> list[ScriptProblem]:
    """A pattern must match its ``matches`` and miss its ``not_matches`` (after normalisation)."""
    problems = []
    shorthand = shorthand_for(header, lang)
    for key, expected in (("matches", True), ("not_matches", False)):
        for index, sample in enumerate(getattr(spec, key)):
            text = normalise(clean(sample), lang, shorthand)
            if spec.regex is not None:
                hit = search(re.compile(spec.regex), text, frozenset(spec.not_inside)) is not None
            else:
                tokens = set(segment(text))
                hit = all(w in tokens for w in spec.words or ())
            if hit != expected:
                key_of = N_("script.bank.pattern_misses") if expected else N_("script.bank.pattern_hits")
                problems.append(doc.report((*path, key, index), key_of, id=spec.id, sample=sample))
    return problems


def _check_patterns(
    technique: Technique, doc: SourceDocument, header: BankHeader | None
) -> list[ScriptProblem]:
    problems: list[ScriptProblem] = []
    for lang in LANGS:
        seen: set[str] = set()
        for index, spec in enumerate(technique.detect.patterns[lang]):
            path: tuple[str | int, ...] = ("detect", "patterns", lang, index)
            if spec.id in seen:
                problems.append(doc.report((*path, "id"), N_("script.bank.pattern_twice"), id=spec.id))
            seen.add(spec.id)
            problems.extend(_self_test(spec, lang, doc, path, header))
    return problems


def _check_patterns_of_markers(header: BankHeader, doc: SourceDocument) -> list[ScriptProblem]:
    problems: list[ScriptProblem] = []
    for group in ("question", "request", "not_question", "condition", "asked"):
        patterns: LangPatterns = getattr(header.markers, group)
        for lang in LANGS:
            for index, spec in enumerate(patterns[lang]):
                where = ("markers", group, lang, index)
                if spec.regex is None:
                    problems.append(doc.report(where, N_("script.bank.markers_regex")))
                    continue
                problems.extend(_self_test(spec, lang, doc, where, header))
    return problems
