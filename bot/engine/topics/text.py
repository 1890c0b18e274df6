"""Turning a line into the features topic matching compares: words, stems and character bigrams.

Chinese: the classifier's normalisation (NFKC, traditional -> simplified, lower case), jieba
words (precise mode, no HMM, cached), stop words dropped, plus the character bigrams of each
run of content words, so a paraphrase that jieba cuts differently (准时率 / 准点率) still
shares most of its bigrams. Latin words inside a Chinese line (HIS, TMS, WeChat) are stemmed
as English.

English: lower case, apostrophes dropped, Snowball (Porter2) stems of the words that are not
stop words, plus the stem pairs of adjacent content words ("on-time rate", "due diligence"),
which weigh what a phrase says more than its words alone.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.classifier.text import clean, normalise, segment
from bot.engine.topics.words import EN_STOP, ZH_ANGLE, ZH_STOP

_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_EN_WORD_RE = re.compile(r"[a-z][a-z0-9]*|[0-9]+[a-z]*")
_TOKEN_OK_RE = re.compile(r"[\w\u3400-\u4dbf\u4e00-\u9fff]")
_APOSTROPHE_RE = re.compile(r"['\u2018\u2019\u02bc`´]")
#: Feature kinds and how much each counts in a vector (a word says more than a bigram).
WORD = "w"
BIGRAM = "b"
PHRASE = "p"
KIND_WEIGHT: dict[str, float] = {WORD: 1.0, BIGRAM: 0.6, PHRASE: 0.7}

_stemmer: Any = None
_stem_lock = threading.Lock()
_stems: dict[str, str] = {}
_STEM_CACHE_MAX = 50_000


def stem(word: str) -> str:
    """Snowball English stem of a lower-case word, memoised (the stemmer is slow per call)."""
    cached = _stems.get(word)
    if cached is not None:
        return cached
    global _stemmer
    # One stemmer for the process, used by one thread at a time: it keeps the word it works on
    # in the instance, and a worker's turns run at once in its threads (PostgreSQL).
    with _stem_lock:
        if _stemmer is None:
            import snowballstemmer

            _stemmer = snowballstemmer.stemmer("english")
        result: str = _stemmer.stemWord(word)
    if len(_stems) < _STEM_CACHE_MAX:  # bounded: a flood of odd words must not grow memory
        _stems[word] = result
    return result


@dataclass(frozen=True, slots=True)
class Tokens:
    """A line's content words (for off-topic checks) and its weighted features (for scoring)."""

    words: tuple[str, ...]  # content words: zh jieba words / en stems, stop words removed
    features: tuple[str, ...]  # "w:..." words, "b:..." bigrams, "p:..." stem pairs; may repeat


# Comparatives of common adjectives, which Snowball leaves alone ("the older ones" and "old stores").
_PLAIN: frozenset[str] = frozenset(
    (
        "old", "new", "big", "small", "large", "high", "low", "cheap", "fast", "slow", "long", "short",
        "hard", "easy", "busy", "early", "late", "young", "close", "full", "tight", "thin", "weak",
        "strong", "poor", "rich", "safe", "wide", "deep",
    )
)  # fmt: skip


def _plain(word: str) -> str:
    """``word`` without a comparative or superlative ending when it is one of ``_PLAIN``'s."""
    for ending in ("est", "er"):
        if word.endswith(ending) and len(word) > len(ending) + 2:
            base = word[: -len(ending)]
            for candidate in (base, base + "e", base[:-1], base[:-1] + "y" if base.endswith("i") else ""):
                if candidate in _PLAIN:
                    return candidate
    return word


def _en_words(text: str) -> list[str | None]:
    """Stems of an English stretch; ``None`` marks a stop word (it breaks phrases)."""
    out: list[str | None] = []
    for word in _EN_WORD_RE.findall(text):
        if word in EN_STOP or len(word) < 2:
            out.append(None)
        else:
            out.append(stem(_plain(word)))
    return out


