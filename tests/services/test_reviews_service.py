"""Review 3.0, assignments and team analytics over a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import PROJECT_ROOT, Settings
from bot.engine.library import ScenarioLibrary
from bot.services import (
    AnalyticsService,
    AssignmentNotFound,
    AssignmentOrder,
    AssignmentService,
    BadAssignment,
    NotAManager,
    PlanItem,
    RehearsalService,
    ReviewInput,
    ReviewService,
    SessionNotFound,
    SkillGap,
)
from bot.storage import Database, store

SCENARIO = "precision-parts-returns"
SHORT = ["王总您好，我是李明，老周介绍我过来的，谢谢您抽时间。"]
DEEP = [
    *SHORT,
    "听说你们主要给新能源车做精密零件，对吧？",
    "看您有点疲惫，是刚从主机厂那边回来吗？最近他们的要求是不是又变了？",
    "退货为什么会翻倍呢？",
    "为什么会这样呢？",
    "除此之外还有别的困扰吗？",
]


@pytest.fixture(scope="module")
def library() -> ScenarioLibrary:
    return ScenarioLibrary.from_directory(PROJECT_ROOT / "dialogues")


@pytest.fixture
def rehearsals(db: Database, library: ScenarioLibrary) -> RehearsalService:
    return RehearsalService(db, library, Settings())


@pytest.fixture
def assignments(db: Database, rehearsals: RehearsalService) -> AssignmentService:
    return AssignmentService(db, rehearsals)


@pytest.fixture
def reviews(db: Database, rehearsals: RehearsalService, assignments: AssignmentService) -> ReviewService:
    return ReviewService(db, rehearsals, assignments)


def make_user(db: Database, login: str, *, role: str = "rep", team: str | None = "east") -> int:
    with store(db, write=True) as s:
        team_row = s.users.get_or_create_team(team) if team else None
        return s.users.create(login, login=login, role=role, team=team_row).id


def play(rehearsals: RehearsalService, user_id: int, lines: list[str]) -> str:
    session_id = rehearsals.start(user_id, SCENARIO, language="zh", mode="practice", channel="web").session_id
    for line in lines:
        rehearsals.send(session_id, line, user_id=user_id, channel="web")
    rehearsals.end(session_id, user_id=user_id, channel="web")
    return session_id


def order(days: float = 3, pass_mark: int = 1) -> AssignmentOrder:
    return AssignmentOrder(SCENARIO, "practice", "zh", datetime.now(UTC) + timedelta(days=days), pass_mark)


def test_the_draft_prefills_skill_gaps_and_names_the_colleague_with_the_best_record(
    db: Database, rehearsals: RehearsalService, reviews: ReviewService
) -> None:
    manager = make_user(db, "boss", role="manager")
    rep, strong, weak = make_user(db, "rep"), make_user(db, "strong"), make_user(db, "weak")
    make_user(db, "elsewhere", team="west")
    reviewed = play(rehearsals, rep, SHORT)
    play(rehearsals, strong, DEEP)
    play(rehearsals, weak, SHORT)

    draft = reviews.draft(manager, [reviewed])

    assert draft.rep_id == rep
    gaps = {g.technique: g for g in draft.skills}
    assert gaps["why"].gap and gaps["why"].used == 0
    colleague = {c.technique: c for c in draft.colleagues}
    assert colleague["why"].rep_id == strong
    assert colleague["why"].worked == 2 and colleague["why"].facts == 2
    assert colleague["what_else"].rep_id == strong
    # A technique nobody in the team made work has no colleague to learn from.
    assert "need_confirmation" not in colleague
    # The strong rep's own draft: "why" worked there, so it is no gap.
    mine = reviews.draft(manager, [play(rehearsals, strong, DEEP)])
    assert not {g.technique: g for g in mine.skills}["why"].gap


def test_a_review_with_an_assignment_closes_the_loop_with_before_and_after(
    db: Database, rehearsals: RehearsalService, reviews: ReviewService, assignments: AssignmentService
) -> None:
    manager = make_user(db, "boss", role="manager")
    rep, strong = make_user(db, "rep"), make_user(db, "strong")
    reviewed = play(rehearsals, rep, SHORT)
    review = reviews.write(
        manager,
        ReviewInput(
            session_ids=[reviewed],
            attitude="积极",
            knowledge="不了解客户的质检流程",
            skills=[SkillGap("why", 0, 0, True, "没有追问原因")],
            improving="每个问题追问两次为什么",
            plan=[PlanItem("why", "听一遍同事的追问", strong)],
            assignments=[order(pass_mark=20)],
        ),
    )
    assert review.plan[0].colleague_name == "strong"
    (assigned,) = review.assignments
    assert assigned.status == "open" and review.after is None
    before = rehearsals.session(reviewed).scorecard
    assert before is not None and review.before == before["score"]

    started = assignments.start(rep, assigned.id, channel="web")
    assert assignments.my_assignments(rep)[0].status == "in_progress"
    for line in DEEP:
        rehearsals.send(started.session_id, line, user_id=rep, channel="web")
    ended = rehearsals.end(started.session_id, user_id=rep, channel="web").scorecard
    assert ended is not None and ended["score"] >= 20

    (again,) = reviews.rep_reviews(manager, rep)
    assert again.assignments[0].status == "passed"
    assert again.after == ended["score"] and again.after > (again.before or 0)
    follow_up = reviews.write(manager, ReviewInput(session_ids=[started.session_id], follow_up_of=review.id))
    assert follow_up.follow_up_of == review.id
    assert [r.id for r in reviews.my_reviews(rep)] == [follow_up.id, review.id]


def test_scope_a_manager_reviews_and_comments_only_their_team(
    db: Database, rehearsals: RehearsalService, reviews: ReviewService, assignments: AssignmentService
) -> None:
    manager, other = (
        make_user(db, "boss", role="manager"),
        make_user(db, "west-boss", role="manager", team="west"),
    )
    rep, trainer = make_user(db, "rep"), make_user(db, "trainer", role="trainer")
    session_id = play(rehearsals, rep, SHORT)
    comment = reviews.comment(manager, session_id, 2, "这里可以先问背景")
    assert [c.seq for c in reviews.my_comments(rep, session_id)] == [2]
    assert reviews.session_comments(manager, session_id)[0].text == comment.text
    with pytest.raises(SessionNotFound):
        reviews.comment(other, session_id, 2, "x")
    with pytest.raises(SessionNotFound):
        reviews.comment(manager, session_id, 999, "no such line")
    with pytest.raises(NotAManager):
        reviews.comment(trainer, session_id, 2, "x")
    with pytest.raises(SessionNotFound):
        reviews.draft(other, [session_id])
    with pytest.raises(BadAssignment):
        reviews.draft(manager, [])
    (assigned,) = assignments.assign(manager, order(), rep_ids=[rep])
    with pytest.raises(AssignmentNotFound):
        assignments.start(make_user(db, "someone"), assigned.id, channel="web")
    assert assignments.team_assignments(other) == []


def test_a_team_assignment_and_one_reminder_however_many_checks(
    db: Database, assignments: AssignmentService
) -> None:
    manager = make_user(db, "boss", role="manager")
    reps = [make_user(db, f"rep{i}") for i in range(3)]
    make_user(db, "west", team="west")
    soon = assignments.assign(manager, order(days=3), team=True)
    assert sorted(a.rep_id for a in soon) == reps
    with pytest.raises(BadAssignment):
        assignments.assign(manager, order(pass_mark=101), team=True)
    later = datetime.now(UTC) + timedelta(days=2, hours=12)
    assert assignments.remind_due(later) == 0  # no rep is linked in Telegram: nothing queued
    assert assignments.remind_due(later) == 0
    with store(db) as s:
        assert all(a.reminded_at is not None for a in s.reviews.assignments_for(reps))
    overdue = datetime.now(UTC) + timedelta(days=4)
    assert {a.status for a in assignments.team_assignments(manager)} == {"open"}
    assert {v.status for v in assignments.team_assignments(manager, now=overdue)} == {"overdue"}


def test_team_analytics_by_rep_and_technique(db: Database, rehearsals: RehearsalService) -> None:
    manager = make_user(db, "boss", role="manager")
    rep, other = make_user(db, "rep"), make_user(db, "other")
    play(rehearsals, rep, DEEP)
    play(rehearsals, rep, SHORT)
    rehearsals.start(other, SCENARIO, language="zh", mode="practice", channel="web")
    found = AnalyticsService(db).team(manager)
    by_rep = {r.id: r for r in found.reps}
    assert by_rep[rep].sessions == 2 and by_rep[rep].scored == 2
    assert by_rep[rep].techniques["why"] == 2 and by_rep[rep].facts >= 5
    assert by_rep[other].open == 1 and by_rep[other].average_score is None
    assert "why" in found.techniques
    future = AnalyticsService(db).team(manager, since=datetime.now(UTC) + timedelta(days=1))
    assert all(r.sessions == 0 for r in future.reps)


def test_a_draft_of_a_visit_still_in_progress_reads_its_lines(
    db: Database, rehearsals: RehearsalService, reviews: ReviewService
) -> None:
    """An active visit keeps its line history on its turns (0017): the draft reads it there."""
    manager, rep = make_user(db, "boss", role="manager"), make_user(db, "rep")
    ended = play(rehearsals, rep, DEEP)
    session_id = rehearsals.start(rep, SCENARIO, language="zh", mode="practice", channel="web").session_id
    for line in DEEP:
        rehearsals.send(session_id, line, user_id=rep, channel="web")

    in_progress = {g.technique: (g.used, g.gap) for g in reviews.draft(manager, [session_id]).skills}

    assert in_progress["why"][0] == 2 and not in_progress["why"][1]
    assert in_progress == {g.technique: (g.used, g.gap) for g in reviews.draft(manager, [ended]).skills}
