"""Settings read from environment variables (and an optional ``.env`` file)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TELEGRAM_API_BASE = "https://api.telegram.org/bot"
DEFAULT_WECOM_API_BASE = "https://qyapi.weixin.qq.com/cgi-bin"


def _default_database_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'var' / 'coach.sqlite3'}"


class Settings(BaseSettings):
    """Runtime configuration. Every field maps to ``COACH_<NAME>`` unless an alias says otherwise."""

    model_config = SettingsConfigDict(
        env_prefix="COACH_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field(default_factory=_default_database_url)
    secret_key: str = "dev-insecure-change-me"
    default_lang: str = "zh"
    dialogues_dir: Path = PROJECT_ROOT / "dialogues"
    questionbank_dir: Path = PROJECT_ROOT / "questionbank"
    telegram_bot_token: str | None = Field(default=None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_webhook_secret: str | None = None
    telegram_api_base: str = DEFAULT_TELEGRAM_API_BASE
    max_message_chars: int = 2000
    demo_accounts: bool = True
    # A claimed outbox message whose worker died is sent again after this many seconds; longer
    # than a send may take (docs/outbox.md). Delivered outbox rows are kept this many days.
    outbox_lease_seconds: float = Field(default=60.0, ge=2)
    outbox_retention_days: int = Field(default=7, ge=1)
    # Outbox pacing (docs/outbox.md), shared by all workers through the database. Telegram allows
    # about 30 messages a second per bot and about one a second per chat.
    telegram_rate: float = Field(default=30.0, gt=0)
    telegram_chat_rate: float = Field(default=1.0, gt=0)
    telegram_chat_burst: int = Field(default=3, ge=1)
    # The address people use, e.g. https://coach.example.com: https turns on Secure cookies and
    # HSTS, and its origin is accepted by the cross-site check (behind a proxy that rewrites Host).
    public_url: str | None = None
    # Proxies whose X-Forwarded-For/-Proto are believed (uvicorn --forwarded-allow-ips); none
    # by default, so a client cannot pick its own address for the sign-in throttle.
    forwarded_allow_ips: str = ""
    # Threads per worker process that run database work (a web turn, a page's reads): anyio's
    # default is 40. More threads than this do not add throughput on one core; they contend for
    # the GIL on every network wait of a PostgreSQL turn (docs/benchmarks.md, fifth round).
    worker_threads: int = Field(default=8, ge=1, le=200)
    # Password checks at once per process (64 MiB each); more are answered 429 straight away.
    # None: half the cores, 1 to 4 (bot.passwords.DEFAULT_CONCURRENT_CHECKS).
    password_checks_max: int | None = Field(default=None, ge=1)
    sign_in_failures_per_login: int = Field(default=10, ge=1)
    sign_in_failures_per_address: int = Field(default=50, ge=1)
    sign_in_window_seconds: int = Field(default=300, ge=1)
    session_days: int = Field(default=14, ge=1)
    # Assignments: the reminder goes out this many hours before the due date; each worker checks
    # for reminders to queue this often (docs/coaching.md).
    assignment_reminder_hours: float = Field(default=24.0, gt=0)
    assignment_check_seconds: float = Field(default=300.0, gt=0)
    # `coach prune` keeps ended sign-in sessions and handled message ids this long.
    retention_days: int = Field(default=30, ge=1)
    # `coach prune` removes the lines of visits older than this many days (scores, scorecards
    # and technique counts stay); None, the default: transcripts are kept.
    transcript_retention_days: int | None = Field(default=None, ge=1)
    # A visit nobody has written in for this long is closed as abandoned, with its partial
    # scorecard (0 keeps idle visits open for ever).
    idle_close_hours: float = Field(default=24.0, ge=0)
    log_format: Literal["json", "text"] = "json"
    # WeCom (企业微信) self-built application (docs/wecom.md); the channel is off without them.
    wecom_corp_id: str | None = None
    wecom_agent_id: int | None = None
    wecom_secret: str | None = None
    wecom_token: str | None = None
    wecom_aes_key: str | None = None
    wecom_api_base: str = DEFAULT_WECOM_API_BASE
    # WeCom lets an application send a member about 30 messages a minute.
    wecom_rate: float = Field(default=20.0, gt=0)
    wecom_chat_rate: float = Field(default=0.5, gt=0)
    wecom_chat_burst: int = Field(default=5, ge=1)
    # Seconds to wait after WeCom's "API rate limit" (45009); it counts calls per minute.
    wecom_rate_limit_wait: float = Field(default=60.0, ge=0)

    @field_validator("default_lang")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in ("zh", "en"):
            raise ValueError("COACH_DEFAULT_LANG must be 'zh' or 'en'")
        return value

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_bot_token)

    @property
    def wecom_enabled(self) -> bool:
        """All five WeCom values are set (docs/wecom.md)."""
        values = (self.wecom_corp_id, self.wecom_agent_id, self.wecom_secret, self.wecom_token)
        return all(value not in (None, "") for value in values) and bool(self.wecom_aes_key)


# The published default (the field default itself): fine on this machine, refused elsewhere.
DEFAULT_SECRET: str = Settings.model_fields["secret_key"].default


def uses_default_secret(settings: Settings) -> bool:
    return settings.secret_key == DEFAULT_SECRET


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) only serves this machine."""
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def demo_accounts_allowed(settings: Settings, host: str) -> bool:
    """Demo accounts belong to the local development set-up only: the README's start command
    on a loopback address with the default secret. A server with its own secret is a real
    deployment and gets no accounts nobody asked for."""
    return settings.demo_accounts and uses_default_secret(settings) and is_loopback(host)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
