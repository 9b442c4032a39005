"""Rollup periods: whole years read from year rows, the rest from months, never both."""

import datetime
import itertools
from decimal import Decimal

import pytest

from reports.models import UnitHours
from reports.rollups import reading
from tests.reports import rollup_reference


@pytest.fixture
def months(tree):
    # Every month of 2025-2027 holds one record of (month number) hours at S1, and the
    # year rows hold their months' sums, as the upkeep writes them.
    for year in (2025, 2026, 2027):
        for unit in (tree["S1"], tree["I1"], tree["C"]):
            for month in range(1, 13):
                UnitHours.objects.create(unit=unit, year=year, month=month, hours=month, records=1)
            UnitHours.objects.create(unit=unit, year=year, month=0, hours=78, records=12)
    return tree


def expected(first: datetime.date | None, last: datetime.date | None) -> tuple[Decimal, int]:
    hours, records = Decimal(0), 0
    for year, month in itertools.product((2025, 2026, 2027), range(1, 13)):
        day = datetime.date(year, month, 1)
        if (first is None or day >= first) and (last is None or day <= last):
            hours, records = hours + month, records + 1
    return hours, records


BOUNDS = [None] + [datetime.date(year, month, 1) for year in (2025, 2026, 2027) for month in (1, 2, 6, 11, 12)]


@pytest.mark.parametrize("first", BOUNDS)
def test_any_month_range_adds_each_month_once(months, first):
    reach = reading.Reach(months["I1"])
    for last in BOUNDS:
        if first and last and last < first:
            continue
        totals = reading.totals(reach, first, last)
        assert (totals.hours, totals.records) == expected(first, last), (first, last)
        by_month = reading.hours_by_month(reach, first, last)
        assert sum(row.records for row in by_month) == expected(first, last)[1]


def test_month_span_takes_only_whole_months():
    assert reading.month_span(datetime.date(2026, 3, 1), datetime.date(2026, 4, 30)) == (
        datetime.date(2026, 3, 1),
        datetime.date(2026, 4, 1),
    )
    assert reading.month_span(None, datetime.date(2024, 2, 29)) == (None, datetime.date(2024, 2, 1))
    assert reading.month_span(datetime.date(2026, 3, 2), None) is None
    assert reading.month_span(None, datetime.date(2026, 4, 29)) is None


def test_unit_rows_follow_the_tree(months):
    reach = reading.Reach(months["C"])
    stations = rollup_reference.hours_by_unit(reach, "station", datetime.date(2026, 1, 1), datetime.date(2026, 12, 1))
    assert [(row.name, row.hours, row.records) for row in stations] == [(months["S1"].name, Decimal(78), 12)]
    with_empty = rollup_reference.hours_by_unit(reach, "station", datetime.date(2026, 1, 1), include_empty=True)
    assert [row.records for row in with_empty] == [24, 0, 0]
    monthly = rollup_reference.hours_by_unit(reach, "institute", datetime.date(2027, 11, 1), by_month=True)
    assert [(row.month, row.hours) for row in monthly] == [
        (datetime.date(2027, 11, 1), Decimal(11)),
        (datetime.date(2027, 12, 1), Decimal(12)),
    ]
    # A manager of I1 counts only records of events inside I1: none were written so.
    scoped = reading.Reach(months["S1"], months["I1"])
    assert reading.totals(scoped).records == 0
    assert reading.volunteer_counts(scoped, year=2026, since=datetime.date(2026, 1, 1)) == reading.VolunteerCounts(
        served=0, reaching_target=0, active=0
    )
    assert rollup_reference.volunteer_counts_by_unit(reach, "institute", year=2026) == []
    assert reading.registered(None, until_year=2026).volunteers == 0
    assert rollup_reference.registered_by_unit(months["C"], "station", until_year=2026) == []
    assert reading.hours_by_category(reach) == []
