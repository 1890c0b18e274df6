"""Fixtures for the WeCom channel tests (the fake WeCom API lives in wecom_fakes.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from wecom_fakes import FakeWeComAPI


@pytest.fixture
def fake_wecom() -> Iterator[FakeWeComAPI]:
    fake = FakeWeComAPI()
    fake.start()
    yield fake
    fake.stop()
