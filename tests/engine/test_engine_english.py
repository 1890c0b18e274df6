"""An English visit says nothing in Chinese: the customer's lines (the scenario's and the built-in
fallbacks), the coach's notes and hints and the scorecard's texts of every bundled scenario, played
in practice mode with its English trainer tests' lines and a scripted pitcher."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from engine_support import DIALOGUES
from pydantic import BaseModel

from bot.engine import text_keys
from bot.engine.runtime import ScenarioRuntime, default_classify
from bot.engine.scenario import load_scenario
from bot.engine.schema import Lines, Text
from bot.vocab import Technique

SCENARIO_FILES = sorted(DIALOGUES.glob("*.yaml"))
# CJK ideographs and the full-width punctuation a Chinese text brings along (「」【】，。：).
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
PITCHER = [
    "Good morning, thanks for your time.",
    "Our system is the best on the market.",
    "Three hundred companies use it, and it is on sale this month.",
    "Let me show you the price list.",
    "It really is the best.",
]
# Names a scenario gives only in Chinese (none today; list "file: text" here if one must stay).
CHINESE_ONLY_NAMES: dict[str, set[str]] = {}


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from strings(item)


def english_visit(runtime: ScenarioRuntime, lines: list[str], seed: int) -> list[tuple[str, str]]:
    """Every text an English practice visit shows, as (where, text)."""
    classify = default_classify()
    state, opening = runtime.start(lang="en", mode="practice", seed=seed)
    assert state.lang == "en"
    shown = [("opening", opening)]
    for line in lines:
        if not state.active:
            break
        shown.append(("hint", runtime.hint(state)))
        played = runtime.say(state, line, classify)
        shown += [("customer", played.outcome.reply), ("coach", played.note or "")]
    if state.active:
        shown.append(("hint", runtime.hint(state)))
        shown.append(("customer", runtime.end(state).outcome.reply))
    shown += [("scorecard", text) for text in strings(runtime.scorecard(state).to_json())]
    return shown


@pytest.mark.parametrize("file", SCENARIO_FILES, ids=[f.stem for f in SCENARIO_FILES])
def test_an_english_visit_shows_no_chinese(file: Path) -> None:
    runtime = ScenarioRuntime(load_scenario(file))
    assert "en" in runtime.scenario.languages, f"{file.name} has no English"
    visits = [
        ([turn.rep for turn in test.turns], test.seed) for test in runtime.scenario.tests if test.lang == "en"
    ]
    assert visits, f"{file.name} has no English trainer test"
    visits.append((PITCHER, 7))
    allowed = CHINESE_ONLY_NAMES.get(file.name, set())
    chinese = []
    for lines, seed in visits:
        for where, text in english_visit(runtime, lines, seed):
            for name in allowed:
                text = text.replace(name, "")
            if CJK.search(text):
                chinese.append(f"{where}: {text}")
    assert not chinese, f"{file.name}: Chinese in an English visit:\n" + "\n".join(sorted(set(chinese)))


def test_the_built_in_english_texts_have_no_chinese() -> None:
    # The customer's fallback replies most scenarios override, and every other engine text.
    tables = [v for k, v in vars(text_keys).items() if k.endswith("_KEYS") and isinstance(v, dict)]
    keys = [key for table in tables for key in table.values()] + [text_keys.IGNORED_KEY, text_keys.QUOTE_KEY]
    keys += [f"technique.{technique}" for technique in Technique]
    assert text_keys.REPLY_KEYS["statement"] in keys
    chinese = [key for key in keys if CJK.search(text_keys.text(key, "en"))]
    assert not chinese


def chinese_only(value: Any, path: str) -> Iterator[str]:
    """Where a scenario has a Chinese text or wording but no English one (English would fall back)."""
    if isinstance(value, (Text, Lines)):
        if value.zh and not value.en:
            yield path
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from chinese_only(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from chinese_only(item, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from chinese_only(item, f"{path}[{index}]")


@pytest.mark.parametrize("file", SCENARIO_FILES, ids=[f.stem for f in SCENARIO_FILES])
def test_every_chinese_text_of_a_scenario_has_an_english_one(file: Path) -> None:
    assert list(chinese_only(load_scenario(file).scenario, "")) == []
