"""Helpers shared by the web channel tests (importable as ``web_support``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import httpx
from live_servers import UvicornProcess

from bot.config import Settings
from bot.passwords import hash_password
from bot.storage import Database, store

SECRET = "test-secret-key-0123456789abcdef"
DEMO_LOGIN, DEMO_PASSWORD = "demo", "demo1234"


def make_settings(database_url: str, **overrides: object) -> Settings:
    """Settings for a test app: no Telegram, no demo accounts (tests add their users), a fixed secret."""
    values: dict[str, object] = {
        "database_url": database_url,
        "secret_key": SECRET,
        "telegram_bot_token": None,
        "demo_accounts": False,
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


async def sign_in(
    http: httpx.AsyncClient, login: str = DEMO_LOGIN, password: str = DEMO_PASSWORD
) -> dict[str, Any]:
    response = await http.post("/api/auth/login", json={"login": login, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


@cache
def _hash(password: str) -> str:
    # Argon2 is slow on purpose (~0.1 s); tests reuse one hash per password.
    return hash_password(password)


def add_rep(db: Database, login: str, password: str, display_name: str | None = None) -> int:
    """Create a rep who can sign in; returns the user id."""
    with store(db, write=True) as s:
        user = s.users.create(display_name or login, login=login, role="rep", password_hash=_hash(password))
        return user.id


def add_user(
    db: Database,
    login: str,
    password: str,
    *,
    role: str = "rep",
    team: str | None = None,
    display_name: str | None = None,
) -> int:
    """Create a user of any role, optionally in a team (created when missing); returns the id."""
    with store(db, write=True) as s:
        team_row = s.users.get_or_create_team(team) if team else None
        user = s.users.create(
            display_name or login, login=login, role=role, password_hash=_hash(password), team=team_row
        )
        return user.id


class LiveServer(UvicornProcess):
    """``uvicorn server:app`` in a child process, on a free port of 127.0.0.1, Telegram off."""

    def __init__(self, database_url: str, *, workers: int = 1, log_path: Path | None = None) -> None:
        env = {
            "COACH_DATABASE_URL": database_url,
            "COACH_SECRET_KEY": SECRET,
            "COACH_DEMO_ACCOUNTS": "false",  # tests add the users they need
            "TELEGRAM_BOT_TOKEN": "",
        }
        super().__init__(env, workers=workers, log_path=log_path)
