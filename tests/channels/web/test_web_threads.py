"""The worker's thread pool for database work is sized by ``COACH_WORKER_THREADS``.

anyio's default (40) let a PostgreSQL worker run 40 turns at once on one core, each handing the
GIL over at every network wait: the benchmarks measured fewer turns a second than with 8.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator

import anyio
import pytest
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from web_support import make_settings

from bot.app import create_app


@pytest.fixture
async def narrow_app(database_url: str) -> AsyncIterator[FastAPI]:
    application = create_app(make_settings(database_url, worker_threads=2))
    async with application.router.lifespan_context(application):
        yield application


async def test_no_more_synchronous_work_runs_at_once_than_the_setting_allows(narrow_app: FastAPI) -> None:
    running, most = 0, 0
    lock = threading.Lock()
    release = threading.Event()

    def work() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        release.wait(5)
        with lock:
            running -= 1

    async with anyio.create_task_group() as group:
        for _ in range(6):
            group.start_soon(run_in_threadpool, work)
        with anyio.fail_after(5):
            while most < 2:  # two are running: give the other four every chance to start too
                await anyio.sleep(0.01)
        await anyio.sleep(0.2)
        assert most == 2
        release.set()
    assert running == 0


def test_the_default_is_a_few_threads_not_anyios_forty() -> None:
    assert make_settings("sqlite://").worker_threads == 8
