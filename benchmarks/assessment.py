"""Benchmark of the self-assessment (测评自查): its 17 indicators for a unit and a period, timed.

    .venv/bin/python benchmarks/assessment.py --smoke     # a tiny world in a throwaway SQLite database
    .venv/bin/python benchmarks/assessment.py --smoke --database-url postgres://postgres@127.0.0.1:5432/assess_smoke
    .venv/bin/python benchmarks/assessment.py --database-url postgres://postgres@127.0.0.1:5432/vol_bench

At province scale: load the 10-million-record database first with
``benchmarks/province_scale.py --generate`` (database ``vol_bench``: 100 centers, 1,000
institutes, 20,000 stations, 2,000,000 volunteers, 500,000 events, 10,000,000 approved
records, rollups rebuilt), bring its schema up to date once with
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/vol_bench .venv/bin/python manage.py migrate``,
then run this script with ``--database-url`` pointing at it. It assesses the center managed by
province_scale's center manager (as that manager, so hours count at the center's events), one
of its institutes and one of its stations, for a month, a quarter and a year of the data (2026),
and prints, per indicator set and unit level, the median milliseconds over ``--runs`` runs
(after a warm-up) and the statements run. The issue's target: a center's assessment under one
second. For the run it records a Party-member total on the center (so that indicator is
counted, not skipped) and puts the old value back afterwards. That database is never written
otherwise and never dropped.

``--smoke`` builds a small world (a center, two institutes, four stations, volunteers, events
with records, orders, venues and bookings, brand projects, trainings) in a throwaway database,
then checks that every figure the assessment gives equals the answer of a plain query over
the records (hand-written, not the assessment's querysets), that each value is its numerator over
its denominator, and that the figures are not empty, so the benchmark can never time an empty or
wrong result (a wrong figure ends it with exit status 1); then prints the same table. It checks
last month and the last quarter that is over, not the current ones: early on the first of a
month nothing of it has happened yet.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

BASE_DIR = Path(__file__).resolve().parent.parent
SHANGHAI = ZoneInfo("Asia/Shanghai")
CENTER_MANAGER_PHONE = "19900000002"  # benchmarks/province_scale.py's center manager
PROVINCE_PERIODS = ("2026-10", "2026-Q3", "2026")


def configure(folder: Path, database_url: str | None) -> None:
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{folder / 'assessment.sqlite3'}"
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


def local(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=SHANGHAI)


# The smoke world -------------------------------------------------------------------------


def build_world() -> dict:
    """A center of 2 institutes and 4 stations with three months of everything the assessment counts."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from events.models import (
        ActivityPhoto,
        ActivityRecord,
        Event,
        EventStatus,
        Method,
        Project,
        RecordStatus,
        ServiceRecord,
    )
    from orders.models import MenuCategory, MenuItem, Order, OrderState, Rating
    from stations.models import Level, PracticeUnit, UnitManager
    from venues.models import Booking, BookingStatus, Venue
    from volunteers.id_numbers import check_character
    from volunteers.models import PoliticalStatus, Team, Training, Volunteer
    from volunteers.services import register_volunteer

    call_command("migrate", verbosity=0)
    User = get_user_model()
    today = timezone.localdate()
    month = today.replace(day=1)
    # This month and the five before: the smoke checks last month and the last quarter that is over.
    months = [month]
    for _ in range(5):
        months.insert(0, (months[0] - datetime.timedelta(days=1)).replace(day=1))
    center = PracticeUnit.objects.create(
        code="A-C", name="示范县新时代文明实践中心", level=Level.CENTER, population=400, party_members=30
    )
    stations = []
    for i in range(2):
        institute = PracticeUnit.objects.create(
            code=f"A-I{i}", name=f"第{i + 1}街道实践所", level=Level.INSTITUTE, parent=center
        )
        for j in range(2):
            stations.append(
                PracticeUnit.objects.create(
                    code=f"A-S{i}{j}", name=f"第{i * 2 + j + 1}社区实践站", level=Level.STATION, parent=institute
                )
            )
    manager = User.objects.create_user("19900000902", "x" * 12, name="县中心管理员", is_staff=True)
    UnitManager.objects.create(user=manager, unit=center)
    volunteers = []
    for n in range(24):
        body = f"1101011990{(n % 12) + 1:02d}{(n % 28) + 1:02d}{n:03d}"
        volunteer = register_volunteer(
            real_name=f"志愿者{n}",
            id_number=body + check_character(body),
            phone=f"1390000{n:04d}",
            password="x" * 12,
            home_station=stations[n % 4],
        )
        if n % 3 == 0:
            volunteer.political_status = PoliticalStatus.PARTY_MEMBER
            volunteer.save(update_fields=["political_status"])
        volunteers.append(volunteer)
    # Registered before the first month of the world, so that every period checked counts them.
    Volunteer.objects.filter(pk__in=[v.pk for v in volunteers]).update(created_at=local(months[0]))
    project = Project.objects.create(lead_unit=stations[0], name="邻里守望", starts_on=datetime.date(2020, 1, 1))
    Project.objects.create(lead_unit=stations[1], name="书香社区", starts_on=months[0])
    n = 0
    for first in months:
        for index, station in enumerate(stations[:3]):
            day = first + datetime.timedelta(days=index + 1)
            if day > today:
                day = first
            starts = local(day)
            event = Event.objects.create(
                unit=station,
                title=f"活动{n}",
                category="other",
                address="广场",
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=2),
                status=EventStatus.FINISHED,
                signup_required=False,
                project=project if index == 0 else None,
            )
            if n % 2 == 0:
                record = ActivityRecord.objects.create(event=event, summary="清扫街巷，发放宣传册。", people_served=30)
                for photo in range(3):
                    ActivityPhoto.objects.create(record=record, image=f"p/{n}-{photo}.jpg", thumbnail=f"t/{n}.jpg")
            for volunteer in volunteers[index::4][:4]:
                ServiceRecord.objects.create(
                    event=event,
                    volunteer=volunteer,
                    checked_in_at=starts,
                    checked_out_at=starts + datetime.timedelta(hours=2),
                    method=Method.EVENT_QR,
                    status=RecordStatus.APPROVED if n % 4 else RecordStatus.PENDING,
                    credited_hours=Decimal("2.00"),
                )
            n += 1
    booker = User.objects.create_user("19900000903", "x" * 12, name="读书会")
    rooms = [
        Venue.objects.create(unit=station, name=f"{station.name}书屋", kind="reading_room", capacity=30)
        for station in stations
    ]
    for index, first in enumerate(months):
        starts = local(first, 14)
        Booking.objects.create(
            venue=rooms[index % 2],
            booker=booker,
            purpose="读书会",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=3),
            status=BookingStatus.APPROVED,
        )
    for first in months:
        Training.objects.create(
            unit=stations[0],
            name="急救培训",
            content="心肺复苏",
            hours=Decimal("2"),
            organiser="红十字会",
            held_on=first,
        )
    category = MenuCategory.objects.create(center=center, name="助老助残")
    item = MenuItem.objects.create(category=category, unit=center, name="上门理发")
    resident = User.objects.create_user("19900000904", "x" * 12, name="居民")
    team = Team.objects.create(name="理发队", unit=stations[0], leader=volunteers[0])
    for index, first in enumerate(months):
        for state in (OrderState.RATED, OrderState.SUBMITTED, OrderState.CANCELLED, OrderState.REFUSED):
            order = Order.objects.create(
                item=item,
                resident=resident,
                contact_name="张桂兰",
                contact_phone="13612345678",
                address="东门社区",
                station=stations[index % 4],
                handling_unit=stations[index % 4],
                state=state,
                team=team if state == OrderState.RATED else None,
                due_on=first if state == OrderState.SUBMITTED else None,
                created_at=local(first, 8),
                completed_at=local(first, 10) if state == OrderState.RATED else None,
            )
            if state == OrderState.RATED:
                Rating.objects.create(order=order, response=5, attitude=4, result=5, rated_at=local(first, 11))
    call_command("rebuild_rollups", verbosity=0)
    return {"center": center, "manager": manager, "admin": User.objects.create_superuser("19900000901", "x" * 12)}


