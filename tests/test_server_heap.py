"""``uvicorn server:app`` freezes what it loaded to start (issue 12): a full collection of the
cycle collector then walks only what turns made since (it walked some 260,000 objects, 145 ms
idle and 430-650 ms under load). An app made by ``create_app()`` alone (tests, embedding) leaves
the collector as it was. Each case runs in a child process, so the suite's own heap is untouched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROGRAM = """
import gc, sys
from fastapi.testclient import TestClient
if sys.argv[1] == "server":
    from server import app
else:
    from bot.app import create_app
    app = create_app()
with TestClient(app) as client:
    assert client.get("/").status_code == 200
    print(gc.get_freeze_count())
"""


@pytest.mark.parametrize(("entry", "frozen"), [("server", True), ("create_app", False)])
def test_only_the_server_entry_freezes_its_startup_heap(tmp_path: Path, entry: str, frozen: bool) -> None:
    env = {
        **os.environ,
        "COACH_DATABASE_URL": f"sqlite:///{tmp_path / 'coach.sqlite3'}",
        "COACH_DEMO_ACCOUNTS": "false",
        "TELEGRAM_BOT_TOKEN": "",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM, entry], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    count = int(result.stdout.strip().splitlines()[-1])
    assert (count > 100_000) if frozen else count == 0
