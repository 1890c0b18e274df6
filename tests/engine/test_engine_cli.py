"""``coach validate``, ``coach test`` and ``coach rehearse`` through the real click command."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from engine_support import DIALOGUES, EXAMPLE, EXAMPLE_ID

from bot.cli import main
from bot.storage import Database, store


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_validate_accepts_the_bundled_scenarios_and_the_question_bank() -> None:
    code, out, err = run("validate", str(DIALOGUES))
    assert code == 0, err
    assert f"ok  {EXAMPLE}" in out
    assert "question bank" in out


def test_validate_lists_every_error_and_exits_1(tmp_path: Path) -> None:
    text = EXAMPLE.read_text("utf-8")
    text = text.replace("    leads_to: returns\n", "    leads_to: retruns\n", 1)
    text = text.replace("  motivation_needed: 2\n", "  motivation_needed: 2\n  deadlines: soon\n", 1)
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, "utf-8")
    (tmp_path / "good.yaml").write_text(
        EXAMPLE.read_text("utf-8").replace("precision-parts-returns", "copy"), "utf-8"
    )
    code, out, err = run("validate", str(tmp_path))
    assert code == 1
    assert f"ok  {tmp_path / 'good.yaml'}" in out
    lines = err.splitlines()
    assert any(
        line.startswith(f"{bad}:") and "explicit_need.deadlines: unknown key" in line for line in lines
    )
    assert lines[-1].endswith("error(s)")


def test_validate_warns_about_topics_a_rep_cannot_name_apart(tmp_path: Path) -> None:
    # A cause titled like its problem: a rep naming it would be heard as asking about the problem.
    text = EXAMPLE.read_text("utf-8")
    cause_title = "topic: {zh: 问题到终检才发现, en: defects found only at final inspection}"
    assert cause_title in text
    brittle = tmp_path / "brittle.yaml"
    brittle.write_text(text.replace(cause_title, "topic: {zh: 退货翻倍, en: the doubled returns}"), "utf-8")
    code, out, _ = run("validate", str(brittle))
    assert code == 0  # a warning, not an error
    assert f"warn  {brittle}: cause:returns/late_detection (en)" in out
    assert "warn" not in run("validate", str(EXAMPLE))[1]


def test_validate_refuses_one_id_in_two_files(tmp_path: Path) -> None:
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(EXAMPLE.read_text("utf-8"), "utf-8")
    code, _, err = run("validate", str(tmp_path))
    assert code == 1 and f"scenario id '{EXAMPLE_ID}' is also used by" in err


def test_test_runs_the_trainer_tests() -> None:
    code, out, _ = run("test", "-v", str(DIALOGUES))
    assert code == 0, out
    assert "PASS  precision-parts-returns" in out
    assert " 0 failed" in out


def test_test_reports_failures_with_file_and_line(tmp_path: Path) -> None:
    text = EXAMPLE.read_text("utf-8").replace("      score: [75, 100]\n", "      score: [99, 100]\n", 1)
    bad = tmp_path / "strict.yaml"
    bad.write_text(text, "utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "score: [99, 100]" in row)
    code, out, _ = run("test", str(bad))
    assert code == 1
    assert f"{bad}:{line}:7: tests[0].expect.score: score" in out
    assert "1 failed" in out


def test_rehearse_json_stores_the_session_like_any_channel(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    lines = "\n".join(
        [
            "Good morning Mr Wang, I'm Tom Reed. Thank you for making time for me.",
            "",
            "/hint",
            "You look a bit tired. Has the carmaker been keeping you busy lately?",
            "/end",
            "this line is never read",
        ]
    )
    args = ["rehearse", EXAMPLE_ID, "--lang", "en", "--seed", "3", "--rep", "alice", "--json"]
    code, out, err = run(*args, "--database-url", url, stdin=lines + "\n")
    assert code == 0, err
    objects = [json.loads(row) for row in out.splitlines()]
    opening, first, hint, second, farewell, scorecard = objects
    assert opening["language"] == "en" and opening["mode"] == "practice" and opening["session_id"]
    assert opening["rep"] is None and opening["customer"] and opening["stage"] == "first_impression"
    assert first["rep"].startswith("Good morning") and first["techniques"][0] == "greeting"
    assert first["coach"] and first["trust"] > opening["trust"]
    assert hint["hint"].startswith("Hint (")
    assert "returns" in second["revealed"] and second["stage"] == "liking"
    assert set(second) >= {"rep", "techniques", "customer", "coach", "stage", "step", "trust"}
    assert farewell["rep"] is None and farewell["customer"] and farewell["status"] == "ended"
    assert 0 <= scorecard["scorecard"]["score"] <= 100 and scorecard["scorecard"]["rep_turns"] == 2

    db = Database(url)
    try:
        with store(db) as s:
            user = s.users.by_login("alice")
            assert user is not None
            (session,) = s.sessions.for_user(user.id)
            assert session.channel == "cli" and session.status == "ended" and session.seed == 3
            assert session.scorecard == scorecard["scorecard"]
            speakers = [t.speaker for t in s.turns.for_session(session.id)]
    finally:
        db.dispose()
    assert speakers[0] == "customer" and speakers.count("rep") == 2 and "coach" in speakers


def test_rehearse_json_when_the_customer_walks_out(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    pitches = "\n".join(
        [
            "王总，我们公司的质量监控系统是行业第一。",
            "我们的系统已经在三百多家工厂上线了，价格也有优惠。",
            "还有一句",
        ]
    )
    code, out, err = run(
        "rehearse", EXAMPLE_ID, "--lang", "zh", "--json", "--database-url", url, stdin=pitches
    )
    assert code == 0, err
    objects = [json.loads(row) for row in out.splitlines()]
    assert objects[-2]["status"] == "closed_by_customer"
    assert objects[-1]["scorecard"]["status"] == "closed_by_customer"
    assert objects[-1]["scorecard"]["score"] <= 20
    assert sum(1 for o in objects if o.get("rep")) == 2  # the third line is never played


def test_rehearse_names_the_known_scenarios(tmp_path: Path) -> None:
    code, _, err = run("rehearse", "nope", "--json", "--database-url", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert code == 1 and EXAMPLE_ID in err


def test_validate_reports_a_broken_question_bank(tmp_path: Path) -> None:
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "bank.yaml").write_text("version: 1\nprecedence: [why\n", "utf-8")
    code, out, err = run("validate", str(EXAMPLE), "--bank", str(bank))
    assert code == 1
    assert f"ok  {EXAMPLE}" in out
    assert f"{bank / 'bank.yaml'}:3:1: YAML syntax error" in err
    code, _, err = run("validate", str(EXAMPLE), "--bank", str(tmp_path / "missing"))
    assert code == 1 and "no such question bank directory" in err


def test_rehearse_in_the_terminal_speaks_the_visit_language(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    lines = "王总您好，谢谢您抽时间见我。\n最近是不是特别忙？\n/hint\n/end\n"
    code, out, err = run(
        "rehearse", EXAMPLE_ID, "--lang", "zh", "--seed", "2", "--database-url", url, stdin=lines
    )
    assert code == 0, err
    assert "输入 /hint" in out and "教练:" in out and "· 寒暄问候" in out
    assert "[第一印象 / 开场 / 信任 20]" in out
    assert "评分卡:" in out and "期限 未确认" in out and "保持:" in out
    code, out, err = run(
        "rehearse",
        EXAMPLE_ID,
        "--lang",
        "en",
        "--seed",
        "2",
        "--database-url",
        url,
        stdin="Good morning, thanks for your time.\n/end\n",
    )
    assert code == 0, err
    assert "coach:" in out and "[first impression / opener / trust 20]" in out and "Scorecard:" in out
