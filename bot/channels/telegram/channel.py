"""The Telegram channel: a python-telegram-bot ``Application`` in webhook mode inside our FastAPI app.

Telegram POSTs each update to ``/telegram/webhook``. The route checks the secret header, parses
the update and runs it through PTB's handlers *before* answering, so a 200 means the turn is in
the database and the replies went out. The database is the only state: any worker can take any
update, and a redelivered update finds its claim and does nothing.

Engine and database calls are blocking; they run in worker threads (``asyncio.to_thread``) so the
event loop keeps serving other updates and the web chat meanwhile.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.config import Settings
from bot.engine.results import (
    MessageRejected,
    NotYourSession,
    RehearsalAPI,
    RehearsalError,
    ScenarioSummary,
    SessionClosed,
    SessionNotFound,
    UnknownScenario,
)
from bot.storage import CoachingNote, Database, Store, TelegramLink, store

from .formatting import (
    NoteEntry,
    esc,
    note_pushed_message,
    notes_message,
    scorecard_message,
    session_title,
    state_line,
    turn_message,
)
from .splitting import split_html
from .texts import both, text, ui_language

logger = logging.getLogger(__name__)

CHANNEL: Final = "telegram"
WEBHOOK_PATH: Final = "/telegram/webhook"
SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"
# The update types the bot handles; `coach telegram set-webhook` asks Telegram for these only.
ALLOWED_UPDATES: Final = ["message", "edited_message", "callback_query"]
MODES: Final = ("practice", "exam")
# A 429 from Telegram is retried this many times after waiting its retry_after.
SEND_RETRIES: Final = 3
# Seconds Telegram is told to wait (Retry-After) when the database is down.
RETRY_AFTER_DB_DOWN: Final = 5
# /notes shows this many of the newest coaching notes (all of them are on the web).
NOTES_SHOWN: Final = 20
# How many of a rep's sessions are looked at to name the sessions their notes refer to.
NOTE_TITLE_LOOKUP: Final = 500


def bot_api_urls(settings: Settings) -> tuple[str, str]:
    """The Bot API base URL and file base URL (PTB appends the token to both)."""
    base = settings.telegram_api_base
    root = base[: -len("/bot")] if base.endswith("/bot") else base.rstrip("/")
    return base, f"{root}/file/bot"


def is_database_unavailable(error: BaseException | None) -> bool:
    """True when ``error`` (or what caused it) means the database cannot be reached right now."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, OperationalError | InterfaceError | DisconnectionError | PoolTimeoutError):
            return True
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def turn_message_id(update_id: int) -> str:
    """The message id a text update's turn is claimed under (by the engine, with the turn)."""
    return f"tg-update:{update_id}"


