"""Question bank and technique classifier, Chinese and English.

``classify(text, lang="auto", context=None)`` names the questioning technique of a rep line: a
model trained on the bank's labelled lines decides, the trainer-authored rules of the bank in
``questionbank/`` give it features and explain it (see docs/classifier.md).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from .bank import LABELS, LANGS, STEPS, QuestionBank, Technique, load_question_bank
from .engine import Classification, Classifier, Evidence
from .text import init_segmenter

_lock = threading.Lock()
_bank: QuestionBank | None = None
_classifier: Classifier | None = None


def default_bank() -> QuestionBank:
    """The bank in ``Settings.questionbank_dir``, loaded once (``reload_default()`` re-reads it)."""
    global _bank
    if _bank is None:
        with _lock:
            if _bank is None:
                from bot.config import get_settings

                _bank = load_question_bank(get_settings().questionbank_dir)
    return _bank


def default_classifier() -> Classifier:
    """The classifier built from :func:`default_bank` and the model shipped with it, built once."""
    global _classifier
    if _classifier is None:
        bank = default_bank()
        with _lock:
            if _classifier is None:
                init_segmenter()
                _classifier = Classifier.from_bank(bank)
    return _classifier


def reload_default() -> QuestionBank:
    """Re-read the bank and its model from disk so a trainer's edits take effect; returns the bank.

    A broken bank raises :class:`bot.yamlsource.ScriptError` and the previous one stays in use.
    """
    global _bank, _classifier
    from bot.config import get_settings

    bank = load_question_bank(get_settings().questionbank_dir)
    classifier = Classifier.from_bank(bank)
    with _lock:
        _bank, _classifier = bank, classifier
    return bank


def classify(text: str, lang: str = "auto", context: Mapping[str, Any] | None = None) -> Classification:
    """The technique of one rep line.

    ``lang`` is ``"zh"``, ``"en"`` or ``"auto"``; ``context`` may carry ``{"previous": <the
    customer's previous line>}`` (needed to recognise answering a question with a question).
    Never raises for any text.
    """
    return default_classifier().classify(text, lang=lang, context=context)


__all__ = [
    "LABELS",
    "LANGS",
    "STEPS",
    "Classification",
    "Classifier",
    "Evidence",
    "QuestionBank",
    "Technique",
    "classify",
    "default_bank",
    "default_classifier",
    "load_question_bank",
    "reload_default",
]
