"""The bot: a python-telegram-bot ``Application`` in webhook mode, its handlers, and its life cycle.

Handlers find the services and settings in ``bot_data`` (set by ``TelegramChannel.start``). The
blocking work (``handlers.py``, the services) runs in worker threads, so the event loop keeps
serving other updates and the web chat meanwhile. The database is the only state: any worker
can take any update.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from telegram import Update
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)

from bot.channels.text import unreadable
from bot.config import Settings
from bot.services import (
    AssignmentPush,
    CommandsInTransaction,
    LinkedRep,
    NoteList,
    NotePush,
    Outbound,
    Services,
    TelegramLine,
    is_database_unavailable,
)

from . import flags, handlers, visits
from .assignments import assignment_message
from .callbacks import (
    ACTIVE_PATTERN,
    FLAG_PATTERN,
    PICK_PATTERN,
    UI_PATTERN,
    decode_active,
    decode_flag,
    decode_pick,
    decode_ui,
)
from .claims import Rep, Sender, deactivated, for_rep, need_start, run_claimed, run_visit_command
from .delivery import Outgoing, send_html
from .outgoing import outbound
from .sender import TelegramSender
from .texts import both, text, ui_language
from .webhook import handle_webhook, record_error, webhook_router

logger = logging.getLogger(__name__)

PTBApplication = Application[Any, Any, Any, Any, Any, Any]
# What runs in a worker thread for an update: for the rep, or for whoever sent it (None: not linked).
RepAction = Callable[[Rep], list[Outgoing]]
VisitAction = Callable[[Rep, CommandsInTransaction], list[Outgoing]]
Action = Callable[[Rep | None], list[Outgoing]]


def bot_api_urls(settings: Settings) -> tuple[str, str]:
    """The Bot API base URL and file base URL (PTB appends the token to both)."""
    base = settings.telegram_api_base
    root = base[: -len("/bot")] if base.endswith("/bot") else base.rstrip("/")
    return base, f"{root}/file/bot"


def build_application(settings: Settings) -> PTBApplication:
    """PTB in webhook mode (no updater), HTML by default. No rate limiter: pacing and retries
    are the outbox's (docs/outbox.md), which sends each message with one request."""
    if not settings.telegram_bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    base_url, base_file_url = bot_api_urls(settings)
    application: PTBApplication = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token)
        .base_url(base_url)
        .base_file_url(base_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .updater(None)  # webhook only: updates come from our FastAPI route
        .build()
    )
    application.bot_data["settings"] = settings
    register_handlers(application)
    return application


def register_handlers(application: PTBApplication) -> None:
    # Order matters: the first matching handler in the group takes the update.
    # Rehearsals and notes are private: in a group, channel or supergroup the bot only says so.
    application.add_handler(MessageHandler(~filters.ChatType.PRIVATE, _on_group_chat))
    application.add_handler(MessageHandler(filters.UpdateType.EDITED, partial(_reply_once, key="edited")))
    application.add_handler(CommandHandler("start", _on_start))
    application.add_handler(CommandHandler("notes", _on_notes))
    application.add_handler(CommandHandler("progress", _on_progress))
    for name, command in handlers.COMMANDS.items():
        application.add_handler(CommandHandler(name, partial(_on_command, command=command)))
    for name, visit_command in handlers.VISIT_COMMANDS.items():
        application.add_handler(CommandHandler(name, partial(_on_visit_command, command=visit_command)))
    application.add_handler(MessageHandler(filters.COMMAND, partial(_reply_once, key="unknown_command")))
    application.add_handler(MessageHandler(filters.TEXT, _on_text))
    application.add_handler(MessageHandler(filters.ALL, partial(_reply_once, key="unsupported")))
    application.add_handler(CallbackQueryHandler(_on_ui_choice, pattern=UI_PATTERN))
    application.add_handler(CallbackQueryHandler(_on_pick, pattern=PICK_PATTERN))
    application.add_handler(CallbackQueryHandler(_on_flag, pattern=FLAG_PATTERN))
    application.add_handler(CallbackQueryHandler(_on_active_choice, pattern=ACTIVE_PATTERN))
    application.add_handler(CallbackQueryHandler(_on_expired_choice))
    application.add_error_handler(_on_error)


