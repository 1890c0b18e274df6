"""First-start set-up: demo accounts so a new user can sign in at once."""

from __future__ import annotations

from bot.config import Settings
from bot.passwords import hash_password
from bot.storage import Database, store

DEMO_ACCOUNTS = (
    # login, password, role, display name
    ("demo", "demo1234", "rep", "演示销售 Demo Rep"),
    ("manager", "manager1234", "manager", "演示经理 Demo Manager"),
    ("trainer", "trainer1234", "trainer", "演示培训师 Demo Trainer"),
)


def ensure_demo_accounts(settings: Settings, db: Database | None = None) -> list[str]:
    """Create the demo accounts if missing; return lines telling how to sign in."""
    if not settings.demo_accounts:
        return []
    own_db = db is None
    database = db or Database(settings.database_url)
    lines = []
    try:
        with store(database, write=True) as s:
            team = s.users.get_or_create_team("Demo team")
            for login, password, role, name in DEMO_ACCOUNTS:
                if s.users.by_login(login) is None:
                    s.users.create(
                        name,
                        login=login,
                        role=role,
                        language=settings.default_lang,
                        password_hash=hash_password(password),
                        team=team,
                    )
                lines.append(f"Demo {role}: login '{login}', password '{password}'")
    finally:
        if own_db:
            database.dispose()
    return lines
