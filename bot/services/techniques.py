"""The question bank's word on a technique, for the "explain" under a coach's note."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from bot.classifier import QuestionBank, default_bank
from bot.vocab import Lang, Technique

from .feedback import UnknownTechnique


@dataclass(frozen=True)
class TechniqueGuide:
    """A technique as the question bank explains it, in one language."""

    id: str
    name: str
    definition: str
    when: str
    examples: list[str]
    mistakes: list[str]
    tips: list[str]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class TechniqueGuides:
    """Reads the question bank the coach uses (loaded once, on first use)."""

    def __init__(self, bank: Callable[[], QuestionBank] = default_bank) -> None:
        self._bank = bank

    def explain(self, technique_id: str, lang: str) -> TechniqueGuide:
        """The technique's definition, when to use it, examples, tips and common mistakes."""
        if technique_id not in set(Technique):
            raise UnknownTechnique(f"no technique {technique_id!r}")
        language = Lang.EN if lang == Lang.EN else Lang.ZH
        try:
            found = self._bank().technique(technique_id)
        except KeyError:
            raise UnknownTechnique(f"no technique {technique_id!r} in the question bank") from None
        return TechniqueGuide(
            id=technique_id,
            name=found.name[language],
            definition=found.definition[language],
            when=found.when[language],
            examples=found.examples[language],
            mistakes=found.mistakes[language],
            tips=found.tips[language],
        )
