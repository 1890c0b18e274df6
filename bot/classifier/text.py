"""Text preparation for the classifier: cleaning, language detection, normalisation, segmentation.

Everything here is total: any ``str`` (empty, emoji only, control characters, very long, mixed
Chinese and English) gives a result and never raises.

The normalised text that patterns see:

- control and format characters removed (zero-width spaces, BOM, bidi marks), runs of
  whitespace collapsed to one space;
- Unicode NFKC, so full-width punctuation and letters become ASCII (``？`` -> ``?``, ``，`` -> ``,``,
  ``ＡＢＣ`` -> ``ABC``); ``。`` and ``、`` stay as they are;
- traditional Chinese characters converted to simplified (OpenCC ``t2s``);
- lower case, apostrophes removed (patterns say ``whats``, ``dont``, ``youre``);
- the bank's shorthand table applied (``u`` -> ``you``, ``teh`` -> ``the``, common Chinese typos of
  cue words), so patterns are written once for the clean spelling.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

#: Longest stretch of a line the classifier looks at. Longer lines keep their head and tail
#: (where openers, and the actual question, sit); the middle is dropped.
MAX_CHARS = 1200
_HEAD = 700

_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD_RE = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_SPACE_RE = re.compile(r"\s+")
_WE_ARE_RE = re.compile(r"\bwe['\u2019]re\b")  # "were" would read as the verb
_APOSTROPHE_RE = re.compile(r"['\u2018\u2019\u02bc`´]")
# Sentence ends. After NFKC the full-width ？！；： are ASCII; 。 and … stay.
_BOUNDARY_RE = re.compile(
    r"(?<!\bmr)(?<!\bms)(?<!\bmrs)(?<!\bdr)(?<!\bprof)(?<!\bst)(?<!\be\.g)(?<!\bi\.e)\.+(?!\d)"
    r"|[!?;:。…]+"
)
_CLAUSE_SPLIT_RE = re.compile(r"[,，、]")


def clean(text: str) -> str:
    """Drop control and format characters, NFKC, collapse whitespace. Never raises."""
    if not isinstance(text, str):  # defensive: callers are typed, but a None must not crash a turn
        text = "" if text is None else str(text)
    if len(text) > MAX_CHARS:
        text = text[:_HEAD] + " … " + text[-(MAX_CHARS - _HEAD) :]
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        text = "".join(
            " " if ch in "\t\n\r\x0b\x0c\x85\u2028\u2029" else ch
            for ch in text
            if ch in "\t\n\r\x0b\x0c\x85\u2028\u2029" or unicodedata.category(ch)[0] != "C"
        )
    elif not text.isprintable():
        text = "".join(ch if ch.isprintable() else " " for ch in text)
    return _SPACE_RE.sub(" ", text).strip()


def detect_lang(text: str, default: str = "zh") -> str:
    """``zh`` when Chinese characters carry the line, ``en`` when Latin words do.

    A line with a few English terms in Chinese (``目前用的是SaaS版还是本地部署``) is Chinese;
    a line with one Chinese name in English is English. No letters at all gives ``default``.
    """
    cjk = len(_CJK_RE.findall(text))
    words = len(_LATIN_WORD_RE.findall(text))
    if cjk == 0 and words == 0:
        return default
    if cjk == 0:
        return "en"
    # Two Chinese characters carry about as much as one English word.
    return "zh" if cjk >= words * 1.5 or cjk >= 12 else "en"


# --- traditional -> simplified ------------------------------------------------------------------

_opencc_lock = threading.Lock()
_opencc: Any = None
_traditional: frozenset[str] | None = None


def _traditional_chars() -> frozenset[str]:
    """Characters OpenCC's t2s table changes: a fast test for "is there anything to convert"."""
    global _traditional
    if _traditional is None:
        chars: set[str] = set()
        try:
            import opencc

            table = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
            for line in table.read_text(encoding="utf-8").splitlines():
                source, _, targets = line.partition("\t")
                if len(source) == 1 and targets.split(" ")[0] != source:
                    chars.add(source)
        except Exception:  # pragma: no cover - a broken install just converts nothing
            logging.getLogger(__name__).warning("OpenCC character table unavailable", exc_info=True)
        _traditional = frozenset(chars)
    return _traditional


