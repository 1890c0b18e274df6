"""Rep lines for the load and CPU benchmarks, taken in turn.

Seventeen closed questions about the parts maker's plant (``precision-parts-returns``, English):
the customer answers them for as long as a run lasts without walking out (checked: 400 lines in
a row leave the visit active, for three seeds). They differ from each other so that no per-line
memo inside a turn (the topic index keeps its last eight lines) carries over from one request to
the next: a single line repeated would be matched once and then found every time. Seventeen is
prime to the 64 chats of ``load.py``, so each visit sees every line in turn.
"""

from __future__ import annotations

LINES: tuple[str, ...] = (
    "Do you run two shifts at the moment?",
    "Is the plant running at full capacity these days?",
    "Do you make the brackets in house?",
    "Are most of your customers carmakers?",
    "Is quality control part of your team?",
    "Do you still ship to the same three assembly plants?",
    "Has the new line been running long?",
    "Do you work on weekends as well?",
    "Is the inspection done by your own people?",
    "Are the parts packed here before shipping?",
    "Do you keep spare stock on site?",
    "Was the workshop extended last year?",
    "Do your engineers sit near the production floor?",
    "Are the machines mostly CNC?",
    "Do you hold supplier meetings every month?",
    "Is the warehouse next to the plant?",
    "Do the operators rotate between machines?",
)


def line(n: int) -> str:
    """The ``n``-th request's line."""
    return LINES[n % len(LINES)]


def lua_table() -> str:
    """The lines as a Lua table's items, for wrk scripts (no line holds a quote)."""
    assert not any('"' in text or "\\" in text for text in LINES)
    return ", ".join(f'"{text}"' for text in LINES)
