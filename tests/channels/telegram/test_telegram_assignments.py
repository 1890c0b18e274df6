"""Assignments in Telegram: a rep linked in Telegram is told when a manager assigns a scenario and
reminded once before it is due, through the outbox, however many reminder checks run.

Real python-telegram-bot against the fake Bot API and the real app and manager API (SQLite and
PostgreSQL); what the bot said is read from the fake.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from telegram_fakes import FakeBotAPI, Updates, build_app, html_problem, running, telegram_settings
from test_telegram_notes import PASSWORD, SCENARIO_TITLE_ZH, add_person, signed_in

from bot.storage import Database

SCENARIO = "precision-parts-returns"
assert PASSWORD


async def test_an_assignment_and_one_reminder_reach_the_reps_telegram(
    db: Database, fake_bot_api: FakeBotAPI
) -> None:
    rep_id = add_person(db, "wang", "王小明")
    add_person(db, "boss", "陈经理", role="manager")
    updates = Updates(user_id=9601, first_name="小王")
    chat = 9601
    due = datetime(2030, 5, 17, 9, 30, tzinfo=UTC)
    app = build_app(telegram_settings(db.url, fake_bot_api))
    async with running(app) as webhook, signed_in(app, "wang") as rep, signed_in(app, "boss") as boss:
        code = (await rep.post("/api/telegram/link-code")).json()["code"]
        await webhook.post(updates.text(f"/start {code}"))
        before = len(fake_bot_api.sent_texts(chat))
        made = await boss.post(
            "/api/manager/assignments",
            json={
                "scenario_id": SCENARIO,
                "mode": "exam",
                "language": "zh",
                "due_at": due.isoformat(),
                "pass_mark": 70,
                "rep_ids": [rep_id],
            },
        )
        await webhook.delivered()
        announced = fake_bot_api.sent_texts(chat)[before:]
        assignments = app.state.services.assignments
        # Two workers' checks at once, a day before the due date: one reminder.
        near = due - timedelta(hours=12)
        counts = await asyncio.gather(
            asyncio.to_thread(assignments.remind_due, near), asyncio.to_thread(assignments.remind_due, near)
        )
        await webhook.delivered()
        reminded = fake_bot_api.sent_texts(chat)[before + len(announced) :]
        assert assignments.remind_due(near) == 0

    assert made.status_code == 201, made.text
    assert sorted(counts) == [0, 1]
    assert len(announced) == 1 and html_problem(announced[0]) is None
    assert announced[0] == (
        f"📋 <b>新的练习任务</b>\n{SCENARIO_TITLE_ZH}\n考试模式 · 中文\n"
        "截止：2030-05-17 09:30 UTC\n及格分：70\n\n"
        "请在网页聊天的“我的任务”里开始。"
    )
    assert len(reminded) == 1 and reminded[0].startswith("⏰ <b>任务快到期了</b>")
    assert "2030-05-17 09:30 UTC" in reminded[0]
