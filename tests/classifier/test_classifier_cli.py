"""``coach classify``: one JSON object per input line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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


def test_bank_option_uses_another_directory_and_reports_problems(tmp_path: Path) -> None:
    import shutil

    from bot.config import PROJECT_ROOT

    bank = tmp_path / "bank"
    shutil.copytree(PROJECT_ROOT / "questionbank", bank)
    (bank / "model" / "technique.npz").unlink()  # without a model the rules alone decide
    (record,) = run("What else?\n", "--bank", str(bank))
    assert record["technique"] == "what_else"
    path = bank / "what_else.yaml"
    text = path.read_text(encoding="utf-8").replace("  - id:", "  - id:", 1)
    text = text.replace(
        "    en:\n", "    en:\n      - id: the-rest\n        colour: red\n        regex: 'rest'\n", 1
    )
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["classify", "--bank", str(bank)], input="x\n")
    assert result.exit_code != 0
    assert f"{path}:" in result.output and "colour: 'colour' is not a key this part takes" in result.output


def test_jsonl_input_carries_the_customers_line() -> None:
    lines = [
        {
            "text": "Yes, it runs on tablets. What devices does your team use?",
            "context": "Does it work on tablets?",
        },
        {"text": "Yes, it runs on tablets. What devices does your team use?"},
        {"text": ""},
    ]
    records = run("".join(json.dumps(line) + "\n" for line in lines), "--jsonl")
    assert [r["technique"] for r in records][::2] == ["answer_with_question", "statement"]
    assert records[1]["technique"] not in ("answer_with_question", "statement")  # it still asks
    result = CliRunner().invoke(main, ["classify", "--jsonl"], input="not json\n")
    assert result.exit_code != 0 and "line 1: not JSON" in result.output


def test_bank_train_and_evaluate(tmp_path: Path) -> None:
    import shutil

    from bot.config import PROJECT_ROOT

    bank = tmp_path / "bank"
    shutil.copytree(PROJECT_ROOT / "questionbank", bank)
    shutil.rmtree(bank / "model")
    result = CliRunner().invoke(main, ["bank", "train", "--bank", str(bank)])
    assert result.exit_code == 0, result.output
    shipped = PROJECT_ROOT / "questionbank" / "model"
    for name in ("technique.json", "technique.npz"):  # same data, same bytes
        assert (bank / "model" / name).read_bytes() == (shipped / name).read_bytes(), name
    result = CliRunner().invoke(main, ["bank", "evaluate", "--bank", str(bank)])
    assert result.exit_code == 0, result.output
    summary = result.output.split("=== summary")[1]
    for part in ("training (cross-validated)", "holdout", "blind"):
        assert part in summary
    assert "confusion (rows: gold, columns: predicted)" in result.output
