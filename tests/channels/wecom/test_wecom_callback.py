"""The WeCom callback URL: verification, signatures, non-text messages, sending rules.

Callbacks are encrypted by the test with WeCom's algorithm (wecom_fakes.py) and posted to the
real app; replies are read from the fake WeCom API; SQLite and PostgreSQL.
"""

from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy import func, select
from wecom_fakes import (
    CALLBACK,
    CORP_ID,
    FakeWeComAPI,
    Member,
    build_app,
    decrypt,
    running,
    verification,
    wecom_settings,
)

from bot.channels.wecom.splitting import WECOM_MAX_BYTES, split_text
from bot.channels.wecom.texts import text
from bot.config import Settings
from bot.storage import Database, ProcessedMessage, User, store


def _count(db: Database, model: type) -> int:
    with store(db) as s:
        return int(s.session.scalar(select(func.count()).select_from(model)) or 0)


async def test_url_verification_answers_the_decrypted_echostr(db: Database, fake_wecom: FakeWeComAPI) -> None:
    async with running(build_app(wecom_settings(db.url, fake_wecom))) as app:
        good = verification("echo-5927161836")
        answered = await app.client.get(CALLBACK, params=good)
        forged = {**good, "msg_signature": "0" * 40}
        refused = await app.client.get(CALLBACK, params=forged)
        missing = await app.client.get(CALLBACK, params={k: v for k, v in good.items() if k != "echostr"})
    assert answered.status_code == 200 and answered.text == "echo-5927161836"
    assert refused.status_code == 403 and missing.status_code == 403
    # The echostr really is WeCom's envelope: our corp id inside.
    assert decrypt(good["echostr"]) == ("echo-5927161836", CORP_ID)


async def test_a_bad_signature_is_refused_and_nothing_is_stored(
    db: Database, fake_wecom: FakeWeComAPI
) -> None:
    member = Member("forger")
    async with running(build_app(wecom_settings(db.url, fake_wecom))) as app:
        callback = member.text("/start")
        forged = {**callback.query, "msg_signature": "f" * 40}
        refused = await app.client.post(f"{CALLBACK}?{urlencode(forged)}", content=callback.body)
        unsigned = await app.client.post(CALLBACK, content=callback.body)
        # Signed with another application's token: as bad as no signature.
        other = Member("forger").text("/start")
        wrong_key = await app.client.post(
            f"{CALLBACK}?{urlencode({**other.query, 'timestamp': '1'})}", content=other.body
        )
    assert (refused.status_code, unsigned.status_code, wrong_key.status_code) == (403, 403, 403)
    assert _count(db, ProcessedMessage) == 0 and _count(db, User) == 0
    assert fake_wecom.state.sent == [] and fake_wecom.state.tokens_issued == 0


async def test_start_creates_a_rep_and_non_text_gets_a_polite_reply(
    db: Database, fake_wecom: FakeWeComAPI
) -> None:
    member = Member("zhangsan")
    async with running(build_app(wecom_settings(db.url, fake_wecom))) as app:
        assert (await app.post(member.text("/start"))).status_code == 200
        welcome = await fake_wecom.wait_for("zhangsan", 2)
        picture = member.image()
        assert (await app.post(picture)).status_code == 200
        assert (await app.post(picture)).status_code == 200  # WeCom's retry: no second reply
        await app.post(member.text("/nonsense"))
        await app.post(member.text("\u200b\u200b"))  # nothing visible: not a line
        texts = await fake_wecom.wait_for("zhangsan", 5)
    assert "zhangsan" in welcome[0] and "/rehearse" in welcome[1]
    assert "<" not in welcome[1]  # plain text: no Telegram HTML left
    assert texts[2] == text("unsupported", "zh") and texts[3] == text("unknown_command", "zh")
    assert texts[4] == text("unreadable_text", "zh")
    assert _count(db, User) == 1


async def test_unlinked_member_is_asked_to_start(db: Database, fake_wecom: FakeWeComAPI) -> None:
    async with running(build_app(wecom_settings(db.url, fake_wecom))) as app:
        await app.post(Member("stranger").text("您好"))
        texts = await fake_wecom.wait_for("stranger", 1)
    assert texts == [text("need_start", "zh")]


async def test_expired_token_is_refreshed_and_the_send_retried(
    db: Database, fake_wecom: FakeWeComAPI
) -> None:
    member = Member("lisi")
    async with running(build_app(wecom_settings(db.url, fake_wecom))) as app:
        await app.post(member.text("/start"))
        await fake_wecom.wait_for("lisi", 2)
        fake_wecom.expire_tokens()
        await app.post(member.text("/help"))
        texts = await fake_wecom.wait_for("lisi", 3)
        fake_wecom.fail_next(42001)  # WeCom says expired although we think it fresh
        await app.post(member.text("/lang"))
        texts = await fake_wecom.wait_for("lisi", 4)
    assert len(texts) == 4 and texts[3] == text("lang_choose", "zh")
    assert fake_wecom.state.tokens_issued == 3
    assert [s.token for s in fake_wecom.state.sent] == ["token-1", "token-1", "token-2", "token-3"]


async def test_api_rate_limit_backs_off_then_delivers_once(db: Database, fake_wecom: FakeWeComAPI) -> None:
    member = Member("wangwu")
    async with running(build_app(wecom_settings(db.url, fake_wecom))) as app:
        await app.post(member.text("/start"))
        await fake_wecom.wait_for("wangwu", 2)
        fake_wecom.fail_next(45009, 45009)
        await app.post(member.text("/help"))
        texts = await fake_wecom.wait_for("wangwu", 3, settle=0.5)
    attempts = fake_wecom.state.sends[-3:]
    assert [code for _, code in attempts] == [45009, 45009, 0]
    # Waited (COACH_WECOM_RATE_LIMIT_WAIT, 0.2 s here) between the attempts, not hammered.
    assert attempts[1][0] - attempts[0][0] >= 0.15 and attempts[2][0] - attempts[1][0] >= 0.15
    assert texts.count(text("help", "zh")) == 2  # the welcome's and /help's, each once


def test_long_replies_split_within_wecoms_byte_limit() -> None:
    scorecard_like = "\n".join(
        f"第{n}行：继续追问客户退货的根本原因，为什么会在终检才发现？" for n in range(120)
    )
    pieces = split_text(scorecard_like)
    assert len(pieces) > 1
    assert all(len(piece.encode()) <= WECOM_MAX_BYTES for piece in pieces)
    assert "\n".join(pieces) == scorecard_like  # cut at line ends, nothing lost
    assert all(len(p.encode()) <= WECOM_MAX_BYTES for p in split_text("长" * 3000))


def test_channel_is_off_without_its_settings(database_url: str) -> None:
    settings = Settings(database_url=database_url, wecom_corp_id=CORP_ID, demo_accounts=False)
    assert not settings.wecom_enabled
    from bot.app import create_app

    assert create_app(settings).state.wecom is None