def scenario_key(scenario_id: str) -> str:
    """A short, stable stand-in for a scenario id: callback data is limited to 64 bytes."""
    return hashlib.sha1(scenario_id.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Rep:
    """The rep behind a Telegram user, as far as the bot needs to know."""

    user_id: int
    name: str
    lang: str


@dataclass(frozen=True)
class Outgoing:
    """One message to send; ``edit`` replaces the message whose inline button was pressed."""

    html: str
    keyboard: InlineKeyboardMarkup | None = None
    edit: bool = False


@dataclass
class _UpdateOutcome:
    """Errors raised while one webhook request processed its update (PTB swallows them)."""

    errors: list[BaseException] = field(default_factory=list)


_current_outcome: ContextVar[_UpdateOutcome | None] = ContextVar("telegram_update_outcome", default=None)


class TelegramChannel:
    """The bot: build it with the settings, include ``router``, then ``start`` it with the engine."""

    def __init__(self, settings: Settings) -> None:
        if not settings.telegram_bot_token:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        self.settings = settings
        base_url, base_file_url = bot_api_urls(settings)
        self.application: Application[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder()
            .token(settings.telegram_bot_token)
            .base_url(base_url)
            .base_file_url(base_file_url)
            .updater(None)  # webhook only: no polling, updates come from our FastAPI route
            .rate_limiter(AIORateLimiter(max_retries=SEND_RETRIES))
            .build()
        )
        self._service: RehearsalAPI | None = None
        self._db: Database | None = None
        self._running = False
        self._stopped = False
        self._start_lock = asyncio.Lock()
        self._add_handlers()
        self.router = self._build_router()

    # -- life cycle -------------------------------------------------------------------------

    async def start(self, service: RehearsalAPI, db: Database) -> None:
        """Connect to the engine and the database, and start PTB (which calls getMe once).

        If the Bot API cannot be reached now, the server still starts (the web chat does not
        need Telegram); the webhook answers 503 and tries again with the next update.
        """
        self._service, self._db = service, db
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

    @property
    def service(self) -> RehearsalAPI:
        if self._service is None:
            raise RuntimeError("TelegramChannel.start() has not been called")
        return self._service

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("TelegramChannel.start() has not been called")
        return self._db

    # -- the webhook ------------------------------------------------------------------------

    def _build_router(self) -> APIRouter:
        router = APIRouter(tags=["telegram"])

        @router.post(
            WEBHOOK_PATH,
            summary="Telegram webhook",
            responses={
                200: {"description": "The update was handled (or was a redelivery and ignored)."},
                400: {"description": "The body is not a Telegram update; nothing was processed."},
                403: {"description": f"Missing or wrong {SECRET_HEADER} header."},
                503: {"description": "Database unavailable or bot not started; Telegram retries."},
            },
        )
        async def telegram_webhook(request: Request) -> JSONResponse:
            """Receive one update from Telegram, signed with the secret given to setWebhook."""
            return await self.handle_webhook(request)

        return router

    def secret_matches(self, given: str | None) -> bool:
        """Constant-time comparison with the configured secret; no secret configured means no."""
        expected = self.settings.telegram_webhook_secret
        if not expected or given is None:
            return False
        return hmac.compare_digest(given.encode(), expected.encode())

    async def handle_webhook(self, request: Request) -> JSONResponse:
        """Check, parse and process one update; the status code tells Telegram whether to retry."""
        if not self.secret_matches(request.headers.get(SECRET_HEADER)):
            return JSONResponse({"ok": False, "error": "forbidden"}, status_code=403)
        try:
            data = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            return JSONResponse({"ok": False, "error": "body is not JSON"}, status_code=400)
        if not isinstance(data, dict) or type(data.get("update_id")) is not int:
            return JSONResponse({"ok": False, "error": "not a Telegram update"}, status_code=400)
        if not await self._ensure_running():
            return _unavailable("Telegram Bot API not reachable")
        try:
            update = Update.de_json(data, self.application.bot)
        except Exception:  # PTB raises various errors on a malformed object
            logger.info("Rejected a malformed update", exc_info=True)
            return JSONResponse({"ok": False, "error": "malformed update"}, status_code=400)

        outcome = _UpdateOutcome()
        token = _current_outcome.set(outcome)
        try:
            await self.application.process_update(update)
        finally:
            _current_outcome.reset(token)
        if any(is_database_unavailable(error) for error in outcome.errors):
            return _unavailable("database unavailable")
        return JSONResponse({"ok": True})

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """PTB hands handler exceptions here; remember them for the webhook's status code."""
        error = context.error
        outcome = _current_outcome.get()
        if outcome is not None and error is not None:
            outcome.errors.append(error)
        if is_database_unavailable(error):
            # Telegram will redeliver after our 503; the retry answers the user.
            logger.warning("Database unavailable while handling a Telegram update: %s", error)
            return
        logger.error("Error while handling a Telegram update", exc_info=error)
        if isinstance(update, Update) and update.effective_chat is not None:
            try:
                await self.send_html(update.effective_chat.id, both("error"))
            except Exception:
                logger.warning("Could not tell the user about the error", exc_info=True)

    # -- sending ----------------------------------------------------------------------------

    async def send_html(
        self, chat_id: int, html: str, keyboard: InlineKeyboardMarkup | None = None
    ) -> list[Message]:
        """Send ``html``, split into Telegram-sized pieces; the keyboard goes on the last one."""
        pieces = split_html(html)
        sent = []
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            sent.append(
                await self.application.bot.send_message(
                    chat_id, piece, parse_mode=ParseMode.HTML, reply_markup=keyboard if last else None
                )
            )
        return sent

    async def _deliver(self, update: Update, outgoing: Sequence[Outgoing]) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        pressed = update.callback_query.message if update.callback_query else None
        for message in outgoing:
            if message.edit and isinstance(pressed, Message):
                # An edit holds one message; anything beyond Telegram's limit follows as new ones.
                first, *rest = split_html(message.html)
                await pressed.edit_text(
                    first, parse_mode=ParseMode.HTML, reply_markup=None if rest else message.keyboard
                )
                if rest:
                    await self.send_html(chat.id, "\n\n".join(rest), message.keyboard)
            else:
                await self.send_html(chat.id, message.html, message.keyboard)

    async def push_note(self, note_id: int) -> int:
        """Send a coaching note just written on the web to the rep's linked Telegram chats.

        Call it after the note's transaction has committed. It never raises: when Telegram or
        the database cannot be reached the note stays on the web (and in /notes) and this is
        logged. Returns how many chats got the message.
        """
        try:
            if not await self._ensure_running():
                logger.warning("Coaching note %s not pushed: Telegram Bot API not reachable", note_id)
                return 0
            chats, html = await asyncio.to_thread(self._note_push_sync, note_id)
        except Exception:
            logger.warning("Coaching note %s not pushed to Telegram", note_id, exc_info=True)
            return 0
        sent = 0
        for chat_id in chats:
            try:
                await self.send_html(chat_id, html)
            except Exception:
                logger.warning("Coaching note %s not pushed to chat %s", note_id, chat_id, exc_info=True)
            else:
                sent += 1
        return sent

    # -- handlers ---------------------------------------------------------------------------

    def _add_handlers(self) -> None:
        app = self.application
        # Order matters: the first matching handler in the group takes the update.
        app.add_handler(MessageHandler(filters.UpdateType.EDITED, self._on_edited))
        app.add_handler(CommandHandler("start", self._on_start))
        # Commands that change something claim their update first; the others (reading, or
        # idempotent) claim it after acting, so a database failure midway loses no reply.
        for name, action, claim_first in (
            ("help", self._help, False),
            ("rehearse", self._rehearse, False),
            ("hint", self._hint, True),
            ("score", self._score, False),
            ("end", self._end, True),
            ("notes", self._notes, True),  # marks the notes it shows as read
            ("lang", self._lang, False),
        ):
            app.add_handler(CommandHandler(name, self._command_handler(action, claim_first=claim_first)))
        app.add_handler(MessageHandler(filters.COMMAND, self._on_unknown_command))
        app.add_handler(MessageHandler(filters.TEXT, self._on_text))
        app.add_handler(MessageHandler(filters.ALL, self._on_unsupported))
        app.add_handler(CallbackQueryHandler(self._on_callback))
        app.add_error_handler(self._on_error)

    def _command_handler(
        self, action: Callable[[Rep, list[str]], list[Outgoing]], *, claim_first: bool
    ) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Any]:
        """A PTB callback: find the rep and run ``action`` once per update, in a worker thread."""

        async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            user = update.effective_user
            if user is None:
                return
            args = list(context.args or [])
            outgoing = await asyncio.to_thread(
                partial(self._claimed, claim_first=claim_first),
                update.update_id,
                user.id,
                user.language_code,
                lambda rep: action(rep, args),
            )
            await self._deliver(update, outgoing)

        return handle

    async def _on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return
        code = context.args[0] if context.args else None
        outgoing = await asyncio.to_thread(
            self._start_sync, update.update_id, user.id, chat.id, user.full_name, user.language_code, code
        )
        await self._deliver(update, outgoing)

    async def _on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user, message = update.effective_user, update.effective_message
        if user is None or message is None or message.text is None:
            return
        outgoing = await asyncio.to_thread(
            self._text_turn, update.update_id, user.id, user.language_code, message.text
        )
        await self._deliver(update, outgoing)

    async def _on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return
        data = query.data or ""
        outgoing = await asyncio.to_thread(
            # Only the last step (md:, which starts a visit) changes anything.
            partial(self._claimed, claim_first=data.startswith("md:")),
            update.update_id,
            user.id,
            user.language_code,
            lambda rep: self._callback_sync(rep, data),
        )
        if not outgoing:
            return  # a redelivery: the first delivery answered the query already
        await query.answer()
        await self._deliver(update, outgoing)

    async def _on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._reply_once(update, "edited")

    async def _on_unsupported(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._reply_once(update, "unsupported")

    async def _on_unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._reply_once(update, "unknown_command")

    async def _reply_once(self, update: Update, key: str) -> None:
        """A fixed reply that changes nothing, sent once however often Telegram delivers."""
        user = update.effective_user
        if user is None:
            return

        def build(rep: Rep | None) -> list[Outgoing]:
            lang = rep.lang if rep else ui_language(user.language_code, self.settings.default_lang)
            return [Outgoing(text(key, lang))]

        outgoing = await asyncio.to_thread(
            partial(self._claimed, needs_rep=False, claim_first=False),
            update.update_id,
            user.id,
            user.language_code,
            build,
        )
        await self._deliver(update, outgoing)

    # -- blocking work (runs in worker threads) -------------------------------------------------

    def _claim(self, update_id: int, telegram_user_id: int) -> tuple[bool, Rep | None]:
        """Claim the update (False: seen before) and look up the rep, in one transaction."""
        with store(self.db, write=True) as s:
            if s.inbound.get(CHANNEL, turn_message_id(update_id)) is not None:
                return False, None  # already handled as a rehearsal turn
            if not s.inbound.claim(CHANNEL, str(update_id)):
                return False, None
            user = s.users.by_telegram(telegram_user_id)
            rep = Rep(user.id, user.display_name, ui_language(user.language)) if user else None
            return True, rep

    def _claimed(
        self,
        update_id: int,
        telegram_user_id: int,
        language_code: str | None,
        action: Callable[[Any], list[Outgoing]],
        *,
        needs_rep: bool = True,
        claim_first: bool = True,
    ) -> list[Outgoing]:
        """Run ``action`` for the rep; what it returns is sent once per update, never again.

        ``claim_first`` claims the update before acting: for actions that change something.
        Otherwise the claim comes after, so an action cut short by a database failure runs
        again on Telegram's retry; concurrent duplicates may both act, only one reply goes out.
        """
        if claim_first:
            claimed, rep = self._claim(update_id, telegram_user_id)
            if not claimed:
                return []
            return self._act(rep, action, language_code, needs_rep=needs_rep)
        outgoing = self._act(self._rep(telegram_user_id), action, language_code, needs_rep=needs_rep)
        claimed, _ = self._claim(update_id, telegram_user_id)
        return outgoing if claimed else []

    def _act(
        self,
        rep: Rep | None,
        action: Callable[[Any], list[Outgoing]],
        language_code: str | None,
        *,
        needs_rep: bool,
    ) -> list[Outgoing]:
        if rep is None and needs_rep:
            return [Outgoing(text("need_start", ui_language(language_code, self.settings.default_lang)))]
        try:
            return action(rep)
        except RehearsalError as error:
            return [Outgoing(self._error_text(error, rep.lang if rep else self.settings.default_lang))]

    def _error_text(self, error: RehearsalError, lang: str) -> str:
        if isinstance(error, MessageRejected):
            return text("message_rejected", lang, limit=self.settings.max_message_chars)
        if isinstance(error, SessionClosed):
            return text("session_closed", lang)
        if isinstance(error, SessionNotFound | NotYourSession):
            return text("no_session", lang)
        if isinstance(error, UnknownScenario):
            return text("choice_expired", lang)
        return text("error", lang)

    def _rep(self, telegram_user_id: int) -> Rep | None:
        with store(self.db) as s:
            user = s.users.by_telegram(telegram_user_id)
            return Rep(user.id, user.display_name, ui_language(user.language)) if user else None

    def _start_sync(
        self,
        update_id: int,
        telegram_user_id: int,
        chat_id: int,
        full_name: str,
        language_code: str | None,
        code: str | None,
    ) -> list[Outgoing]:
        """/start: link to a web account by code, welcome back, or create a rep; one transaction."""
        guessed = ui_language(language_code, self.settings.default_lang)
        with store(self.db, write=True) as s:
            if not s.inbound.claim(CHANNEL, str(update_id)):
                return []
            if code:
                user = s.users.redeem_link_code(code)
                if user is None:
                    return [Outgoing(both("bad_code"))]
                s.users.link_telegram(telegram_user_id, user, chat_id)
                lang = ui_language(user.language)
                return [Outgoing(text("linked", lang, name=esc(user.display_name)))]
            user = s.users.by_telegram(telegram_user_id)
            if user is not None:
                s.users.link_telegram(telegram_user_id, user, chat_id)  # remember the current chat
                lang = ui_language(user.language)
                return [Outgoing(text("welcome_back", lang, name=esc(user.display_name)))]
            name = full_name.strip() or f"Telegram {telegram_user_id}"
            user = s.users.create(name, role="rep", language=guessed)
            s.users.link_telegram(telegram_user_id, user, chat_id)
            return [Outgoing(text("welcome_new", guessed, name=esc(name))), Outgoing(text("help", guessed))]

    def _text_turn(
        self, update_id: int, telegram_user_id: int, language_code: str | None, rep_text: str
    ) -> list[Outgoing]:
        """Plain text: a rep line in the rep's active session, whichever channel started it."""
        rep = self._rep(telegram_user_id)
        if rep is None:  # answered with "send /start first", once
            return self._claimed(
                update_id, telegram_user_id, language_code, self._no_session, claim_first=False
            )
        active = self.service.active_session(rep.user_id)
        if active is None:
            return self._claimed(
                update_id, telegram_user_id, language_code, self._no_session, claim_first=False
            )
        try:
            # The engine claims this id in the same transaction as the turn: exactly one turn.
            result = self.service.send(
                active.id,
                rep_text,
                user_id=rep.user_id,
                channel=CHANNEL,
                message_id=turn_message_id(update_id),
            )
        except RehearsalError as error:
            rejected = self._error_text(error, rep.lang)
            return self._claimed(
                update_id, telegram_user_id, language_code, lambda _: [Outgoing(rejected)], claim_first=False
            )
        if result.duplicate:
            return []
        practice = active.mode == "practice"
        customer = self._scenario(active.scenario_id)
        messages = [
            Outgoing(
                turn_message(
                    result,
                    lang=rep.lang,
                    practice=practice,
                    customer_name=customer.customer.get("name") if customer else None,
                )
            )
        ]
        if result.ended:
            if result.status == "closed_by_customer":
                messages.append(Outgoing(text("customer_closed", rep.lang)))
            if result.scorecard is not None:
                messages.append(
                    Outgoing(scorecard_message(result.scorecard, title=session_title(active), lang=rep.lang))
                )
        return messages

    def _no_session(self, rep: Rep) -> list[Outgoing]:
        return [Outgoing(text("no_session", rep.lang))]

    def _scenario(self, scenario_id: str) -> ScenarioSummary | None:
        return next((s for s in self.service.scenarios() if s.id == scenario_id), None)

    def _help(self, rep: Rep, args: list[str]) -> list[Outgoing]:
        return [Outgoing(text("help", rep.lang))]

    def _rehearse(self, rep: Rep, args: list[str]) -> list[Outgoing]:
        """/rehearse: the scenarios as an inline keyboard (or the visit already in progress)."""
        active = self.service.active_session(rep.user_id)
        if active is not None:
            return [Outgoing(text("session_in_progress", rep.lang, title=esc(session_title(active))))]
        scenarios = self.service.scenarios()
        if not scenarios:
            return [Outgoing(text("no_scenarios", rep.lang))]
        rows = [
            [InlineKeyboardButton(_title(s, rep.lang), callback_data=f"sc:{scenario_key(s.id)}")]
            for s in scenarios
        ]
        return [Outgoing(text("choose_scenario", rep.lang), InlineKeyboardMarkup(rows))]

    def _hint(self, rep: Rep, args: list[str]) -> list[Outgoing]:
        active = self.service.active_session(rep.user_id)
        if active is None:
            return self._no_session(rep)
        hint = self.service.hint(active.id, user_id=rep.user_id)
        return [Outgoing(text("hint", rep.lang, hint=esc(hint)))]

    def _score(self, rep: Rep, args: list[str]) -> list[Outgoing]:
        """/score: where the current visit stands, else the latest scorecard."""
        active = self.service.active_session(rep.user_id)
        if active is not None:
            view = self.service.session(active.id, user_id=rep.user_id)
            rep_lines = sum(1 for turn in view.turns if turn.speaker == "rep")
            state = state_line(view.stage, view.step, view.trust, rep.lang)
            if view.mode != "practice":
                state = ""  # exam mode: no feedback until the end
            return [
                Outgoing(
                    text(
                        "score_active", rep.lang, title=esc(session_title(view)), state=state, turns=rep_lines
                    )
                )
            ]
        for view in self.service.sessions_for(rep.user_id, limit=20):
            if view.scorecard:
                return [Outgoing(scorecard_message(view.scorecard, title=session_title(view), lang=rep.lang))]
        return [Outgoing(text("no_scorecard", rep.lang))]

    def _end(self, rep: Rep, args: list[str]) -> list[Outgoing]:
        active = self.service.active_session(rep.user_id)
        if active is None:
            return [Outgoing(text("ended_nothing", rep.lang))]
        result = self.service.end(active.id, user_id=rep.user_id, channel=CHANNEL)
        return [
            Outgoing(scorecard_message(result.scorecard or {}, title=session_title(active), lang=rep.lang))
        ]

    def _notes(self, rep: Rep, args: list[str]) -> list[Outgoing]:
        """/notes: the rep's coaching notes, newest first; the ones shown are marked read."""
        with store(self.db, write=True) as s:
            stored = s.notes.for_rep(rep.user_id)
            if not stored:
                return [Outgoing(text("notes_none", rep.lang))]
            unread = sum(1 for note in stored if note.read_at is None)
            shown = stored[:NOTES_SHOWN]
            entries = _note_entries(s, shown)
            session_ids = [note.session_id for note in shown]
            for note in shown:
                s.notes.mark_read(note)
        titles = self._session_titles(rep.user_id, session_ids)
        entries = [
            replace(entry, session_title=titles.get(session_id)) if session_id else entry
            for entry, session_id in zip(entries, session_ids, strict=True)
        ]
        return [Outgoing(notes_message(entries, total=len(stored), unread=unread, lang=rep.lang))]

    def _session_titles(self, rep_id: int, session_ids: Sequence[str | None]) -> dict[str, str]:
        """The titles of the rep's sessions among ``session_ids`` (from the scenario library)."""
        if not any(session_ids):
            return {}
        wanted = set(session_ids)
        return {
            view.id: session_title(view)
            for view in self.service.sessions_for(rep_id, limit=NOTE_TITLE_LOOKUP)
            if view.id in wanted
        }

    def _note_push_sync(self, note_id: int) -> tuple[list[int], str]:
        """The rep's Telegram chats and the message announcing note ``note_id`` to them."""
        with store(self.db) as s:
            note = s.notes.get(note_id)
            if note is None:
                return [], ""
            links = s.session.scalars(
                select(TelegramLink)
                .where(TelegramLink.user_id == note.rep_id)
                .order_by(TelegramLink.created_at, TelegramLink.telegram_user_id)
            ).all()
            # A private chat's id is the user's id; older links may not have stored it.
            chats = list(dict.fromkeys(link.chat_id or link.telegram_user_id for link in links))
            if not chats:
                return [], ""
            rep = s.users.get(note.rep_id)
            lang = ui_language(rep.language if rep else None, self.settings.default_lang)
            (entry,) = _note_entries(s, [note])
            rep_id, session_id = note.rep_id, note.session_id
        if session_id:
            entry = replace(entry, session_title=self._session_titles(rep_id, [session_id]).get(session_id))
        return chats, note_pushed_message(entry, lang)

    def _lang(self, rep: Rep, args: list[str]) -> list[Outgoing]:
        """/lang en|zh switches at once; /lang alone offers both as buttons."""
        if args and ui_language(args[0], "") in ("zh", "en"):
            return self._set_language(rep, ui_language(args[0]), edit=False)
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("中文", callback_data="ui:zh"),
                    InlineKeyboardButton("English", callback_data="ui:en"),
                ]
            ]
        )
        return [Outgoing(text("lang_choose", rep.lang), keyboard)]

    def _set_language(self, rep: Rep, lang: str, *, edit: bool) -> list[Outgoing]:
        with store(self.db, write=True) as s:
            user = s.users.get(rep.user_id)
            if user is not None:
                user.language = lang
        return [Outgoing(text("lang_set", lang), edit=edit)]

    def _callback_sync(self, rep: Rep, data: str) -> list[Outgoing]:
        """Inline buttons: ui:LANG, or the /rehearse steps sc:KEY → lg:KEY:LANG → md:KEY:LANG:MODE."""
        kind, _, rest = data.partition(":")
        parts = rest.split(":") if rest else []
        if kind == "ui" and len(parts) == 1 and parts[0] in ("zh", "en"):
            return self._set_language(rep, parts[0], edit=True)
        if kind not in ("sc", "lg", "md") or not parts:
            return [Outgoing(text("choice_expired", rep.lang), edit=True)]
        scenario = next((s for s in self.service.scenarios() if scenario_key(s.id) == parts[0]), None)
        if scenario is None:
            return [Outgoing(text("choice_expired", rep.lang), edit=True)]
        title = esc(_title(scenario, rep.lang))
        key = parts[0]
        if kind == "sc":
            if len(scenario.languages) == 1:
                return [self._mode_choice(rep, key, scenario.languages[0], title)]
            buttons = [
                InlineKeyboardButton(text(f"language_{lang}", rep.lang), callback_data=f"lg:{key}:{lang}")
                for lang in scenario.languages
                if lang in ("zh", "en")
            ]
            return [
                Outgoing(
                    text("choose_language", rep.lang, title=title), InlineKeyboardMarkup([buttons]), edit=True
                )
            ]
        language = parts[1] if len(parts) > 1 else ""
        if language not in scenario.languages:
            return [Outgoing(text("choice_expired", rep.lang), edit=True)]
        if kind == "lg":
            return [self._mode_choice(rep, key, language, title)]
        mode = parts[2] if len(parts) > 2 else ""
        if mode not in MODES:
            return [Outgoing(text("choice_expired", rep.lang), edit=True)]
        active = self.service.active_session(rep.user_id)
        if active is not None:  # begun meanwhile, e.g. on the web: one visit at a time
            title_now = esc(session_title(active))
            return [Outgoing(text("session_in_progress", rep.lang, title=title_now), edit=True)]
        result = self.service.start(rep.user_id, scenario.id, language=language, mode=mode, channel=CHANNEL)
        customer = scenario.customer
        who = " · ".join(esc(customer[k]) for k in ("name", "title", "company") if customer.get(k))
        intro = text(
            "rehearsal_started",
            rep.lang,
            title=title,
            customer=who,
            purpose=esc(_localised(scenario.purpose, language)),
            language=text(f"language_{language}", rep.lang),
            mode=text(f"mode_{mode}", rep.lang),
        )
        messages = [Outgoing(intro, edit=True)]
        if result.customer_reply:
            practice = mode == "practice"
            messages.append(
                Outgoing(
                    turn_message(result, lang=rep.lang, practice=practice, customer_name=customer.get("name"))
                )
            )
        return messages

    def _mode_choice(self, rep: Rep, key: str, language: str, title: str) -> Outgoing:
        buttons = [
            InlineKeyboardButton(text(f"mode_{mode}", rep.lang), callback_data=f"md:{key}:{language}:{mode}")
            for mode in MODES
        ]
        return Outgoing(
            text("choose_mode", rep.lang, title=title, language=text(f"language_{language}", rep.lang)),
            InlineKeyboardMarkup([buttons]),
            edit=True,
        )


def _note_entries(s: Store, notes: Sequence[CoachingNote]) -> list[NoteEntry]:
    """Notes as the bot shows them, with their authors' names (session titles come later)."""
    names = s.notes.author_names(notes)
    return [
        NoteEntry(
            author=names.get(note.author_id, "—"),
            created_at=note.created_at,
            text=note.text,
            unread=note.read_at is None,
        )
        for note in notes
    ]


def _localised(values: dict[str, str], lang: str) -> str:
    """The ``lang`` variant of a bilingual field, else the first one there is."""
    return values.get(lang) or next(iter(values.values()), "")


def _title(scenario: ScenarioSummary, lang: str) -> str:
    return _localised(scenario.title, lang) or scenario.id


def _unavailable(reason: str) -> JSONResponse:
    """503 with Retry-After: Telegram keeps the update and delivers it again later."""
    return JSONResponse(
        {"ok": False, "error": reason},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_DB_DOWN)},
    )


__all__ = [
    "ALLOWED_UPDATES",
    "CHANNEL",
    "SECRET_HEADER",
    "WEBHOOK_PATH",
    "Outgoing",
    "Rep",
    "TelegramChannel",
    "bot_api_urls",
    "is_database_unavailable",
]
