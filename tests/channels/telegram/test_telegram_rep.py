"""The rep's side in Telegram with the real PTB, the real app and the fake Bot API: a visit begun
on the web met by /rehearse (continue it, or end it and start another), the English briefing and
an English visit without a Chinese character the rep did not type, /progress, /settings and
/notes in the rep's time zone."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select
from telegram_fakes import Call, FakeBotAPI, Updates, Webhook, build_app, running, telegram_settings

from bot.passwords import hash_password
from bot.services import local_time
from bot.storage import Database, RehearsalSession, store

SCENARIO = "precision-parts-returns"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
EN_LINES = [
    "Good morning Mr Wang, I'm Tom Reed. Thank you for making time for me.",
    "You look a bit tired. Has the carmaker been keeping you busy lately?",
    "Why have the returns doubled?",
]


async def press(webhook: Webhook, fake: FakeBotAPI, updates: Updates, keyboard: Call, data: str) -> None:
    message_id = keyboard.message_id or int(keyboard.params["message_id"])
    response = await webhook.post(updates.press(data, on_message_id=message_id))
    assert response.status_code == 200


def button(keyboard: Call, starting: str) -> str:
    return next(data for _, data in keyboard.buttons() if data.startswith(starting))


def sessions(db: Database) -> list[RehearsalSession]:
    with store(db) as s:
        return list(s.session.scalars(select(RehearsalSession).order_by(RehearsalSession.started_at)).all())


async def test_rehearse_during_a_web_visit_offers_continue_or_end_and_both_work(
    db: Database, fake_bot_api: FakeBotAPI
) -> None:
    with store(db, write=True) as s:
        s.users.create("周婷", login="zhouting", role="rep", password_hash=hash_password("pw-zhouting-1"))
    updates = Updates(user_id=7007, first_name="Ting")
    chat = 7007
    async with running(build_app(telegram_settings(db.url, fake_bot_api))) as webhook:
        web: httpx.AsyncClient = webhook.client
        signed_in = await web.post("/api/auth/login", json={"login": "zhouting", "password": "pw-zhouting-1"})
        assert signed_in.status_code == 200
        started = await web.post("/api/sessions", json={"scenario_id": SCENARIO, "language": "zh"})
        web_visit = started.json()["session_id"]
        opening = started.json()["customer_reply"]
        code = (await web.post("/api/telegram/link-code")).json()["code"]
        await webhook.post(updates.text(f"/start {code}"))

        # /rehearse while the web visit is open: the choice, as inline buttons.
        await webhook.post(updates.text("/rehearse"))
        choice = fake_bot_api.calls_to("sendMessage")[-1]
        assert choice.params["text"].startswith("你有一个进行中的演练") and "网页" in choice.params["text"]
        assert [label for label, _ in choice.buttons()] == ["▶️ 继续这次演练", "⏹ 结束它，开始新的"]

        # "Continue it": the customer's last words again, and the next line goes into the web visit.
        await press(webhook, fake_bot_api, updates, choice, button(choice, "av:c:"))
        edit = fake_bot_api.calls_to("editMessageText")[-1]
        assert edit.params["text"].startswith("▶️ 继续")
        assert opening in fake_bot_api.sent_texts(chat)[-1]
        await webhook.post(updates.text("王总您好，我是李明，谢谢您抽时间。"))
        assert fake_bot_api.sent_texts(chat)[-1].startswith("🗣 <b>王建国</b>：")
        (only,) = sessions(db)
        assert only.id == web_visit and only.status == "active" and only.next_seq > 3

        # "End it and start another": the web visit ends with its scorecard, the scenarios follow.
        await webhook.post(updates.text("/rehearse"))
        choice = fake_bot_api.calls_to("sendMessage")[-1]
        await press(webhook, fake_bot_api, updates, choice, button(choice, "av:e:"))
        menu = fake_bot_api.calls_to("editMessageText")[-1]
        assert menu.params["text"].startswith("⏹ 已结束") and "选择一个拜访场景" in menu.params["text"]
        (ended,) = sessions(db)
        assert ended.status == "ended" and ended.scorecard is not None
        assert f"<b>{ended.score}</b>" in menu.params["text"]
        detail = (await web.get(f"/api/sessions/{web_visit}")).json()
        assert detail["status"] == "ended"

        # ... and the scenario menu starts a new visit from here.
        await press(webhook, fake_bot_api, updates, menu, button(menu, "sc:"))
        languages = fake_bot_api.calls_to("editMessageText")[-1]
        await press(webhook, fake_bot_api, updates, languages, button(languages, "lg:"))
        modes = fake_bot_api.calls_to("editMessageText")[-1]
        await press(webhook, fake_bot_api, updates, modes, button(modes, "md:"))
        visits = sessions(db)
        assert len(visits) == 2 and visits[1].status == "active" and visits[1].channel == "telegram"

        # A stale "continue" button, pressed after that visit ended, offers the scenarios instead.
        await press(webhook, fake_bot_api, updates, choice, button(choice, "av:c:"))
        assert fake_bot_api.calls_to("editMessageText")[-1].params["text"].startswith("那次演练已经结束了")
        assert len(sessions(db)) == 2


async def test_an_english_visit_in_telegram_shows_no_chinese(db: Database, fake_bot_api: FakeBotAPI) -> None:
    updates = Updates(user_id=8008, first_name="Sam", language_code="en")
    chat = 8008
    async with running(build_app(telegram_settings(db.url, fake_bot_api))) as webhook:
        await webhook.post(updates.text("/start"))
        await webhook.post(updates.text("/rehearse"))
        menu = fake_bot_api.calls_to("sendMessage")[-1]
        data = next(data for label, data in menu.buttons() if "Precision" in label)
        await press(webhook, fake_bot_api, updates, menu, data)
        languages = fake_bot_api.calls_to("editMessageText")[-1]
        english = next(d for _, d in languages.buttons() if d.endswith(":en"))
        await press(webhook, fake_bot_api, updates, languages, english)
        modes = fake_bot_api.calls_to("editMessageText")[-1]
        await press(
            webhook,
            fake_bot_api,
            updates,
            modes,
            next(d for _, d in modes.buttons() if d.endswith(":practice")),
        )
        intro = fake_bot_api.calls_to("editMessageText")[-1].params["text"]
        # The briefing: the customer in English, industry, purpose, what the rep knows, difficulty.
        for part in (
            "Wang Jianguo",
            "VP of Production",
            "Huadong Precision Components",
            "automotive parts",
            "What you know beforehand: Old Zhou introduced you",
            "Difficulty: medium",
        ):
            assert part in intro, part
        for line in EN_LINES:
            await webhook.post(updates.text(line))
        assert fake_bot_api.sent_texts(chat)[-1].startswith("🗣 <b>Wang Jianguo</b>: ")
        for command in (
            "/hint",
            "/score",
            "/settings",
            "/settings tz Europe/London",
            "/end",
            "/score",
            "/progress",
            "/notes",
            "/help",
            "/rehearse",
        ):
            await webhook.post(updates.text(command))
        said = [call.params["text"] for call in fake_bot_api.calls_to("sendMessage")]
        said += [call.params["text"] for call in fake_bot_api.calls_to("editMessageText")]
        labels = [label for call in fake_bot_api.calls_to("sendMessage") for label, _ in call.buttons()]

    assert len(said) > 15
    # What the rep typed is theirs; everything the bot says in English has no Chinese character.
    # (The /lang buttons name 中文 in Chinese on purpose; /help names it as "中文 / English".)
    for text in said:
        shown = text.replace("(中文 / English)", "")
        assert not CJK.search(shown), text
    assert not any(CJK.search(label) for label in labels if label != "中文")
    assert any("Score trend:" in text for text in said) and any("Weakest technique:" in text for text in said)
    assert any("Time zone set to <b>Europe/London</b>" in text for text in said)
    assert any("How this visit ended: <b>ended</b>" in text for text in said)


async def test_notes_are_dated_in_the_reps_time_zone(db: Database, fake_bot_api: FakeBotAPI) -> None:
    updates = Updates(user_id=9009, first_name="Lin", language_code="en")
    chat = 9009
    async with running(build_app(telegram_settings(db.url, fake_bot_api))) as webhook:
        await webhook.post(updates.text("/start"))
        with store(db, write=True) as s:
            rep = s.users.by_telegram(9009)
            assert rep is not None
            manager = s.users.create("Boss", login="boss", role="manager", team=rep.team)
            note = s.notes.add(author=manager, rep=rep, text="Ask one why at a time.")
            written = note.created_at
        await webhook.post(updates.text("/settings tz Mars/Olympus"))
        assert fake_bot_api.sent_texts(chat)[-1].startswith("⚠️")
        await webhook.post(updates.text("/settings tz Asia/Shanghai"))
        await webhook.post(updates.text("/notes"))
        listed = fake_bot_api.sent_texts(chat)[-1]
        await webhook.post(updates.text("/settings"))
        shown = fake_bot_api.sent_texts(chat)[-1]
    assert local_time(written, "Asia/Shanghai") in listed and "CST" in listed and " UTC" not in listed
    assert "Asia/Shanghai" in shown