def raw_figures(unit, period, user) -> dict:
    """The same figures by plain queries over the records (the smoke world's events all lie in the center)."""
    from django.utils import timezone

    from events.models import ActivityPhoto, Event, Project, RecordStatus, ServiceRecord
    from orders.models import RUNNING, Order, Rating
    from stations.models import PracticeUnit
    from venues.models import Booking, Venue
    from volunteers.models import Training, Volunteer

    start, end = local(period.start, 0), local(period.end, 0)
    now = timezone.now()
    subtree = set(PracticeUnit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))
    stations = set(
        PracticeUnit.objects.filter(pk__in=subtree, level="station", is_active=True).values_list("pk", flat=True)
    )
    events = [
        event
        for event in Event.objects.filter(status__in=["published", "finished"])
        if event.unit_id in subtree and start <= event.starts_at < min(end, now)
    ]
    documented = 0
    for event in events:
        record = getattr(event, "activity_record", None)
        if record is not None and record.summary and ActivityPhoto.objects.filter(record=record).count() >= 3:
            documented += 1
    months_by_station: dict[int, set] = {}
    for event in events:
        if event.unit_id in stations:
            months_by_station.setdefault(event.unit_id, set()).add(timezone.localtime(event.starts_at).month)
    every = sum(1 for months in months_by_station.values() if len(months) == len(period.months))
    year_end = local(datetime.date(period.last_month.year + 1, 1, 1), 0)
    members = [v for v in Volunteer.objects.all() if v.home_station_id in subtree]
    registered = sum(1 for v in members if v.created_at < year_end)
    approved = [
        r for r in ServiceRecord.objects.filter(status=RecordStatus.APPROVED) if r.volunteer.home_station_id in subtree
    ]
    since = local(period.months[-1] - datetime.timedelta(days=334), 0).replace(day=1)
    active = len({r.volunteer_id for r in approved if r.checked_in_at >= since})
    hours = sum((r.credited_hours for r in approved if start <= r.checked_in_at < end), Decimal("0.00")).quantize(
        Decimal("0.01")
    )
    orders = [o for o in Order.objects.all() if o.station_id in subtree and start <= o.created_at < end]
    received = [o for o in orders if o.state != "cancelled"]
    answered = [o for o in received if o.state in ("completed", "rated", "closed")]
    running_states = {str(state) for state in RUNNING}
    overdue = [
        o
        for o in Order.objects.all()
        if o.station_id in subtree and o.state in running_states and o.due_on and o.due_on < period.as_of
    ]
    settled = [o for o in orders if o.state in ("completed", "rated", "closed", "refused") or o in overdue]
    completed = [o for o in settled if o.state in ("completed", "rated", "closed")]
    ratings = [r for r in Rating.objects.all() if r.order.station_id in subtree and start <= r.rated_at < end]
    venues = [v for v in Venue.objects.filter(is_active=True) if v.unit_id in subtree and v.unit.is_active]
    bookings = [
        b
        for b in Booking.objects.filter(status="approved")
        if b.venue.unit_id in subtree and start <= b.starts_at < min(end, now)
    ]
    used = {b.venue_id for b in bookings} | {e.venue_id for e in events if e.venue_id}
    booked = sum((b.ends_at - b.starts_at).total_seconds() for b in bookings) / 3600
    running = [
        p
        for p in Project.objects.all()
        if p.lead_unit_id in subtree
        and p.starts_on <= period.as_of
        and (p.ends_on is None or p.ends_on >= period.start)
    ]
    active_projects = [p for p in running if any(e.project_id == p.pk for e in events)]
    trainings = [
        t for t in Training.objects.all() if t.unit_id in subtree and period.start <= t.held_on <= period.as_of
    ]
    party = sum(1 for v in members if v.political_status in ("party_member", "probationary_member") and not v.closed_at)
    return {
        "stations-every-month": (every, len(stations)),
        "events-per-station": (len(events), len(stations)),
        "documented-events": (documented, len(events)),
        "registered-volunteers": (registered, unit.population),
        "party-members-registered": (party, unit.party_members),
        "active-volunteers": (active, registered),
        "hours-per-volunteer": (hours, registered),
        "orders-answered": (len(answered), len(received)),
        "order-completion": (len(completed), len(settled)),
        "order-satisfaction": (len(ratings), None),
        "overdue-orders": (len(overdue), None),
        "venues-open": (len(used & {v.pk for v in venues}), len(venues)),
        "venue-hours": (Decimal(str(booked)).quantize(Decimal("0.01")), len(venues)),
        "projects-active": (len(active_projects), len(running)),
        "trainings-held": (len(trainings), None),
    }


