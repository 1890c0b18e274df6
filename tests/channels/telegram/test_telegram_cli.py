"""``coach telegram``: the webhook registration reaches the (fake) Bot API with the right fields."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from telegram_fakes import BOT_TOKEN, WEBHOOK_SECRET, FakeBotAPI

from bot.cli import main
from bot.config import get_settings


@pytest.fixture
def bot_env(monkeypatch: pytest.MonkeyPatch, fake_bot_api: FakeBotAPI) -> Iterator[FakeBotAPI]:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("COACH_TELEGRAM_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setenv("COACH_TELEGRAM_API_BASE", fake_bot_api.base_url)
    get_settings.cache_clear()
    yield fake_bot_api
    get_settings.cache_clear()


def test_set_webhook_sends_secret_and_allowed_updates(bot_env: FakeBotAPI) -> None:
    url = "https://coach.example.com/telegram/webhook"
    result = CliRunner().invoke(main, ["telegram", "set-webhook", url])
    assert result.exit_code == 0, result.output
    (call,) = bot_env.calls_to("setWebhook")
    assert call.params["url"] == url
    assert call.params["secret_token"] == WEBHOOK_SECRET
    assert call.params["allowed_updates"] == ["message", "edited_message", "callback_query"]
    assert "Webhook set" in result.output
    menus = {
        call.params.get("language_code", ""): call.params["commands"]
        for call in bot_env.calls_to("setMyCommands")
    }
    assert set(menus) == {"", "en"}
    assert [c["command"] for c in menus[""]] == [
        "rehearse",
        "hint",
        "score",
        "end",
        "notes",
        "progress",
        "settings",
        "lang",
        "help",
    ]
    assert menus[""][0]["description"] == "选择场景，开始演练"
    assert menus["en"][0]["description"] == "Pick a scenario and start rehearsing"
    assert menus[""][4]["description"] == "经理写给你的教练笔记"
    assert menus["en"][4]["description"] == "Coaching notes from your manager"


def test_info_and_delete_webhook(bot_env: FakeBotAPI) -> None:
    runner = CliRunner()
    runner.invoke(main, ["telegram", "set-webhook", "https://coach.example.com/telegram/webhook"])
    info = runner.invoke(main, ["telegram", "info"])
    assert info.exit_code == 0, info.output
    assert "@coach_test_bot" in info.output
    assert "Webhook URL: https://coach.example.com/telegram/webhook" in info.output
    assert "Allowed updates: message, edited_message, callback_query" in info.output
    deleted = runner.invoke(main, ["telegram", "delete-webhook", "--drop-pending-updates"])
    assert deleted.exit_code == 0, deleted.output
    (call,) = bot_env.calls_to("deleteWebhook")
    assert call.params["drop_pending_updates"] == "true"
    assert "Webhook URL: (none)" in runner.invoke(main, ["telegram", "info"]).output


def test_set_webhook_needs_a_secret(bot_env: FakeBotAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COACH_TELEGRAM_WEBHOOK_SECRET")
    get_settings.cache_clear()
    result = CliRunner().invoke(
        main, ["telegram", "set-webhook", "https://coach.example.com/telegram/webhook"]
    )
    assert result.exit_code != 0 and "COACH_TELEGRAM_WEBHOOK_SECRET" in result.output
    assert bot_env.calls_to("setWebhook") == []


def test_telegram_errors_are_reported(bot_env: FakeBotAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "999:wrong-token")
    get_settings.cache_clear()
    result = CliRunner().invoke(main, ["telegram", "info"])
    assert result.exit_code != 0 and "Telegram refused" in result.output
