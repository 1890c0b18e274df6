"""A fake WeCom API on 127.0.0.1, callbacks encrypted the way WeCom does it, and app helpers.

Nothing here reaches the internet. ``FakeWeComAPI`` answers ``/cgi-bin/gettoken`` and
``/cgi-bin/message/send`` (recording every call) and can be told to answer the next sends with
an error code: 42001 (the access token expired) or 45009 (API rate limit). ``encrypt_callback``
builds a callback body by WeCom's own algorithm (AES-256-CBC under the EncodingAESKey, PKCS#7
to 32 bytes, random 16 bytes + length + message + corp id; SHA-1 signature over the sorted
token, timestamp, nonce and ciphertext), written here with ``cryptography`` rather than with
wechatpy, so the tests do not check wechatpy against itself.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
import os
import struct
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from fastapi import FastAPI

from bot.app import create_app
from bot.channels.wecom import WeComChannel
from bot.config import Settings

CORP_ID = "ww0123456789abcdef"
AGENT_ID = 1000002
SECRET = "fake-wecom-app-secret"
TOKEN = "fakeCallbackToken42"
# 43 characters of base64 (WeCom's EncodingAESKey): 32 bytes once '=' is appended.
AES_KEY = base64.b64encode(bytes(range(32))).decode().rstrip("=")
CALLBACK = "/wecom/callback"


# -- WeCom's callback crypto, by the protocol -------------------------------------------------


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()


def encrypt(plaintext: str, *, aes_key: str = AES_KEY, corp_id: str = CORP_ID) -> str:
    key = base64.b64decode(aes_key + "=")
    body = plaintext.encode()
    raw = os.urandom(16) + struct.pack(">I", len(body)) + body + corp_id.encode()
    pad = 32 - len(raw) % 32
    raw += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(raw) + encryptor.finalize()).decode()


def decrypt(encrypted: str, *, aes_key: str = AES_KEY) -> tuple[str, str]:
    """(message, corp id) of a ciphertext (what WeCom does with our echostr answer)."""
    key = base64.b64decode(aes_key + "=")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    raw = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
    raw = raw[: -raw[-1]]
    (length,) = struct.unpack(">I", raw[16:20])
    return raw[20 : 20 + length].decode(), raw[20 + length :].decode()


@dataclass(frozen=True)
class Callback:
    """A signed, encrypted callback: the query string and the XML body."""

    query: dict[str, str]
    body: str

    @property
    def url(self) -> str:
        return f"{CALLBACK}?{urlencode(self.query)}"


def encrypt_callback(message_xml: str, *, token: str = TOKEN, **keys: str) -> Callback:
    """The POST WeCom makes for ``message_xml`` (the plaintext message)."""
    encrypted = encrypt(message_xml, **keys)
    timestamp, nonce = str(int(time.time())), os.urandom(5).hex()
    query = {
        "msg_signature": signature(token, timestamp, nonce, encrypted),
        "timestamp": timestamp,
        "nonce": nonce,
    }
    body = (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><AgentID><![CDATA[{AGENT_ID}]]></AgentID>"
        f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    )
    return Callback(query, body)


def verification(echo: str, *, token: str = TOKEN) -> dict[str, str]:
    """The GET query WeCom sends when the callback URL is saved."""
    echostr = encrypt(echo)
    timestamp, nonce = str(int(time.time())), "1372623149"
    return {
        "msg_signature": signature(token, timestamp, nonce, echostr),
        "timestamp": timestamp,
        "nonce": nonce,
        "echostr": echostr,
    }


class Member:
    """Builds the plaintext messages of one WeCom member, with increasing MsgIds."""

    _ids = itertools.count(7_000_000_000_000_000_001)

    def __init__(self, userid: str) -> None:
        self.userid = userid

    def _xml(self, msg_type: str, inner: str, msg_id: int | None) -> str:
        msg_id = next(self._ids) if msg_id is None else msg_id
        return (
            f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
            f"<FromUserName><![CDATA[{self.userid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>"
            f"{inner}<MsgId>{msg_id}</MsgId><AgentID>{AGENT_ID}</AgentID></xml>"
        )

    def text(self, content: str, *, msg_id: int | None = None) -> Callback:
        return encrypt_callback(self._xml("text", f"<Content><![CDATA[{content}]]></Content>", msg_id))

    def image(self) -> Callback:
        inner = "<PicUrl><![CDATA[https://example.invalid/p.jpg]]></PicUrl><MediaId><![CDATA[m1]]></MediaId>"
        return encrypt_callback(self._xml("image", inner, None))


# -- the fake API -----------------------------------------------------------------------------


@dataclass
class Sent:
    userid: str
    content: str
    token: str


@dataclass
class FakeState:
    tokens_issued: int = 0
    valid_tokens: set[str] = field(default_factory=set)
    sent: list[Sent] = field(default_factory=list)
    errors: list[int] = field(default_factory=list)  # error codes for the next sends, in order
    sends: list[tuple[float, int]] = field(default_factory=list)  # (time, errcode) of every send
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: FakeState


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _answer(self, data: dict[str, Any]) -> None:
        body = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        state = self.server.state
        if url.path != "/cgi-bin/gettoken":
            self._answer({"errcode": 404, "errmsg": "no such API"})
            return
        if (query.get("corpid"), query.get("corpsecret")) != (CORP_ID, SECRET):
            self._answer({"errcode": 40001, "errmsg": "invalid credential"})
            return
        with state.lock:
            state.tokens_issued += 1
            token = f"token-{state.tokens_issued}"
            state.valid_tokens.add(token)
        self._answer({"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200})

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        state = self.server.state
        if url.path != "/cgi-bin/message/send":
            self._answer({"errcode": 404, "errmsg": "no such API"})
            return
        token = query.get("access_token", "")
        with state.lock:
            if token not in state.valid_tokens:
                errcode = 42001
            elif state.errors:
                errcode = state.errors.pop(0)
            else:
                errcode = 0
            state.sends.append((time.monotonic(), errcode))
            if errcode == 0:
                state.sent.append(Sent(body["touser"], body["text"]["content"], token))
        if errcode:
            self._answer({"errcode": errcode, "errmsg": "fake error"})
            return
        assert body["msgtype"] == "text" and body["agentid"] == AGENT_ID
        self._answer({"errcode": 0, "errmsg": "ok", "invaliduser": ""})


class FakeWeComAPI:
    """The WeCom API the channel talks to in tests, on a free local port in its own thread."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = FakeState()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def state(self) -> FakeState:
        return self._server.state

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/cgi-bin"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def texts(self, userid: str) -> list[str]:
        with self.state.lock:
            return [s.content for s in self.state.sent if s.userid == userid]

    def fail_next(self, *errcodes: int) -> None:
        with self.state.lock:
            self.state.errors.extend(errcodes)

    def expire_tokens(self) -> None:
        """Every token issued so far is expired now (WeCom answers 42001)."""
        with self.state.lock:
            self.state.valid_tokens.clear()

    async def wait_for(
        self, userid: str, count: int, *, timeout: float = 10.0, settle: float = 0.3
    ) -> list[str]:
        """The member's texts once there are ``count`` of them (then waits ``settle`` for extras)."""
        deadline = time.monotonic() + timeout
        while len(self.texts(userid)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{userid} got {self.texts(userid)}, expected {count} texts")
            await asyncio.sleep(0.02)
        await asyncio.sleep(settle)
        return self.texts(userid)


# -- the app ----------------------------------------------------------------------------------


def wecom_settings(database_url: str, fake: FakeWeComAPI, **overrides: Any) -> Settings:
    """Settings for a server whose WeCom application talks to ``fake``."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "wecom_corp_id": CORP_ID,
        "wecom_agent_id": AGENT_ID,
        "wecom_secret": SECRET,
        "wecom_token": TOKEN,
        "wecom_aes_key": AES_KEY,
        "wecom_api_base": fake.base_url,
        "wecom_chat_rate": 100.0,
        "wecom_chat_burst": 20,
        "wecom_rate_limit_wait": 0.2,
        "demo_accounts": False,
        **overrides,
    }
    return Settings(**values)


def build_app(settings: Settings) -> FastAPI:
    app = create_app(settings)
    assert isinstance(app.state.wecom, WeComChannel)
    return app


class Poster:
    """Posts callbacks to the app (and is the web client for the app's API too)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def post(self, callback: Callback) -> httpx.Response:
        return await self.client.post(callback.url, content=callback.body)


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[Poster]:
    """Run the app's lifespan (database, dispatcher) and hand out a callback poster."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Poster(client)


Check = Callable[[], bool]

__all__ = [
    "AES_KEY",
    "CORP_ID",
    "TOKEN",
    "Callback",
    "FakeWeComAPI",
    "Member",
    "Poster",
    "build_app",
    "decrypt",
    "encrypt_callback",
    "running",
    "verification",
    "wecom_settings",
]