def merge_terms(parts: tuple[str, ...], terms: frozenset[str]) -> list[str]:
    """jieba tokens with adjacent ones joined where they spell a scenario term (微+信 -> 微信).

    This is the per-scenario user dictionary: jieba's own dictionary is process-wide and shared
    with the classifier, so terms are joined after segmentation instead of added to it.
    """
    if not terms:
        return list(parts)
    starts = _term_starts(terms)
    out: list[str] = []
    i = 0
    while i < len(parts):
        if parts[i] in starts:
            for width in (3, 2):
                if i + width <= len(parts) and "".join(parts[i : i + width]) in terms:
                    out.append("".join(parts[i : i + width]))
                    i += width
                    break
            else:
                out.append(parts[i])
                i += 1
        else:
            out.append(parts[i])
            i += 1
    return out


@lru_cache(maxsize=64)
def _term_starts(terms: frozenset[str]) -> frozenset[str]:
    """Every proper prefix of a term: a token that is none of them cannot start one."""
    return frozenset(term[:k] for term in terms for k in range(1, len(term)))


def _glued_angle(token: str) -> bool:
    """A jieba word made of an angle word and one character: 连累到, 受牵连."""
    return len(token) >= 3 and (token[:-1] in ZH_ANGLE or token[1:] in ZH_ANGLE)


def _is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u4dbf" or "\u4e00" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def tokens(text: str, lang: str, terms: frozenset[str] = frozenset()) -> Tokens:
    """The content words and features of ``text`` in ``lang`` ("zh" or "en").

    ``terms`` are the scenario's Chinese terms that jieba splits (see ``merge_terms``).
    """
    line = normalise(clean(text), lang)
    line = _APOSTROPHE_RE.sub("", line)
    words: list[str] = []
    features: list[str] = []
    if lang == "zh" or _CJK_RE.search(line):
        run: list[str] = []

        def flush() -> None:
            joined = "".join(run)
            chars = [c for c in joined if _is_cjk(c)]
            for a, b in itertools.pairwise(chars):
                features.append(f"{BIGRAM}:{a}{b}")
            run.clear()

        for token in merge_terms(segment(line), terms):
            if not _TOKEN_OK_RE.search(token):
                flush()
                continue
            if _CJK_RE.search(token):
                if token in ZH_STOP or _glued_angle(token):
                    flush()
                    continue
                words.append(token)
                features.append(f"{WORD}:{token}")
                run.append(token)
            else:
                flush()
                for s in _en_words(token):
                    if s is not None:
                        words.append(s)
                        features.append(f"{WORD}:{s}")
        flush()
    else:
        previous: str | None = None
        for s in _en_words(line):
            if s is not None:
                words.append(s)
                features.append(f"{WORD}:{s}")
                if previous is not None:
                    features.append(f"{PHRASE}:{previous}_{s}")
            previous = s
    return Tokens(tuple(words), tuple(features))


def learn_terms(texts: Iterable[str], keywords: Iterable[str] = ()) -> frozenset[str]:
    """Chinese terms of a scenario that jieba cuts into single characters (微信, 抽检).

    A run of two or three single-character tokens seen at least twice in the scenario's own
    text is a term; so is every trainer keyword.
    """
    seen: Counter[str] = Counter()
    for text in texts:
        parts = segment(normalise(clean(text), "zh"))
        for i in range(len(parts) - 1):
            for width in (2, 3):
                group = parts[i : i + width]
                if (
                    len(group) == width
                    and all(len(p) == 1 and _CJK_RE.match(p) for p in group)
                    and not any(p in ZH_STOP for p in group)
                ):
                    seen["".join(group)] += 1
    # A three-character run is a term only when its two-character parts never occur without it
    # (卫健委 yes; 微信传 no: 微信 also occurs alone), otherwise the shorter term would be lost.
    learned = {
        term
        for term, count in seen.items()
        if count >= 2 and (len(term) == 2 or count >= max(seen[term[:2]], seen[term[1:]]))
    }
    learned.update(normalise(clean(k), "zh") for k in keywords if _CJK_RE.search(k))
    return frozenset(learned)
