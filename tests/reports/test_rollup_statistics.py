"""Statistics read from the rollups answer exactly as when read from the records."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.models import RecordStatus, ServiceCategory
from reports.statistics import hours
from stations.models import UnitManager
from stations.scoping import managed_q
from tests.conftest import make_manager, make_volunteer
from tests.stats.conftest import local, make_event, record
from volunteers.models import Volunteer

CATEGORIES = [ServiceCategory.ENVIRONMENT, ServiceCategory.CULTURE, ServiceCategory.THEORY]
DAYS = ["2025-11-30", "2025-12-31", "2026-01-01", "2026-02-28", "2026-03-01", "2026-06-15", "2026-12-31", "2027-01-05"]
MONTHS = [datetime.date(2025, 11, 1) + datetime.timedelta(days=31 * n) for n in range(16)]


def first_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def last_of(day: datetime.date) -> datetime.date:
    following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


@pytest.fixture
def world(tree, django_user_model):
    volunteers = [make_volunteer(tree[["S1", "S2", "S3", "S4"][n % 4]], f"志愿者{n}") for n in range(7)]
    units = ["S1", "S2", "I1", "C", "S3", "S4", "C2", "I2"]
    events = [
        make_event(tree[unit], f"活动{n}", CATEGORIES[n % 3], local(DAYS[n], 22 if n % 2 else 8))
        for n, unit in enumerate(units)
    ]
    two_roots = make_manager(django_user_model, tree["S1"], "两站")
    UnitManager.objects.create(user=two_roots, unit=tree["S3"])
    nested = make_manager(django_user_model, tree["C"], "中心兼所")
    UnitManager.objects.create(user=nested, unit=tree["I1"])
    callers = {
        "admin": django_user_model.objects.create_superuser("13800000009", "x", name="管理员"),
        "center": make_manager(django_user_model, tree["C"], "中心"),
        "institute": make_manager(django_user_model, tree["I1"], "所"),
        "station": make_manager(django_user_model, tree["S1"], "站"),
        "two_roots": two_roots,
        "nested": nested,
    }
    return tree, volunteers, events, callers


def registered_from_records(user, scope, year: int) -> tuple[int, dict[str, int]]:
    volunteers = Volunteer.objects.filter(created_at__lt=local(f"{year + 1}-01-01", 0))
    if not user.is_superuser:
        volunteers = volunteers.filter(managed_q(user, "home_station__path"))
    if scope is not None:
        volunteers = volunteers.filter(home_station__path__startswith=scope.path)
    stars = {str(level): 0 for level in range(6)}
    for (level,) in volunteers.with_hours().values_list("star_level"):
        stars[str(level)] += 1
    return volunteers.count(), stars


def from_records(monkeypatch, call):
    with monkeypatch.context() as patch:
        patch.setattr(hours, "rollup_plan", lambda *args, **kwargs: None)
        return call()


histories = st.lists(
    st.tuples(
        st.integers(0, 6),
        st.integers(0, 7),
        st.integers(0, 24).map(lambda q: Decimal(q) / 4),
        st.sampled_from([RecordStatus.APPROVED] * 3 + [RecordStatus.PENDING, RecordStatus.REJECTED]),
    ),
    max_size=25,
    unique_by=lambda r: (r[0], r[1]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    history=histories,
    caller=st.sampled_from(["admin", "center", "institute", "station", "two_roots", "nested"]),
    unit=st.sampled_from([None, "C", "I1", "S1", "S2", "C2"]),
    first=st.none() | st.sampled_from(MONTHS),
    span=st.none() | st.integers(0, 14),
    group_by=st.sampled_from([("station",), ("institute",), ("center",), ("month",)]),
)
def test_reports_from_the_rollups_equal_those_from_the_records(
    world, monkeypatch, history, caller, unit, first, span, group_by
):
    tree, volunteers, events, callers = world
    user = callers[caller]
    scope = tree[unit] if unit else None
    roles = [role.unit.path for role in user.unit_roles.all()]
    if scope is not None and not user.is_superuser and not any(scope.path.startswith(path) for path in roles):
        return  # outside the caller's scope: the API answers 404
    date_from = first_of(first) if first else None
    date_to = last_of((first or MONTHS[0]) + datetime.timedelta(days=31 * span)) if span is not None else None
    filters = {"date_from": date_from, "date_to": date_to, "unit": scope}
    with transaction.atomic():
        for v, e, amount, status in history:
            record(volunteers[v], events[e], str(amount), status=status)

        report = hours.hours_report(user, group_by, **filters)
        raw = from_records(monkeypatch, lambda: hours.hours_report(user, group_by, **filters))
        assert list(report.rows) == list(raw.rows)
        assert report.count() == raw.count()
        totals = hours.report_totals(user, **filters, categories=[])
        assert totals == from_records(monkeypatch, lambda: hours.report_totals(user, **filters, categories=[]))
        for year in (2025, 2026):
            summary = hours.year_summary(user, unit=scope, year=year)
            assert summary == from_records(monkeypatch, lambda y=year: hours.year_summary(user, unit=scope, year=y))
            assert (summary["registered_volunteers"], summary["star_levels"]) == registered_from_records(
                user, scope, year
            )
        transaction.set_rollback(True)
