"""A literal prefilter, so a line is searched only with the patterns that can match it.

For each pattern we work out a *factor set*: literal strings of which every match must contain at
least one (``\\bwhy\\b`` needs ``why``; ``besides|apart from`` needs one of the two). A line is
searched with a pattern only when the start of one of its factors occurs in the line. Patterns
without a usable factor set are always searched. The result is the same as searching every
pattern, only faster.
"""

from __future__ import annotations

import importlib
from typing import Any

_c: Any
_parser: Any
try:  # the parser of the standard ``re`` module (private, so guarded: without it, no prefilter)
    _c = importlib.import_module("re._constants")
    _parser = importlib.import_module("re._parser")
except ImportError:  # pragma: no cover
    _c = _parser = None

_MAX_FACTORS = 400


def required_factors(regex: str) -> frozenset[str] | None:
    """Literals of which any match of ``regex`` contains one, or None if none can be told."""
    if _parser is None:
        return None
    try:
        tree = _parser.parse(regex)
        found = _sequence(list(tree))
    except Exception:  # an unusual construct: be safe and search always
        return None
    if not found or any(not f for f in found) or len(found) > _MAX_FACTORS:
        return None
    return frozenset(found)


def _sequence(items: list[tuple[Any, Any]]) -> set[str] | None:
    candidates: list[set[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            candidates.append({"".join(run)})
            run.clear()

    for op, arg in items:
        if op is _c.LITERAL:
            run.append(chr(arg))
            continue
        flush()
        found: set[str] | None = None
        if op is _c.SUBPATTERN:
            found = _sequence(list(arg[-1]))
        elif op is _c.ATOMIC_GROUP:
            found = _sequence(list(arg))
        elif op is _c.BRANCH:
            parts = [_sequence(list(alternative)) for alternative in arg[1]]
            if all(parts):
                found = set().union(*[p for p in parts if p])
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
            low, _high, item = arg
            if low >= 1:
                found = _sequence(list(item))
        if found:
            candidates.append(found)
    flush()
    if not candidates:
        return None
    # The most selective choice: the longest shortest factor, then the fewest factors.
    return max(candidates, key=lambda s: (min(len(x) for x in s), -len(s)))


class FactorIndex:
    """Which of a list of patterns are worth searching in a text.

    Each factor is keyed by its first four characters (or all of it, when shorter). The index maps
    keys to the patterns that need them; a text's keys are its substrings of one to four
    characters. A pattern is searched when the key of one of its factors occurs in the text (a
    necessary test, not a sufficient one), or when it has no factor set at all.
    """

    def __init__(self, factor_sets: list[frozenset[str] | None]) -> None:
        self.always: list[int] = []
        index: dict[str, list[int]] = {}
        for position, factors in enumerate(factor_sets):
            if not factors:
                self.always.append(position)
                continue
            for key in {f[:4] for f in factors}:
                index.setdefault(key, []).append(position)
        self.index = index
        self.keys = frozenset(index)
        self.lengths = sorted({len(k) for k in index})

    def candidates(self, text: str) -> list[int]:
        """Positions (in the order given) of the patterns that could match ``text``."""
        n = len(text)
        seen: set[str] = set()
        for length in self.lengths:
            seen.update([text[i : i + length] for i in range(n - length + 1)])
        chosen = set(self.always)
        for key in self.keys.intersection(seen):
            chosen.update(self.index[key])
        return sorted(chosen)
