"""A rep's progress over a real database: visits played through the rehearsal service, figures
read back by ``ProgressService``; ``trains`` in scenarios; the time-zone setting."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.config import PROJECT_ROOT, Settings
from bot.engine.library import ScenarioLibrary
from bot.engine.scenario import parse_scenario
from bot.services import ProgressService, RehearsalService, TechniqueGuides, UnknownTimeZone, local_time
from bot.services.user_settings import UserSettingsService
from bot.storage import Database, store
from bot.yamlsource import ScriptError, parse_yaml

SCENARIO = "precision-parts-returns"
GOOD_LINES = [
    "王总您好，我是李明，老周介绍我过来的，谢谢您抽时间。",
    "看您有点疲惫，是刚从主机厂那边回来吗？最近他们的要求是不是又变了？",
    "退货为什么会翻倍呢？",
    "为什么要到终检才发现呢？",
]
PITCHES = [
    "王总，我们公司的质量监控系统是行业第一，能把不良率降低百分之五十。",
    "我们的系统已经在三百多家工厂上线了，价格也有优惠。",
    "我们现在签约还能打八折，您看什么时候能定下来？",
    "我们的系统真的是最好的，您一定要试试。",
]


@pytest.fixture(scope="module")
def library() -> ScenarioLibrary:
    return ScenarioLibrary.from_directory(PROJECT_ROOT / "dialogues")


def make_rep(db: Database, login: str, *, team_zone: str | None = None) -> int:
    with store(db, write=True) as s:
        team = s.users.get_or_create_team(f"team-{login}")
        team.time_zone = team_zone
        return s.users.create(login, login=login, role="rep", team=team).id


def play(rehearsals: RehearsalService, user_id: int, lines: list[str], *, seed: int = 5) -> str:
    started = rehearsals.start(user_id, SCENARIO, language="zh", mode="practice", channel="web", seed=seed)
    for line in lines:
        result = rehearsals.send(started.session_id, line, user_id=user_id, channel="web")
        if result.ended:
            return started.session_id
    rehearsals.end(started.session_id, user_id=user_id, channel="web")
    return started.session_id


def test_progress_follows_the_visits(db: Database, library: ScenarioLibrary) -> None:
    rehearsals = RehearsalService(db, library, Settings())
    progress = ProgressService(db, library)
    rep = make_rep(db, "li")
    before = progress.for_rep(rep)
    assert (before.visits, before.trend, before.weakest, before.next, before.assignments) == (
        0,
        [],
        None,
        None,
        [],
    )

    walked_out = play(rehearsals, rep, PITCHES)
    good = play(rehearsals, rep, GOOD_LINES)
    rehearsals.start(rep, SCENARIO, language="zh", mode="practice", channel="web", seed=1)  # still open

    found = progress.for_rep(rep)
    assert found.visits == 2  # the open visit is not counted
    assert [p.session_id for p in found.trend] == [walked_out, good]  # oldest first
    assert [p.status for p in found.trend] == ["closed_by_customer", "ended"]
    with store(db) as s:
        stored = {sid: s.sessions.get(sid).score for sid in (walked_out, good)}  # type: ignore[union-attr]
    assert [p.score for p in found.trend] == [stored[walked_out], stored[good]]
    assert found.trend[1].score is not None and found.trend[0].score is not None
    assert found.trend[1].score > found.trend[0].score

    by_technique = {stat.technique: stat for stat in found.techniques}
    assert by_technique["pitch"].visits == 1 and by_technique["pitch"].uses >= 2
    assert by_technique["pitch"].trust_change < 0  # pitching cost trust every time
    assert by_technique["why"].uses == 2 and by_technique["why"].visits == 1

    # The weakest: a technique the scenarios train that this rep never used (what_if leads the list
    # of the scenarios' trained techniques and was never asked).
    trained = {t for s in library.summaries() for t in s.trains}
    assert found.weakest in trained and found.weakest not in by_technique
    assert found.next is not None and found.next.technique == found.weakest
    chosen = next(s for s in library.summaries() if s.id == found.next.scenario_id)
    assert found.weakest in chosen.trains
    best_rank = min(s.trains.index(found.weakest) for s in library.summaries() if found.weakest in s.trains)
    assert chosen.trains.index(found.weakest) == best_rank


def test_progress_of_another_rep_is_their_own(db: Database, library: ScenarioLibrary) -> None:
    rehearsals = RehearsalService(db, library, Settings())
    one, other = make_rep(db, "one"), make_rep(db, "other")
    play(rehearsals, one, GOOD_LINES)
    assert ProgressService(db, library).for_rep(other).visits == 0
    assert ProgressService(db, library, open_assignments=lambda user: [{"id": user}]).for_rep(
        one
    ).assignments == [{"id": one}]


def test_trains_defaults_to_the_trainer_tests_and_is_validated(library: ScenarioLibrary) -> None:
    summaries = {s.id: s for s in library.summaries()}
    # logistics names its own; the others take the question techniques their tests exercise.
    assert summaries["logistics-fleet-tender"].trains[0] == "answer_with_question"
    parts = summaries[SCENARIO].trains
    assert "why" in parts and "what_if" in parts and "pitch" not in parts and "greeting" not in parts

    text = (PROJECT_ROOT / "dialogues" / "precision_parts_returns.yaml").read_text(encoding="utf-8")
    for bad, message in (
        ("trains: [why, shouting]", "trains[1]: 'shouting' is not allowed here"),
        ("trains: []", "List at least one technique here"),
        ("trains: [why, why]", "listed twice in 'trains'"),
    ):
        broken = text.replace("\ndifficulty: medium\n", f"\ndifficulty: medium\n{bad}\n", 1)
        with pytest.raises(ScriptError) as caught:
            parse_scenario(parse_yaml(broken, "broken.yaml"))
        assert message in str(caught.value)
        assert "trains" in str(caught.value)
    fine = text.replace("\ndifficulty: medium\n", "\ndifficulty: medium\ntrains: [what_else, why]\n", 1)
    assert parse_scenario(parse_yaml(fine, "fine.yaml")).scenario.trained_techniques() == ("what_else", "why")


def test_briefing_cards_have_english_names_and_fall_back_without_english(library: ScenarioLibrary) -> None:
    summary = next(s for s in library.summaries() if s.id == SCENARIO)
    assert summary.card("en")["name"] == "Wang Jianguo" and summary.card("zh")["name"] == "王建国"
    assert summary.card("en")["company"] == "Huadong Precision Components"
    assert summary.card("en")["briefing"] and summary.card("zh")["briefing"]
    text = (PROJECT_ROOT / "dialogues" / "precision_parts_returns.yaml").read_text(encoding="utf-8")
    # A Chinese-only scenario whose name has no English form: the English card shows the Chinese one.
    only_zh = parse_scenario(parse_yaml(_chinese_only(text), "zh.yaml"))
    from bot.engine.runtime import ScenarioRuntime

    card = ScenarioRuntime(only_zh).summary().card("en")
    assert card["name"] == "王建国" and card["company"] == "华东精密零部件有限公司"


def _chinese_only(text: str) -> str:
    """The scenario with English removed: declared languages and every ``en:`` entry."""
    import yaml

    data = yaml.safe_load(text)

    def strip(value: object) -> object:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "en"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    cleaned = strip(data)
    assert isinstance(cleaned, dict)
    cleaned["languages"] = ["zh"]
    cleaned["tests"] = [t for t in cleaned.get("tests", []) if t.get("lang") == "zh"]
    return yaml.safe_dump(cleaned, allow_unicode=True)


def test_technique_guides_come_from_the_question_bank() -> None:
    guide = TechniqueGuides().explain("why", "en")
    assert guide.name == "Ask why" and guide.definition and guide.mistakes and guide.examples
    assert TechniqueGuides().explain("why", "zh").name == "问“为什么”"


def test_time_zone_is_the_users_else_the_teams(db: Database) -> None:
    settings = UserSettingsService(db)
    rep = make_rep(db, "zone", team_zone="Asia/Shanghai")
    assert settings.time_zone(rep) == "Asia/Shanghai"  # the team's default
    assert settings.set_time_zone(rep, "Europe/London") == "Europe/London"
    assert settings.set_time_zone(rep, "America/New_York", only_if_unset=True) == "Europe/London"
    assert settings.time_zone(rep) == "Europe/London"
    for bad in ("Mars/Olympus", "", "../etc/passwd", "x" * 80):
        with pytest.raises(UnknownTimeZone):
            settings.set_time_zone(rep, bad)
    assert settings.time_zone(rep) == "Europe/London"  # nothing lost
    noon = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    assert local_time(noon, "Asia/Shanghai") == "2026-11-29 20:00 CST"
    assert local_time(noon.replace(tzinfo=None), None) == "2026-11-29 12:00 UTC"  # SQLite: no offset


def test_open_assignments_come_from_the_managers_assignments(db: Database, library: ScenarioLibrary) -> None:
    from datetime import timedelta

    from bot.services import AssignmentService, open_assignments_of
    from bot.services.assignments import AssignmentOrder

    rehearsals = RehearsalService(db, library, Settings())
    assignments = AssignmentService(db, rehearsals)
    rep = make_rep(db, "assigned")
    with store(db, write=True) as s:
        rep_row = s.users.get(rep)
        assert rep_row is not None
        manager = s.users.create("Boss", login="boss", role="manager", team=rep_row.team).id
    due = datetime.now(UTC) + timedelta(days=3)
    (made,) = assignments.assign(
        manager, AssignmentOrder(SCENARIO, "practice", "zh", due, pass_mark=70), rep_ids=[rep]
    )
    progress = ProgressService(db, library, open_assignments=open_assignments_of(assignments.my_assignments))
    (listed,) = progress.for_rep(rep).assignments
    assert (listed["id"], listed["scenario_id"], listed["status"]) == (made.id, SCENARIO, "open")
    assert listed["title"] and listed["due_at"].startswith(due.strftime("%Y-%m-%d"))
    assert progress.for_rep(make_rep(db, "unassigned")).assignments == []
