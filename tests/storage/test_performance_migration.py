"""0007_performance: scores and each rep's revealed facts are filled in from the stored sessions,
and what the services read from them equals what they computed from every session before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.storage import Database, RehearsalSession, store, upgrade
from bot.storage.models import RevealedFacts


def _before_0007() -> str:
    """The revision 0007 follows (it moves when 0007 is re-chained onto a newer head)."""
    from alembic.script import ScriptDirectory

    from bot.storage.database import alembic_config

    down = ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision("0007").down_revision
    assert isinstance(down, str)
    return down


def test_upgrade_fills_scores_and_revealed_facts(database_url: str) -> None:
    upgrade(database_url, _before_0007())
    db = Database(database_url)
    now = datetime.now(UTC)
    try:
        rep_id = _insert_rep(db, now)  # the users table as it was then (no later columns)
        rows = [  # oldest first: revealed then prior facts, each once
            ("a", "s1", {"revealed": ["f1", "f2"], "prior": []}, {"score": 40}, "ended"),
            ("b", "s1", {"revealed": ["f3"], "prior": ["f2", "f4"]}, {"score": 71.0}, "ended"),
            ("c", "s2", {"revealed": ["g1"], "prior": []}, None, "active"),
            ("d", "s1", {"revealed": [], "prior": []}, {"score": True}, "ended"),  # not a score
        ]
        with db.engine.begin() as connection:
            for n, (sid, scenario, state, scorecard, status) in enumerate(rows):
                started = now + timedelta(minutes=n)
                connection.execute(
                    _insert_without_score(sid, rep_id, scenario, state, scorecard, status, started)
                )
    finally:
        db.dispose()
    upgrade(database_url)
    db = Database(database_url)
    try:
        with store(db) as s:
            scores = {r.id: r.score for r in s.session.query(RehearsalSession)}
            assert scores == {"a": 40, "b": 71, "c": None, "d": None}
            assert s.sessions.revealed_before(rep_id, "s1") == ["f1", "f2", "f3", "f4"]
            assert s.sessions.revealed_before(rep_id, "s2") == ["g1"]
            assert s.sessions.revealed_before(rep_id, "s3") == []
            assert s.session.get(RevealedFacts, (rep_id, "s1")) is not None
    finally:
        db.dispose()


def _insert_rep(db: Database, now: datetime) -> int:
    from sqlalchemy import DateTime, Integer, String, column, table

    users = table(
        "users", column("id", Integer), column("login", String), column("display_name", String),
        column("role", String), column("language", String), column("created_at", DateTime(timezone=True)),
    )  # fmt: skip
    with db.engine.begin() as connection:
        inserted = connection.execute(
            users.insert()
            .values(login="rep", display_name="rep", role="rep", language="zh", created_at=now)
            .returning(users.c.id)
        )
        return int(inserted.scalar_one())


def _insert_without_score(sid, user_id, scenario, state, scorecard, status, started):  # type: ignore[no-untyped-def]
    """An INSERT naming only the columns before 0007 (the model already has ``score``)."""
    from sqlalchemy import JSON, DateTime, Float, Integer, String, column, table

    sessions = table(
        "rehearsal_sessions",
        column("id", String), column("user_id", Integer), column("scenario_id", String),
        column("scenario_version", String), column("channel", String), column("mode", String),
        column("language", String), column("status", String), column("trust", Float), column("seed", Integer),
        column("state", JSON), column("next_seq", Integer), column("scorecard", JSON),
        column("started_at", DateTime(timezone=True)), column("updated_at", DateTime(timezone=True)),
    )  # fmt: skip
    return sessions.insert().values(
        id=sid, user_id=user_id, scenario_id=scenario, scenario_version="1", channel="web", mode="practice",
        language="en", status=status, trust=0.0, seed=0, state=state, next_seq=1, scorecard=scorecard,
        started_at=started, updated_at=started,
    )  # fmt: skip


def test_revisits_and_progress_read_the_summaries(db: Database) -> None:
    with store(db, write=True) as s:
        rep = s.users.create("rep", login="rep")
        rep_id = rep.id
        s.sessions.add_revealed(rep_id, "s1", ["f1", "f2"])
        s.sessions.add_revealed(rep_id, "s1", ["f2", "f3"])
        for n, score in enumerate([50, 60, 70]):
            visit = s.sessions.create(user=rep, scenario_id="s1", scenario_version="1", channel="web")
            visit.ended_at = datetime.now(UTC) + timedelta(minutes=n)
            s.sessions.end(visit, scorecard={"score": score})
            visit.ended_at = datetime.now(UTC) + timedelta(minutes=n)
        s.sessions.create(user=rep, scenario_id="s1", scenario_version="1", channel="web")
    with store(db) as s:
        assert s.sessions.revealed_before(rep_id, "s1") == ["f1", "f2", "f3"]
        (totals,) = s.sessions.progress_for_users([rep_id])
        assert (totals.sessions, totals.finished, totals.scored, totals.score_sum, totals.best) == (
            4,
            3,
            3,
            180,
            70,
        )
        assert s.sessions.recent_scores([rep_id], 2) == {rep_id: [60, 70]}
        assert s.sessions.active_for_user(rep_id) is not None
