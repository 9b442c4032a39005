"""Rollups equal a from-scratch aggregation of the records, whatever happened to them.

Random histories of approvals, rejections, corrections, bulk approvals, check-outs of
auto-approved events, volunteers moving station or registering, events given another
unit or category, and a station moved to another institute.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.errors import DomainError
from events import services
from events.models import Event, EventStatus, Method, RecordStatus, ServiceCategory, ServiceRecord
from reports.models import HoursRollup, UnitActivity, UnitHours, UnitVolunteers, VolunteerYear
from reports.rollups import reading
from stations.models import PATH_STEP, PracticeUnit
from tests.conftest import make_volunteer
from tests.reports import rollup_reference
from tests.reports.rollups import assert_rollups_match, day, expected
from volunteers.models import Volunteer

CENT = Decimal("0.01")

STATIONS = ["S1", "S2", "S3", "S4"]
EVENT_UNITS = ["S1", "S2", "I1", "C", "S3", "S4", "C2", "I2"]
CATEGORIES = [ServiceCategory.ENVIRONMENT, ServiceCategory.CULTURE, ServiceCategory.THEORY]
# Local start times around a year's and a month's end: the month is the local one.
STARTS = [
    day(2025, 12, 31, 20),
    day(2026, 1, 1, 7),
    day(2026, 1, 31, 23),
    day(2026, 2, 1, 6),
    day(2026, 2, 14),
    day(2026, 3, 3),
    day(2026, 7, 7),
    day(2027, 1, 2),
]
AUTO_DAY = day(2026, 5, 20)
VOLUNTEERS = 5
LATER = day(2030, 1, 1)


def make_event(unit, n: int, starts_at, **extra) -> Event:
    values = {"status": EventStatus.FINISHED, **extra}
    return Event.objects.create(
        unit=unit,
        title=f"活动{n}",
        category=CATEGORIES[n % 3],
        address="广场",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=3),
        signup_required=False,
        **values,
    )


@pytest.fixture
def world(tree, django_user_model, settings):
    # Low enough for some volunteers to reach it in a history.
    settings.ANNUAL_HOURS_TARGET = 3
    volunteers = [make_volunteer(tree[STATIONS[n % 4]], f"志愿者{n}") for n in range(VOLUNTEERS)]
    events = [make_event(tree[unit], n, STARTS[n]) for n, unit in enumerate(EVENT_UNITS)]
    auto = make_event(tree["S2"], 9, AUTO_DAY, approval_required=False, status=EventStatus.PUBLISHED)
    records = []
    for v, volunteer in enumerate(volunteers):
        for e, event in enumerate(events):
            if (v + e) % 3 == 0:
                continue
            start = event.starts_at + datetime.timedelta(minutes=10 * v)
            records.append(
                ServiceRecord.objects.create(
                    event=event,
                    volunteer=volunteer,
                    checked_in_at=start,
                    checked_out_at=start + datetime.timedelta(minutes=30 + 20 * e),
                    credited_hours=(Decimal(30 + 20 * e + 5 * v) / 60).quantize(Decimal("0.01")),
                    method=Method.EVENT_QR,
                    status=RecordStatus.PENDING,
                )
            )
        ServiceRecord.objects.create(
            event=auto, volunteer=volunteer, checked_in_at=AUTO_DAY, method=Method.EVENT_QR, status=RecordStatus.OPEN
        )
    reviewers = [django_user_model.objects.create_superuser(f"1380000000{n}", "x", name=f"管理员{n}") for n in range(2)]
    return {"volunteers": volunteers, "events": events, "auto": auto, "records": records, "reviewers": reviewers}


record_index = st.integers(0, 200)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("approve"), record_index, st.integers(0, 1)),
        st.tuples(st.just("approve"), record_index, st.integers(0, 1)),
        st.tuples(st.just("reject"), record_index),
        st.tuples(st.just("bulk"), st.lists(record_index, max_size=8)),
        st.tuples(st.just("correct"), record_index, st.integers(5, 150)),
        st.tuples(st.just("scan_out"), st.integers(0, VOLUNTEERS - 1), st.integers(20, 200)),
        st.tuples(st.just("move"), st.integers(0, VOLUNTEERS - 1), st.sampled_from(STATIONS)),
        st.tuples(
            st.just("edit_event"), st.integers(0, len(EVENT_UNITS) - 1), st.sampled_from(EVENT_UNITS), st.integers(0, 2)
        ),
        st.tuples(st.just("reparent"), st.sampled_from(["I1", "I2"])),
        st.tuples(st.just("register"), st.sampled_from(STATIONS)),
    ),
    max_size=25,
)


def run(world, tree, operation) -> None:
    kind, *args = operation
    records, reviewers = world["records"], world["reviewers"]
    pick = lambda n: ServiceRecord.objects.get(pk=records[n % len(records)].pk)  # noqa: E731
    if kind == "approve":
        services.approve_record(pick(args[0]), by=reviewers[args[1]])
    elif kind == "reject":
        services.reject_record(pick(args[0]), by=reviewers[0], reason="不实")
    elif kind == "bulk":
        services.bulk_approve([pick(n) for n in args[0]], by=reviewers[0])
    elif kind == "correct":
        record = pick(args[0])
        out = record.checked_in_at + datetime.timedelta(minutes=args[1])
        services.correct_record_times(record, by=reviewers[1], reason="补正", checked_out_at=out, now=LATER)
    elif kind == "scan_out":
        volunteer = world["volunteers"][args[0]]
        at = AUTO_DAY + datetime.timedelta(minutes=args[1])
        services.record_scan(volunteer, world["auto"], "out", method=Method.VOLUNTEER_QR, at=at)
    elif kind == "move":
        volunteer = Volunteer.objects.get(pk=world["volunteers"][args[0]].pk)
        volunteer.home_station = tree[args[1]]
        volunteer.save()
    elif kind == "edit_event":
        event = Event.objects.get(pk=world["events"][args[0]].pk)
        event.unit, event.category = tree[args[1]], CATEGORIES[args[2]]
        event.save()
    elif kind == "reparent":
        station = PracticeUnit.objects.get(pk=tree["S2"].pk)
        station.parent = PracticeUnit.objects.get(pk=tree[args[0]].pk)
        station.save()
    elif kind == "register":
        make_volunteer(tree[args[0]], "新人")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=operations)
def test_rollups_equal_the_records_after_any_history(world, tree, monkeypatch, history):
    with transaction.atomic():
        for operation in history:
            try:
                with transaction.atomic():
                    run(world, tree, operation)
            except DomainError:
                pass
        assert_rollups_match()
        # The figures read from the rollups are those of the records.
        approved = ServiceRecord.objects.filter(status=RecordStatus.APPROVED)
        totals = reading.totals(reading.Reach())
        assert (totals.hours, totals.records) == (
            sum((r.credited_hours for r in approved), Decimal(0)),
            approved.count(),
        )
        assert_counts_agree(tree, monkeypatch)
        assert_month_figures_agree(tree)
        transaction.set_rollback(True)


def assert_counts_agree(tree, monkeypatch) -> None:
    """Volunteer counts from UnitActivity equal those counted over the volunteers' yearly rows."""
    reaches = [
        reading.Reach(),
        reading.Reach(PracticeUnit.objects.get(pk=tree["C"].pk), PracticeUnit.objects.get(pk=tree["C"].pk)),
        reading.Reach(PracticeUnit.objects.get(pk=tree["I1"].pk), PracticeUnit.objects.get(pk=tree["C"].pk)),
        reading.Reach(PracticeUnit.objects.get(pk=tree["S1"].pk), PracticeUnit.objects.get(pk=tree["S1"].pk)),
    ]

    def counts():
        found = []
        for reach in reaches:
            for since in (datetime.date(2025, 12, 1), datetime.date(2026, 2, 1), datetime.date(2027, 1, 1)):
                found.append(reading.volunteer_counts(reach, year=2026, since=since))
                found.append(rollup_reference.volunteer_counts_by_unit(reach, "station", year=2026, since=since))
                if reach.unit is None or reach.unit.level != "station":
                    found.append(rollup_reference.volunteer_counts_by_unit(reach, "institute", year=2025, since=since))
        return found

    fast = counts()
    with monkeypatch.context() as patch:
        patch.setattr(reading, "_counted", lambda since, target: False)
        assert fast == counts()


