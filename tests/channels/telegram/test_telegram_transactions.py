"""A Telegram text line costs one database transaction: rep, active session, claim and turn
together; so do /hint, /end, the press that starts a visit and the press that stores a
"wrong judgement" flag (claim, change, queued answer)."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

import pytest
from sqlalchemy import select
from telegram_fakes import FakeBotAPI, Updates, build_app, running, telegram_settings
from test_telegram_rehearsal import SCENARIO, begin_rehearsal, turns_of
from transactions import counted_transactions

from bot.channels.telegram.callbacks import decode_flag, flag_choice
from bot.i18n import translate
from bot.services import telegram_commands
from bot.storage import Database, JudgementFlag, RehearsalSession, store

# No background work that opens transactions of its own while they are counted: the idle sweep
# off, the assignment reminders' one check done at start-up.
QUIET = {"idle_close_hours": 0, "assignment_check_seconds": 1e6}


async def test_one_telegram_text_turn_is_one_transaction(db: Database, fake_bot_api: FakeBotAPI) -> None:
    updates = Updates(user_id=8801)
    app = build_app(telegram_settings(db.url, fake_bot_api, **QUIET))
    async with running(app) as webhook:
        await webhook.post(updates.text("/start"))
        services = app.state.services
        rep = await asyncio.to_thread(services.accounts.telegram_rep, 8801)
        assert rep is not None
        begun = await asyncio.to_thread(
            partial(
                services.rehearsals.start,
                rep.user_id,
                SCENARIO,
                language="zh",
                mode="practice",
                channel="web",
            )
        )
        line = updates.text("王总您好，谢谢您抽时间。")
        await webhook.delivered()
        # The dispatcher's own transactions (claims, settling) are not the turn's: pause it.
        await app.state.dispatcher.stop()
        with counted_transactions(app.state.db.engine) as count:
            answered = await webhook.post(line, delivered=False)
        assert answered.status_code == 200
        with counted_transactions(app.state.db.engine) as redelivered:
            assert (await webhook.post(line, delivered=False)).status_code == 200
        queued = await asyncio.to_thread(services.outbox.backlog)
        await app.state.dispatcher.start()
        await webhook.delivered()
    assert count == [1]  # the rep, the session, the claim, the turn and its queued reply
    assert redelivered == [1]  # the redelivery finds the claim in its one transaction
    assert queued.depth == 2  # the customer's reply and the coach's note, queued with the turn
    assert len(fake_bot_api.sent_texts(8801)) == 3  # welcome, help, and the turn as one message
    speakers = [speaker for speaker, _ in turns_of(db, begun.session_id)]
    assert speakers == ["customer", "rep", "customer", "coach"]  # played once


async def _rep_with_a_visit(app: Any, webhook: Any, updates: Updates, user_id: int) -> str:
    """/start for ``user_id``, then a visit begun for them; returns its session id."""
    await webhook.post(updates.text("/start"))
    services = app.state.services
    rep = await asyncio.to_thread(services.accounts.telegram_rep, user_id)
    assert rep is not None
    start = partial(services.rehearsals.start, rep.user_id, SCENARIO, language="zh", mode="practice")
    begun = await asyncio.to_thread(partial(start, channel="web"))
    return str(begun.session_id)


async def _mode_menu_press(webhook: Any, fake: FakeBotAPI, updates: Updates) -> dict[str, Any]:
    """/rehearse, the scenario and the language buttons; returns the press of the mode button
    that starts the visit (not posted yet)."""
    await webhook.post(updates.text("/rehearse"))
    menu = fake.calls_to("sendMessage")[-1]
    scenario = next(data for label, data in menu.buttons() if "精密零件" in label)
    await webhook.post(updates.press(scenario, on_message_id=menu.message_id or 1))
    language_menu = fake.calls_to("editMessageText")[-1]
    zh = next(data for _, data in language_menu.buttons() if data.endswith(":zh"))
    await webhook.post(updates.press(zh, on_message_id=int(language_menu.params["message_id"])))
    mode_menu = fake.calls_to("editMessageText")[-1]
    practice = next(data for _, data in mode_menu.buttons() if data.endswith(":practice"))
    return updates.press(practice, on_message_id=int(mode_menu.params["message_id"]))


def _sessions_of(db: Database) -> list[tuple[str, str]]:
    """(status, speakers joined) of every stored session."""
    with store(db) as s:
        found = s.session.scalars(select(RehearsalSession)).all()
        return [(r.status, ",".join(speaker for speaker, _ in turns_of(db, r.id))) for r in found]


async def test_hint_end_and_the_visit_start_press_are_one_transaction_each(
    db: Database, fake_bot_api: FakeBotAPI
) -> None:
    updates = Updates(user_id=8802)
    app = build_app(telegram_settings(db.url, fake_bot_api, **QUIET))
    async with running(app) as webhook:
        await webhook.post(updates.text("/start"))
        # A first visit, uncounted: what a worker reads once (the scenario's published version)
        # is not the press's own work.
        await webhook.post(await _mode_menu_press(webhook, fake_bot_api, updates))
        await webhook.post(updates.text("/end"))
        press = await _mode_menu_press(webhook, fake_bot_api, updates)
        counts = []
        for update in (press, updates.text("/hint"), updates.text("/end")):
            await webhook.delivered()
            await app.state.dispatcher.stop()  # its own transactions are not the update's
            with counted_transactions(app.state.db.engine) as count:
                assert (await webhook.post(update, delivered=False)).status_code == 200
            counts.append(count[0])
            await app.state.dispatcher.start()
        await webhook.delivered()
    assert counts == [1, 1, 1]  # claim, change and queued answer together, each time
    _first, (status, speakers) = _sessions_of(db)
    assert status == "ended" and speakers.split(",")[:2] == ["customer", "coach"]  # opening, then the hint


@pytest.mark.parametrize("command", ["start press", "/hint", "/end"])
async def test_a_crash_while_queueing_the_answer_undoes_the_claim_and_the_change(
    db: Database, fake_bot_api: FakeBotAPI, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """The queue step fails (as a killed process or a lost database would stop it) after the
    claim and the change were made in the same transaction: nothing is kept, so the update is
    neither claimed-but-unanswered nor, when Telegram delivers it again, done twice."""
    user_id = {"start press": 8803, "/hint": 8804, "/end": 8805}[command]
    updates = Updates(user_id=user_id)
    app = build_app(telegram_settings(db.url, fake_bot_api))
    async with running(app) as webhook:
        if command == "start press":
            await webhook.post(updates.text("/start"))
            update = await _mode_menu_press(webhook, fake_bot_api, updates)
        else:
            await _rep_with_a_visit(app, webhook, updates, user_id)
            update = updates.text(command)
        before = _sessions_of(db)

        def crash(*_args: Any, **_kwargs: Any) -> None:
            raise RuntimeError("killed while queueing the answer")

        monkeypatch.setattr(telegram_commands, "post_answer", crash)
        await webhook.post(update)
        assert _sessions_of(db) == before  # the change was rolled back with the claim
        sent_before = len(fake_bot_api.sent_texts(user_id)) + len(fake_bot_api.calls_to("editMessageText"))
        monkeypatch.undo()
        for _ in range(2):  # Telegram's redelivery, then a duplicate of it
            assert (await webhook.post(update)).status_code == 200
        sent = len(fake_bot_api.sent_texts(user_id)) + len(fake_bot_api.calls_to("editMessageText"))
    after = _sessions_of(db)
    assert sent == sent_before + (2 if command == "start press" else 1)  # answered once
    if command == "start press":
        assert before == [] and [status for status, _ in after] == ["active"]  # one visit
    elif command == "/hint":
        assert after == [("active", "customer,coach")]  # one hint
    else:
        assert before[0][0] == "active" and after[0][0] == "ended"
        assert after[0][1].count("customer") == before[0][1].count("customer") + 1  # one goodbye


async def _flag_press(webhook: Any, fake: FakeBotAPI, updates: Updates) -> tuple[dict[str, Any], str]:
    """A practice visit, one line, the "wrong judgement?" button opened; returns the press that
    stores a flag (not posted yet) and the session id."""
    await begin_rehearsal(webhook, fake, updates, language="zh", mode="practice")
    await webhook.post(updates.text("退货为什么会翻倍呢？"))
    note = fake.calls_to("sendMessage")[-1]
    ((_label, data),) = note.buttons()
    press = decode_flag(data)
    assert press is not None
    await webhook.post(updates.press(data, on_message_id=note.message_id or 0))
    keyboard = fake.calls_to("sendMessage")[-1]
    choice = flag_choice(press.session_id, press.seq, "what_else")
    assert choice in dict(keyboard.buttons()).values()
    return updates.press(choice, on_message_id=keyboard.message_id or 0), press.session_id


def _flags_of(db: Database) -> list[tuple[str, int, str | None]]:
    with store(db) as s:
        return [(f.session_id, f.seq, f.suggested) for f in s.session.scalars(select(JudgementFlag)).all()]


async def test_the_flag_press_is_one_transaction(db: Database, fake_bot_api: FakeBotAPI) -> None:
    updates = Updates(user_id=8806)
    app = build_app(telegram_settings(db.url, fake_bot_api, **QUIET))
    async with running(app) as webhook:
        await webhook.post(updates.text("/start"))
        press, session_id = await _flag_press(webhook, fake_bot_api, updates)
        await webhook.delivered()
        await app.state.dispatcher.stop()  # its own transactions are not the press's
        with counted_transactions(app.state.db.engine) as count:
            assert (await webhook.post(press, delivered=False)).status_code == 200
        await app.state.dispatcher.start()
        await webhook.delivered()
        thanks = fake_bot_api.calls_to("editMessageText")[-1].params["text"]
    assert count == [1]  # the claim, the flag and the queued thanks together
    assert [(s, suggested) for s, _seq, suggested in _flags_of(db)] == [(session_id, "what_else")]
    assert translate("technique.what_else", "zh") in thanks


async def test_a_crash_while_queueing_the_flags_thanks_keeps_no_flag_and_no_claim(
    db: Database, fake_bot_api: FakeBotAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before, the press was claimed in one transaction and the flag stored in another: a crash
    in between left a claimed press with no flag and no thanks, and the redelivery did nothing."""
    updates = Updates(user_id=8807)
    app = build_app(telegram_settings(db.url, fake_bot_api))
    async with running(app) as webhook:
        await webhook.post(updates.text("/start"))
        press, session_id = await _flag_press(webhook, fake_bot_api, updates)

        def crash(*_args: Any, **_kwargs: Any) -> None:
            raise RuntimeError("killed while queueing the answer")

        monkeypatch.setattr(telegram_commands, "post_answer", crash)
        await webhook.post(press)
        flags_after_crash = _flags_of(db)
        edits_before = len(fake_bot_api.calls_to("editMessageText"))
        monkeypatch.undo()
        for _ in range(2):  # Telegram's redelivery, then a duplicate of it
            assert (await webhook.post(press)).status_code == 200
        edits = len(fake_bot_api.calls_to("editMessageText"))
    assert flags_after_crash == []  # rolled back with the claim
    assert [(s, suggested) for s, _seq, suggested in _flags_of(db)] == [(session_id, "what_else")]
    assert edits == edits_before + 1  # thanked once
