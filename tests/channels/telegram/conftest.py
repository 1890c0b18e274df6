"""Fixtures for the Telegram channel tests (the fake Bot API lives in telegram_fakes.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from telegram_fakes import FakeBotAPI


@pytest.fixture
def fake_bot_api() -> Iterator[FakeBotAPI]:
    fake = FakeBotAPI()
    fake.start()
    yield fake
    fake.stop()
