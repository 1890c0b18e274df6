"""The model's text features: character and word n-grams of the normalised line.

The rules' hits and the clause facts are added by :meth:`Classifier.flags`; this module only cuts
the text. Training and inference call the same functions, so the features cannot drift apart.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import pairwise

from .text import segment

#: Bump when a feature changes meaning: the shipped model must then be retrained.
FEATURE_VERSION = 2
#: Character n-gram sizes per language. Fewer sizes (zh 1-3, en 2-3) scored within 0.005 on the
#: hold-out and blind parts but lost development lines, and were no measurably faster.
CHAR_SIZES = {"zh": (1, 2, 3, 4), "en": (1, 2, 3, 4)}
_EN_TOKEN_RE = re.compile(r"[a-z0-9]+|\?")
_SPACES_RE = re.compile(r"\s+")
_EN_WORD_RE = re.compile(r"[a-z0-9]{3,}")
_NOT_CHINESE_RE = re.compile(r"[^\u3400-\u9fff]")


def words(norm: str, lang: str) -> list[str]:
    """Word tokens: jieba's for Chinese, letters and digits for English; a question mark counts."""
    if lang == "zh":
        return [t for t in segment(norm) if t.strip() and t not in ",.!;:。…"]
    return _EN_TOKEN_RE.findall(norm)


def pieces(norm: str, lang: str) -> tuple[list[str], list[str]]:
    """The character n-grams and the word 1-2-grams of a line, unprefixed, in a fixed order."""
    text = _SPACES_RE.sub(" ", norm).strip()
    chars = [text[i : i + size] for size in CHAR_SIZES[lang] for i in range(len(text) - size + 1)]
    tokens = words(text, lang)
    joiner = "" if lang == "zh" else " "
    return chars, tokens + [a + joiner + b for a, b in pairwise(tokens)]


def ngrams(norm: str, lang: str) -> dict[str, int]:
    """Counts of character n-grams (``c:``) and word n-grams (``w:``): the vocabulary's names."""
    chars, word_grams = pieces(norm, lang)
    counts = Counter(map("c:".__add__, chars))
    counts.update(map("w:".__add__, word_grams))
    return counts


def overlap_bucket(norm: str, previous: str) -> str:
    """How much of the customer's previous line the rep's line repeats (a confirmation echoes it)."""
    mine = set(_bigrams(norm))
    theirs = set(_bigrams(previous))
    if not mine or not theirs:
        return "none"
    share = len(mine & theirs) / len(mine)
    return "high" if share >= 0.4 else "some" if share >= 0.15 else "none"


def _bigrams(text: str) -> list[str]:
    """English words of three letters or more and Chinese character pairs: what an echo repeats."""
    chinese = _NOT_CHINESE_RE.sub("", text)
    return _EN_WORD_RE.findall(text) + [chinese[i : i + 2] for i in range(len(chinese) - 1)]
