"""Counting the transactions a use case opens (Telegram and WeCom: one per message)."""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event


@contextmanager
def counted_transactions(engine: Engine) -> Iterator[list[int]]:
    """Count the transactions ``engine`` begins meanwhile (the list holds one number)."""
    count = [0]

    def began(_connection: Any) -> None:
        # Each worker's background model check (every 2 s) is not the message's transaction.
        if not any(frame.filename.endswith("model_versions.py") for frame in traceback.extract_stack()):
            count[0] += 1

    event.listen(engine, "begin", began)
    try:
        yield count
    finally:
        event.remove(engine, "begin", began)