def _services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    found: Services | None = context.bot_data.get("services")
    if found is None:
        raise RuntimeError("TelegramChannel.start() has not been called")
    return found


def _settings(context: ContextTypes.DEFAULT_TYPE) -> Settings:
    settings: Settings = context.bot_data["settings"]
    return settings


def _sender(update: Update) -> Sender | None:
    user, chat = update.effective_user, update.effective_chat
    if user is None:
        return None
    query = update.callback_query
    pressed = query.message.message_id if query is not None and query.message is not None else None
    chat_id = chat.id if chat is not None else None
    return Sender(update.update_id, user.id, user.language_code, chat_id, pressed)


async def _claimed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, action: Action, *, claim_first: bool
) -> bool:
    """Run ``action(rep)`` in a worker thread and queue its answer, once per update (see
    ``claims.py``). False: a redelivery."""
    sender = _sender(update)
    if sender is None:
        return False
    run = partial(
        run_claimed, _services(context), _settings(context), sender, action, claim_first=claim_first
    )
    acted: bool = await asyncio.to_thread(run)
    return acted


# -- PTB callbacks -----------------------------------------------------------------------------


async def _on_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, *, command: handlers.Command
) -> None:
    sender, services, args = _sender(update), _services(context), list(context.args or [])
    if sender is None:
        return
    action = for_rep(lambda rep: command(rep, args, services), sender, _settings(context))
    await _claimed(update, context, action, claim_first=False)


async def _on_visit_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, *, command: handlers.VisitCommand
) -> None:
    """/hint and /end: claimed, done and answered in one transaction."""
    sender, args = _sender(update), list(context.args or [])
    if sender is None:
        return
    run = partial(
        run_visit_command,
        _services(context),
        _settings(context),
        sender,
        lambda rep, visits: command(rep, args, visits),
    )
    await asyncio.to_thread(run)


