"""Shared helpers for the classifier tests: a private copy of the question bank to edit."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.classifier import Classifier, default_classifier
from bot.config import PROJECT_ROOT

BANK_DIR = PROJECT_ROOT / "questionbank"


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    """The classifier built from the shipped bank."""
    return default_classifier()


@pytest.fixture
def bank_copy(tmp_path: Path) -> Iterator[Path]:
    """A writable copy of the shipped bank directory."""
    target = tmp_path / "questionbank"
    shutil.copytree(BANK_DIR, target)
    yield target
