"""Cross-site request refusal, HTTPS-only cookies and HSTS, and the default-secret start check.

Why an Origin check when the cookie is SameSite=Lax: Lax still sends the cookie on requests
from *same-site* pages (another app on a sibling subdomain), and a form post with no body is a
valid call to /end, /hint, mark-read, link-code and logout. A state-changing request that
carries our cookie is judged by the first of these the client sent: ``Origin`` (must name this
host or the public URL's; ``null`` is refused), else ``Referer`` (the same), else
``Sec-Fetch-Site`` (``cross-site`` is refused; ``same-origin``, ``same-site`` and ``none``, a
typed address or bookmark, pass). Browsers send Origin on every POST/PUT/DELETE and
Sec-Fetch-Site on every request to a secure or local origin, so a request with none of the
three is not from a browser page (curl, the test client, server-to-server): it has no ambient
cookie to abuse, and it passes.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.config import DEFAULT_SECRET, Settings, is_loopback, uses_default_secret
from bot.services import CheckGate, TooBusy

from .errors import error_response
from .observability import SIGN_IN_FAILURES

SIGN_IN_PATH = "/api/auth/login"

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Sec-Fetch-Site values that are not another site; "cross-site" and anything unknown are refused.
FETCH_SITES_ALLOWED = frozenset({"same-origin", "same-site", "none"})
HSTS_VALUE = b"max-age=31536000; includeSubDomains"


def https_public_url(settings: Settings) -> bool:
    """Cookies get ``Secure`` and responses HSTS only behind an https public address: over
    plain http (local development) a Secure cookie would never come back."""
    return (settings.public_url or "").lower().startswith("https://")


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of a URL, lower case; None for anything else (including "null")."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


class InsecureSecret(RuntimeError):
    pass


def refuse_default_secret(settings: Settings, host: str) -> None:
    """Refuse to serve anyone but this machine with the published default secret."""
    if settings.secret_key == DEFAULT_SECRET and not is_loopback(host):
        raise InsecureSecret(
            f"COACH_SECRET_KEY is the public default; set it (e.g. `python -c 'import secrets; "
            f"print(secrets.token_urlsafe(32))'`) before serving on {host}. "
            "Only 127.0.0.1/localhost may run with the default (development)."
        )


class OriginCheck:
    """403 for a state-changing request that carries ``cookie_name`` from another origin."""

    def __init__(self, app: ASGIApp, *, cookie_name: str, public_url: str | None = None) -> None:
        self.app = app
        self.cookie_name = cookie_name
        self.extra_origin = origin_of(public_url) if public_url else None

    def _allowed(self, headers: Headers) -> set[str]:
        """Allowed hosts (``host[:port]``). The scheme is not compared: behind a proxy that ends
        TLS and is not trusted for X-Forwarded-Proto the app sees http while the page is https."""
        allowed = set()
        host = headers.get("host")
        if host:
            allowed.add(host.lower())
        if self.extra_origin:
            allowed.add(urlsplit(self.extra_origin).netloc)
        return allowed

    def _cross_site(self, headers: Headers) -> bool:
        """Whether the first of Origin, Referer, Sec-Fetch-Site the client sent says another site."""
        claimed = headers.get("origin") or headers.get("referer")  # an empty header is no claim
        if claimed:
            claimed_origin = origin_of(claimed)
            return claimed_origin is None or urlsplit(claimed_origin).netloc not in self._allowed(headers)
        fetch_site = headers.get("sec-fetch-site")
        if fetch_site:
            return fetch_site.strip().lower() not in FETCH_SITES_ALLOWED
        return False  # not a browser page: nothing ambient to abuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if f"{self.cookie_name}=" not in headers.get("cookie", ""):
            await self.app(scope, receive, send)
            return
        if self._cross_site(headers):
            response = error_response(
                403, "cross_site_request", "This request came from another site and was refused."
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class SignInGate:
    """429 for a sign-in while every password-check slot is taken, before anything else runs
    (after holding it ``HOLD_SECONDS``: if a slot was freed meanwhile it goes on to the route).

    The route checks the gate too, but only after the middleware below it, routing and the
    body's parsing and validation: under a flood of sign-ins that per-request work, done for
    hundreds of refusals a second, is what kept other users' requests waiting in the event
    loop. Here a refusal reads no body and touches no database (benchmarks/login_flood.py).
    """

    #: How long a sign-in that finds every slot taken is held before it is answered: a client
    #: that waits for each answer before trying again (every password-guessing tool with a
    #: fixed number of connections) then costs a request a second per connection instead of
    #: hundreds, and the event loop is left to everyone else. Holding costs an idle coroutine.
    HOLD_SECONDS = 1.0
    #: Sign-ins held at once; beyond this they are refused at once (the memory stays bounded).
    MAX_HELD = 1000

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.held = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == SIGN_IN_PATH:
            state = scope["app"].state
            gate: CheckGate = state.check_gate  # the process's one gate (install_web)
            if gate.full and not await self._freed(gate, getattr(state, "sign_in_hold", self.HOLD_SECONDS)):
                await self._refuse(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _freed(self, gate: CheckGate, hold: float) -> bool:
        """Hold the sign-in, then look again: True when a slot was freed meanwhile."""
        if hold <= 0 or self.held >= self.MAX_HELD:
            return False
        self.held += 1
        try:
            await asyncio.sleep(hold)
        finally:
            self.held -= 1
        return not gate.full

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
        SIGN_IN_FAILURES.labels("busy").inc()
        response = error_response(
            429,
            "too_many_sign_ins",
            "Too many sign-ins at once; try again in a moment.",
            headers={"Retry-After": str(TooBusy.retry_after_seconds)},
        )
        await response(scope, receive, send)


class StrictTransport:
    """Adds Strict-Transport-Security to every response (install only behind https)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_hsts(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"strict-transport-security", HSTS_VALUE)]
            await send(message)

        await self.app(scope, receive, with_hsts)


__all__ = [
    "DEFAULT_SECRET",
    "InsecureSecret",
    "OriginCheck",
    "SignInGate",
    "StrictTransport",
    "https_public_url",
    "is_loopback",
    "origin_of",
    "refuse_default_secret",
    "uses_default_secret",
]
