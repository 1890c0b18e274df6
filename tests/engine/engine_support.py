"""Paths and helpers shared by the engine tests (imported by name: tests/ has no packages)."""

from __future__ import annotations

from pathlib import Path

from bot.engine.runtime import ScenarioRuntime, default_classify

ROOT = Path(__file__).resolve().parents[2]
DIALOGUES = ROOT / "dialogues"
EXAMPLE = DIALOGUES / "precision_parts_returns.yaml"
EXAMPLE_ID = "precision-parts-returns"


def play_script(runtime: ScenarioRuntime, script: dict[str, object], seed: int) -> int:
    """A rep script's whole visit on ``runtime`` through the real classifier; its score."""
    classify = default_classify()
    state, _ = runtime.start(lang=str(script["lang"]), mode="practice", seed=seed)
    for line in script["lines"]:  # type: ignore[attr-defined]
        if not state.active:
            break
        runtime.say(state, line, classify)
    if state.active:
        runtime.end(state)
    return runtime.scorecard(state).score
