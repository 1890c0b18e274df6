"""A fake Telegram Bot API on 127.0.0.1 and helpers to post real updates to our webhook.

The fake is the only stand-in in these tests: it sits where api.telegram.org would be, answers
the Bot API methods the bot uses the way Telegram does, and records every call so tests can
read what the bot sent. It runs in its own thread, so the bot (in the test's event loop) and
the ``coach telegram`` CLI (which runs its own loop) both talk to it over real HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import socket
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
from fastapi import FastAPI
from live_servers import UvicornProcess

from bot.app import create_app
from bot.channels.telegram import TelegramChannel
from bot.config import Settings
from bot.services import OutboxService

BOT_TOKEN = "123456:TEST-token_for-the-fake"
WEBHOOK_SECRET = "test-secret_0123456789"
BOT_USER = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Coach",
    "username": "coach_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
# Parameters PTB sends JSON-encoded; every other parameter is a plain string (or a number).
JSON_PARAMS = {
    "commands",
    "reply_markup",
    "allowed_updates",
    "link_preview_options",
    "entities",
    "reply_parameters",
}


TELEGRAM_HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre"}
TELEGRAM_HTML_TAGS |= {"span", "tg-spoiler", "tg-emoji", "blockquote"}
_MARKUP = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(?:\s[^<>]*)?>|&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);|[<>&]"
)


def html_problem(text: str) -> str | None:
    """Why Telegram would refuse ``text`` in HTML parse mode, or None (the checks it documents)."""
    stack: list[str] = []
    for match in _MARKUP.finditer(text):
        token = match.group(0)
        if token in "<>&":
            return f"unescaped {token!r} at {match.start()}"
        if token.startswith("&"):
            continue
        closing, name = match.group(1) == "/", match.group(2).lower()
        if name not in TELEGRAM_HTML_TAGS:
            return f"unsupported tag <{name}>"
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            return f"unexpected end tag </{name}>"
    return f"unclosed <{stack[-1]}>" if stack else None


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # the default (5) resets connections when the bot sends in bursts
    daemon_threads = True


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    message_id: int | None = None  # of the message a sendMessage created
    status: int = 200  # what the fake answered (0: the connection was dropped, no answer)
    wall: float = field(default_factory=time.time)

    @property
    def ok(self) -> bool:
        return self.status == 200

    def buttons(self) -> list[tuple[str, str]]:
        """The inline keyboard sent with this call, as (label, callback data) pairs."""
        markup = self.params.get("reply_markup") or {}
        return [(b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row]


class FakeBotAPI:
    """Answers getMe, sendMessage, editMessageText, answerCallbackQuery, setWebhook... and records."""

    def __init__(self, token: str = BOT_TOKEN, port: int = 0) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.webhook: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._too_many: dict[str, list[int]] = {}
        # Failure switches: until when (monotonic) the fake answers with an error or drops the
        # connection; chats that blocked the bot; sends answered only after a delay.
        self._down_until = 0.0
        self._down_status = 502
        self._blocked: set[int] = set()
        self._slow: dict[str, list[float]] = {}
        self._late: dict[str, list[float]] = {}
        self._message_ids = itertools.count(1000)
        self._server = _Server(("127.0.0.1", port), self._handler_class())
        self._thread = threading.Thread(
            # A short poll interval: shutdown() waits for the loop to notice (0.5 s by default).
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="fake-bot-api",
            daemon=True,
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/bot"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- what tests use --------------------------------------------------------------------

    def answer_429_next(self, method: str, retry_after: int) -> None:
        """The next call to ``method`` gets Telegram's "Too Many Requests, retry after N"."""
        with self._lock:
            self._too_many.setdefault(method, []).append(retry_after)

    def down_for(self, seconds: float, *, status: int = 502) -> None:
        """Every send for ``seconds`` fails: answered with ``status`` (5xx), or with ``status=0``
        the connection is dropped without an answer, as a crashed or unreachable server would."""
        with self._lock:
            self._down_until = time.monotonic() + seconds
            self._down_status = status

    def block(self, chat_id: int) -> None:
        """The user of ``chat_id`` blocked the bot: sends to it get 403 Forbidden."""
        with self._lock:
            self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        with self._lock:
            self._blocked.discard(chat_id)

    def slow_next(self, method: str, seconds: float) -> None:
        """The next call to ``method`` is carried out, but answered only after ``seconds``
        (longer than the client waits: the client cannot know whether it arrived)."""
        with self._lock:
            self._slow.setdefault(method, []).append(seconds)

    def arrive_late(self, method: str, delays: list[float]) -> None:
        """The next calls to ``method`` reach the API only ``delays`` seconds (one each, in
        order) after they were made, as when requests queue on a busy core or network; only
        then are they recorded (``Call.at``, where Telegram counts) and answered."""
        with self._lock:
            self._late.setdefault(method, []).extend(delays)

    def _travel(self, method: str) -> None:
        with self._lock:
            late = self._late.get(method)
            delay = late.pop(0) if late else 0.0
        if delay:
            time.sleep(delay)

    def delivered(self, chat_id: int | None = None) -> list[Call]:
        """sendMessage calls Telegram carried out (answered 200), to ``chat_id``, in order."""
        return [
            call
            for call in self.calls_to("sendMessage")
            if call.ok and (chat_id is None or call.params.get("chat_id") == chat_id)
        ]

    def wait_for_texts(self, count: int, chat_id: int | None = None, timeout: float = 20.0) -> list[str]:
        """Poll until ``count`` messages (to ``chat_id``) were delivered; their texts in order."""
        deadline = time.monotonic() + timeout
        while True:
            texts = self.sent_texts(chat_id)
            if len(texts) >= count or time.monotonic() > deadline:
                return texts
            time.sleep(0.02)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        """Texts of the messages delivered (to ``chat_id``), in order; failed attempts are not."""
        return [str(call.params["text"]) for call in self.delivered(chat_id)]

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    # -- the Bot API -----------------------------------------------------------------------

    def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        call = Call(method, params)
        with self._lock:
            self.calls.append(call)
            pending = self._too_many.get(method)
            retry_after = pending.pop(0) if pending else None
            down = method != "getMe" and time.monotonic() < self._down_until
            blocked = method == "sendMessage" and params.get("chat_id") in self._blocked
            slow = self._slow.get(method)
            delay = slow.pop(0) if slow else 0.0
        status, answer = self._answer_call(call, retry_after, down=down, blocked=blocked)
        call.status = status
        if delay:
            time.sleep(delay)
        return status, answer

    def _answer_call(
        self, call: Call, retry_after: int | None, *, down: bool, blocked: bool
    ) -> tuple[int, dict[str, Any]]:
        method, params = call.method, call.params
        if down:
            status = self._down_status
            return status, {"ok": False, "error_code": status, "description": "Bad Gateway"}
        if blocked:
            return 403, {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            }
        if retry_after is not None:
            return 429, {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {retry_after}",
                "parameters": {"retry_after": retry_after},
            }
        if method in ("sendMessage", "editMessageText"):
            refused = self._refusal(params)
            if refused is not None:
                return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {refused}"}
        now = int(time.time())
        chat = {"id": params.get("chat_id", 0), "type": "private", "first_name": "Rep"}
        if method == "getMe":
            return 200, {"ok": True, "result": BOT_USER}
        if method == "sendMessage":
            message_id = call.message_id = next(self._message_ids)
            message = {"message_id": message_id, "date": now, "chat": chat, "from": BOT_USER}
            return 200, {"ok": True, "result": {**message, "text": params.get("text", "")}}
        if method == "editMessageText":
            message = {"message_id": params.get("message_id"), "date": now, "chat": chat, "from": BOT_USER}
            return 200, {"ok": True, "result": {**message, "text": params.get("text", "")}}
        if method in ("answerCallbackQuery", "sendChatAction", "setMyCommands"):
            return 200, {"ok": True, "result": True}
        if method == "setWebhook":
            with self._lock:
                self.webhook = dict(params)
            return 200, {"ok": True, "result": True, "description": "Webhook was set"}
        if method == "deleteWebhook":
            with self._lock:
                self.webhook = {}
            return 200, {"ok": True, "result": True, "description": "Webhook was deleted"}
        if method == "getWebhookInfo":
            info = {
                "url": self.webhook.get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": 0,
            }
            if "allowed_updates" in self.webhook:
                info["allowed_updates"] = self.webhook["allowed_updates"]
            return 200, {"ok": True, "result": info}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}

    @staticmethod
    def _refusal(params: dict[str, Any]) -> str | None:
        """What Telegram would say to a message it cannot send: too long or malformed HTML."""
        body = str(params.get("text", ""))
        if params.get("parse_mode") == "HTML":
            problem = html_problem(body)
            if problem is not None:
                return f"can't parse entities: {problem}"
            body = re.sub(r"<[^>]+>", "", body)
            body = re.sub(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);", "_", body)
        if not body.strip():
            return "message text is empty"
        if len(body) > 4096:
            return "message is too long"
        return None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                prefix = f"/bot{fake.token}/"
                if not self.path.startswith(prefix):
                    self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                    return
                method = self.path[len(prefix) :].split("?")[0]
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                fake._travel(method)
                status, payload = fake._answer(method, self._params(body))
                if status == 0:  # unreachable: the connection goes away without an answer
                    self.close_connection = True
                    with contextlib.suppress(OSError):
                        self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self._reply(status, payload)

            do_GET = do_POST

            def _params(self, body: str) -> dict[str, Any]:
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    return dict(json.loads(body or "{}"))
                params: dict[str, Any] = {}
                for name, values in parse_qs(body, keep_blank_values=True).items():
                    value: Any = values[0]
                    if name in JSON_PARAMS:
                        value = json.loads(value)
                    elif name in ("chat_id", "message_id") and value.lstrip("-").isdigit():
                        value = int(value)
                    params[name] = value
                return params

            def _reply(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client went away (a killed server)
                    self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

        return Handler


def telegram_settings(database_url: str, fake: FakeBotAPI, **overrides: Any) -> Settings:
    """Settings for a server whose bot talks to ``fake`` (never to api.telegram.org)."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "telegram_bot_token": BOT_TOKEN,
        "telegram_webhook_secret": WEBHOOK_SECRET,
        "telegram_api_base": fake.base_url,
        "demo_accounts": False,
        # Tests play whole rehearsals in one chat: pace chats faster than Telegram would mind,
        # so they do not wait a second a message (the pacing tests set their own).
        "telegram_chat_rate": 50.0,
        "telegram_chat_burst": 20,
        **overrides,
    }
    return Settings(**values)


class Updates:
    """Builds real Telegram Update JSON for one private chat, with increasing update ids."""

    _ids = itertools.count(10_000)

    def __init__(self, user_id: int = 777_001, first_name: str = "小王", language_code: str = "zh-hans"):
        self.user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": language_code}
        self.chat = {"id": user_id, "type": "private", "first_name": first_name}
        self._message_ids = itertools.count(1)

    def _message(self, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chat,
            "from": self.user,
            **content,
        }

    def text(self, words: str) -> dict[str, Any]:
        content: dict[str, Any] = {"text": words}
        if words.startswith("/"):
            command = words.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"update_id": next(self._ids), "message": self._message(**content)}

    def sticker(self) -> dict[str, Any]:
        sticker = {
            "file_id": "CAACAgIAAxkBAAEB",
            "file_unique_id": "AgADsticker",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        return {"update_id": next(self._ids), "message": self._message(sticker=sticker)}

    def photo(self) -> dict[str, Any]:
        size = {"file_id": "AgACAgIAAxkBAAEC", "file_unique_id": "AQADphoto", "width": 90, "height": 90}
        return {"update_id": next(self._ids), "message": self._message(photo=[size])}

    def edited(self, words: str) -> dict[str, Any]:
        message = self._message(text=words, edit_date=int(time.time()))
        return {"update_id": next(self._ids), "edited_message": message}

    def press(self, data: str, on_message_id: int) -> dict[str, Any]:
        """The rep presses an inline button whose callback data is ``data``."""
        message = {
            "message_id": on_message_id,
            "date": int(time.time()),
            "chat": self.chat,
            "from": BOT_USER,
            "text": "…",
        }
        query = {
            "id": f"cbq-{next(self._ids)}",
            "from": self.user,
            "chat_instance": "ci-1",
            "message": message,
            "data": data,
        }
        return {"update_id": next(self._ids), "callback_query": query}


class Webhook:
    """Posts updates to /telegram/webhook of a running app, the way Telegram does."""

    def __init__(
        self, client: httpx.AsyncClient, app: FastAPI | None = None, *, outbox: OutboxService | None = None
    ) -> None:
        """``app``: an app run in this process; ``outbox``: the database of a server process."""
        self.client = client
        self.app = app
        self.outbox = outbox

    async def post(
        self,
        update: dict[str, Any] | str | bytes,
        *,
        secret: str | None = WEBHOOK_SECRET,
        delivered: bool = True,
    ) -> httpx.Response:
        """Post one update. The webhook answers once the update is stored; with ``delivered``
        (the default) this also waits until the outbox has delivered (or given up on) all it
        queued, as tests that read the fake's messages need."""
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        body = update if isinstance(update, str | bytes) else json.dumps(update)
        response = await self.client.post("/telegram/webhook", content=body, headers=headers)
        if delivered:
            await self.delivered()
        return response

    async def delivered(self, timeout: float = 20.0) -> None:
        """Poll until nothing is waiting in the outbox (pending or being sent), or time out."""
        outbox = self.outbox
        if outbox is None and self.app is not None:
            services = getattr(self.app.state, "services", None)
            outbox = services.outbox if services is not None else None
        if outbox is None:
            return
        deadline = time.monotonic() + timeout
        while (await asyncio.to_thread(outbox.backlog)).depth:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the outbox still holds messages after {timeout} s")
            await asyncio.sleep(0.02)


def build_app(settings: Settings) -> FastAPI:
    """The real server app; with a bot token in ``settings`` it carries the Telegram channel."""
    app = create_app(settings)
    assert isinstance(app.state.telegram, TelegramChannel)
    return app


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[Webhook]:
    """Run the app's lifespan (which starts the bot) and hand out a webhook poster."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Webhook(client, app)


class UvicornServer(UvicornProcess):
    """``uvicorn server:app`` with several workers in a child process, its bot on ``fake``."""

    def __init__(self, settings: Settings, *, workers: int, log_path: Path) -> None:
        env = {
            "COACH_DATABASE_URL": settings.database_url,
            "TELEGRAM_BOT_TOKEN": settings.telegram_bot_token or "",
            "COACH_TELEGRAM_WEBHOOK_SECRET": settings.telegram_webhook_secret or "",
            "COACH_TELEGRAM_API_BASE": settings.telegram_api_base,
            "COACH_DEMO_ACCOUNTS": "false",
            "COACH_TELEGRAM_RATE": str(settings.telegram_rate),
            "COACH_OUTBOX_LEASE_SECONDS": str(settings.outbox_lease_seconds),
            "COACH_TELEGRAM_CHAT_RATE": str(settings.telegram_chat_rate),
            "COACH_TELEGRAM_CHAT_BURST": str(settings.telegram_chat_burst),
        }
        super().__init__(env, workers=workers, log_path=log_path)

    def wait_ready(self, fake: FakeBotAPI, timeout: float = 120.0) -> None:  # type: ignore[override]
        """Until every worker has started its bot (one getMe each) and the app answers."""
        super().wait_ready(timeout, also=lambda: len(fake.calls_to("getMe")) >= self.workers)
