"""The dashboard's rollup figures per unit read one ORM query each: the reference that
``reports.rollups.reading.month_figures_by_unit`` (one SQL statement) is held equal to."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Sum

from reports.models import UnitActivity, UnitHours, UnitVolunteers
from reports.rollups.reading import (
    ZERO,
    Reach,
    _activity_measures,
    _activity_wanted,
    _count_measures,
    _counted,
    _measures,
    _volunteer_years,
    _years_wanted,
    months_q,
    period_q,
)
from stations.models import Level, PracticeUnit
from stations.scoping import under

# From a home station up to the unit of a level, as a lookup.
UP_FROM_STATION: dict[str, str] = {
    Level.STATION: "station",
    Level.INSTITUTE: "station__parent",
    Level.CENTER: "station__parent__parent",
}


@dataclass(frozen=True)
class UnitHoursRow:
    unit_id: int
    name: str
    path: str
    parent_id: int | None
    hours: Decimal
    records: int
    month: datetime.date | None = None


@dataclass(frozen=True)
class UnitCountsRow:
    unit_id: int
    name: str
    path: str
    served: int | None = None
    reaching_target: int | None = None
    active: int | None = None


@dataclass(frozen=True)
class UnitRegisteredRow:
    unit_id: int
    name: str
    path: str
    volunteers: int


def hours_by_unit(
    reach: Reach,
    level: str,
    month_from: datetime.date | None = None,
    month_to: datetime.date | None = None,
    *,
    by_month: bool = False,
    include_empty: bool = False,
) -> list[UnitHoursRow]:
    """Approved hours per unit of ``level`` under the reach's unit, in tree order."""
    rows = UnitHours.objects.filter(unit__level=level)
    if reach.unit is not None:
        rows = rows.filter(under(reach.unit, "unit__path"))
    keys = ["unit_id", "unit__name", "unit__path", "unit__parent_id"]
    if by_month:
        rows = rows.filter(months_q(month_from, month_to))
        keys += ["year", "month"]
    else:
        rows = rows.filter(period_q(month_from, month_to))
    grouped = (
        rows.values(*keys).annotate(**_measures(reach.prefix)).filter(s_records__gt=0).order_by("unit__path", *keys[4:])
    )
    result = [
        UnitHoursRow(
            unit_id=row["unit_id"],
            name=row["unit__name"],
            path=row["unit__path"],
            parent_id=row["unit__parent_id"],
            hours=row["s_hours"],
            records=row["s_records"],
            month=datetime.date(row["year"], row["month"], 1) if by_month else None,
        )
        for row in grouped
    ]
    if not include_empty or by_month:
        return result
    found = {row.unit_id: row for row in result}
    units = PracticeUnit.objects.filter(level=level)
    if reach.unit is not None:
        units = units.subtree_of(reach.unit)
    return [
        found.get(unit_id) or UnitHoursRow(unit_id, name, path, parent_id, ZERO, 0)
        for unit_id, name, path, parent_id in units.order_by("path").values_list("id", "name", "path", "parent_id")
    ]


def volunteer_counts_by_unit(
    reach: Reach,
    level: str,
    *,
    year: int | None = None,
    since: datetime.date | None = None,
    target: Decimal | int | None = None,
) -> list[UnitCountsRow]:
    """``volunteer_counts`` per unit of ``level`` under the reach's unit, in tree order."""
    if year is None and since is None:
        return []
    if _counted(since, target):
        measures = _activity_measures(reach, year, since)
        activity = UnitActivity.objects.filter(unit__level=level)
        if reach.unit is not None:
            activity = activity.filter(under(reach.unit, "unit__path"))
        grouped = (
            activity.filter(_activity_wanted(year, since))
            .values(s_unit=F("unit_id"), s_name=F("unit__name"), s_path=F("unit__path"))
            .annotate(**measures)
            .order_by("s_path")
        )
    else:
        measures = _count_measures(reach, year, since, target)
        up = UP_FROM_STATION[level]
        grouped = (
            _volunteer_years(reach)
            .filter(_years_wanted(year, since))
            .values(s_unit=F(f"{up}__id"))
            .annotate(s_name=F(f"{up}__name"), s_path=F(f"{up}__path"), **measures)
            .order_by("s_path")
        )
    return [
        UnitCountsRow(row["s_unit"], row["s_name"], row["s_path"], **{key: row[key] for key in measures})
        for row in grouped
        if any(row[key] for key in measures)
    ]


def registered_by_unit(unit: PracticeUnit | None, level: str, *, until_year: int) -> list[UnitRegisteredRow]:
    """Registered volunteers per unit of ``level`` under ``unit``, in tree order; units with none left out."""
    rows = UnitVolunteers.objects.filter(unit__level=level, registered_year__lte=until_year)
    if unit is not None:
        rows = rows.filter(under(unit, "unit__path"))
    grouped = (
        rows.values("unit_id", "unit__name", "unit__path")
        .annotate(n=Sum("volunteers"))
        .filter(n__gt=0)
        .order_by("unit__path")
    )
    return [UnitRegisteredRow(row["unit_id"], row["unit__name"], row["unit__path"], row["n"]) for row in grouped]
