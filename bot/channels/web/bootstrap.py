"""First-start set-up for local development: demo accounts so a new user can sign in at once.

Only for the README's start command on this machine (``coach serve`` on a loopback address with
the default secret): a server with its own COACH_SECRET_KEY is a real deployment and gets no
accounts nobody asked for. Each demo password is random, meets the password policy, and is
shown once, on the terminal, when the account is created; it is never logged.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from bot.config import Settings
from bot.passwords import hash_password, password_problem
from bot.storage import Database, store

from .security import is_loopback, uses_default_secret

DEMO_ACCOUNTS = (
    # login, role, display name
    ("demo", "rep", "演示销售 Demo Rep"),
    ("manager", "manager", "演示经理 Demo Manager"),
    ("trainer", "trainer", "演示培训师 Demo Trainer"),
)


@dataclass(frozen=True)
class DemoAccount:
    login: str
    password: str
    role: str

    def line(self) -> str:
        return f"Demo {self.role}: login '{self.login}', password '{self.password}'"


def demo_accounts_allowed(settings: Settings, host: str) -> bool:
    """Demo accounts belong to the development set-up only."""
    return settings.demo_accounts and uses_default_secret(settings) and is_loopback(host)


def new_demo_password() -> str:
    password = secrets.token_urlsafe(12)  # 16 characters, ~96 bits
    assert password_problem(password) is None
    return password


def ensure_demo_accounts(settings: Settings, db: Database | None = None) -> list[DemoAccount]:
    """Create the missing demo accounts; returns the ones created now, with their passwords."""
    if not settings.demo_accounts:
        return []
    own_db = db is None
    database = db or Database(settings.database_url)
    created = []
    try:
        with store(database, write=True) as s:
            team = s.users.get_or_create_team("Demo team")
            for login, role, name in DEMO_ACCOUNTS:
                if s.users.by_login(login) is None:
                    password = new_demo_password()
                    s.users.create(
                        name,
                        login=login,
                        role=role,
                        language=settings.default_lang,
                        password_hash=hash_password(password),
                        team=team,
                    )
                    created.append(DemoAccount(login, password, role))
    finally:
        if own_db:
            database.dispose()
    return created
