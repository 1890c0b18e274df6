"""Paths and helpers shared by the engine tests (imported by name: tests/ has no packages)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DIALOGUES = ROOT / "dialogues"
EXAMPLE = DIALOGUES / "precision_parts_returns.yaml"
EXAMPLE_ID = "precision-parts-returns"
