"""Test infrastructure shared by the channel tests: the real server in a child process, and a
TCP relay to the database that a test can cut to play an outage.

Importable from any test as ``live_servers`` (the tests folder is on ``sys.path``).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from bot.config import PROJECT_ROOT
from bot.storage import normalise_url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class UvicornProcess:
    """``uvicorn server:app`` in a child process on a free port of 127.0.0.1, configured by ``env``."""

    def __init__(self, env: dict[str, str], *, workers: int = 1, log_path: Path | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.log_path = log_path
        self._log = open(log_path or os.devnull, "wb")  # noqa: SIM115 - closed in stop()
        command = [sys.executable, "-m", "uvicorn", "server:app", "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--workers", str(workers), "--log-level", "warning"]
        command += ["--timeout-graceful-shutdown", "3"]  # open event streams must not stall the stop
        self.process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def _log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def wait_ready(self, timeout: float = 120.0, *, also: Callable[[], bool] | None = None) -> None:
        """Until /readyz answers 200 (and ``also()`` holds, when given). The wait is long because
        it costs nothing when the server is quick: a machine at load 7.6 once needed over 30 s to
        import and seed one."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with code {self.process.returncode}: {self._log_text()}")
            try:
                ready = httpx.get(f"{self.url}/readyz", timeout=1.0).status_code == 200
            except httpx.HTTPError:
                ready = False
            if ready and (also is None or also()):
                return
            time.sleep(0.1)
        raise TimeoutError(f"uvicorn did not get ready on {self.url} in {timeout} s: {self._log_text()}")

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
    """A TCP relay to a database server that a test can cut and restore, like a network outage.

    It runs in threads, so sync and async tests drive it alike and it never waits on their loop.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        """Refuse new connections and break the open ones."""
        with self._lock:
            listener, self._listener = self._listener, None
            connections, self._connections = self._connections, []
        if listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone would not on Linux.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()

    def url_for(self, database_url: str) -> str:
        """The same database URL, reached through this relay."""
        url = make_url(normalise_url(database_url))
        return url.set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed by cut()
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)


def proxy_to(database_url: str) -> TcpProxy:
    """A started relay to the server of ``database_url``."""
    target = make_url(normalise_url(database_url))
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    proxy.start()
    return proxy
