"""Server-side web sessions and the shared sign-in throttle, on both databases."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.services import web_sessions
from bot.services.throttle import SignInThrottle, ThrottleLimits
from bot.services.web_sessions import PasswordRejected
from bot.storage import Database, store
from bot.storage.accounts import AccountRepository
from bot.storage.models import SignInAttempt, utcnow


def _user(db: Database, login: str = "lin") -> int:
    with store(db, write=True) as s:
        return s.users.create(login, login=login).id


def test_a_session_reads_back_until_revoked_and_only_its_hash_is_stored(db: Database) -> None:
    uid = _user(db)
    token = web_sessions.issue(db, uid, user_agent="Mozilla/5.0 " + "x" * 300)
    found = web_sessions.read(db, token)
    assert found is not None and found.id == uid and found.login == "lin"
    with db.session() as s:
        (row,) = AccountRepository(s).sessions_of(uid)
    assert row.id == web_sessions.session_id_of(token) and token not in row.id
    assert row.user_agent is not None and len(row.user_agent) == 120
    web_sessions.revoke(db, token)
    assert web_sessions.read(db, token) is None
    assert web_sessions.read(db, "made-up-token") is None


def test_an_expired_session_is_refused(db: Database) -> None:
    uid = _user(db)
    token = web_sessions.issue(db, uid, ttl=timedelta(minutes=1))
    assert web_sessions.read(db, token) is not None
    assert web_sessions.read(db, token, now=utcnow() + timedelta(minutes=2)) is None


def test_a_password_change_ends_the_other_sessions_but_keeps_this_one(db: Database) -> None:
    uid = _user(db)
    this, other = web_sessions.issue(db, uid), web_sessions.issue(db, uid)
    keep = web_sessions.session_id_of(this)
    with pytest.raises(PasswordRejected) as refused:
        web_sessions.set_password(db, uid, "a", keep_session_id=keep)
    assert refused.value.violation.code == "password_too_short"
    assert web_sessions.read(db, other) is not None  # a refused change ends nothing
    web_sessions.set_password(db, uid, "salt-river-17-lantern", keep_session_id=keep)
    assert web_sessions.read(db, this) is not None
    assert web_sessions.read(db, other) is None
    with store(db) as s:
        user = s.users.get(uid)
        assert user is not None and user.password_changed_at is not None


def test_deactivation_ends_every_session_and_reactivation_does_not_revive_them(db: Database) -> None:
    uid = _user(db)
    tokens = [web_sessions.issue(db, uid) for _ in range(2)]
    assert web_sessions.set_active(db, uid, False) == 2
    assert [web_sessions.read(db, t) for t in tokens] == [None, None]
    web_sessions.set_active(db, uid, True)
    assert [web_sessions.read(db, t) for t in tokens] == [None, None]


def test_the_throttle_blocks_a_login_and_an_address_and_a_success_clears_only_the_login(db: Database) -> None:
    throttle = SignInThrottle(db, ThrottleLimits(per_login=3, per_address=5))
    for _ in range(3):
        assert not throttle.blocked("Lin", "10.0.0.1")
        throttle.failed("Lin", "10.0.0.1")
    assert throttle.blocked("lin ", "10.0.0.9")  # the login, from anywhere, any case
    throttle.succeeded("lin")
    assert not throttle.blocked("lin", "10.0.0.9")
    for login in ("a", "b"):
        throttle.failed(login, "10.0.0.1")
    assert throttle.blocked("zhang", "10.0.0.1")  # the address, whatever login it tries


def test_a_window_that_is_over_starts_again(db: Database) -> None:
    throttle = SignInThrottle(db, ThrottleLimits(per_login=2, window=timedelta(minutes=5)))
    throttle.failed("lin", "")
    throttle.failed("lin", "")
    assert throttle.blocked("lin", "")
    with db.session(write=True) as s:
        s.execute(
            update(SignInAttempt).values(window_start=utcnow() - timedelta(minutes=6))  # began 6 min ago
        )
    assert not throttle.blocked("lin", "")
    throttle.failed("lin", "")
    assert not throttle.blocked("lin", "")  # one failure in the new window


def test_concurrent_failures_from_two_handles_on_one_database_are_all_counted(
    database_url: str, db: Database
) -> None:
    """Two Database objects stand for two workers; no failure is lost to a race."""
    other = Database(database_url)
    try:
        throttles = [SignInThrottle(db), SignInThrottle(other)]
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: throttles[i % 2].failed("lin", ""), range(24)))
        with db.session() as s:
            assert AccountRepository(s).failures(["login:lin"], since=utcnow() - timedelta(hours=1)) == 24
    finally:
        other.dispose()
