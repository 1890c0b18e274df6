"""``coach users set-password / deactivate / activate``, ``coach prune`` and ``coach serve``'s
start checks, on both databases where rows are involved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.channels.web.security import DEFAULT_SECRET
from bot.cli import main
from bot.config import demo_accounts_allowed, get_settings
from bot.passwords import password_problem, verify_password
from bot.services import AccountService, web_sessions
from bot.services.outbox import enqueue
from bot.storage import Database, store
from bot.storage.accounts import AccountRepository
from bot.storage.models import LinkCode, OutboxMessage, ProcessedMessage, WebSession, utcnow


def _rep(db: Database, login: str = "lin") -> int:
    with store(db, write=True) as s:
        return s.users.create(login, login=login).id


def test_set_password_applies_the_policy_and_ends_sessions(db: Database) -> None:
    uid = _rep(db)
    token = web_sessions.issue(db, uid)
    runner = CliRunner()
    weak = runner.invoke(main, ["users", "set-password", "lin", "--password", "a", "--database-url", db.url])
    assert weak.exit_code != 0 and "at least 10" in weak.output and "密码" in weak.output
    assert web_sessions.read(db, token) is not None
    ok = runner.invoke(
        main, ["users", "set-password", "lin", "--password", "salt-river-17", "--database-url", db.url]
    )
    assert ok.exit_code == 0, ok.output
    assert web_sessions.read(db, token) is None
    with store(db) as s:
        user = s.users.get(uid)
        assert user is not None and verify_password(user.password_hash, "salt-river-17")
    unknown = runner.invoke(
        main, ["users", "set-password", "nobody", "--password", "salt-river-17", "--database-url", db.url]
    )
    assert unknown.exit_code != 0 and "no user" in unknown.output


def test_deactivate_ends_sessions_and_activate_lets_them_sign_in_again(db: Database) -> None:
    uid = _rep(db)
    token = web_sessions.issue(db, uid)
    runner = CliRunner()
    result = runner.invoke(main, ["users", "deactivate", "lin", "--database-url", db.url])
    assert result.exit_code == 0 and "1 web session(s) ended" in result.output
    assert web_sessions.read(db, token) is None
    assert runner.invoke(main, ["users", "activate", "lin", "--database-url", db.url]).exit_code == 0
    assert web_sessions.read(db, web_sessions.issue(db, uid)) is not None


def test_prune_removes_only_what_retention_allows(db: Database) -> None:
    uid = _rep(db)
    old, now = utcnow() - timedelta(days=40), utcnow()
    live_token = web_sessions.issue(db, uid)
    with db.session(write=True) as s:
        accounts = AccountRepository(s)
        accounts.add_session("expired-long-ago", uid, expires_at=old, user_agent=None)
        accounts.add_session("expired-yesterday", uid, expires_at=now - timedelta(days=1), user_agent=None)
        s.add_all(
            [
                LinkCode(code="USED", user_id=uid, expires_at=now + timedelta(minutes=5), used_at=now),
                LinkCode(code="FRESH", user_id=uid, expires_at=now + timedelta(minutes=5)),
                ProcessedMessage(channel="telegram", external_id="1", created_at=old),
                ProcessedMessage(channel="telegram", external_id="2", created_at=now),
            ]
        )
    result = CliRunner().invoke(main, ["prune", "--database-url", db.url])
    assert result.exit_code == 0, result.output
    assert "web_sessions: 1 removed" in result.output
    with db.session() as s:
        assert sorted(s.scalars(select(WebSession.id)).all()) == sorted(
            ["expired-yesterday", web_sessions.session_id_of(live_token)]
        )
        assert s.scalars(select(LinkCode.code)).all() == ["FRESH"]
        assert s.scalar(select(func.count()).select_from(ProcessedMessage)) == 1


def test_prune_removes_settled_outbox_rows_past_retention_and_never_pending_ones(db: Database) -> None:
    old = utcnow() - timedelta(days=10)
    with store(db, write=True) as s:
        for n in range(6):
            enqueue(s, channel="telegram", chat_key="5", payload={"text": str(n)})
    with db.session(write=True) as s:
        rows = s.scalars(select(OutboxMessage).order_by(OutboxMessage.seq)).all()
        for row, status in zip(
            rows, ["sent", "failed", "blocked", "pending", "sending", "sent"], strict=True
        ):
            row.status = status
            row.created_at = old
            row.sent_at = old if status == "sent" else None
        rows[-1].sent_at = utcnow()  # delivered today: kept
    result = CliRunner().invoke(main, ["prune", "--database-url", db.url])
    assert result.exit_code == 0, result.output
    assert "outbox_messages: 3 removed" in result.output
    with db.session() as s:
        assert s.scalars(select(OutboxMessage.status).order_by(OutboxMessage.seq)).all() == [
            "pending",
            "sending",
            "sent",
        ]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_serve_refuses_the_default_secret_off_loopback(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COACH_DATABASE_URL", database_url)
    monkeypatch.delenv("COACH_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code != 0
    assert "COACH_SECRET_KEY is the public default" in result.output


def test_demo_accounts_only_for_the_local_default_setup_with_policy_passwords(db: Database) -> None:
    settings = get_settings().model_copy(update={"database_url": db.url, "demo_accounts": True})
    assert demo_accounts_allowed(settings.model_copy(update={"secret_key": DEFAULT_SECRET}), "127.0.0.1")
    assert not demo_accounts_allowed(settings.model_copy(update={"secret_key": "a-real-secret"}), "127.0.0.1")
    assert not demo_accounts_allowed(settings.model_copy(update={"secret_key": DEFAULT_SECRET}), "0.0.0.0")
    created = AccountService(db).ensure_demo_accounts(settings)
    assert {a.login for a in created} == {"demo", "manager", "trainer"}
    assert all(password_problem(a.password) is None for a in created)
    assert len({a.password for a in created}) == 3
    assert (
        AccountService(db).ensure_demo_accounts(settings) == []
    )  # shown once: the second start says nothing


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_serve_trusts_no_proxy_unless_named_and_logs_json(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    runs: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: runs.append(kwargs))
    monkeypatch.setenv("COACH_DATABASE_URL", database_url)
    monkeypatch.setenv("COACH_DEMO_ACCOUNTS", "false")
    get_settings.cache_clear()
    try:
        assert CliRunner().invoke(main, ["serve"]).exit_code == 0
        named = CliRunner().invoke(main, ["serve", "--forwarded-allow-ips", "10.0.0.5"])
        assert named.exit_code == 0, named.output
    finally:
        get_settings.cache_clear()
    default, proxied = runs
    # uvicorn's own default trusts X-Forwarded-For from 127.0.0.1: a local client could pick
    # any address for the sign-in throttle.
    assert default["proxy_headers"] is False and default["forwarded_allow_ips"] is None
    assert proxied["proxy_headers"] is True and proxied["forwarded_allow_ips"] == "10.0.0.5"
    log_config = default["log_config"]
    assert isinstance(log_config, dict) and "JsonFormatter" in str(log_config["formatters"])