async def _on_progress(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/progress: the rep's score trend, weakest technique and what to practise next."""
    sender, services, settings = _sender(update), _services(context), _settings(context)
    if sender is None:
        return
    action = for_rep(lambda rep: visits.progress_command(rep, [], services, settings), sender, settings)
    await _claimed(update, context, action, claim_first=False)


async def _on_active_choice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """ "Continue it" or "end it and start another" under the visit-in-progress message."""
    press = decode_active(_callback_data(update))
    services = _services(context)
    if press is None:
        await _on_expired_choice(update, context)
        return
    await _answer_press(update, context, lambda rep: visits.answer_active(rep, press, services), press.end)


async def _on_notes(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/notes: claimed, listed and queued in one transaction; read once delivered."""
    sender, services, settings = _sender(update), _services(context), _settings(context)
    if sender is None or sender.chat_id is None:
        return

    def reply(linked: LinkedRep | None, found: NoteList) -> list[Outbound]:
        rep = Rep.of(linked)
        if rep is None:
            return outbound(need_start(sender, settings))
        return outbound(handlers.notes(rep, found) if rep.active else deactivated(rep))

    await asyncio.to_thread(
        services.coaching.telegram_notes, sender.update_id, sender.telegram_user_id, sender.chat_id, reply
    )


async def _on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    guessed = ui_language(user.language_code, _settings(context).default_lang)
    # Linked or created, claimed, and the welcome queued: one transaction.
    await asyncio.to_thread(
        partial(
            _services(context).accounts.telegram_start,
            update.update_id,
            user.id,
            chat.id,
            full_name=user.full_name,
            language=guessed,
            code=context.args[0] if context.args else None,
            reply=lambda done: outbound(handlers.start_reply(done, guessed)),
        )
    )


async def _on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Plain text: a rep line in the rep's active session, whichever channel started it."""
    sender, message = _sender(update), update.effective_message
    if sender is None or message is None or message.text is None:
        return
    if unreadable(message.text):
        # NUL and other control characters, or nothing visible: not a line anyone meant to say;
        # a polite word, and nothing stored (the webhook still answers 200).
        await _reply_once(update, context, key="unreadable_text")
        return
    services, settings = _services(context), _settings(context)

    def reply(line: TelegramLine) -> list[Outbound]:
        return outbound(handlers.line_reply(line, sender, services, settings))

    # One transaction: the rep, the active session, the claim, the turn and its queued reply.
    # The webhook answers once it commits; the outbox delivers the reply.
    await asyncio.to_thread(
        partial(
            services.rehearsals.telegram_line,
            sender.telegram_user_id,
            sender.update_id,
            message.text,
            chat_id=sender.chat_id,
            reply=reply,
        )
    )


async def _on_group_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any message in a group: the bot works in private chats only. Nothing is claimed or
    stored for the group or its members (no user, rehearsal or note), only the notice queued in
    the outbox; a redelivered update may be answered twice, which Telegram only does after a
    failed delivery."""
    user, chat = update.effective_user, update.effective_chat
    if chat is None:
        return
    language = ui_language(user.language_code if user else None, _settings(context).default_lang)
    notice = outbound([Outgoing(text("private_only", language))])
    await asyncio.to_thread(_services(context).telegram.notice, chat.id, notice)


def _in_private_chat(update: Update) -> bool:
    chat = update.effective_chat
    return chat is None or chat.type == ChatType.PRIVATE


async def _on_ui_choice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    language = decode_ui(_callback_data(update))
    services = _services(context)
    if language is None:
        await _on_expired_choice(update, context)
        return
    await _answer_press(update, context, lambda rep: handlers.choose_ui(rep, language, services), False)


async def _on_pick(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    pick = decode_pick(_callback_data(update))
    services = _services(context)
    if pick is None:
        await _on_expired_choice(update, context)
        return
    if pick.starts_visit:  # the last step starts the visit: claim, start and answer together
        await _answer_press(update, context, visit=lambda rep, visits: handlers.choose(rep, pick, visits))
        return
    await _answer_press(update, context, lambda rep: handlers.choose(rep, pick, services.rehearsals), False)


async def _on_flag(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """ "Wrong judgement?" under a coach's note: open the techniques, or store the flag."""
    press = decode_flag(_callback_data(update))
    if press is None:
        await _on_expired_choice(update, context)
        return
    if not press.chosen:  # opening the keyboard changes nothing
        await _answer_press(update, context, lambda rep: flags.open_flag(rep, press), False)
        return
    # Storing the flag: the claim, the flag and the thanks in one transaction.
    await _answer_press(update, context, visit=lambda rep, commands: flags.store_flag(rep, press, commands))


async def _on_expired_choice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _answer_press(update, context, handlers.expired, False)


def _callback_data(update: Update) -> str:
    return (update.callback_query.data if update.callback_query else None) or ""


async def _answer_press(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    action: RepAction | None = None,
    claim_first: bool = False,
    *,
    visit: VisitAction | None = None,
) -> None:
    """Answer a button press once; ``visit`` (instead of ``action``) changes the visit in the
    press's one transaction."""
    sender, query = _sender(update), update.callback_query
    if sender is None or query is None:
        return
    if not _in_private_chat(update):  # a button under a message in a group: nothing happens
        with contextlib.suppress(TelegramError):
            await query.answer()
        await _on_group_chat(update, context)
        return
    if visit is not None:
        run = partial(run_visit_command, _services(context), _settings(context), sender, visit)
        acted: bool = await asyncio.to_thread(run)
    elif action is not None:
        acted = await _claimed(
            update, context, for_rep(action, sender, _settings(context)), claim_first=claim_first
        )
    else:
        raise TypeError("_answer_press needs an action or a visit action")
    if not acted:
        return  # a redelivery: the first delivery answered the query already
    try:
        await query.answer()  # stops the button's spinner; the answer itself is queued
    except TelegramError as error:
        logger.info("Could not answer a callback query (%s); the reply is queued anyway", error)


async def _reply_once(update: Update, context: ContextTypes.DEFAULT_TYPE, *, key: str) -> None:
    """A fixed reply that changes nothing, sent once however often Telegram delivers."""
    user = update.effective_user
    if user is None:
        return
    default = ui_language(user.language_code, _settings(context).default_lang)

    def build(rep: Rep | None) -> list[Outgoing]:
        return [Outgoing(text(key, rep.lang if rep else default))]

    await _claimed(update, context, build, claim_first=False)


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """PTB hands handler exceptions here; remember them for the webhook's status code."""
    error = context.error
    record_error(error)
    if is_database_unavailable(error):
        # Telegram will redeliver after our 503; the retry answers the user.
        logger.warning("Database unavailable while handling a Telegram update: %s", error)
        return
    logger.error("Error while handling a Telegram update", exc_info=error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await send_html(context.bot, update.effective_chat.id, both("error"))
        except Exception:
            logger.warning("Could not tell the user about the error", exc_info=True)


# -- the channel -----------------------------------------------------------------------------


class TelegramChannel:
    """The bot: build it with the settings, include ``router``, then ``start`` it with the services."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.application = build_application(settings)
        self._running = False
        self._stopped = False
        self._start_lock = asyncio.Lock()
        self.router = webhook_router(self.handle_webhook)

    async def start(self, services: Services) -> None:
        """Hand the services to the handlers and start PTB (which calls getMe once).

        If the Bot API cannot be reached now, the server still starts (the web chat does not
        need Telegram); the webhook answers 503 and tries again with the next update.
        """
        self.application.bot_data["services"] = services
        services.coaching.announce_notes(self._announce)
        services.assignments.announce_with(self._announce_assignment)
        if not self.settings.telegram_webhook_secret:
            logger.warning("COACH_TELEGRAM_WEBHOOK_SECRET is not set: every webhook call will get 403")
        await self._ensure_running()

    async def _ensure_running(self) -> bool:
        if self._running:
            return True
        async with self._start_lock:
            if self._running or self._stopped:
                return self._running
            try:
                await self.application.initialize()
                await self.application.start()
            except TelegramError as error:  # network trouble, a revoked token...
                logger.error("Telegram Bot API not reachable (%s); retrying with the next update", error)
                return False
            self._running = True
            return True

    async def stop(self) -> None:
        """Stop PTB and close its HTTP connections."""
        async with self._start_lock:
            self._stopped = True
            if not self._running:
                return
            self._running = False
            await self.application.stop()
            await self.application.shutdown()

    async def handle_webhook(self, request: Request) -> JSONResponse:
        return await handle_webhook(request, self.settings, self.application, self._ensure_running)

    def sender(self) -> TelegramSender:
        """The outbox's sender for this bot (it starts the bot first if it is not up yet)."""
        return TelegramSender(lambda: self.application.bot, self._ensure_running)

    def _announce(self, push: NotePush) -> list[Outbound]:
        """A manager's new note, worded for the rep's chats (queued with the note by the service)."""
        html = handlers.pushed_note(push.note, ui_language(push.language, self.settings.default_lang))
        return outbound([Outgoing(html)])

    def _announce_assignment(self, push: AssignmentPush) -> list[Outbound]:
        """A new assignment or its reminder, worded for the rep's chats (queued by the service)."""
        lang = ui_language(push.language, self.settings.default_lang)
        return outbound([Outgoing(assignment_message(push, lang))])


__all__ = ["TelegramChannel", "bot_api_urls", "build_application", "register_handlers"]
