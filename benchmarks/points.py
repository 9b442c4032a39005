"""Benchmark of points (积分): what crediting adds to an approval, and the volunteer's points page.

    .venv/bin/python benchmarks/points.py                 # 200 approvals each way, pages with 10 and 10,000 entries
    .venv/bin/python benchmarks/points.py --smoke         # tiny sizes, a few seconds: does it still run, and right?
    .venv/bin/python benchmarks/points.py --database-url postgres://postgres@127.0.0.1:5432/points_bench

The issue's targets: crediting points adds at most one statement and 10 % to an
approval, and the volunteer's page with 10,000 entries answers in constant queries.

An approval with points pays, inside its own transaction, one INSERT (the record's
``PointsDue`` row); the points move right after it commits (``points.earning.settle``,
in a transaction of its own): the approval's transaction and its locks never wait for
them, though a single approval's request does (a bulk approval beyond
POINTS_SETTLE_INLINE records hands them to the task worker). The table gives
both: the approval's own statements and time with and without the points app
listening (its receiver disconnected), and the settle's statements and time.
Medians over the runs. The page: ``/me/points/`` of a volunteer with 10 entries and of
one with 10,000 (the first page of 50 entries in words, the balance, what expires soon),
its queries and median time. The figures are checked against raw queries before the
table: every approval with points credited its 10 points an hour (the ledger's entries
summed by hand), and each page shows the balance that the raw sum of the volunteer's
entries gives, with entries in it; a difference, or an empty ledger, ends the run with
exit status 1. Never touches db.sqlite3 or the configured database
(with --database-url, that database is created and dropped).
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


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


def populate(approvals: int) -> dict:
    """A center with a rule (10 points an hour), a station, its manager, and pending records to approve."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from events.models import Event, EventStatus, Method, RecordStatus, ServiceCategory, ServiceRecord
    from points.models import PointsRule
    from stations.models import Level, PracticeUnit, UnitManager
    from volunteers.id_numbers import check_character
    from volunteers.services import register_volunteer

    call_command("migrate", verbosity=0)
    center = PracticeUnit.objects.create(code="BENCH-C", name="示范县新时代文明实践中心", level=Level.CENTER)
    institute = PracticeUnit.objects.create(
        code="BENCH-I", name="城关街道新时代文明实践所", level=Level.INSTITUTE, parent=center
    )
    station = PracticeUnit.objects.create(
        code="BENCH-S", name="东门社区新时代文明实践站", level=Level.STATION, parent=institute
    )
    PointsRule.objects.create(unit=center, points_per_hour=Decimal("10.00"))
    manager = get_user_model().objects.create_user("13900009999", None, name="李站长")
    UnitManager.objects.create(user=manager, unit=station)
    people = []
    for n in range(3):
        first17 = f"110105{datetime.date(1980, 1, 1) + datetime.timedelta(days=n):%Y%m%d}{n:03d}"
        people.append(
            register_volunteer(
                real_name=f"志愿者{n}",
                id_number=first17 + check_character(first17),
                phone=f"137{n:08d}",
                password=None,
                home_station=station,
            )
        )
    start = datetime.datetime(2026, 1, 1, 9, tzinfo=SHANGHAI)
    # Two halves of records (without points, with points), one event a day so nothing overlaps.
    events = Event.objects.bulk_create(
        Event(
            unit=station,
            title=f"社区环境清洁{n}",
            category=ServiceCategory.ENVIRONMENT,
            address="东门社区广场",
            starts_at=start + datetime.timedelta(days=n),
            ends_at=start + datetime.timedelta(days=n, hours=2),
            status=EventStatus.FINISHED,
        )
        for n in range(2 * approvals + 3)
    )
    records = ServiceRecord.objects.bulk_create(
        ServiceRecord(
            event=event,
            volunteer=people[0],
            checked_in_at=event.starts_at,
            checked_out_at=event.ends_at,
            method=Method.EVENT_QR,
            status=RecordStatus.PENDING,
            credited_hours=Decimal("2.00"),
        )
        for event in events
    )
    return {"station": station, "manager": manager, "volunteers": people, "records": records}


