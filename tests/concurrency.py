"""Helpers for the race tests on PostgreSQL."""

import threading

from django.db import connection


def run_together(calls) -> list:
    """Start every call at the same moment, each on its own connection; return their results.

    A call that raises leaves its exception in its place.
    """
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
