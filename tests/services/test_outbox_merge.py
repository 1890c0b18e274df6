"""Merging one turn's messages into one send, and the retry backoff: pure functions."""

from __future__ import annotations

import random

import pytest

from bot.services.outbox import (
    MERGE_SEPARATOR,
    TELEGRAM_MAX_CHARS,
    RetryPolicy,
    backoff_delay,
    merge_payloads,
    text_length,
)


def test_reply_and_note_that_fit_become_one_message() -> None:
    reply = {"text": "Customer: we are busy this quarter.", "parse_mode": "HTML"}
    note = {"text": "Coach: ask what keeps them busy.", "parse_mode": "HTML"}
    merged, count = merge_payloads([reply, note])
    assert count == 2
    assert merged == {"text": reply["text"] + MERGE_SEPARATOR + note["text"], "parse_mode": "HTML"}


def test_exactly_the_limit_fits_and_one_more_does_not() -> None:
    head = "a" * 2000
    fits = "b" * (TELEGRAM_MAX_CHARS - 2000 - len(MERGE_SEPARATOR))
    assert merge_payloads([{"text": head}, {"text": fits}])[1] == 2
    assert merge_payloads([{"text": head}, {"text": fits + "b"}]) == ({"text": head}, 1)


def test_length_counts_utf16_units_as_telegram_does() -> None:
    assert text_length("王总") == 2
    assert text_length("👍") == 2  # outside the BMP: a surrogate pair
    head = "👍" * 1000  # 2000 units although 1000 characters
    tail = "x" * (TELEGRAM_MAX_CHARS - 2000)
    assert merge_payloads([{"text": head}, {"text": tail}])[1] == 1


def test_a_run_merges_as_far_as_it_fits() -> None:
    parts = [{"text": "x" * 1500} for _ in range(4)]
    merged, count = merge_payloads(parts)
    assert count == 2
    assert text_length(merged["text"]) == 3000 + len(MERGE_SEPARATOR)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"text": "a", "parse_mode": "HTML"}, {"text": "b", "parse_mode": "MarkdownV2"}),
        ({"text": "a", "reply_markup": {"k": 1}}, {"text": "b", "reply_markup": {"k": 2}}),
        ({"text": "a"}, {"photo": "file-id"}),
        ({"text": "a", "disable_notification": True}, {"text": "b"}),
    ],
)
def test_messages_that_would_change_meaning_stay_apart(first: dict, second: dict) -> None:
    assert merge_payloads([first, second]) == (first, 1)


def test_one_keyboard_survives_the_merge() -> None:
    keyboard = {"inline_keyboard": [[{"text": "End", "callback_data": "end"}]]}
    merged, count = merge_payloads([{"text": "a", "reply_markup": keyboard}, {"text": "b"}])
    assert count == 2 and merged["reply_markup"] == keyboard
    merged, count = merge_payloads([{"text": "a"}, {"text": "b", "reply_markup": keyboard}])
    assert count == 2 and merged["reply_markup"] == keyboard


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    policy = RetryPolicy(base=1.0, cap=60.0)
    rng = random.Random(7)
    for attempts, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (6, 32.0), (7, 60.0), (30, 60.0)]:
        delays = [backoff_delay(attempts, policy, rng) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays), (attempts, delays)
        assert len(set(delays)) > 1  # jitter spreads retries of chats that failed together
