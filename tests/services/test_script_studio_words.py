"""The studio's check and test runs speak the trainer's language and list every error at once:
the same problems as ``validate_scenario_text`` (an unclosed quote at its opening line, a comma
in a one-line mapping), and trainer-test failures that say what was expected and what was said."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings
from bot.engine.library import ScenarioLibrary
from bot.services import RehearsalService, ScriptRejected, ScriptStudio
from bot.storage import Database

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "dialogues" / "precision_parts_returns.yaml"
EXAMPLE_ID = "precision-parts-returns"
TEXT = EXAMPLE.read_text("utf-8")


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.fixture
def studio(db: Database) -> ScriptStudio:
    rehearsals = RehearsalService(db, ScenarioLibrary.from_directory(ROOT / "dialogues"), Settings())
    return ScriptStudio(db, rehearsals)


def test_every_error_at_once_in_the_trainers_language(studio: ScriptStudio) -> None:
    broken = TEXT.replace(
        '  en: "Precision parts: returns keep rising"', '  en: "Precision parts: returns', 1
    )
    broken = broken.replace(
        "  title: {zh: 生产副总, en: VP of Production}", "  title: {zh: 生产副总, en: VP, Production}", 1
    )
    zh = studio.check(broken, EXAMPLE_ID, "zh")
    assert [(p.line, p.message) for p in zh] == [
        (line_of(broken, 'en: "Precision parts'), '这里开始的引号 " 没有闭合：请在这段文字末尾补上 "。'),
        (
            line_of(broken, "en: VP, Production"),
            "“Production”被当成了一个键，因为前面的文字被逗号断开了："
            "在单行写法（zh: …, en: …）里，含逗号的文字请加引号。",
        ),
    ]
    en = studio.check(broken, EXAMPLE_ID, "en")
    assert en[0].message.startswith('The quote " opened here is never closed')


def test_test_failures_in_the_trainers_language(studio: ScriptStudio) -> None:
    failing = TEXT.replace("      score: [75, 100]\n", "      score: [99, 100]\n", 1)
    (outcome,) = [t for t in studio.run_tests(failing, EXAMPLE_ID, "zh") if not t.passed]
    (failure,) = outcome.failures
    assert failure.line == line_of(failing, "score: [99, 100]")
    assert failure.message.startswith(f"得分是 {outcome.score}，期望在 99 到 100 之间")
    with pytest.raises(ScriptRejected):
        studio.run_tests("id: x\n", EXAMPLE_ID, "zh")
