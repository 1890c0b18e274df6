"""SQLite writers queue in the process, in order, instead of racing for the file lock."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from bot.storage import Database, store, upgrade
from bot.storage.writelock import FifoLock


def test_fifo_lock_serves_threads_in_arrival_order() -> None:
    lock = FifoLock()
    order: list[int] = []
    lock.acquire()
    threads = []
    for n in range(20):
        thread = threading.Thread(target=lambda n=n: (lock.acquire(), order.append(n), lock.release()))
        thread.start()
        threads.append(thread)
        while lock.waiting < n + 1:  # queued before the next one starts
            time.sleep(0.001)
    lock.release()
    for thread in threads:
        thread.join(5)
    assert order == list(range(20))


def test_fifo_lock_is_reentrant() -> None:
    lock = FifoLock()
    with lock.held(), lock.held():
        pass
    with lock.held():  # free again
        assert lock.waiting == 0


def test_many_sqlite_writers_all_commit_in_order(tmp_path: Path) -> None:
    """64 threads write at once, each holding the lock a while: no 'database is locked', and the
    rows land in the order the writers queued (the lock is handed over first come, first served)."""
    url = f"sqlite:///{tmp_path / 'coach.sqlite3'}"
    upgrade(url)
    db = Database(url)
    # A second handle on the same file in the same process shares the queue.
    other = Database(url)
    assert db.write_lock is other.write_lock is not None
    with store(db, write=True) as s:
        s.users.create("holder", login="holder")
    errors: list[BaseException] = []
    queued: list[int] = []

    def write(n: int) -> None:
        try:
            queued.append(n)
            with store(db if n % 2 else other, write=True) as s:
                s.users.create(f"rep {n}", login=f"rep{n}")
                time.sleep(0.002)  # a turn's worth of work inside the transaction
        except BaseException as error:
            errors.append(error)

    lock = db.write_lock
    assert lock is not None
    threads = []
    with lock.held():  # hold the queue so every writer lines up behind it
        for n in range(64):
            thread = threading.Thread(target=write, args=(n,))
            thread.start()
            threads.append(thread)
            while lock.waiting < n + 1:
                time.sleep(0.001)
    for thread in threads:
        thread.join(30)
    assert errors == []
    with store(db) as s:
        logins = [u.login for u in s.users.list() if u.login and u.login.startswith("rep")]
    assert logins == [f"rep{n}" for n in queued]
    db.dispose()
    other.dispose()


def test_readers_do_not_wait_for_the_writer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'coach.sqlite3'}"
    upgrade(url)
    db = Database(url)
    lock = db.write_lock
    assert lock is not None
    with store(db, write=True) as s:
        s.users.create("li", login="li")
    with store(db, write=True) as s:  # a writer in the middle of its transaction
        s.users.create("han", login="han")
        seen: list[int] = []
        reader = threading.Thread(target=lambda: seen.append(len(_users(db))))
        reader.start()
        reader.join(5)
        assert seen == [1]  # answered at once, from the last committed snapshot
    db.dispose()


def _users(db: Database) -> list[str]:
    with store(db) as s:
        return [u.display_name for u in s.users.list()]