def measure_approvals(world: dict, approvals: int) -> dict[str, tuple[float, float]]:
    """Medians of (statements, seconds): the approval without points, with points, and the settle after it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from events.models import ServiceRecord
    from events.services import approve_record
    from events.signals import hours_changed
    from points import earning

    records = world["records"]
    manager = world["manager"]
    pending_settles: list[list[int]] = []
    settle_later = earning.settle_after_commit
    # Catch the settle that the approval's commit schedules, to run and measure it apart.
    earning.settle_after_commit = lambda ids: pending_settles.append(ids)  # type: ignore[assignment]

    def approve(record: ServiceRecord) -> tuple[int, float]:
        connection.queries_log.clear()  # the log keeps 9,000 queries: count from an empty one
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            approve_record(record, by=manager)  # its own transaction: it has committed on return
            elapsed = time.perf_counter() - started
        return len(queries), elapsed

    def settle(ids: list[int]) -> tuple[int, float]:
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            earning.settle(ids)
            elapsed = time.perf_counter() - started
        return len(queries), elapsed

    def listening(on: bool) -> None:
        if on:
            hours_changed.connect(earning.on_hours_changed, sender=ServiceRecord, dispatch_uid="points-follow-hours")
        else:
            hours_changed.disconnect(sender=ServiceRecord, dispatch_uid="points-follow-hours")

    results: dict[str, list[tuple[int, float]]] = {"without": [], "with": [], "settle": []}
    # Warm-up, not counted: the first query of each kind builds caches.
    approve(records[0])
    settle(pending_settles.pop())
    # Alternately without and with points, so that a database growing or a busy machine weighs on both alike.
    for n in range(approvals + 1):
        listening(False)
        without = approve(records[1 + 2 * n])
        listening(True)
        with_points = approve(records[2 + 2 * n])
        settled = settle(pending_settles.pop())
        if n:
            results["without"].append(without)
            results["with"].append(with_points)
            results["settle"].append(settled)
    earning.settle_after_commit = settle_later
    return {
        name: (statistics.median(q for q, _ in rows), statistics.median(t for _, t in rows))
        for name, rows in results.items()
    }


def give_entries(volunteer, count: int, world: dict) -> None:
    """``count`` entries on the volunteer's account, written in bulk as post() writes them: earnings, then spending."""
    from django.db import transaction

    from points import ledger
    from points.models import Account, AccountKind, Entry, Redemption, ShopItem, Transfer, TransferKind

    station = world["station"]
    account = ledger.volunteer_account(volunteer)
    issue = ledger.unit_account(station, AccountKind.ISSUE)
    shop = ledger.unit_account(station, AccountKind.SHOP)
    item, _ = ShopItem.objects.get_or_create(unit=station, name="一袋大米", defaults={"price": Decimal("5.00")})
    at = datetime.datetime(2026, 1, 1, 12, tzinfo=SHANGHAI)
    earnings = count // 2
    with transaction.atomic():
        redemptions = Redemption.objects.bulk_create(
            Redemption(item=item, volunteer=volunteer, points=item.price, by=world["manager"], created_at=at)
            for _ in range(count - earnings)
        )
        transfers = Transfer.objects.bulk_create(
            [
                Transfer(
                    kind=TransferKind.AWARD,
                    source=issue,
                    target=account,
                    amount=Decimal("10.00"),
                    unit=station,
                    memo="志愿服务表现突出",
                    created_at=at + datetime.timedelta(minutes=n),
                )
                for n in range(earnings)
            ]
            + [
                Transfer(
                    kind=TransferKind.REDEMPTION,
                    source=account,
                    target=shop,
                    amount=item.price,
                    unit=station,
                    redemption=redemption,
                    created_at=at + datetime.timedelta(minutes=earnings + n),
                )
                for n, redemption in enumerate(redemptions)
            ]
        )
        balance, other, entries = Decimal(0), {issue.pk: Decimal(0), shop.pk: Decimal(0)}, []
        for transfer in transfers:
            sign = 1 if transfer.target_id == account.pk else -1
            balance += sign * transfer.amount
            counterpart = transfer.source_id if sign == 1 else transfer.target_id
            other[counterpart] -= sign * transfer.amount
            entries += [
                Entry(
                    transfer=transfer,
                    account=account,
                    amount=sign * transfer.amount,
                    balance_after=balance,
                    created_at=transfer.created_at,
                ),
                Entry(
                    transfer=transfer,
                    account_id=counterpart,
                    amount=-sign * transfer.amount,
                    balance_after=other[counterpart],
                    created_at=transfer.created_at,
                ),
            ]
        Entry.objects.bulk_create(entries, batch_size=2000)
        Account.objects.filter(pk=account.pk).update(balance=balance)
        for pk, value in other.items():
            Account.objects.filter(pk=pk).update(balance=value)


