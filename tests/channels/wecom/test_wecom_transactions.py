"""WeCom /hint, /end and the pick that starts a visit: the message's claim, the change and the
queued replies in one transaction, as for Telegram (tests/channels/telegram/
test_telegram_transactions.py). Before, each claimed first, acted, then queued: a crash after
the claim left the message claimed and unanswered, and WeCom's retry was ignored."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from test_wecom_rehearsal import SCENARIO, begin_rehearsal, say, turns_of
from transactions import counted_transactions
from wecom_fakes import FakeWeComAPI, Member, build_app, running, wecom_settings

from bot.services import wecom as wecom_service
from bot.storage import Database, RehearsalSession, store


def _sessions_of(db: Database) -> list[tuple[str, str]]:
    """(status, speakers joined) of every stored session."""
    with store(db) as s:
        found = s.session.scalars(select(RehearsalSession)).all()
        return [(r.status, ",".join(speaker for speaker, _ in turns_of(db, r.id))) for r in found]


async def test_hint_and_end_are_one_transaction_each(db: Database, fake_wecom: FakeWeComAPI) -> None:
    member = Member("tx-one")
    app = build_app(wecom_settings(db.url, fake_wecom))
    async with running(app) as callbacks:
        await say(callbacks, fake_wecom, member, "/start", replies=2)
        await begin_rehearsal(callbacks, fake_wecom, member)
        counts = []
        for command in ("/hint", "/end"):
            before = len(fake_wecom.texts(member.userid))
            await app.state.dispatcher.stop()  # its own transactions are not the message's
            with counted_transactions(app.state.db.engine) as count:
                assert (await callbacks.post(member.text(command))).status_code == 200
            counts.append(count[0])
            await app.state.dispatcher.start()
            await fake_wecom.wait_for(member.userid, before + 1)
        hint, card = fake_wecom.texts(member.userid)[-2:]
    assert counts == [1, 1]  # claim, change and queued reply together, each time
    ((status, speakers),) = _sessions_of(db)
    assert status == "ended" and speakers.split(",")[:2] == ["customer", "coach"]  # opening, then the hint
    assert hint.startswith("💡 提示") and card.startswith("📋 评分卡")


@pytest.mark.parametrize("command", ["pick", "/hint", "/end"])
async def test_a_crash_while_queueing_the_reply_undoes_the_claim_and_the_change(
    db: Database, fake_wecom: FakeWeComAPI, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """Queueing the reply fails after the claim and the change: nothing is kept, so WeCom's
    retry of the callback (same MsgId) acts once and is answered once; a second retry nothing."""
    member = Member(f"tx-crash-{command.strip('/')}")
    app = build_app(wecom_settings(db.url, fake_wecom))
    async with running(app) as callbacks:
        await say(callbacks, fake_wecom, member, "/start", replies=2)
        if command == "pick":
            (menu,) = await say(callbacks, fake_wecom, member, "/rehearse")
            number = next(line.split(".")[0] for line in menu.splitlines() if "精密零件" in line)
            await say(callbacks, fake_wecom, member, number)
            message = member.text(f"{number}.1")
        else:
            await begin_rehearsal(callbacks, fake_wecom, member)
            message = member.text(command)
        before = _sessions_of(db)
        sent_before = len(fake_wecom.texts(member.userid))

        def crash(*_args: Any, **_kwargs: Any) -> None:
            raise RuntimeError("killed while queueing the reply")

        monkeypatch.setattr(wecom_service, "_enqueue_texts", crash)
        with pytest.raises(RuntimeError):
            await callbacks.post(message)
        after_crash = _sessions_of(db)
        monkeypatch.undo()
        for _ in range(2):  # WeCom's retry, then another
            assert (await callbacks.post(message)).status_code == 200
        expected = sent_before + (2 if command == "pick" else 1)  # the intro and the opening
        await fake_wecom.wait_for(member.userid, expected, settle=0.5)
        sent = len(fake_wecom.texts(member.userid))
    after = _sessions_of(db)
    assert after_crash == before  # the change was rolled back with the claim
    assert sent == expected  # answered once
    if command == "pick":
        assert before == [] and [(status, speakers.split(",")[0]) for status, speakers in after] == [
            ("active", "customer")
        ]
        with store(db) as s:
            assert s.session.scalars(select(RehearsalSession.scenario_id)).all() == [SCENARIO]
    elif command == "/hint":
        assert after == [("active", "customer,coach")]  # one hint
    else:
        assert before[0][0] == "active" and after[0][0] == "ended"
        assert after[0][1].count("customer") == before[0][1].count("customer") + 1  # one goodbye
