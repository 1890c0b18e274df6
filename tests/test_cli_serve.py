"""``coach serve`` prints the URL to open only once the server answers /readyz."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.cli.serve import announce_when_ready


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Readiness(BaseHTTPRequestHandler):
    ready = threading.Event()

    def do_GET(self) -> None:
        status = 200 if self.ready.is_set() and self.path == "/readyz" else 503
        self.send_response(status)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


def test_the_url_is_printed_once_the_server_is_ready(capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    Readiness.ready.clear()
    waiter = announce_when_ready(base, timeout=30, every=0.05)
    time.sleep(0.4)  # nothing listens yet: connection refused, nothing printed
    assert capsys.readouterr().out == ""
    server = ThreadingHTTPServer(("127.0.0.1", port), Readiness)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        time.sleep(0.4)  # listening, but /readyz says 503: still nothing
        assert capsys.readouterr().out == ""
        Readiness.ready.set()
        waiter.join(timeout=10)
        assert not waiter.is_alive()
        assert capsys.readouterr().out == f"Open {base}/chat in your browser.\n"
    finally:
        server.shutdown()
        server.server_close()


def test_a_server_that_never_answers_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    base = f"http://127.0.0.1:{free_port()}"
    announce_when_ready(base, timeout=0.5, every=0.05).join(timeout=10)
    captured = capsys.readouterr()
    assert captured.out == "" and "did not answer" in captured.err