def to_simplified(text: str) -> str:
    """Traditional -> simplified Chinese with OpenCC ``t2s``; untouched when nothing is traditional."""
    trad = _traditional_chars()
    if not trad or trad.isdisjoint(text):
        return text
    global _opencc
    with _opencc_lock:
        if _opencc is None:
            import opencc

            _opencc = opencc.OpenCC("t2s")
        converter = _opencc
    try:
        converted = converter.convert(text)
    except Exception:  # pragma: no cover - never let a conversion bug fail a turn
        return text
    return converted if isinstance(converted, str) else text


# --- segmentation -------------------------------------------------------------------------------

_jieba_lock = threading.Lock()
_jieba_ready = False


def init_segmenter() -> None:
    """Load jieba's dictionary once, printing nothing."""
    global _jieba_ready
    if _jieba_ready:
        return
    with _jieba_lock:
        if _jieba_ready:
            return
        import jieba

        jieba.setLogLevel(logging.WARNING)
        logging.getLogger("jieba").setLevel(logging.WARNING)
        jieba.initialize()
        _jieba_ready = True


@lru_cache(maxsize=8192)
def segment(text: str) -> tuple[str, ...]:
    """jieba tokens of ``text`` (precise mode, no HMM for new words: stable and fast)."""
    init_segmenter()
    import jieba

    try:
        return tuple(t for t in jieba.lcut(text, HMM=False) if t.strip())
    except Exception:  # pragma: no cover
        return tuple(text)


@lru_cache(maxsize=8192)
def token_spans(text: str) -> tuple[tuple[int, int, str], ...]:
    """jieba tokens of ``text`` with their offsets: ``(start, end, token)``."""
    init_segmenter()
    import jieba

    try:
        return tuple((start, end, word) for word, start, end in jieba.tokenize(text, HMM=False))
    except Exception:  # pragma: no cover
        return ()


def inside_word(text: str, span: tuple[int, int], words: frozenset[str]) -> bool:
    """Whether ``span`` lies inside a longer jieba token that is one of ``words`` (帮忙 for 忙)."""
    start, end = span
    for t_start, t_end, token in token_spans(text):
        if t_start <= start and end <= t_end:
            return token in words and (t_end - t_start) > (end - start)
        if t_start > start:
            break
    return False


def search(
    regex: re.Pattern[str], text: str, not_inside: frozenset[str] = frozenset()
) -> tuple[int, int] | None:
    """Span of the first match of ``regex`` that is not part of a ``not_inside`` word."""
    if not not_inside:
        match = regex.search(text)
        return match.span() if match else None
    for match in regex.finditer(text):
        if not inside_word(text, match.span(), not_inside):
            return match.span()
    return None


# --- shorthand ----------------------------------------------------------------------------------


class Shorthand:
    """Replace chat shorthand and frequent typos (a table from the bank) before matching."""

    def __init__(self, table: Mapping[str, str], lang: str) -> None:
        self.table = {
            _APOSTROPHE_RE.sub("", k.lower()): _APOSTROPHE_RE.sub("", v.lower()) for k, v in table.items()
        }
        self.regex: re.Pattern[str] | None = None
        if self.table:
            keys = sorted(self.table, key=len, reverse=True)
            body = "|".join(re.escape(k) for k in keys)
            # English shorthand is whole words; Chinese typos are plain substrings.
            pattern = rf"(?<![a-z0-9])(?:{body})(?![a-z0-9])" if lang == "en" else f"(?:{body})"
            self.regex = re.compile(pattern)

    def apply(self, text: str) -> str:
        if self.regex is None:
            return text
        return self.regex.sub(lambda m: self.table[m.group(0)], text)


def normalise(text: str, lang: str, shorthand: Shorthand | None = None) -> str:
    """The form patterns are matched against (see the module docstring)."""
    if lang == "zh" or _CJK_RE.search(text):
        text = to_simplified(text)
    text = _APOSTROPHE_RE.sub("", _WE_ARE_RE.sub("we are", text.lower()))
    if shorthand is not None:
        text = shorthand.apply(text)
    return text


def sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of a normalised line (each keeps its end punctuation)."""
    spans = []
    position = 0
    for match in _BOUNDARY_RE.finditer(text):
        spans.append((position, match.end()))
        position = match.end()
    spans.append((position, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip(" .!?;:。…")]


def clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the comma-separated clauses inside one sentence."""
    spans = []
    position = start
    for match in _CLAUSE_SPLIT_RE.finditer(text, start, end):
        spans.append((position, match.start()))
        position = match.end()
    spans.append((position, end))
    return [(s, e) for s, e in spans if text[s:e].strip(" .!?;:。…")]
