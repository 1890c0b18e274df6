"""``coach classify``: one JSON object per input line."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from bot.cli import main


def run(lines: str, *args: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(main, ["classify", *args], input=lines)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def test_must_show_what_if_through_the_console_script() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "classify"],
        input="如果到年底这个问题还没解决，会怎么样？\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    record = json.loads(completed.stdout)
    assert record["technique"] == "what_if"
    assert record["lang"] == "zh"
    assert completed.stderr == ""  # jieba prints nothing


def test_each_line_gives_exactly_the_agreed_keys() -> None:
    records = run("Why did the board reject it?\n\nMay I ask a few questions first?\n")
    assert [r["technique"] for r in records] == ["why", "statement", "humble_disclaimer"]
    for record in records:
        assert set(record) == {"text", "lang", "technique", "techniques", "confidence"}
        assert record["techniques"][0] == record["technique"]
        assert 0.0 <= float(record["confidence"]) <= 1.0  # type: ignore[arg-type]
    assert records[1]["text"] == ""


def test_lang_option_forces_the_language() -> None:
    (record,) = run("OK\n", "--lang", "zh")
    assert record["lang"] == "zh"
    (record,) = run("预算大概多少？\n", "--lang", "auto")
    assert record["lang"] == "zh" and record["technique"] == "need_confirmation"


def test_evidence_flag_names_the_pattern() -> None:
    (record,) = run("What else?\n", "--evidence")
    assert record["technique"] == "what_else"
    assert record["evidence"][0]["technique"] == "what_else"  # type: ignore[index]