def assert_month_figures_agree(tree) -> None:
    """The dashboard's one-statement month figures equal the rollup functions read one by one."""
    center = PracticeUnit.objects.get(pk=tree["C"].pk)
    institute = PracticeUnit.objects.get(pk=tree["I1"].pk)
    reaches = [reading.Reach(), reading.Reach(center, center), reading.Reach(institute, center)]
    for reach in reaches:
        for level in ("center", "institute", "station"):
            for month in (datetime.date(2026, 2, 1), datetime.date(2026, 12, 1)):
                since = datetime.date(month.year - (month.month < 12), month.month % 12 + 1, 1)  # 12 months
                found = reading.month_figures_by_unit(reach, level, month, active_since=since)
                assert found == one_by_one(reach, level, month, since), (reach, level, month)


def one_by_one(reach, level: str, month: datetime.date, since: datetime.date) -> list:
    depth = PATH_STEP * (1 + ("center", "institute", "station").index(level))
    rows: dict = defaultdict(dict)
    for row in rollup_reference.registered_by_unit(reach.unit, level, until_year=month.year):
        rows[row.path]["registered"] = row.volunteers
    # SQLite sums decimals as floats (0.670000000000001): hours are compared to the cent, as shown.
    for row in rollup_reference.hours_by_unit(reach, level, month, month):
        rows[row.path]["month_hours"] = row.hours.quantize(CENT)
    for row in rollup_reference.hours_by_unit(reach, level, month.replace(month=1), month):
        rows[row.path]["year_hours"] = row.hours.quantize(CENT)
    for row in rollup_reference.hours_by_unit(reach, "station", month, month):
        served = rows[row.path[:depth]]
        served["served_stations"] = served.get("served_stations", 0) + 1
    for row in rollup_reference.volunteer_counts_by_unit(reach, level, year=month.year, since=since):
        rows[row.path].update(active=row.active, reaching_target=row.reaching_target)
    figures = [reading.UnitMonthFigures(path, **values) for path, values in sorted(rows.items())]
    return [row for row in figures if any(getattr(row, name) for name in vars(row) if name != "path")]


def test_rebuild_repairs_a_tampered_rollup(world, tree, capsys):
    reviewer = world["reviewers"][0]
    services.bulk_approve(world["records"][:12], by=reviewer)
    services.reject_record(world["records"][3], by=reviewer, reason="不实")
    assert_rollups_match()
    assert UnitActivity.objects.filter(reaching_target__gt=0).exists()
    good = expected()
    HoursRollup.objects.filter(pk=HoursRollup.objects.values("pk")[:1]).update(hours=999, records=7)
    UnitHours.objects.filter(month=0).delete()
    VolunteerYear.objects.update(last_served=datetime.date(2000, 1, 1))
    UnitVolunteers.objects.filter(star_level=0).update(volunteers=0)
    UnitActivity.objects.filter(month=0).update(served=5)
    with pytest.raises(AssertionError):
        assert_rollups_match()

    call_command("rebuild_rollups")

    assert_rollups_match()
    assert expected() == good
    assert "hoursrollup" in capsys.readouterr().out
