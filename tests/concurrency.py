"""Helpers for the race tests on PostgreSQL."""

import threading
import time

from django.db import connection


def run_together(calls) -> list:
    """Start every call at the same moment, each on its own connection; return their results.

    A call that raises leaves ``None`` in its place.
    """
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call) -> None:
        barrier.wait()
        try:
            results[index] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def without_lock(monkeypatch, module, name: str, read, pause: float = 0.3) -> None:
    """The control of a race test: replace the lock ``module.name`` by a plain read and a pause.

    The pause must outlast the spread of the threads' start (each opens its own
    database connection), so that they all read before any of them writes.
    """

    def unlocked(*args, **kwargs):
        row = read(*args, **kwargs)
        time.sleep(pause)
        return row

    monkeypatch.setattr(module, name, unlocked)