def expected_value(figure) -> Decimal | int | None:
    """The value its numerator and denominator make: a percent to 0.1, a ratio or hours to 0.01, a count itself."""
    if figure.unit == "count":
        return figure.numerator
    if figure.unit == "stars":
        return figure.value  # a mean of the ratings' stars, its numerator is the ratings' count
    if not figure.denominator:
        return None
    quotient = Decimal(figure.numerator) / Decimal(figure.denominator)
    if figure.unit == "percent":
        return (quotient * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return quotient.quantize(Decimal("0.01"), ROUND_HALF_UP)


def check_smoke(world: dict) -> None:
    from reports.assessment.indicators import Assessment, current_period, parse_period

    # Last month and the last quarter that is over, not the current ones: early on the first of a
    # month nothing of it has happened yet, and a smoke run must count the same whatever the hour.
    this_month = current_period().start
    period = parse_period(f"{this_month - datetime.timedelta(days=1):%Y-%m}")
    quarter_ended = this_month.replace(month=(this_month.month - 1) // 3 * 3 + 1) - datetime.timedelta(days=1)
    quarter_label = f"{quarter_ended.year}-Q{(quarter_ended.month - 1) // 3 + 1}"

    for label in (period.label, quarter_label):
        asked = parse_period(label)
        result = Assessment(world["admin"], world["center"], asked)
        figures = {figure.key: figure for figure in result.compute()}
        for key, (numerator, denominator) in raw_figures(world["center"], asked, world["admin"]).items():
            figure = figures[key]
            wrong = Decimal(figure.numerator or 0) != Decimal(numerator) or (
                denominator is not None and Decimal(figure.denominator or 0) != Decimal(denominator)
            )
            if wrong:
                raise SystemExit(
                    f"{label} {key}: {figure.numerator}/{figure.denominator}, raw {numerator}/{denominator}"
                )
            if not figure.numerator:
                raise SystemExit(f"{label} {key}: empty, the smoke world must count something")
            made = expected_value(figure)
            if figure.value != made:
                raise SystemExit(
                    f"{label} {key}: value {figure.value}, {figure.numerator}/{figure.denominator} make {made}"
                )
    print("smoke: every figure equals its plain query, none empty", flush=True)


# Timing ---------------------------------------------------------------------------------


def measure(user, unit, label: str, runs: int) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.assessment.indicators import Assessment, parse_period

    period = parse_period(label)

    def once() -> int:
        with CaptureQueriesContext(connection) as queries:
            Assessment(user, unit, period).compute()
        return len(queries)

    once()  # warm-up
    times, counts = [], []
    for _ in range(runs):
        started = time.perf_counter()
        counts.append(once())
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, max(counts)


def table(user, units: list, periods: tuple[str, ...], runs: int) -> list[tuple]:
    rows = []
    for unit in units:
        for label in periods:
            ms, queries = measure(user, unit, label, runs)
            rows.append((f"all 17, {label}", unit.get_level_display(), ms, queries))
            print(f"  {unit.name} {label}: {ms:.0f} ms, {queries} queries", flush=True)
    return rows


def print_table(rows: list[tuple], runs: int, vendor: str) -> None:
    print()
    print(f"Self-assessment on {vendor}, median of {runs} runs")
    print(f"{'indicator set':<22} {'unit level':<12} {'median ms':>10} {'queries':>8}")
    for name, level, ms, queries in rows:
        print(f"{name:<22} {level!s:<12} {ms:>10.1f} {queries:>8}")


def province(runs: int) -> None:
    from django.db import connection

    from accounts.models import User
    from stations.models import PracticeUnit

    manager = User.objects.get(phone=CENTER_MANAGER_PHONE)
    center = PracticeUnit.objects.get(manager_roles__user=manager)
    institute = PracticeUnit.objects.filter(parent=center).order_by("path").first()
    station = PracticeUnit.objects.filter(parent=institute).order_by("path").first()
    old = center.party_members
    PracticeUnit.objects.filter(pk=center.pk).update(party_members=5000)
    center.refresh_from_db()
    try:
        rows = table(manager, [center, institute, station], PROVINCE_PERIODS, runs)
    finally:
        PracticeUnit.objects.filter(pk=center.pk).update(party_members=old)
    print_table(rows, runs, connection.vendor)
    slowest = max(ms for _name, level, ms, _queries in rows if level == center.get_level_display())
    print(f"center's slowest: {slowest:.0f} ms ({'under' if slowest < 1000 else 'OVER'} the 1 s target)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--smoke", action="store_true", help="a tiny throwaway world, figures checked against raw queries"
    )
    parser.add_argument(
        "--database-url", help="with --smoke: a PostgreSQL database to create and drop; else the bench DB"
    )
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    if not options.smoke and not options.database_url:
        parser.error("give --database-url of the province benchmark database, or --smoke")
    with tempfile.TemporaryDirectory(prefix="assessment-benchmark-") as name:
        if options.smoke:
            if options.database_url:
                create_database(options.database_url)
            configure(Path(name), options.database_url)
            try:
                from django.db import connection
                from django.utils import timezone

                from reports.assessment.indicators import current_period

                world = build_world()
                check_smoke(world)
                period = current_period()
                labels = (period.label, f"{period.start.year}")
                from stations.models import PracticeUnit

                center = world["center"]
                institute = PracticeUnit.objects.filter(parent=center).order_by("path").first()
                station = PracticeUnit.objects.filter(parent=institute).order_by("path").first()
                runs = min(options.runs, 3)
                rows = table(world["manager"], [center, institute, station], labels, runs)
                print_table(rows, runs, f"{connection.vendor} (smoke, {timezone.localdate()})")
            finally:
                if options.database_url:
                    drop_database(options.database_url)
        else:
            configure(Path(name), options.database_url)
            province(options.runs)


if __name__ == "__main__":
    main()
