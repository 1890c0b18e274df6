"""Labelled (rep line, scenario, expected topic) pairs and the accuracy of the index on them.

A pairs file is YAML: ``scenario: <id>`` and ``pairs:``, each pair ``{lang, rep, topic}`` with
optional ``context`` (the topic the customer just talked about) and ``said`` (the customer's
lines so far, most recent last). ``topic`` is a topic key, ``off_topic`` or ``none``.

The held-out set (tests/data/topics/) was written separately, in its own shape: no top-level
``scenario`` (each pair names its own), ``text`` for the rep's line, ``context`` as the
customer's previous *line* (its topic is what the index makes of that line, as the engine
would know it), ``cause:<id>`` without the problem, and ``none`` for both off-topic and generic
lines. Both shapes load into the same ``Pair``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.engine.topics.index import TopicIndex, TopicMatch

OFF_TOPIC = "off_topic"
NONE = "none"


@dataclass(frozen=True)
class Pair:
    scenario: str
    lang: str
    rep: str
    topic: str  # a topic key, OFF_TOPIC or NONE
    context: str | None = None
    said: tuple[str, ...] = ()
    source: str = ""  # file it came from, for messages
    context_line: str | None = None  # held-out shape: the customer's previous line
    none_means_any: bool = False  # held-out shape: ``none`` is off-topic or generic alike


def load_pairs(path: Path | str) -> list[Pair]:
    """Every pair in a YAML file, or in the ``*.yaml`` files of a directory."""
    root = Path(path)
    files = sorted(root.glob("*.yaml")) if root.is_dir() else [root]
    pairs: list[Pair] = []
    for file in files:
        doc = yaml.safe_load(file.read_text(encoding="utf-8"))
        if root.is_dir() and "pairs" not in doc:
            continue  # the probe files that share the folder (tests/data/topics/probes*.yaml)
        held_out = "scenario" not in doc
        for raw in doc["pairs"]:
            pairs.append(
                Pair(
                    scenario=raw["scenario"] if held_out else doc["scenario"],
                    lang=raw["lang"],
                    rep=str(raw["text"] if held_out else raw["rep"]),
                    topic=str(raw["topic"]),
                    context=None if held_out else raw.get("context"),
                    said=tuple(raw.get("said") or ()),
                    source=file.name,
                    context_line=raw.get("context") if held_out else None,
                    none_means_any=held_out,
                )
            )
    return pairs


def _expected(pair: Pair, index: TopicIndex) -> set[str]:
    """The labels that count as right for ``pair`` (the held-out shape names causes by id only)."""
    if pair.topic == NONE and pair.none_means_any:
        return {NONE, OFF_TOPIC}
    kind, _, ident = pair.topic.partition(":")
    if kind == "cause" and "/" not in ident:
        return {key for key in index.keys if key.startswith("cause:") and key.endswith(f"/{ident}")}
    return {pair.topic}


def label(match: TopicMatch) -> str:
    """The label a match gives, comparable with a pair's ``topic``."""
    if match.off_topic:
        return OFF_TOPIC
    return match.topic or NONE


def kind_of(expected: str) -> str:
    """The topic kind of a label (``problem`` for ``problem:x``), or the label itself."""
    return expected.split(":", 1)[0]


@dataclass
class Report:
    """Accuracy overall, per language and per topic kind, and the on/off-topic confusion."""

    total: int = 0
    correct: int = 0
    by_lang: Counter[str] = field(default_factory=Counter)
    by_lang_correct: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    by_kind_correct: Counter[str] = field(default_factory=Counter)
    # (expected on/off, predicted on/off) -> count
    off_confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    errors: list[tuple[Pair, str]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def lines(self) -> list[str]:
        out = [f"top-1 accuracy: {self.accuracy:.3f} ({self.correct}/{self.total})"]
        for lang in sorted(self.by_lang):
            n, ok = self.by_lang[lang], self.by_lang_correct[lang]
            out.append(f"  {lang}: {ok / n:.3f} ({ok}/{n})")
        out.append("per kind:")
        for kind in sorted(self.by_kind):
            n, ok = self.by_kind[kind], self.by_kind_correct[kind]
            out.append(f"  {kind:<18} {ok / n:.3f} ({ok}/{n})")
        out.append("off-topic confusion (expected -> predicted):")
        for expected in ("on", "off"):
            row = "  ".join(f"{p}: {self.off_confusion[(expected, p)]:>3}" for p in ("on", "off"))
            out.append(f"  {expected:<4} {row}")
        return out


def evaluate(pairs: Iterable[Pair], indexes: Mapping[str, TopicIndex]) -> Report:
    """Run every pair through its scenario's index."""
    report = Report()
    for pair in pairs:
        index = indexes[pair.scenario]
        context, said = pair.context, pair.said
        if pair.context_line is not None:
            context = index.match(pair.context_line, pair.lang).topic
            said = (*said, pair.context_line)
        match = index.match(pair.rep, pair.lang, said=said, context_topic=context)
        got = label(match)
        ok = got in _expected(pair, index)
        kind = kind_of(pair.topic)
        report.total += 1
        report.correct += ok
        report.by_lang[pair.lang] += 1
        report.by_lang_correct[pair.lang] += ok
        report.by_kind[kind] += 1
        report.by_kind_correct[kind] += ok
        side = "off" if pair.topic == OFF_TOPIC or (pair.topic == NONE and pair.none_means_any) else "on"
        report.off_confusion[(side, "off" if match.off_topic else "on")] += 1
        if not ok:
            report.errors.append((pair, got))
    return report
