"""``coach telegram``: register, inspect and remove the bot's webhook with Telegram."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click
from telegram import Bot, BotCommand
from telegram.error import TelegramError

from bot.channels.telegram import ALLOWED_UPDATES, WEBHOOK_PATH, bot_api_urls
from bot.channels.telegram.texts import COMMAND_MENU
from bot.config import Settings, get_settings

from . import main

T = TypeVar("T")


def _settings_with_token() -> Settings:
    settings = get_settings()
    if not settings.telegram_bot_token:
        raise click.ClickException("TELEGRAM_BOT_TOKEN is not set (the token BotFather gave you).")
    return settings


def _with_bot(settings: Settings, call: Callable[[Bot], Awaitable[T]]) -> T:
    """Run one Bot API call against COACH_TELEGRAM_API_BASE and close the connection."""
    base_url, base_file_url = bot_api_urls(settings)

    async def run() -> T:
        async with Bot(
            settings.telegram_bot_token or "", base_url=base_url, base_file_url=base_file_url
        ) as bot:
            return await call(bot)

    try:
        return asyncio.run(run())
    except TelegramError as error:
        raise click.ClickException(f"Telegram refused: {error.message}") from error


@main.group()
def telegram() -> None:
    """Manage the Telegram bot's webhook."""


@telegram.command("set-webhook")
@click.argument("url")
@click.option("--drop-pending-updates", is_flag=True, help="Discard updates Telegram queued meanwhile.")
def set_webhook(url: str, drop_pending_updates: bool) -> None:
    """Tell Telegram to POST updates to URL (https://HOST/telegram/webhook).

    Telegram signs each call with COACH_TELEGRAM_WEBHOOK_SECRET and sends only the update types
    the bot handles. The bot's command menu is set too (Chinese, and English for English clients).
    """
    settings = _settings_with_token()
    secret = settings.telegram_webhook_secret
    if not secret:
        raise click.ClickException(
            "COACH_TELEGRAM_WEBHOOK_SECRET is not set; choose one (1-256 of A-Z a-z 0-9 _ -), "
            'e.g. python -c "import secrets; print(secrets.token_urlsafe(32))"'
        )
    if not url.startswith("https://"):
        click.echo("Warning: Telegram only delivers webhooks to https:// URLs.", err=True)
    if not url.rstrip("/").endswith(WEBHOOK_PATH):
        click.echo(f"Warning: the bot listens on {WEBHOOK_PATH}; is the URL right?", err=True)

    async def register(bot: Bot) -> None:
        await bot.set_webhook(
            url,
            secret_token=secret,
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=drop_pending_updates,
        )
        # The command menu: Chinese by default, English for clients set to English.
        for language_code, lang in (("", "zh"), ("en", "en")):
            commands = [BotCommand(name, texts[lang]) for name, texts in COMMAND_MENU.items()]
            await bot.set_my_commands(commands, language_code=language_code or None)

    _with_bot(settings, register)
    click.echo(f"Webhook set to {url} (updates: {', '.join(ALLOWED_UPDATES)}).")


@telegram.command("delete-webhook")
@click.option("--drop-pending-updates", is_flag=True, help="Discard updates Telegram queued meanwhile.")
def delete_webhook(drop_pending_updates: bool) -> None:
    """Stop Telegram from sending updates to the webhook."""
    settings = _settings_with_token()
    _with_bot(settings, lambda bot: bot.delete_webhook(drop_pending_updates=drop_pending_updates))
    click.echo("Webhook deleted.")


@telegram.command("info")
def info() -> None:
    """Show the bot and its webhook as Telegram sees them."""
    settings = _settings_with_token()

    async def fetch(bot: Bot) -> list[str]:
        me = bot.bot
        webhook = await bot.get_webhook_info()
        lines = [
            f"Bot: @{me.username} ({me.first_name}, id {me.id})",
            f"Webhook URL: {webhook.url or '(none)'}",
            f"Pending updates: {webhook.pending_update_count}",
        ]
        if webhook.allowed_updates:
            lines.append(f"Allowed updates: {', '.join(webhook.allowed_updates)}")
        if webhook.last_error_message:
            lines.append(f"Last error: {webhook.last_error_message} at {webhook.last_error_date}")
        return lines

    for line in _with_bot(settings, fetch):
        click.echo(line)
