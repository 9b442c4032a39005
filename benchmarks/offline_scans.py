"""Benchmark of the offline merge: one upload of 1,000 scans through events.offline_merge.receive, timed.

    .venv/bin/python benchmarks/offline_scans.py                 # a throwaway SQLite database
    .venv/bin/python benchmarks/offline_scans.py --database-url postgres://postgres@127.0.0.1:5432/offline_bench
    .venv/bin/python benchmarks/offline_scans.py --smoke         # tiny sizes, results checked first

It builds the world of tests/offline_merge/scan_log.py (a station, its volunteers, six events of
one day: overlapping ones, a walk-in event with places counted, a team's own event, one for the
elderly, a cancelled one) and a log of scans at distinct moments of that day. Each run uploads the
whole log in one receive() call from one scanner whose clock is 7 minutes fast, in a transaction
rolled back afterwards, so every run starts from the same state; it prints the median of
``--runs`` runs (after a warm-up), the statements of one upload at each size, and the load of the
machine. The issue's target: 1,000 scans merged in under 5 seconds, with the same number of
statements whatever the size.

``--smoke`` first checks that uploads of a small log from three skewed scanners, shuffled, cut and
resent, give exactly the records, places and refusals of the same scans made online in time order
(exit status 1 otherwise), then times small uploads. A ``--database-url`` database is created and
dropped (it must not exist, or it is replaced).

Django splits bulk writes so that no statement passes SQLite's historical limit of 999 parameters;
the SQLite this runs on takes far more (its real limit is used here, as in the suite's statement
count test), so a bulk write is one statement on SQLite as on PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SKEW = datetime.timedelta(minutes=7)


def configure(folder: Path, database_url: str | None) -> None:
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{folder / 'offline.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(folder / "media")
    os.environ["DJANGO_SETTINGS_MODULE"] = "backend.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    if connection.vendor == "sqlite":
        from sqlite3 import SQLITE_LIMIT_VARIABLE_NUMBER

        connection.ensure_connection()
        connection.features.max_query_params = connection.connection.getlimit(SQLITE_LIMIT_VARIABLE_NUMBER)


def create_database(database_url: str) -> None:
    import psycopg

    server, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')


def drop_database(database_url: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    server, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def timed_upload(world, log, rng: random.Random) -> tuple[float, float, int, int]:
    """One upload of the whole log (shuffled) in one receive() call: seconds, this process's CPU
    seconds (the database's own work is not in them on PostgreSQL), statements, conflicts."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from events.models import OfflineScanOutcome
    from tests.offline_merge.scan_log import UPLOADS_FROM, Upload, upload_offline

    scans = log[:]
    rng.shuffle(scans)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        started, cpu = time.perf_counter(), time.process_time()
        result = upload_offline(world, Upload(0, tuple(scans)), int(SKEW.total_seconds() * 1000), UPLOADS_FROM)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        transaction.set_rollback(True)
    if result.stored != len(log) or any(scan.outcome == OfflineScanOutcome.PENDING for scan in result.scans):
        raise SystemExit("the upload left scans unstored or unmerged")
    conflicts = sum(scan.outcome == OfflineScanOutcome.CONFLICT for scan in result.scans)
    return seconds, cpu, len(queries), conflicts


def check_smoke() -> None:
    """Offline uploads in any order equal the online run, for a few small logs; exit 1 if not."""
    from tests.offline_merge.scan_log import build_world, differences, make_log, plan_uploads, run_offline, run_online

    world = build_world(volunteers=6, devices=3)
    for seed in range(2):
        rng = random.Random(seed)
        log = make_log(world, 80, rng, people=3)
        online = run_online(world, log)
        skews = [rng.randint(-600_000, 600_000) for _ in world.devices]
        offline = run_offline(world, log, plan_uploads(world, log, rng, batch=30), skews)
        found = differences(online, offline)
        if found:
            print("offline differs from online:\n" + "\n".join(found[:20]))
            raise SystemExit(1)
    print("smoke: 2 logs of 80 scans, shuffled, cut and resent from 3 skewed scanners = the online run")


def bench(sizes: list[int], volunteers: int, runs: int) -> None:
    from django.db import connection

    from tests.offline_merge.scan_log import build_world, make_log

    world = build_world(volunteers=volunteers, devices=1)
    print(f"{connection.vendor}: {volunteers} volunteers, 6 events, one scanner {SKEW} fast, median of {runs} runs")
    print(f"{'scans':>6} {'median s':>9} {'min s':>7} {'median CPU s':>12} {'statements':>10} {'conflicts':>9}")
    for size in sizes:
        log = make_log(world, size, random.Random(size))
        timed_upload(world, log, random.Random(0))  # warm-up
        results = [timed_upload(world, log, random.Random(run)) for run in range(runs)]
        seconds = [r[0] for r in results]
        statements = sorted({r[2] for r in results})
        print(
            f"{size:>6} {statistics.median(seconds):>9.3f} {min(seconds):>7.3f} "
            f"{statistics.median(r[1] for r in results):>12.3f} "
            f"{'/'.join(map(str, statements)):>10} {results[0][3]:>9}"
        )
    print("load average:", Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, results checked against the online run")
    parser.add_argument("--database-url", help="a PostgreSQL database to create and drop (default: SQLite)")
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="offline-benchmark-") as name:
        if options.database_url:
            create_database(options.database_url)
        configure(Path(name), options.database_url)
        try:
            if options.smoke:
                check_smoke()
                bench([10, 50], volunteers=8, runs=min(options.runs, 2))
            else:
                bench([10, 200, 1000], volunteers=60, runs=options.runs)
        finally:
            if options.database_url:
                drop_database(options.database_url)


if __name__ == "__main__":
    main()
