"""Helpers shared by the web channel tests (importable as ``web_support``)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from functools import cache
from pathlib import Path
from typing import Any

import httpx

from bot.config import PROJECT_ROOT, Settings
from bot.passwords import hash_password
from bot.storage import Database, store

SECRET = "test-secret-key-0123456789abcdef"
DEMO_LOGIN, DEMO_PASSWORD = "demo", "demo1234"


def make_settings(database_url: str, **overrides: object) -> Settings:
    """Settings for a test app: no Telegram, demo accounts on, a fixed secret."""
    values: dict[str, object] = {
        "database_url": database_url,
        "secret_key": SECRET,
        "telegram_bot_token": None,
        "demo_accounts": True,
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """``uvicorn server:app`` in a child process, on a free port of 127.0.0.1."""

    def __init__(self, database_url: str, *, workers: int = 1, log_path: Path | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "COACH_DATABASE_URL": database_url,
            "COACH_SECRET_KEY": SECRET,
            "COACH_DEMO_ACCOUNTS": "true",
            "TELEGRAM_BOT_TOKEN": "",
            "PYTHONUNBUFFERED": "1",
        }
        self._log = open(log_path or os.devnull, "wb")  # noqa: SIM115 - closed in stop()
        command = [sys.executable, "-m", "uvicorn", "server:app", "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--workers", str(workers), "--log-level", "warning"]
        self.process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with code {self.process.returncode}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"uvicorn did not get ready on {self.url} in {timeout} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
