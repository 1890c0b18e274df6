"""Team progress reads per-rep running totals (``rep_totals``, 0015) kept when a visit closes.

Visits of every outcome are played through the services on SQLite and PostgreSQL; the kept
totals must equal a recomputation from the sessions, and team progress must equal figures
counted by hand from the stored sessions, before and after migration 0015 backfills them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.config import PROJECT_ROOT, Settings
from bot.engine.library import ScenarioLibrary
from bot.services import IdleVisits, Services, build_services
from bot.storage import Database, downgrade, store, upgrade
from bot.storage.models import RehearsalSession, RepTotals, utcnow
from bot.storage.rep_totals import recomputed

SCENARIO = "precision-parts-returns"
# Lines written for this test: a rep who only pushes the product, and one who asks.
PUSHY = [
    "王总，我们的检测设备全国销量第一，今天下单就送三年维保。",
    "别的厂都在用我们的方案，您现在不买就晚了。",
    "价格我可以再让一点，合同我都带来了，您签个字就行。",
    "真的，错过这次优惠就没有了，您赶紧定吧。",
]
ASKING = [
    "王总您好，我是陈刚，谢谢您今天抽空见我。",
    "听说最近客户那边的退货多了，具体是哪几类零件呢？",
    "这些问题一般是在哪个环节被发现的？",
]


@pytest.fixture(scope="module")
def library() -> ScenarioLibrary:
    return ScenarioLibrary.from_directory(PROJECT_ROOT / "dialogues")


def _team(db: Database, reps: int) -> tuple[int, list[int]]:
    with store(db, write=True) as s:
        team = s.users.get_or_create_team("east")
        manager = s.users.create("经理", login="boss", role="manager", team=team)
        ids = [s.users.create(f"rep {n}", login=f"rep{n}", role="rep", team=team).id for n in range(reps)]
        return manager.id, ids


def _visit(services: Services, rep: int, lines: list[str], *, end: bool, seed: int) -> str:
    rehearsals = services.rehearsals
    started = rehearsals.start(rep, SCENARIO, language="zh", mode="practice", channel="web", seed=seed)
    for line in lines:
        if rehearsals.send(started.session_id, line, user_id=rep, channel="web").ended:
            return started.session_id
    if end:
        rehearsals.end(started.session_id, user_id=rep, channel="web")
    return started.session_id


def _play_a_mix(db: Database, services: Services, reps: list[int]) -> dict[str, str]:
    """Rep 0: ended, walked out, idle-closed, one still open. Rep 1: two ended, the second
    ended twice (the repeat must not count). Rep 2: only an open visit. Rep 3: nothing."""
    found = {
        "ended": _visit(services, reps[0], ASKING, end=True, seed=1),
        "walked": _visit(services, reps[0], PUSHY, end=False, seed=2),
        "idle": _visit(services, reps[0], ASKING[:2], end=False, seed=3),
    }
    with store(db, write=True) as s:
        s.session.execute(
            update(RehearsalSession)
            .where(RehearsalSession.id == found["idle"])
            .values(updated_at=utcnow() - timedelta(hours=30))
        )
    sweep = IdleVisits(db, services.rehearsals.versions, timedelta(hours=24))
    assert sweep.close_idle() == 1
    found["open"] = _visit(services, reps[0], ASKING[:1], end=False, seed=4)
    _visit(services, reps[1], ASKING[:1], end=True, seed=5)
    found["twice"] = _visit(services, reps[1], ASKING, end=True, seed=6)
    assert services.rehearsals.end(found["twice"], user_id=reps[1], channel="web").duplicate
    found["only open"] = _visit(services, reps[2], ASKING[:1], end=False, seed=7)
    return found


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _by_hand(db: Database, reps: list[int]) -> dict[int, tuple[Any, ...]]:
    """Each rep's figures counted in Python from every stored session."""
    with store(db) as s:
        sessions = s.session.scalars(select(RehearsalSession)).all()
    counted = {}
    for rep in reps:
        mine = [r for r in sessions if r.user_id == rep]
        scores = [r.score for r in mine if r.score is not None]
        moments = [_utc(m) for r in mine for m in (r.started_at, r.updated_at, r.ended_at) if m]
        counted[rep] = (
            len(mine),
            sum(r.status == "ended" for r in mine),
            sum(r.status == "closed_by_customer" for r in mine),
            sum(r.status == "abandoned" for r in mine),
            len(scores),
            round(sum(scores) / len(scores), 1) if scores else None,
            max(scores) if scores else None,
            max(moments) if moments else None,
        )
    return counted


def _shown(services: Services, manager: int) -> dict[int, tuple[Any, ...]]:
    return {
        f.id: (
            f.sessions, f.finished, f.walked_out, f.abandoned, f.scored,
            f.average_score, f.best_score, f.last_practised,
        )
        for f in services.coaching.team_progress(manager)
    }  # fmt: skip


def _kept(db: Database) -> dict[int, dict[str, Any]]:
    with store(db) as s:
        return {
            row.user_id: {c.name: getattr(row, c.name) for c in RepTotals.__table__.columns}
            for row in s.session.scalars(select(RepTotals))
        }


def test_kept_totals_equal_a_recomputation_after_every_kind_of_visit(
    db: Database, library: ScenarioLibrary
) -> None:
    services = build_services(db, Settings(demo_accounts=False), library)
    manager, reps = _team(db, 4)
    visits = _play_a_mix(db, services, reps)

    with store(db) as s:
        statuses = {name: s.sessions.get(sid).status for name, sid in visits.items()}  # type: ignore[union-attr]
        scratch = recomputed(s.session)
    assert statuses == {
        "ended": "ended",
        "walked": "closed_by_customer",
        "idle": "abandoned",
        "open": "active",
        "twice": "ended",
        "only open": "active",
    }
    kept = _kept(db)
    assert kept == scratch
    assert set(kept) == {reps[0], reps[1]}  # open visits are not in the totals
    assert (kept[reps[0]]["closed"], kept[reps[0]]["finished"]) == (3, 1)
    assert (kept[reps[0]]["walked_out"], kept[reps[0]]["abandoned"]) == (1, 1)
    assert kept[reps[1]]["closed"] == kept[reps[1]]["finished"] == 2

    shown = _shown(services, manager)
    assert shown == _by_hand(db, reps)
    assert shown[reps[0]][0] == 4 and shown[reps[2]][0] == 1 and shown[reps[3]][0] == 0


def test_migration_0015_backfills_the_totals_and_progress_stays_the_same(
    database_url: str, library: ScenarioLibrary
) -> None:
    upgrade(database_url)
    db = Database(database_url)
    try:
        services = build_services(db, Settings(demo_accounts=False), library)
        manager, reps = _team(db, 4)
        _play_a_mix(db, services, reps)
        before = _shown(services, manager)
        kept = _kept(db)
    finally:
        db.dispose()

    downgrade(database_url, "0014")  # the database as the release before 0015 left it
    upgrade(database_url)
    db = Database(database_url)
    try:
        services = build_services(db, Settings(demo_accounts=False), library)
        assert _kept(db) == kept
        assert _shown(services, manager) == before == _by_hand(db, reps)
        # And the totals go on from the backfilled rows.
        _visit(services, reps[3], ASKING, end=True, seed=9)
        with store(db) as s:
            assert _kept(db) == recomputed(s.session)
        assert _shown(services, manager) == _by_hand(db, reps)
    finally:
        db.dispose()
