"""The layer rules in pyproject.toml hold: channels → services → engine → classifier, no cycles."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.config import PROJECT_ROOT

BIN = Path(sys.executable).parent


def test_import_contracts_are_kept() -> None:
    completed = subprocess.run(
        [str(BIN / "lint-imports"), "--no-cache"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "0 broken" in completed.stdout
