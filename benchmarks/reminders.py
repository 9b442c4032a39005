"""Benchmark of the reminder job: 100,000 sign-ups due in the next hour, reminded once each.

    .venv/bin/python benchmarks/reminders.py                # 100,000 sign-ups (1,000 events x 100 volunteers)
    .venv/bin/python benchmarks/reminders.py --smoke        # 400 sign-ups: does it still run, and count right?
    .venv/bin/python benchmarks/reminders.py --database-url postgres://postgres@127.0.0.1:5432/reminders_bench

The issue's target: the job for 100,000 sign-ups due in the next hour runs in bounded memory and a
constant number of queries per batch, and finishes in under a minute on this machine.

The sign-ups are written with bulk inserts (10,000 volunteers, each at 10 events; every tenth also
chose SMS for reminders). Then ``send_reminders`` runs three times: timed; again at once, which
must queue nothing (the exactly-once guarantee, and the cost of a run with nothing left to do);
and, after the reminders are deleted, once more under tracemalloc for the peak of Python memory
(tracemalloc slows Python down, so that run is not the timed one). Queries are counted per batch
by a wrapper around the connection's cursor (CaptureQueriesContext would keep every statement,
200,000 rows of INSERT text, and so measure itself). The rows queued are checked against a raw
count of the outbox. Never touches db.sqlite3 or the configured database (with --database-url,
that database is created and dropped).
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 60


def configure(folder: Path, database_url: str | None) -> None:
    """Point Django at a throwaway database and media folder, then start it."""
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{folder / 'benchmark.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(folder / "media")
    os.environ["DJANGO_SETTINGS_MODULE"] = "backend.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


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


def populate(events: int, per_event: int, volunteers: int, now: datetime.datetime) -> int:
    """``events`` events starting within the next hour, each with ``per_event`` confirmed sign-ups; returns them."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction

    from events.models import Event, EventStatus, ServiceCategory, Signup, SignupStatus
    from notifications.kinds import Channel
    from notifications.models import Preference
    from stations.models import Level, PracticeUnit
    from volunteers.id_numbers import check_character
    from volunteers.models import Volunteer

    call_command("migrate", verbosity=0)
    center = PracticeUnit.objects.create(code="BENCH-C", name="示范县新时代文明实践中心", level=Level.CENTER)
    institute = PracticeUnit.objects.create(
        code="BENCH-I", name="城关街道新时代文明实践所", level=Level.INSTITUTE, parent=center
    )
    station = PracticeUnit.objects.create(
        code="BENCH-S", name="东门社区新时代文明实践站", level=Level.STATION, parent=institute
    )
    with transaction.atomic():
        users = get_user_model().objects.bulk_create(
            (get_user_model()(phone=f"136{n:08d}", name=f"志愿者{n}") for n in range(volunteers)), batch_size=2000
        )
        people = []
        for n, user in enumerate(users):
            birth = datetime.date(1970, 1, 1) + datetime.timedelta(days=n % 10_000)
            first17 = f"110105{birth:%Y%m%d}{n % 1000:03d}"
            people.append(
                Volunteer(
                    user=user,
                    number=f"R{n:08d}",
                    real_name=f"志愿者{n}",
                    id_number=first17 + check_character(first17),
                    birth_date=birth,
                    home_station=station,
                    consented_at=now,
                )
            )
        people = Volunteer.objects.bulk_create(people, batch_size=2000)
        Preference.objects.bulk_create(
            (Preference(user=user, kind="reminder", channel=Channel.SMS, enabled=True) for user in users[::10]),
            batch_size=2000,
        )
        made = Event.objects.bulk_create(
            (
                Event(
                    unit=station,
                    title=f"社区环境清洁 第{n}场",
                    category=ServiceCategory.ENVIRONMENT,
                    address="东门社区广场",
                    starts_at=now + datetime.timedelta(minutes=1 + n * 58 // max(1, events)),
                    ends_at=now + datetime.timedelta(hours=3),
                    status=EventStatus.PUBLISHED,
                )
                for n in range(events)
            ),
            batch_size=2000,
        )
        signups = (
            Signup(
                event=event,
                volunteer=people[(e * per_event + k) % volunteers],
                status=SignupStatus.CONFIRMED,
                queued_at=now - datetime.timedelta(days=1),
            )
            for e, event in enumerate(made)
            for k in range(per_event)
        )
        Signup.objects.bulk_create(signups, batch_size=5000)
    # As autovacuum would have by the time a job runs: the planner knows the tables' sizes.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return events * per_event


class QueryCounter:
    """Counts the statements run, and the count at the start of each batch (each claim of sign-ups)."""

    def __init__(self) -> None:
        self.count = 0
        self.marks: list[int] = []

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def per_batch(self) -> list[int]:
        # From one claim to the next: a whole batch (the last one's span is left open).
        return [after - before for before, after in zip(self.marks, self.marks[1:], strict=False)]


def run_job(now: datetime.datetime, batch_size: int, counter: QueryCounter | None = None) -> tuple[dict, float, float]:
    """Run the job; return its outcome, the seconds it took and the CPU seconds of this process."""
    from django.db import connection

    from notifications import reminders

    claim = reminders._claim

    def marked_claim(*args, **kwargs):
        counter.marks.append(counter.count)
        return claim(*args, **kwargs)

    if counter is not None:
        reminders._claim = marked_claim
    started, cpu = time.perf_counter(), time.process_time()
    try:
        if counter is None:
            outcome = reminders.send_reminders(now=now, batch_size=batch_size)
        else:
            with connection.execute_wrapper(counter):
                outcome = reminders.send_reminders(now=now, batch_size=batch_size)
    finally:
        reminders._claim = claim
    return outcome, time.perf_counter() - started, time.process_time() - cpu


def warm_up() -> None:
    """What a process pays once, not per sign-up: the URL patterns, the content type, the template."""
    from django.contrib.contenttypes.models import ContentType
    from django.template.loader import get_template
    from django.urls import reverse

    from events.models import Signup

    reverse("home")
    ContentType.objects.get_for_model(Signup)
    get_template("notifications/messages/reminder.txt")


def raw_reminder_count() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM notifications_message WHERE kind = 'reminder'")
        return cursor.fetchone()[0]


def raw_delete_reminders() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM notifications_message WHERE kind = 'reminder'")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1000, help="events starting in the next hour (default 1,000)")
    parser.add_argument("--per-event", type=int, default=100, help="sign-ups per event (default 100)")
    parser.add_argument("--volunteers", type=int, default=10_000, help="volunteers (default 10,000)")
    parser.add_argument("--batch-size", type=int, default=1000, help="sign-ups per batch (default 1,000)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: 4 events x 100 sign-ups, batches of 50")
    parser.add_argument("--database-url", help="a PostgreSQL database to create, use and drop")
    options = parser.parse_args()
    if options.smoke:
        options.events, options.per_event, options.volunteers, options.batch_size = 4, 100, 200, 50

    with tempfile.TemporaryDirectory(prefix="reminders-benchmark-") as name:
        if options.database_url:
            create_database(options.database_url)
        configure(Path(name), options.database_url)
        try:
            ok = run(options)
        finally:
            if options.database_url:
                drop_database(options.database_url)
    if not ok:
        raise SystemExit(1)


def run(options: argparse.Namespace) -> bool:
    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    started = time.perf_counter()
    signups = populate(options.events, options.per_event, options.volunteers, now)
    print(f"set-up on {connection.vendor}: {signups:,} sign-ups in {time.perf_counter() - started:.1f} s", flush=True)
    print(f"load average before the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)

    warm_up()
    counter = QueryCounter()
    outcome, seconds, cpu = run_job(now, options.batch_size, counter)
    queued = raw_reminder_count()
    again, seconds_again, _ = run_job(now, options.batch_size)
    raw_delete_reminders()
    tracemalloc.start()
    traced, _, _ = run_job(now, options.batch_size)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    per_batch = counter.per_batch()
    # Equal to the raw count, and not empty: a run that reminds nobody measures nothing.
    counted = outcome["messages"] == queued and outcome["signups"] == signups and queued > 0
    rows = [
        ("sign-ups due", f"{signups:,}", ""),
        ("sign-ups reminded (target = sign-ups due)", f"{outcome['signups']:,}", _verdict(counted)),
        ("rows queued, as the job reports them", f"{outcome['messages']:,}", ""),
        ("rows in the outbox, counted raw (target = the line above)", f"{queued:,}", _verdict(counted)),
        (f"time (target < {TARGET_SECONDS} s)", f"{seconds:.1f} s", _verdict(seconds < TARGET_SECONDS)),
        ("  of which this process on the CPU (the rest: the database, other processes)", f"{cpu:.1f} s", ""),
        ("sign-ups per second", f"{signups / seconds:,.0f}", ""),
        (f"batches of {options.batch_size:,}", f"{outcome['batches']:,}", ""),
        (
            "queries per batch, fewest-most (target: constant)",
            f"{min(per_batch)}-{max(per_batch)}" if per_batch else "-",
            _verdict(bool(per_batch) and min(per_batch) == max(per_batch)),
        ),
        ("second run at once: rows queued (target 0)", f"{again['messages']:,}", _verdict(again["messages"] == 0)),
        ("second run at once: time", f"{seconds_again:.1f} s", ""),
        ("peak Python memory of a run (tracemalloc)", f"{peak / 2**20:.1f} MiB", ""),
        ("  rows queued in that run", f"{traced['messages']:,}", _verdict(traced["messages"] == queued)),
    ]
    width = max(len(row[0]) for row in rows)
    print(f"\n{'measure'.ljust(width)}  {'value':>10}  target")
    print(f"{'-' * width}  {'-' * 10}  ------")
    for label, value, verdict in rows:
        print(f"{label.ljust(width)}  {value:>10}  {verdict}")
    return all(verdict != "MISSED" for _, _, verdict in rows)


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


if __name__ == "__main__":
    main()
