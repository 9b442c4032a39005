"""The groupings the export serves from the rollups give the rows the records give.

Hours by station and month, by category, and by volunteer and team (whole years) read the rollups
where they answer exactly; for random records, callers, units and periods of whole months,
each report equals the same report made from the records (the rollups switched off), row
for row and in order, star levels included.
"""

import calendar
import datetime
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.models import RecordStatus, ServiceCategory
from reports.statistics import hours
from reports.statistics.hours import hours_report
from tests.conftest import make_manager, make_volunteer
from tests.stats.conftest import local, make_event, record


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(datetime.datetime(2027, 6, 1, 12, tzinfo=datetime.UTC), tick=False):
        yield


DAYS = [datetime.date(2026, 1, 1) + datetime.timedelta(days=n) for n in range(0, 400, 23)]
CATEGORIES = [ServiceCategory.ENVIRONMENT, ServiceCategory.CULTURE, ServiceCategory.THEORY]
MONTHS = [datetime.date(2025 + n // 12, n % 12 + 1, 1) for n in range(10, 28)]  # 2025-11 .. 2027-04
GROUPINGS = [("station", "month"), ("category",), ("volunteer",), ("team",)]


def month_end(first: datetime.date) -> datetime.date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


@pytest.fixture
def world(tree, django_user_model):
    stations = ["S1", "S2", "S3", "S4"]
    volunteers = [make_volunteer(tree[stations[n % 4]], "群众") for n in range(6)]
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


def from_records(user, group_by, **filters) -> list[dict]:
    with mock.patch.object(hours, "rollup_plan", return_value=None):
        return list(hours_report(user, group_by, **filters))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    records=st.lists(
        st.tuples(
            st.integers(0, 5),
            st.integers(0, 9),
            # Up to 150 hours a record, so lifetimes cross the star levels' thresholds.
            st.sampled_from([Decimal("0.50"), Decimal("2.25"), Decimal("40"), Decimal("150")]),
            st.sampled_from([RecordStatus.APPROVED] * 3 + [RecordStatus.PENDING, RecordStatus.REJECTED]),
        ),
        max_size=25,
        unique_by=lambda r: (r[0], r[1]),
    ),
    caller=st.sampled_from(["admin", "center", "institute", "station"]),
    unit=st.sampled_from([None, "C", "I1", "S2", "C2"]),
    first=st.none() | st.sampled_from(MONTHS),
    months=st.none() | st.integers(0, 17),
    for_file=st.booleans(),
)
def test_rollup_served_groupings_equal_the_records(world, records, caller, unit, first, months, for_file):
    tree, volunteers, events, callers = world
    user = callers[caller]
    last = None if months is None else (first or MONTHS[0]).replace(day=1)
    if last is not None:
        for _ in range(months):
            last = (last + datetime.timedelta(days=32)).replace(day=1)
    filters = {"date_from": first, "date_to": None if last is None else month_end(last), "for_file": for_file}
    if filters["date_from"] and filters["date_to"] and filters["date_to"] < filters["date_from"]:
        return
    if unit is not None:
        roles = user.unit_roles.values_list("unit__path", flat=True)
        if caller != "admin" and not any(tree[unit].path.startswith(path) for path in roles):
            return
        filters["unit"] = tree[unit]
    with transaction.atomic():
        for v, e, hours_, status in records:
            record(volunteers[v], events[e], str(hours_), at=events[e].starts_at, status=status)
        for group_by in GROUPINGS:
            served = hours_report(user, group_by, **filters)
            whole_years = (first is None or first.month == 1) and (last is None or last.month == 12)
            if caller in ("admin", "center") and (group_by in GROUPINGS[:2] or whole_years):
                # The rollups answer these, so the comparison compares two ways of counting.
                assert "reports_" in str(served.rows.query), group_by
            assert list(served) == from_records(user, group_by, **filters), group_by
        transaction.set_rollback(True)
