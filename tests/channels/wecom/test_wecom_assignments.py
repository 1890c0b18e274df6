"""A rep linked in WeCom is told of a new practice assignment and reminded before it is due,
as in Telegram: queued in the assignment's (or the reminder's) transaction, sent by the outbox."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from test_wecom_rehearsal import SCENARIO, add_person, signed_in
from wecom_fakes import FakeWeComAPI, build_app, running, wecom_settings

from bot.storage import Database


async def test_an_assignment_and_its_reminder_reach_the_reps_wecom(
    db: Database, fake_wecom: FakeWeComAPI
) -> None:
    rep_id = add_person(db, "zhou", "周小勇")
    other = add_person(db, "wu", "吴敏")  # in the team, not linked in WeCom: nothing for them
    add_person(db, "boss", "陈经理", role="manager")
    due = datetime(2030, 5, 17, 9, 30, tzinfo=UTC)
    app = build_app(wecom_settings(db.url, fake_wecom))
    async with running(app), signed_in(app, "boss") as boss:
        app.state.services.wecom.map_user("ZhouXiaoYong", rep_id)
        made = await boss.post(
            "/api/manager/assignments",
            json={
                "scenario_id": SCENARIO,
                "mode": "exam",
                "language": "zh",
                "due_at": due.isoformat(),
                "pass_mark": 70,
                "rep_ids": [rep_id, other],
            },
        )
        (announced,) = await fake_wecom.wait_for("ZhouXiaoYong", 1, settle=0.5)
        assignments = app.state.services.assignments
        near = due - timedelta(hours=12)
        counts = await asyncio.gather(  # two workers' checks at once: one reminder
            asyncio.to_thread(assignments.remind_due, near), asyncio.to_thread(assignments.remind_due, near)
        )
        texts = await fake_wecom.wait_for("ZhouXiaoYong", 2, settle=0.5)
        again = assignments.remind_due(near)

    assert made.status_code == 201, made.text
    assert announced.startswith("📋 新的练习任务\n") and "<" not in announced  # plain text, no HTML
    assert (
        "考试模式 · 中文" in announced
        and "截止：2030-05-17 09:30 UTC" in announced
        and "及格分：70" in announced
    )
    assert sorted(counts) == [0, 1] and again == 0
    assert len(texts) == 2 and texts[1].startswith("⏰ 任务快到期了") and "2030-05-17 09:30 UTC" in texts[1]
    assert {sent.userid for sent in fake_wecom.state.sent} == {"ZhouXiaoYong"}
