"""The password policy and the cap on concurrent hash checks."""

from __future__ import annotations

import threading

import pytest
from argon2 import PasswordHasher, Type

from bot import passwords
from bot.passwords import (
    TOO_COMMON,
    TOO_SHORT,
    CheckGate,
    TooBusy,
    common_passwords,
    hash_password,
    password_problem,
)


def test_the_issue_password_a_and_the_old_demo_passwords_are_refused() -> None:
    assert password_problem("a") is TOO_SHORT
    assert password_problem("demo1234") is TOO_SHORT
    assert password_problem("manager1234") is TOO_COMMON  # long enough, but a known pattern
    assert password_problem("Password123") is TOO_COMMON  # the list is matched without case


def test_a_long_uncommon_password_passes_and_the_login_is_not_a_password() -> None:
    assert password_problem("salt-river-17-lantern") is None
    assert password_problem("linmeiling88", login="LinMeiLing88") is not None


def test_the_bundled_list_is_a_few_thousand_entries_and_messages_exist_in_both_languages() -> None:
    assert 2000 <= len(common_passwords()) <= 20000
    assert "123456789012" in common_passwords()
    assert "密码" in TOO_SHORT.message("zh") and "characters" in TOO_SHORT.message("en")


def test_checks_beyond_the_cap_are_refused_at_once_without_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    stored = hash_password("salt-river-17-lantern")
    release = threading.Event()
    started = threading.Semaphore(0)
    hashed: list[str] = []
    real_verify = passwords.verify_password

    def slow_verify(password_hash: str | None, password: str) -> bool:
        hashed.append(password)
        started.release()
        release.wait(5)
        return real_verify(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", slow_verify)
    gate = CheckGate(limit=2)
    results: list[bool] = []
    holders = [threading.Thread(target=lambda: results.append(gate.verify(stored, "x"))) for _ in range(2)]
    for t in holders:
        t.start()
    assert started.acquire(timeout=5) and started.acquire(timeout=5)
    with pytest.raises(TooBusy):
        gate.verify(stored, "third")
    assert "third" not in hashed  # refused before any hashing
    release.set()
    for t in holders:
        t.join(5)
    assert results == [False, False]
    monkeypatch.undo()
    assert gate.verify(stored, "salt-river-17-lantern") is True  # slots come back


@pytest.mark.parametrize(
    "hasher",
    [
        PasswordHasher(),  # what the app stores: Argon2id, 64 MiB, 3 passes, 4 lanes
        PasswordHasher(time_cost=2, memory_cost=1024, parallelism=2, type=Type.I),
        PasswordHasher(time_cost=1, memory_cost=512, parallelism=1, type=Type.D, salt_len=8),
    ],
)
def test_verifying_on_one_thread_agrees_with_argon2_cffi(hasher: PasswordHasher) -> None:
    """``verify_password`` computes the lanes on one thread (so one check takes one core); the
    answer must be the library's for every kind of hash, wrong and damaged ones included."""
    stored = hasher.hash("salt-river-17-lantern")
    assert hasher.verify(stored, "salt-river-17-lantern")
    assert passwords.verify_password(stored, "salt-river-17-lantern") is True
    assert passwords.verify_password(stored, "salt-river-17-lanterN") is False
    damaged = stored[:-4] + ("AAAA" if not stored.endswith("AAAA") else "BBBB")
    assert passwords.verify_password(damaged, "salt-river-17-lantern") is False
    for garbage in ("", "$argon2id$v=19$m=65536,t=3,p=4$@@$@@", "not a hash"):
        assert passwords.verify_password(garbage, "salt-river-17-lantern") is False
