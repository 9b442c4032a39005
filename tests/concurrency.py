"""Helpers for the race tests on PostgreSQL."""

import contextlib
import fcntl
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from django.db import connection

# One burst at a time across xdist workers: a test and its control each open 50
# connections, and on two workers at once they passed PostgreSQL's default
# max_connections of 100, so one racer got "too many clients" and answered 503.
BURST_LOCK = Path(tempfile.gettempdir()) / "volunteers-race-bursts.lock"


@contextlib.contextmanager
def one_burst_at_a_time() -> Iterator[None]:
    with open(BURST_LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def run_together(calls) -> list:
    """Start every call at the same moment, each on its own connection; return their results.

    A call that raises leaves its exception in its place.
    """
    with one_burst_at_a_time():
        return _run_together(calls)


def _run_together(calls) -> list:
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except Exception as error:  # the control races may end in an IntegrityError
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def without_lock(monkeypatch, module, name: str, read, parties: int) -> None:
    """The control of a race test: replace the lock ``module.name`` by a plain read.

    The ``parties`` racers then wait for each other, so that all of them have read
    before any of them writes: the race the lock prevents, every time.
    """
    everyone_read = threading.Barrier(parties)

    def unlocked(*args, **kwargs):
        row = read(*args, **kwargs)
        everyone_read.wait(timeout=10)
        return row

    monkeypatch.setattr(module, name, unlocked)
