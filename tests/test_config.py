from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import DEFAULT_TELEGRAM_API_BASE, PROJECT_ROOT, Settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "COACH_DATABASE_URL",
        "COACH_DEFAULT_LANG",
        "TELEGRAM_BOT_TOKEN",
        "COACH_TELEGRAM_API_BASE",
        "COACH_SECRET_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults() -> None:
    settings = Settings()
    assert settings.database_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'coach.sqlite3'}"
    assert settings.default_lang == "zh"
    assert settings.telegram_api_base == DEFAULT_TELEGRAM_API_BASE
    assert not settings.telegram_enabled


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("COACH_TELEGRAM_API_BASE", "http://127.0.0.1:9999/bot")
    monkeypatch.setenv("COACH_DEFAULT_LANG", "en")
    settings = Settings()
    assert settings.database_url == "postgresql://u@h/db"
    assert settings.telegram_enabled and settings.telegram_bot_token == "123:abc"
    assert settings.telegram_api_base == "http://127.0.0.1:9999/bot"
    assert settings.default_lang == "en"


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("COACH_SECRET_KEY=from-dotenv\n", encoding="utf-8")
    assert Settings().secret_key == "from-dotenv"


def test_unknown_language_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_DEFAULT_LANG", "fr")
    with pytest.raises(ValidationError, match="must be 'zh' or 'en'"):
        Settings()


def test_outbox_pacing_defaults_and_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.services.outbox import Pacing

    assert Pacing.telegram(Settings()) == Pacing(rate=30, chat_rate=1.0, chat_burst=3)
    monkeypatch.setenv("COACH_TELEGRAM_RATE", "20")
    monkeypatch.setenv("COACH_TELEGRAM_CHAT_RATE", "0.5")
    monkeypatch.setenv("COACH_TELEGRAM_CHAT_BURST", "5")
    assert Pacing.telegram(Settings()) == Pacing(rate=20, chat_rate=0.5, chat_burst=5)
    monkeypatch.setenv("COACH_TELEGRAM_CHAT_RATE", "0")
    with pytest.raises(ValidationError):
        Settings()
