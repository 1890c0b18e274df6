"""The composition root: settings → database → migrations → services → channels, in one FastAPI app.

``server.py`` (``uvicorn server:app``) calls ``create_app``; tests call it with their settings.
Nothing else builds services or opens the database for the server.
"""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from bot.channels.metrics import count_send
from bot.channels.telegram import TelegramChannel
from bot.channels.web import install_web
from bot.channels.wecom import WeComChannel
from bot.config import Settings, get_settings, uses_default_secret
from bot.engine.library import ScenarioLibrary
from bot.services import (
    AccountService,
    Dispatcher,
    OutboxSender,
    Pacing,
    ReminderLoop,
    RetryPolicy,
    Services,
    build_services,
)
from bot.storage import Database, upgrade
from bot.storage.accounts import database_writable


def _warm_services(db: Database, settings: Settings, library: ScenarioLibrary | None) -> Services:
    """The services over ``db``, ready for the first line."""
    services = build_services(db, settings, library)
    # The bundled scenarios are imported into an empty database, and the published ones loaded.
    services.scripts.prepare()
    # The classifier loads its word lists on first use (~1.5 s): pay that while starting up,
    # not on the first line a rep sends to this worker.
    from bot.classifier import classify

    classify("您好", lang="zh")
    classify("Hello", lang="en")
    return services


def _prepare_database(settings: Settings, library: ScenarioLibrary | None) -> tuple[Database, Services]:
    """Migrate (once per start; Alembic's env takes the lock), then build the services."""
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    # Here rather than in `coach serve`, which would have to migrate first: a second migration.
    # Only the local development set-up gets them (the default secret; `coach serve` turns them
    # off for a non-loopback host), each with a random password shown once on the terminal and
    # never logged.
    if settings.demo_accounts and uses_default_secret(settings):
        for account in AccountService(db).ensure_demo_accounts(settings):
            print(account.line(), file=sys.stderr, flush=True)
    return db, _warm_services(db, settings, library)


def _dispatcher(
    db: Database, settings: Settings, telegram: TelegramChannel | None, wecom: WeComChannel | None
) -> Dispatcher | None:
    """This worker's outbox dispatcher for the channels that are on: every worker runs one
    (docs/outbox.md); pacing is shared through the database. None: no channel sends."""
    senders: dict[str, OutboxSender] = {}
    pacing: dict[str, Pacing] = {}
    if telegram is not None:
        senders["telegram"], pacing["telegram"] = telegram.sender(), Pacing.telegram(settings)
    if wecom is not None:
        senders["wecom"], pacing["wecom"] = wecom.sender, wecom.pacing
    if not senders:
        return None
    return Dispatcher(
        db,
        senders,
        pacing=pacing,
        policy=RetryPolicy(lease=settings.outbox_lease_seconds),
        observe=count_send,
    )


def create_app(
    settings: Settings | None = None, *, library: ScenarioLibrary | None = None, freeze_heap: bool = False
) -> FastAPI:
    """The server: web channel always, Telegram when a bot token is set; the schema is brought up
    to date as it starts. ``library`` lets tests share parsed scenarios between apps.
    ``freeze_heap``: the process is this server's alone (``server.py``), so what it loaded to
    start is moved out of the cycle collector's sight once started (``gc.freeze``)."""
    settings = settings or get_settings()
    telegram = TelegramChannel(settings) if settings.telegram_enabled else None
    wecom = WeComChannel(settings) if settings.wecom_enabled else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The thread pool that runs the app's synchronous work (run_in_threadpool, sync routes)
        # belongs to this event loop: sized here, before the first request.
        to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        app.state.db, app.state.services = await run_in_threadpool(_prepare_database, settings, library)
        # One connection for each thread that may run a turn, and the dispatcher's.
        await run_in_threadpool(app.state.db.warm, settings.worker_threads + 2)
        if telegram is not None:
            await telegram.start(app.state.services)
        if wecom is not None:
            wecom.start(app.state.services)
        # One dispatcher per worker sends what the turns queued, for every channel that is on.
        dispatcher = _dispatcher(app.state.db, settings, telegram, wecom)
        if dispatcher is not None:
            await dispatcher.start()
        app.state.dispatcher = dispatcher
        # Every worker sweeps idle visits; the sweep is safe to run on several at once.
        stop_sweep = asyncio.Event()
        idle = app.state.services.idle
        sweep = asyncio.create_task(idle.run(stop_sweep)) if idle.enabled else None
        # The classifier model in use, checked against the database in the background so a
        # retrain reaches this worker without a turn ever waiting on the check.
        models = app.state.services.models
        model_checks = None
        if models is not None:
            await run_in_threadpool(models.classifier)
            model_checks = asyncio.create_task(models.run(stop_sweep))
        # Assignment reminders go out through the outbox too (docs/coaching.md).
        reminders = None
        if app.state.services.assignments.announces:  # Telegram or WeCom tells reps of assignments
            reminders = ReminderLoop(app.state.services.assignments, settings.assignment_check_seconds)
            await reminders.start()
        if freeze_heap:
            # What the worker loaded to start (scenarios and their indexes, the classifier,
            # jieba's dictionary) lives as long as it does: out of the cycle collector's sight, a
            # full collection walks only what turns made since. Walking it all took 145 ms idle
            # and 430-650 ms under load, the first collection falling inside the first seconds
            # of load (docs/benchmarks.md, seventh round). What it may hold up is bounded by
            # this heap; later garbage is collected as before.
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            if reminders is not None:
                await reminders.stop()
            app.state.check_gate.close()  # the password-check threads (install_web)
            stop_sweep.set()
            if sweep is not None:
                await sweep
            if model_checks is not None:
                await model_checks
            if dispatcher is not None:  # sends in flight finish; the rest stays queued
                await dispatcher.stop()
            if wecom is not None:
                await wecom.stop()
            if telegram is not None:
                await telegram.stop()
            app.state.db.dispose()

    app = FastAPI(
        title="Sales coach · 销售提问教练",
        version="0.1.0",
        description="Rehearse customer visits with a simulated customer and a questioning coach. "
        "Sign in with POST /api/auth/login; the API then uses the session cookie.",
        lifespan=lifespan,
    )
    install_web(app, settings)
    # The Telegram webhook, when a bot token is configured (see docs/telegram.md).
    app.state.telegram = telegram
    if telegram is not None:
        app.include_router(telegram.router)
    # The WeCom callback URL, when the application is configured (see docs/wecom.md).
    app.state.wecom = wecom
    if wecom is not None:
        app.include_router(wecom.router)

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["ops"],
        responses={503: {"description": "The database does not answer or cannot be written."}},
    )
    async def readyz() -> JSONResponse:
        """The database answers and takes a write (a full disk is not ready); 503 otherwise."""
        ok = await run_in_threadpool(database_writable, app.state.db)
        return JSONResponse(
            {"status": "ok" if ok else "database unavailable"}, status_code=200 if ok else 503
        )

    return app


__all__ = ["create_app"]
