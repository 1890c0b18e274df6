"""Failed sign-ins counted in the database, per login and per client address.

In the database (not in process memory) so every worker and host behind the load balancer
sees the same counts: with N workers an in-process throttle allowed N times the guesses.
Per address as well as per login, so one client trying many logins is slowed too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.storage import Database
from bot.storage.accounts import AccountRepository
from bot.storage.models import utcnow

_KEY_CHARS = 150


@dataclass(frozen=True)
class ThrottleLimits:
    per_login: int = 10
    # Higher: an office behind one NAT address shares it.
    per_address: int = 50
    window: timedelta = timedelta(minutes=5)


def login_key(login: str) -> str:
    return "login:" + login.strip().lower()[:_KEY_CHARS]


def address_key(address: str) -> str:
    return "addr:" + address[:_KEY_CHARS]


class SignInThrottle:
    """Blocking calls (they query the database): run them in a worker thread."""

    def __init__(self, db: Database, limits: ThrottleLimits | None = None) -> None:
        self.db = db
        self.limits = limits or ThrottleLimits()

    def blocked(self, login: str, address: str) -> bool:
        since = utcnow() - self.limits.window
        with self.db.session() as s:
            accounts = AccountRepository(s)
            by_login = accounts.failures([login_key(login)], since=since)
            by_address = accounts.failures([address_key(address)], since=since) if address else 0
        return by_login >= self.limits.per_login or by_address >= self.limits.per_address

    def failed(self, login: str, address: str) -> None:
        now = utcnow()
        since = now - self.limits.window
        with self.db.session(write=True) as s:
            accounts = AccountRepository(s)
            accounts.add_failure(login_key(login), now=now, since=since)
            if address:
                accounts.add_failure(address_key(address), now=now, since=since)

    def succeeded(self, login: str) -> None:
        """Forget the login's failures. The address's stay: signing in to one's own account
        must not reset the count of a guessing run from the same address."""
        with self.db.session(write=True) as s:
            AccountRepository(s).clear_failures(login_key(login))


__all__ = ["SignInThrottle", "ThrottleLimits", "address_key", "login_key"]
