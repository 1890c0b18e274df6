"""Helpers shared by the web channel tests (importable as ``web_support``)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url

from bot.config import PROJECT_ROOT, Settings
from bot.passwords import hash_password
from bot.storage import Database, normalise_url, store

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
        command += ["--timeout-graceful-shutdown", "3"]  # open event streams must not stall the stop
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


class TcpProxy:
    """A TCP forwarder on 127.0.0.1 that a test can cut and restore, to play a database outage."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)

    async def stop(self) -> None:
        """Refuse new connections and cut the open ones, as a crashed server would."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, up_writer))

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                sink.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers.difference_update((writer, up_writer))


def via_proxy(database_url: str, proxy: TcpProxy) -> str:
    """The same database URL, reached through ``proxy``."""
    url = make_url(normalise_url(database_url))
    return url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
