"""Every screen shows the same name for each technique: the question bank's, through the catalogue.

Telegram's scorecard and the coach's notes (Telegram turn messages and web chat lines), the chat
and manager pages' catalogue export, and the terminal rehearsal are compared with the bank.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import httpx
from click.testing import CliRunner

from bot.channels.telegram.formatting import scorecard_message
from bot.classifier import default_bank
from bot.cli import main
from bot.config import PROJECT_ROOT
from bot.engine.library import ScenarioLibrary

EXAMPLE_ID = "precision-parts-returns"
# The order a polite visit would use them in: pitches and statements last, so the customer stays.
VISIT_ORDER = (
    "greeting",
    "closed_question",
    "curiosity_care",
    "humble_disclaimer",
    "open_question",
    "why",
    "what_else",
    "confirm_question",
    "what_if",
    "how_do_you_see",
    "need_confirmation",
    "answer_with_question",
    "revisit_topic",
    "statement",
    "pitch",
)


def bank_names(lang: str) -> dict[str, str]:
    bank = default_bank()
    return {technique: bank.technique(technique).name[lang] for technique in bank.ids}


def telegram_names(lang: str) -> dict[str, str]:
    """Names as the Telegram scorecard lists them ("Techniques used: A ×1, B ×1, ...")."""
    techniques = list(bank_names(lang))
    stored = json.loads((PROJECT_ROOT / "tests" / "data" / "engine" / "stored_sessions.json").read_text())
    card = copy.deepcopy(stored[0]["scorecard"])  # a whole scorecard as the engine stores it
    card["techniques"]["counts"] = dict.fromkeys(techniques, 1)
    message = scorecard_message(card, title="t", lang=lang)
    counted = next(line for line in message.splitlines() if " ×1" in line)
    listed = counted.split("：" if lang == "zh" else ": ", 1)[1]
    shown = [entry.removesuffix(" ×1") for entry in listed.split(", ")]
    return dict(zip(techniques, shown, strict=True))


def coach_names(lang: str) -> dict[str, str]:
    """Names as the coach labels its notes ([name] ...), in Telegram and on the chat page alike."""
    runtime = ScenarioLibrary.from_directory(PROJECT_ROOT / "dialogues").latest(EXAMPLE_ID)
    return {technique: runtime.coach.name(technique, lang) for technique in bank_names(lang)}


async def page_names(client: httpx.AsyncClient, page: str, lang: str) -> dict[str, str]:
    """Names as a page shows them: from the catalogue export that page loads."""
    html = (await client.get(page)).text
    version = re.search(r'data-version="(\w+)"', html)
    assert version, f"{page} does not say which catalogue to load"
    exported = (await client.get(f"/i18n/{lang}.json", params={"v": version.group(1)})).json()
    return {technique: exported[f"technique.{technique}"] for technique in bank_names(lang)}


def terminal_names(lang: str, database: Path) -> dict[str, str]:
    """Names as `coach rehearse` prints them under each line, read against its JSON run."""
    bank = default_bank()
    lines = [bank.technique(t).examples[lang][0] for t in VISIT_ORDER if t in bank.techniques]
    stdin = "\n".join([*lines, "/end"]) + "\n"
    args = ["rehearse", EXAMPLE_ID, "--lang", lang, "--seed", "7", "--database-url", f"sqlite:///{database}"]
    as_json = CliRunner().invoke(main, [*args, "--json"], input=stdin)
    as_text = CliRunner().invoke(main, args, input=stdin)
    assert as_json.exit_code == 0 and as_text.exit_code == 0, as_json.output + as_text.output
    ids = [row["techniques"] for row in map(json.loads, as_json.stdout.splitlines()) if row.get("techniques")]
    printed = [
        line.split("    · ", 1)[1].split(", ") for line in as_text.stdout.splitlines() if "    · " in line
    ]
    assert len(ids) == len(printed) >= 8, "the two runs of the same seed should play the same turns"
    shown: dict[str, str] = {}
    for turn_ids, turn_names in zip(ids, printed, strict=True):
        for technique, name in zip(turn_ids, turn_names, strict=True):
            assert shown.setdefault(technique, name) == name, f"{technique} shown as two names"
    return shown


async def test_every_screen_shows_the_question_banks_name_for_each_technique(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    for lang in ("zh", "en"):
        expected = bank_names(lang)
        assert len(expected) >= 15
        assert telegram_names(lang) == expected
        assert coach_names(lang) == expected
        assert await page_names(client, "/chat", lang) == expected
        assert await page_names(client, "/manage", lang) == expected
        terminal = terminal_names(lang, tmp_path / f"{lang}.sqlite3")
        assert len(terminal) >= 6, f"the terminal run covered only {sorted(terminal)}"
        assert terminal == {technique: expected[technique] for technique in terminal}
