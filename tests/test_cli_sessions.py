"""``coach export``, ``coach users import`` and ``coach prune``'s transcript retention, on both
databases, with visits played by the real engine."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import update

from bot.cli import main
from bot.passwords import verify_password
from bot.services import RehearsalService
from bot.storage import Database, RehearsalSession, Turn, store

SCENARIO = "precision-parts-returns"
LINES = ["王总您好，我是李明，谢谢您抽时间。", "=SUM(A1:A9) 退货为什么会翻倍呢？", "-这样下去会怎样？"]


def _people(db: Database) -> dict[str, int]:
    with store(db, write=True) as s:
        east, west = s.users.get_or_create_team("华东"), s.users.get_or_create_team("华西")
        return {
            "wang": s.users.create("王小明", login="wang", team=east).id,
            "liu": s.users.create("刘强", login="liu", team=west).id,
        }


def _visit(
    service: RehearsalService, rep: int, lines: list[str], *, end: bool = True, private: bool = False
) -> str:
    started = service.start(rep, SCENARIO, language="zh", mode="practice", channel="web", private=private)
    for line in lines:
        service.send(started.session_id, line, user_id=rep, channel="web")
    if end:
        service.end(started.session_id, user_id=rep, channel="web")
    return started.session_id


def _turns(db: Database) -> dict[tuple[str, int], Turn]:
    with store(db) as s:
        return {(t.session_id, t.seq): t for t in s.session.query(Turn).all()}


def test_export_round_trip_on_the_command_line(db: Database, tmp_path: Path) -> None:
    people = _people(db)
    service = RehearsalService(db)
    east = [_visit(service, people["wang"], LINES), _visit(service, people["wang"], LINES[:1], end=False)]
    west = _visit(service, people["liu"], LINES[:2])
    hidden = _visit(service, people["wang"], LINES[1:], private=True)
    turns = _turns(db)
    shared = {key: turn for key, turn in turns.items() if key[0] != hidden}
    runner = CliRunner()

    out = tmp_path / "all.csv"
    result = runner.invoke(
        main, ["export", "--format", "csv", "--output", str(out), "--database-url", db.url]
    )
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    turn_rows = [row for row in rows if row["seq"]]
    keys = [(row["session_id"], int(row["seq"])) for row in turn_rows]
    assert len(keys) == len(set(keys)) and set(keys) == set(shared)
    for row in turn_rows:
        stored = shared[(row["session_id"], int(row["seq"]))]
        expected = "'" + stored.text if stored.text[:1] in ("=", "+", "-", "@") else stored.text
        assert row["text"] == expected and row["techniques"] == ";".join(stored.techniques)
        created = stored.created_at if stored.created_at.tzinfo else stored.created_at.replace(tzinfo=UTC)
        assert datetime.fromisoformat(row["turn_time"]) == created
    assert any(row["text"].startswith("'=SUM(") for row in turn_rows)
    assert any(row["text"].startswith("'-这样") for row in turn_rows)
    private_rows = [row for row in rows if row["session_id"] == hidden]
    assert len(private_rows) == 1 and private_rows[0]["text"] == "" and private_rows[0]["private"] == "true"

    result = runner.invoke(main, ["export", "--format", "jsonl", "--team", "华西", "--database-url", db.url])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    assert {r["session_id"] for r in records} == {west}
    assert [r["text"] for r in records if r["type"] == "turn"] == [
        t.text for k, t in sorted(turns.items()) if k[0] == west
    ]
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    later = runner.invoke(
        main, ["export", "--format", "jsonl", "--since", tomorrow, "--database-url", db.url]
    )
    assert later.exit_code == 0 and later.output == ""
    assert east[0] in runner.invoke(main, ["export", "--format", "jsonl", "--database-url", db.url]).output
    unknown = runner.invoke(main, ["export", "--team", "火星", "--database-url", db.url])
    assert unknown.exit_code != 0 and "no team named" in unknown.output


def test_users_import_is_all_or_nothing(db: Database, tmp_path: Path) -> None:
    _people(db)
    runner = CliRunner()
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "login,name,role,team,language,password\n"
        "zhang,张伟,rep,华南,zh,river-stone-42\n"
        "wang,王重名,rep,华东,zh,river-stone-42\n"  # exists already
        "li si,李四,rep,华南,zh,\n"  # a space in the login
        "zhao,赵,boss,华南,zh,\n"  # no such role
        "qian,钱,rep,华南,fr,\n"  # no such language
        "sun,孙,rep,华南,zh,short\n"  # the password policy
        "zhang,张又一个,rep,华南,zh,\n",  # twice in the file
        encoding="utf-8",
    )
    result = runner.invoke(main, ["users", "import", str(bad), "--database-url", db.url])
    assert result.exit_code != 0 and "nothing imported: 6 problem(s)" in result.output
    for line in (3, 4, 5, 6, 7, 8):
        assert f"line {line}:" in result.output
    with store(db) as s:
        assert s.users.by_login("zhang") is None and s.browse.team_by_name("华南") is None

    good = tmp_path / "good.csv"
    good.write_text(
        "\ufefflogin,name,team,role\nzhang,张伟,华南,rep\nchen,陈经理,华南,manager\n", encoding="utf-8"
    )
    result = runner.invoke(main, ["users", "import", str(good), "--database-url", db.url])
    assert result.exit_code == 0, result.output
    assert "2 user(s) imported" in result.output
    password = result.output.split("created 'zhang', password '")[1].split("'")[0]
    with store(db) as s:
        zhang, chen = s.users.by_login("zhang"), s.users.by_login("chen")
        assert zhang is not None and chen is not None
        assert zhang.team is not None and zhang.team.name == "华南" and chen.role == "manager"
        assert verify_password(zhang.password_hash, password)


def test_prune_removes_old_transcripts_and_keeps_the_scores(db: Database) -> None:
    people = _people(db)
    service = RehearsalService(db)
    old = _visit(service, people["wang"], LINES)
    going = _visit(service, people["wang"], LINES[:1], end=False)
    recent = _visit(service, people["liu"], LINES[:1])
    with store(db, write=True) as s:
        long_ago = datetime.now(UTC) - timedelta(days=100)
        s.session.execute(update(Turn).where(Turn.session_id.in_([old, going])).values(created_at=long_ago))
        before = {r.id: (r.score, r.scorecard) for r in s.session.query(RehearsalSession).all()}
    runner = CliRunner()
    assert "transcript_lines" not in runner.invoke(main, ["prune", "--database-url", db.url]).output  # off
    result = runner.invoke(main, ["prune", "--transcript-days", "90", "--database-url", db.url])
    assert result.exit_code == 0, result.output
    turns = _turns(db)
    emptied = [k for k, t in turns.items() if t.text == ""]
    assert emptied and {k[0] for k in emptied} == {old}
    assert f"transcript_lines: {len(emptied)} removed" in result.output
    assert all(t.text for k, t in turns.items() if k[0] in (going, recent))  # still going; recent
    assert any(t.techniques for k, t in turns.items() if k[0] == old)  # techniques stay
    with store(db) as s:
        after = {r.id: (r.score, r.scorecard) for r in s.session.query(RehearsalSession).all()}
    assert after == before
