"""Request ids, JSON logs and Prometheus metrics.

* Every request gets an id (the caller's ``X-Request-ID`` when it is sane, else a new one),
  echoed in the response and put on every log line written while the request runs
  (a contextvar, so it follows the request through ``await`` and into worker threads).
* Logs are one JSON object per line. Error logs carry the exception type and traceback, but
  the engine is created with ``hide_parameters=True`` so SQL errors never include the values
  (message texts, logins) that were bound to the statement.
* ``/metrics`` serves Prometheus text. With several uvicorn workers each process counts for
  itself; set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder before start and ``/metrics``
  then sums every worker's files (prometheus_client's multiprocess mode). See docs/operations.md.
"""

from __future__ import annotations

import contextvars
import itertools
import json
import logging
import os
import re
import secrets
import time
import traceback
from datetime import UTC, datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.channels.metrics import (
    ERRORS,
    OUTBOX_AGE,
    OUTBOX_DEPTH,
    REQUEST_SECONDS,
    SIGN_IN_FAILURES,
    TURNS,
    WEBHOOK_DUPLICATES,
)
from bot.services import sql_error_summary

REQUEST_ID_HEADER = "x-request-id"
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# --- metrics ---------------------------------------------------------------------------------


def count_error(code: str) -> None:
    ERRORS.labels(code).inc()


def metrics_response() -> Response:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry)
        data = generate_latest(registry)
    else:
        data = generate_latest()
    return Response(data, media_type=CONTENT_TYPE_LATEST)


# --- request ids and timing ------------------------------------------------------------------


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    # Unmatched paths share one label: a scanner must not create a time series per URL.
    return str(path) if path else "unmatched"


class _RequestIds:
    """Request ids unique across workers and hosts: this process's random prefix and a counter
    (32 hex digits, as a UUID's). ``uuid4`` built and checked a UUID object per request, 4 % of
    a worker's CPU under load. A forked child draws a prefix of its own."""

    def __init__(self) -> None:
        self.reset()
        os.register_at_fork(after_in_child=self.reset)

    def reset(self) -> None:
        self.prefix = secrets.token_hex(8)
        self.counter = itertools.count()

    def __call__(self) -> str:
        return f"{self.prefix}{next(self.counter) & 0xFFFFFFFFFFFFFFFF:016x}"


new_request_id = _RequestIds()


class RequestContext:
    """Sets the request id (in and out) and observes the request's duration."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = ""
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                given = value.decode("latin-1")
        request_id = given if _SANE_ID.match(given) else new_request_id()
        token = request_id_var.set(request_id)
        started = time.perf_counter()

        async def with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, with_id)
        finally:
            REQUEST_SECONDS.labels(scope["method"], _route_template(scope)).observe(
                time.perf_counter() - started
            )
            request_id_var.reset(token)


# --- logs ------------------------------------------------------------------------------------


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id_var.get()),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)

    def formatException(self, ei: Any) -> str:
        _type, value, tb = ei
        summary = sql_error_summary(value)
        if summary is not None:
            # The driver's message quotes values too (PostgreSQL: "Key (login)=(...) already
            # exists"), and hide_parameters cannot reach it: keep the frames, the error types
            # and the SQL text, drop the rest.
            frames = "".join(traceback.format_tb(tb))
            return f"Traceback (most recent call last):\n{frames}{summary}"
        return super().formatException(ei)


def log_config(log_format: str = "json", level: str = "INFO") -> dict[str, Any]:
    """A logging dictConfig for uvicorn's ``log_config`` covering our loggers and uvicorn's."""
    formatter = (
        {"()": f"{__name__}.JsonFormatter"}
        if log_format == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    )
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "main",
        "filters": ["request_id"],
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": f"{__name__}.RequestIdFilter"}},
        "formatters": {"main": formatter},
        "handlers": {"main": handler},
        "root": {"handlers": ["main"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": ["main"], "level": level, "propagate": False},
            "uvicorn.error": {"handlers": ["main"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": ["main"], "level": level, "propagate": False},
        },
    }


async def metrics_endpoint(request: Request) -> Response:
    await run_in_threadpool(update_outbox_gauges, request)
    return metrics_response()


def update_outbox_gauges(request: Request) -> None:
    """The outbox's depth and the age of its oldest message, read from the database now (so
    every worker reports the same). A database that does not answer leaves the last values."""
    services = getattr(request.app.state, "services", None)
    if services is None:
        return
    try:
        backlog = services.outbox.backlog()
    except Exception as error:  # metrics must still be served while the database is down
        logging.getLogger(__name__).warning("outbox gauges not updated: %s", type(error).__name__)
        return
    OUTBOX_DEPTH.set(backlog.depth)
    OUTBOX_AGE.set(backlog.oldest_seconds)


__all__ = [
    "ERRORS",
    "OUTBOX_AGE",
    "OUTBOX_DEPTH",
    "SIGN_IN_FAILURES",
    "TURNS",
    "WEBHOOK_DUPLICATES",
    "JsonFormatter",
    "RequestContext",
    "RequestIdFilter",
    "count_error",
    "log_config",
    "metrics_endpoint",
    "metrics_response",
    "request_id_var",
]
