"""English stemming is shared by every thread that plays a turn.

On PostgreSQL a worker's turns run at once in its thread pool; the Snowball stemmer keeps the word
it is working on in the instance, so two threads stemming through one instance read each other's
word (an IndexError in the middle of a turn, a 500 under load: found by benchmarks/load.py).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import pytest
import snowballstemmer

from bot.engine.topics.text import stem

SUFFIXES = ("ational", "fulness", "iveness", "ization", "ations", "ingly", "ements", "ousness")


@pytest.fixture
def switch_often() -> Iterator[None]:
    # Hand the GIL over every microsecond, so threads interleave inside a single stemWord call.
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def test_threads_stemming_at_once_each_get_their_own_words_stem(switch_often: None) -> None:
    threads_count, per_thread = 8, 400
    words = [
        [f"{'abcdefgh'[t]}{'xyz' * (n % 4)}q{n}{SUFFIXES[n % len(SUFFIXES)]}" for n in range(per_thread)]
        for t in range(threads_count)
    ]
    failures: list[str] = []
    start = threading.Barrier(threads_count)

    def work(mine: list[str]) -> None:
        reference = snowballstemmer.stemmer("english")  # this thread's own
        start.wait()
        for word in mine:
            try:
                got = stem(word)
            except Exception as error:  # any failure is the finding
                failures.append(f"{word}: {error!r}")
                continue
            if got != reference.stemWord(word):
                failures.append(f"{word}: {got}")

    threads = [threading.Thread(target=work, args=(mine,)) for mine in words]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
