"""Script statistics over visits played through the real rehearsal and feedback services, on a
real database: per fact how many visits uncovered it and how soon, where visits stop, where the
customer walked out and after what, and the lines reps flag most; trainers and admins only."""

from __future__ import annotations

import pytest

from bot.config import PROJECT_ROOT, Settings
from bot.engine.library import ScenarioLibrary
from bot.services import (
    FeedbackService,
    NotATrainer,
    RehearsalService,
    ScriptStatisticsService,
    UnknownScenario,
)
from bot.storage import Database, store

SCENARIO = "precision-parts-returns"
GREETING = "Good morning Mr Wang, I'm Tom Reed from Lanxin. Thank you for your time."
CARE = "You look a bit tired. Has the carmaker been keeping you busy lately?"
WHY = "Why have the returns doubled?"
PITCH = "Mr Wang, our monitoring system is the best on the market and cuts defects by half."
LIBRARY = ScenarioLibrary.from_directory(PROJECT_ROOT / "dialogues")


def make_user(db: Database, login: str) -> int:
    with store(db, write=True) as s:
        return s.users.create(login, login=login, role="rep").id


def play(rehearsals: RehearsalService, rep: int, lines: list[str], *, end: bool = True) -> str:
    started = rehearsals.start(rep, SCENARIO, channel="web", language="en", mode="practice", seed=2)
    for line in lines:
        result = rehearsals.send(started.session_id, line, user_id=rep, channel="web")
        if result.status != "active":
            return started.session_id
    if end:
        rehearsals.end(started.session_id, user_id=rep, channel="web")
    return started.session_id


def seq_of(rehearsals: RehearsalService, session_id: str, rep: int, text: str) -> int:
    return next(t.seq for t in rehearsals.session(session_id, user_id=rep).turns if t.text == text)


@pytest.fixture
def visits(db: Database) -> dict[str, str]:
    rehearsals = RehearsalService(db, LIBRARY, Settings())
    feedback = FeedbackService(db)
    ann, bob, cat = (make_user(db, login) for login in ("ann", "bob", "cat"))
    sessions = {
        "dug": play(rehearsals, ann, [GREETING, CARE, WHY]),
        "cared": play(rehearsals, bob, [GREETING, CARE]),
        "pitched": play(rehearsals, cat, [GREETING, PITCH, PITCH, PITCH]),
        "open": play(rehearsals, cat, [GREETING], end=False),
    }
    # Two reps flag the same why-question (spelt with other spacing once); one flags the greeting.
    feedback.flag(ann, sessions["dug"], seq_of(rehearsals, sessions["dug"], ann, WHY), "what_else", "web")
    other = play(rehearsals, bob, [GREETING, CARE, "Why  have the returns doubled?"])
    feedback.flag(bob, other, seq_of(rehearsals, other, bob, "Why  have the returns doubled?"), None, "web")
    feedback.flag(ann, sessions["dug"], seq_of(rehearsals, sessions["dug"], ann, GREETING), None, "web")
    sessions["dug_again"] = other
    return sessions


def test_statistics_of_played_visits(db: Database, visits: dict[str, str]) -> None:
    stats = ScriptStatisticsService(db, LIBRARY).scenario(SCENARIO, role="trainer", lang="en")
    assert (stats.visits, stats.finished, stats.walked_out) == (5, 4, 1)
    facts = {f.id: f for f in stats.facts}
    assert list(facts) == LIBRARY.latest(SCENARIO).scenario.fact_ids()  # every fact, in script order
    assert facts["returns"].visits == 3 and facts["returns"].share == pytest.approx(0.6)
    assert facts["returns"].median_rep_lines == 2  # the care question, the second rep line
    assert facts["returns"].topic and facts["returns"].kind == "problem"
    assert facts["late_detection"].visits == 2 and facts["late_detection"].median_rep_lines == 3
    assert facts["budget"].visits == 0 and facts["budget"].median_rep_lines is None
    assert sum(stop.visits for stop in stats.stops) == 4
    (walk_out,) = stats.walk_outs
    assert walk_out.visits == 1 and walk_out.event == "pitch_early" and walk_out.median_rep_lines >= 2
    top = stats.flagged[0]
    assert (top.text, top.flags, top.predicted, top.suggested, top.pending) == (
        WHY,
        2,
        "why",
        ["what_else"],
        2,
    )
    assert [f.flags for f in stats.flagged] == [2, 1]


def test_statistics_of_one_version_in_chinese_topics(db: Database, visits: dict[str, str]) -> None:
    service = ScriptStatisticsService(db, LIBRARY)
    version = LIBRARY.latest(SCENARIO).version
    stats = service.scenario(SCENARIO, role="admin", lang="zh", version=version)
    assert stats.visits == 5 and stats.version == version
    returns = next(f for f in stats.facts if f.id == "returns")
    assert returns.topic == LIBRARY.latest(SCENARIO).loaded.fact_topic["returns"].get("zh")
    assert service.scenario(SCENARIO, role="trainer", lang="en", version="0").visits == 0


def test_only_trainers_and_admins(db: Database) -> None:
    service = ScriptStatisticsService(db, LIBRARY)
    for role in ("rep", "manager"):
        with pytest.raises(NotATrainer):
            service.scenario(SCENARIO, role=role, lang="en")
    with pytest.raises(UnknownScenario):
        service.scenario("no-such-scenario", role="trainer", lang="en")
    empty = service.scenario(SCENARIO, role="trainer", lang="en")
    assert empty.visits == 0 and empty.average_score is None and empty.flagged == []