def measure_page(volunteer, runs: int) -> tuple[int, float, int, str]:
    """(queries, median seconds, entries, the balance shown) of /me/points/ for the volunteer."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from points.models import Entry

    client = Client()
    client.force_login(volunteer.user)
    client.get("/me/points/")  # a warm process
    times, queries = [], 0
    for _ in range(runs):
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get("/me/points/")
            times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"/me/points/: HTTP {response.status_code}")
        queries = len(captured)
    shown = re.search(r'id="points-balance"[^>]*>([^<]*)<', response.content.decode())
    entries = Entry.objects.filter(account__volunteer=volunteer).count()
    return queries, statistics.median(times), entries, shown.group(1).strip() if shown else ""


def raw_balance(volunteer) -> Decimal:
    """The volunteer's entries summed by hand, not through the ledger's code."""
    from django.db import connection

    from points.models import Account, Entry

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COALESCE(SUM(e.amount), 0) FROM {Entry._meta.db_table} e "
            f"INNER JOIN {Account._meta.db_table} a ON a.id = e.account_id WHERE a.volunteer_id = %s",
            [volunteer.pk],
        )
        return Decimal(cursor.fetchone()[0]).quantize(Decimal("0.01"))


def check(world: dict, approvals: int, pages: list[tuple]) -> list[str]:
    """What differs from the raw queries, or is empty."""
    from points.statement import points_text

    problems = []
    # The warm-up and approvals + 1 timed approvals ran with points: 2 hours at 10 points an hour each.
    credited, expected = raw_balance(world["volunteers"][0]), Decimal(20 * (approvals + 2))
    if credited != expected:
        problems.append(f"points credited by the approvals: raw {credited}, expected {expected}")
    for volunteer, (_queries, _seconds, entries, shown) in zip(world["volunteers"][1:], pages, strict=True):
        raw = raw_balance(volunteer)
        if shown != points_text(raw) or not entries:
            problems.append(f"/me/points/ of {volunteer}: shows {shown!r} with {entries} entries, raw balance {raw}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--approvals", type=int, default=200, help="approvals measured each way (default 200)")
    parser.add_argument("--entries", type=int, default=10_000, help="entries of the big page (default 10,000)")
    parser.add_argument("--runs", type=int, default=20, help="requests of each page (default 20)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: 5 approvals, 200 entries, 3 requests")
    parser.add_argument("--database-url", help="a PostgreSQL database to create, use and drop")
    options = parser.parse_args()
    if options.smoke:
        options.approvals, options.entries, options.runs = 5, 200, 3

    with tempfile.TemporaryDirectory(prefix="points-benchmark-") as name:
        if options.database_url:
            create_database(options.database_url)
        configure(Path(name), options.database_url)
        try:
            run(options)
        finally:
            if options.database_url:
                drop_database(options.database_url)


def run(options: argparse.Namespace) -> None:
    from django.db import connection

    started = time.perf_counter()
    world = populate(options.approvals)
    print(f"set-up on {connection.vendor}: {time.perf_counter() - started:.1f} s", flush=True)
    approvals = measure_approvals(world, options.approvals)
    small, big = world["volunteers"][1], world["volunteers"][2]
    give_entries(small, 10, world)
    give_entries(big, options.entries, world)
    small_page = measure_page(small, options.runs)
    big_page = measure_page(big, options.runs)
    problems = check(world, options.approvals, [small_page, big_page])
    if problems:
        raise SystemExit("answers differ from the raw queries' or are empty:\n  " + "\n  ".join(problems))
    print("every figure equals its raw query's, none empty", flush=True)

    (q_without, t_without), (q_with, t_with), (q_settle, t_settle) = (
        approvals["without"],
        approvals["with"],
        approvals["settle"],
    )
    added = (t_with - t_without) / t_without
    rows = [
        ("approval without points: statements (median)", f"{q_without:.0f}", ""),
        ("approval with points: statements (median)", f"{q_with:.0f}", ""),
        (
            "  added by points (target <= 1)",
            f"{q_with - q_without:+.0f}",
            _verdict(q_with - q_without <= 1),
        ),
        ("approval without points: time (median)", f"{t_without * 1000:.1f} ms", ""),
        ("approval with points: time (median)", f"{t_with * 1000:.1f} ms", ""),
        ("  added by points (target <= 10 %)", f"{added:+.1%}", _verdict(added <= 0.10)),
        ("settle after the commit: statements (median)", f"{q_settle:.0f}", ""),
        ("settle after the commit: time (median)", f"{t_settle * 1000:.1f} ms", ""),
        (f"/me/points/ with {small_page[2]:,} entries: queries", f"{small_page[0]}", ""),
        (f"/me/points/ with {big_page[2]:,} entries: queries (target = the line above)", f"{big_page[0]}", ""),
        ("  constant queries", "", _verdict(big_page[0] == small_page[0])),
        (f"/me/points/ with {small_page[2]:,} entries: time (median)", f"{small_page[1] * 1000:.1f} ms", ""),
        (f"/me/points/ with {big_page[2]:,} entries: time (median)", f"{big_page[1] * 1000:.1f} ms", ""),
    ]
    width = max(len(row[0]) for row in rows)
    print(f"\n{'measure'.ljust(width)}  {'value':>10}  target")
    print(f"{'-' * width}  {'-' * 10}  ------")
    for label, value, verdict in rows:
        print(f"{label.ljust(width)}  {value:>10}  {verdict}")


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


if __name__ == "__main__":
    main()
