"""Totals agree at every level, for random records, filters and callers."""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.models import RecordStatus, ServiceCategory
from reports.statistics.hours import hours_report
from tests.conftest import make_manager, make_volunteer
from tests.stats.conftest import local, make_event, record

DAYS = [datetime.date(2026, 1, 1) + datetime.timedelta(days=n) for n in range(0, 400, 23)]
CATEGORIES = [ServiceCategory.ENVIRONMENT, ServiceCategory.CULTURE, ServiceCategory.THEORY]
LEVELS = ("volunteer", "station", "institute", "center")


@pytest.fixture
def world(tree, django_user_model):
    stations = ["S1", "S2", "S3", "S4"]
    volunteers = [make_volunteer(tree[stations[n % 4]], "群众") for n in range(8)]
    event_units = ["S1", "S2", "S3", "S4", "I1", "C", "C2"]
    events = [
        make_event(
            tree[event_units[n % 7]], f"活动{n}", CATEGORIES[n % 3], local(DAYS[n % len(DAYS)].isoformat(), 20 + n % 4)
        )
        for n in range(10)
    ]
    callers = {
        "admin": django_user_model.objects.create_superuser("13800000009", "x", name="管理员"),
        "center": make_manager(django_user_model, tree["C"], "中心"),
        "institute": make_manager(django_user_model, tree["I1"], "所"),
        "station": make_manager(django_user_model, tree["S1"], "站"),
    }
    return tree, volunteers, events, callers


def sums(report) -> tuple[Decimal, int]:
    rows = list(report)
    return sum((Decimal(row["hours"]) for row in rows), Decimal(0)), sum(row["records"] for row in rows)


record_strategy = st.lists(
    st.tuples(
        st.integers(0, 7),
        st.integers(0, 9),
        st.integers(0, 40).map(lambda q: Decimal(q) / 4),
        st.sampled_from([RecordStatus.APPROVED] * 3 + [RecordStatus.PENDING, RecordStatus.REJECTED]),
    ),
    max_size=30,
    unique_by=lambda r: (r[0], r[1]),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    records=record_strategy,
    caller=st.sampled_from(["admin", "center", "institute", "station"]),
    unit=st.sampled_from([None, "C", "I1", "S2", "C2"]),
    date_from=st.none() | st.sampled_from(DAYS),
    span=st.integers(0, 400),
    categories=st.lists(st.sampled_from(CATEGORIES), unique=True, max_size=2),
)
def test_center_equals_institutes_equals_stations_equals_volunteers(
    world, records, caller, unit, date_from, span, categories
):
    tree, volunteers, events, callers = world
    user = callers[caller]
    date_to = date_from + datetime.timedelta(days=span) if date_from else None
    filters = {"date_from": date_from, "date_to": date_to, "categories": categories}
    if unit is not None:
        if caller != "admin" and not any(
            tree[unit].path.startswith(path) for path in user.unit_roles.values_list("unit__path", flat=True)
        ):
            return
        filters["unit"] = tree[unit]
    with transaction.atomic():
        expected = defaultdict(Decimal)
        for v, e, hours, status in records:
            volunteer, event = volunteers[v], events[e]
            record(volunteer, event, str(hours), at=event.starts_at, status=status)
            if status != RecordStatus.APPROVED or (categories and event.category not in categories):
                continue
            day = event.starts_at.astimezone(local("2026-01-01").tzinfo).date()
            if (date_from and day < date_from) or (date_to and day > date_to):
                continue
            home, organiser = volunteer.home_station.path, event.unit.path
            if unit is not None and not home.startswith(tree[unit].path):
                continue
            if caller != "admin":
                scope = callers[caller].unit_roles.get().unit.path
                if not (home.startswith(scope) and organiser.startswith(scope)):
                    continue
            expected[volunteer.home_station.name] += hours
        totals = {level: sums(hours_report(user, (level,), **filters)) for level in LEVELS}
        assert len(set(totals.values())) == 1, totals
        assert totals["center"][0] == sum(expected.values(), Decimal(0))
        # Every station in reach has a row, 0 when idle.
        in_reach = {
            station.name: Decimal(0)
            for station in (tree[name] for name in ("S1", "S2", "S3", "S4"))
            if (unit is None or station.path.startswith(tree[unit].path))
            and (caller == "admin" or station.path.startswith(user.unit_roles.get().unit.path))
        }
        by_station = {row["station"]: Decimal(row["hours"]) for row in hours_report(user, ("station",), **filters)}
        assert by_station == {**in_reach, **expected}
        from_volunteers = defaultdict(Decimal)
        for row in hours_report(user, ("volunteer",), **filters):
            from_volunteers[row["home_station"]] += Decimal(row["hours"])
        assert {k: v for k, v in from_volunteers.items() if v} == {k: v for k, v in by_station.items() if v}
        transaction.set_rollback(True)
