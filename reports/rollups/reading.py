"""Reading the rollups (``reports.models``): hours and volunteer counts without scanning records.

Whose service counts is a ``Reach``: the volunteers registered under ``unit``
(None: everybody) at events organised under ``events_in`` (None: anywhere).
``events_in`` must be ``unit`` itself or one of its ancestors; that is what a
manager of one unit sees (``reach_for``). A manager of several separate units
gets None from ``reach_for``: their records are not a sum of rollup rows, so the
caller reads the records (or ``HoursRollup`` with both paths) instead.

Periods are whole months: ``month_from`` and ``month_to`` are first days of
months, both included, None for open. ``month_span(date_from, date_to)`` turns a
date range into that, or None when the range cuts a month (read the records then).

Functions (every row a frozen dataclass with named fields):

- ``reach_for(who, unit=None) -> Reach | None``: ``who`` a user or a ``stations.scoping.Scope``
- ``month_span(date_from, date_to) -> tuple[date | None, date | None] | None``
- ``month_figures_by_unit(reach, level, month, *, active_since) -> list[UnitMonthFigures]``: the
  dashboard's month per unit of ``level``: registered volunteers, hours of the month and of the year
  up to it, stations below with records in the month, active volunteers and those reaching the target
- ``totals(reach, month_from=None, month_to=None) -> Totals`` (hours, records)
- ``hours_by_month(reach, month_from=None, month_to=None) -> list[MonthRow]``, months with records only
- ``hours_by_category(reach, month_from=None, month_to=None) -> list[CategoryRow]``
- ``volunteer_counts(reach, *, year=None, since=None, target=None) -> VolunteerCounts``:
  ``served`` (volunteers with an approved record in ``year``), ``reaching_target``
  (their hours in ``year`` at least ``target``, default ``settings.ANNUAL_HOURS_TARGET``),
  ``active`` (served on or after the date ``since``, e.g. 12 months ago); a count is
  None when its argument is missing.
- ``volunteers_served(reach, first_year=None, last_year=None) -> int``: distinct volunteers over years
- ``registered(unit, *, until_year) -> Registered``: volunteers registered under
  ``unit`` (None: all) up to the end of ``until_year``, and their current star levels
- ``period_q(month_from, month_to, prefix="")``, ``months_q(month_from, month_to)``, ``unit_rows(reach)``,
  ``fact_rows(reach, month_from, month_to)``: the rows themselves, for callers that group them their way

Volunteer counts come from ``UnitActivity`` (a few rows per unit) for the settings'
annual target and a ``since`` on a month's first day, otherwise from the volunteers'
yearly rows. Star levels and the annual target are counted with the settings of the
last change or rebuild: after changing ``STAR_THRESHOLDS_HOURS`` or
``ANNUAL_HOURS_TARGET``, run ``manage.py rebuild_rollups``.
"""

from __future__ import annotations

import calendar
import datetime
import functools
import operator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum

from reports.models import HoursRollup, UnitActivity, UnitHours, UnitVolunteers, VolunteerYear
from stations.models import PATH_STEP, Level, PracticeUnit
from stations.scoping import Scope, is_under, under

ZERO = Decimal("0.00")
LEVELS = (Level.CENTER, Level.INSTITUTE, Level.STATION)


@dataclass(frozen=True)
class Reach:
    unit: PracticeUnit | None = None
    events_in: PracticeUnit | None = None

    def __post_init__(self) -> None:
        if self.events_in is not None and (self.unit is None or not is_under(self.unit, self.events_in)):
            raise ValueError("events_in must be the unit or one of its ancestors")

    @property
    def prefix(self) -> str:
        """The measure's column prefix: all records, or those of events in the own center/institute/station."""
        return "" if self.events_in is None else f"{self.events_in.level}_"


@dataclass(frozen=True)
class UnitMonthFigures:
    path: str
    registered: int = 0
    month_hours: Decimal = ZERO
    year_hours: Decimal = ZERO
    served_stations: int = 0
    active: int = 0
    reaching_target: int = 0


@dataclass(frozen=True)
class Totals:
    hours: Decimal
    records: int


@dataclass(frozen=True)
class MonthRow:
    month: datetime.date
    hours: Decimal
    records: int


@dataclass(frozen=True)
class CategoryRow:
    category: str
    hours: Decimal
    records: int


@dataclass(frozen=True)
class VolunteerCounts:
    served: int | None = None
    reaching_target: int | None = None
    active: int | None = None


@dataclass(frozen=True)
class Registered:
    volunteers: int
    star_levels: dict[int, int] = field(default_factory=dict)


def reach_for(who, unit: PracticeUnit | None = None) -> Reach | None:
    """The reach of a caller's statistics (optionally narrowed to ``unit``), or None if rollups cannot answer.

    ``who`` is a user or a ``Scope``. Admins (and ``Scope()``): every record. A manager:
    their subtree's volunteers at their subtree's events, which rollups hold only when
    the subtrees have one root.
    """
    scope = Scope.of(who)
    if scope.roots is None:
        return Reach(unit)
    if len(scope.roots) != 1:
        return None
    root = scope.roots[0]
    if unit is None:
        return Reach(root, root)
    if not is_under(unit, root):
        return None
    return Reach(unit, root)


def month_span(
    date_from: datetime.date | None, date_to: datetime.date | None
) -> tuple[datetime.date | None, datetime.date | None] | None:
    """The whole months a date range covers, or None when it starts or ends inside a month."""
    if date_from is not None and date_from.day != 1:
        return None
    if date_to is not None and date_to.day != calendar.monthrange(date_to.year, date_to.month)[1]:
        return None
    return date_from, (date_to.replace(day=1) if date_to is not None else None)


def period_q(month_from: datetime.date | None, month_to: datetime.date | None, prefix: str = "") -> Q:
    """``UnitHours`` rows that add up to the period: whole years by their year row, the rest by month.

    ``prefix`` reaches the rows through a relation, e.g. ``"rollup_hours__"`` from a unit.
    """

    def q(**lookups) -> Q:
        return Q(**{f"{prefix}{name}": value for name, value in lookups.items()})

    first_year = None if month_from is None else month_from.year + (month_from.month != 1)
    last_year = None if month_to is None else month_to.year - (month_to.month != 12)
    whole_years = q(month=0)
    if first_year is not None:
        whole_years &= q(year__gte=first_year)
    if last_year is not None:
        whole_years &= q(year__lte=last_year)
    result = whole_years if first_year is None or last_year is None or first_year <= last_year else q(pk__in=[])
    same_year = month_from is not None and month_to is not None and month_from.year == month_to.year
    if month_from is not None and month_from.month != 1:
        end = month_to.month if same_year and month_to is not None else 12
        result |= q(year=month_from.year, month__gte=month_from.month, month__lte=end)
    if (
        month_to is not None
        and month_to.month != 12
        and not (same_year and month_from is not None and month_from.month != 1)
    ):
        start = month_from.month if same_year and month_from is not None else 1
        result |= q(year=month_to.year, month__gte=start, month__lte=month_to.month)
    return result


def months_q(month_from: datetime.date | None, month_to: datetime.date | None, prefix: str = "") -> Q:
    """``UnitHours`` month rows (never year rows) inside the period; ``prefix`` as for ``period_q``."""

    def q(**lookups) -> Q:
        return Q(**{f"{prefix}{name}": value for name, value in lookups.items()})

    result = q(month__gte=1)
    if month_from is not None:
        result &= q(year__gt=month_from.year) | q(year=month_from.year, month__gte=month_from.month)
    if month_to is not None:
        result &= q(year__lt=month_to.year) | q(year=month_to.year, month__lte=month_to.month)
    return result


def unit_rows(reach: Reach) -> QuerySet:
    """``UnitHours`` of the reach's unit, or of every center when the reach is everybody."""
    if reach.unit is None:
        return UnitHours.objects.filter(unit__level=Level.CENTER)
    return UnitHours.objects.filter(unit=reach.unit)


def _measures(prefix: str) -> dict:
    return {
        "s_hours": Sum(f"{prefix}hours", default=ZERO),
        "s_records": Sum(f"{prefix}records", default=0),
    }


def month_figures_by_unit(
    reach: Reach, level: str, month: datetime.date, *, active_since: datetime.date
) -> list[UnitMonthFigures]:
    """A month's figures per unit of ``level`` under the reach's unit, from the four rollups in one statement.

    ``registered`` by the end of the month's year; ``month_hours`` and ``year_hours`` (the month, and
    its year up to it); ``served_stations``, the stations below with approved records in the month;
    ``active`` since ``active_since`` (a month's first day) and ``reaching_target`` in the year, as
    ``volunteer_counts`` counts them. Units with none of these are left out.

    SQL, in one round trip: as four ORM queries, building them cost a center's dashboard more than
    the database took to answer. The tests hold it equal to those queries
    (``tests/reports/rollup_reference.py``).
    """
    if reach.prefix not in {"", *(f"{each}_" for each in LEVELS)} or active_since.day != 1:
        raise ValueError("an unknown measure or a period that the rollups do not hold")
    p = reach.prefix
    depth = PATH_STEP * (LEVELS.index(Level(level)) + 1)
    quote = connection.ops.quote_name
    units, hours, activity, registered = (
        quote(model._meta.db_table) for model in (PracticeUnit, UnitHours, UnitActivity, UnitVolunteers)
    )
    # Paths are digits and slashes: a prefix match needs no escaping.
    scope, scope_params = ("AND u.path LIKE %s", [f"{reach.unit.path}%"]) if reach.unit is not None else ("", [])
    year, number = month.year, month.month
    # The year up to the month: its year row in December, else its month rows (see period_q).
    in_year, year_params = ("h.month = 0", []) if number == 12 else ("h.month BETWEEN 1 AND %s", [number])
    since = "a.month >= 1 AND (a.year > %s OR (a.year = %s AND a.month >= %s))"
    since_params = [active_since.year, active_since.year, active_since.month]
    sql = f"""
        SELECT 1, SUBSTR(u.path, 1, %s), SUM(v.volunteers), NULL, NULL
          FROM {registered} v INNER JOIN {units} u ON u.id = v.unit_id
         WHERE u.level = %s {scope} AND v.registered_year <= %s
         GROUP BY 2
        UNION ALL
        SELECT 2, SUBSTR(u.path, 1, %s), SUM(h.{p}hours) FILTER (WHERE h.month = %s),
               SUM(h.{p}hours) FILTER (WHERE {in_year}), SUM(h.{p}records) FILTER (WHERE {in_year})
          FROM {hours} h INNER JOIN {units} u ON u.id = h.unit_id
         WHERE u.level = %s {scope} AND h.year = %s AND (h.month = %s OR {in_year})
         GROUP BY 2
        UNION ALL
        SELECT 3, SUBSTR(u.path, 1, %s), COUNT(*), NULL, NULL
          FROM {hours} h INNER JOIN {units} u ON u.id = h.unit_id
         WHERE u.level = %s {scope} AND h.year = %s AND h.month = %s AND h.{p}records > 0
         GROUP BY 2
        UNION ALL
        SELECT 4, SUBSTR(u.path, 1, %s), SUM(a.{p}served) FILTER (WHERE a.year = %s AND a.month = 0),
               SUM(a.{p}reaching_target) FILTER (WHERE a.year = %s AND a.month = 0),
               SUM(a.{p}latest) FILTER (WHERE {since})
          FROM {activity} a INNER JOIN {units} u ON u.id = a.unit_id
         WHERE u.level = %s {scope} AND ((a.year = %s AND a.month = 0) OR ({since}))
         GROUP BY 2
    """  # noqa: S608 (table names, the reach's checked prefix and fixed conditions; values are parameters)
    params: list[int | str] = [depth, level, *scope_params, year]
    params += [depth, number, *year_params, *year_params, level, *scope_params, year, number, *year_params]
    params += [depth, Level.STATION, *scope_params, year, number]
    params += [depth, year, year, *since_params, level, *scope_params, year, *since_params]
    figures: dict[str, dict] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for source, path, first, second, third in cursor.fetchall():
            row = figures.setdefault(path, {})
            if source == 1:
                row["registered"] = int(first or 0)
            elif source == 2:
                if third:  # records in the year: units with none have no hours row
                    row["month_hours"], row["year_hours"] = _hours(first), _hours(second)
            elif source == 3:
                row["served_stations"] = int(first)
            else:
                row.update(active=int(third or 0), reaching_target=int(second or 0))
    return [UnitMonthFigures(path, **values) for path, values in sorted(figures.items()) if any(values.values())]


def _hours(value) -> Decimal:
    """A sum of hours as the ORM reads it: SQLite answers a float, PostgreSQL a Decimal."""
    if value is None:
        return ZERO
    return (value if isinstance(value, Decimal) else Decimal(str(value))).quantize(ZERO)


def totals(reach: Reach, month_from: datetime.date | None = None, month_to: datetime.date | None = None) -> Totals:
    """Approved hours and records of the reach in the period."""
    sums = unit_rows(reach).filter(period_q(month_from, month_to)).aggregate(**_measures(reach.prefix))
    return Totals(hours=sums["s_hours"], records=sums["s_records"])


def hours_by_month(
    reach: Reach, month_from: datetime.date | None = None, month_to: datetime.date | None = None
) -> list[MonthRow]:
    """Approved hours of the reach per month of the period, months without records left out."""
    rows = (
        unit_rows(reach)
        .filter(months_q(month_from, month_to))
        .values("year", "month")
        .annotate(**_measures(reach.prefix))
        .filter(s_records__gt=0)
        .order_by("year", "month")
    )
    return [MonthRow(datetime.date(row["year"], row["month"], 1), row["s_hours"], row["s_records"]) for row in rows]


def fact_rows(reach: Reach, month_from: datetime.date | None = None, month_to: datetime.date | None = None) -> QuerySet:
    """The ``HoursRollup`` rows of the reach in the period, to group as the caller needs."""
    rows = HoursRollup.objects.all()
    if reach.unit is not None:
        rows = rows.filter(under(reach.unit, "station__path"))
    if reach.events_in is not None:
        rows = rows.filter(under(reach.events_in, "event_unit__path"))
    if month_from is not None:
        rows = rows.filter(month__gte=month_from)
    if month_to is not None:
        rows = rows.filter(month__lte=month_to)
    return rows


def hours_by_category(
    reach: Reach, month_from: datetime.date | None = None, month_to: datetime.date | None = None
) -> list[CategoryRow]:
    """Approved hours of the reach per service category (code), categories without records left out."""
    rows = (
        fact_rows(reach, month_from, month_to)
        .values("category")
        .annotate(**_measures(""))
        .filter(s_records__gt=0)
        .order_by("category")
    )
    return [CategoryRow(row["category"], row["s_hours"], row["s_records"]) for row in rows]


def volunteers_served(reach: Reach, first_year: int | None = None, last_year: int | None = None) -> int:
    """Distinct volunteers of the reach with an approved record in the years (None: open)."""
    if first_year is not None and first_year == last_year:
        # Counted whenever a year is given.
        return cast(int, volunteer_counts(reach, year=first_year).served)
    rows = _volunteer_years(reach).filter(_scoped(reach))
    if first_year is not None:
        rows = rows.filter(year__gte=first_year)
    if last_year is not None:
        rows = rows.filter(year__lte=last_year)
    return rows.aggregate(n=Count("volunteer_id", distinct=True))["n"]


def _volunteer_years(reach: Reach) -> QuerySet:
    rows = VolunteerYear.objects.all()
    if reach.unit is not None:
        rows = rows.filter(under(reach.unit, "station__path"))
    return rows


def _scoped(reach: Reach, **lookups) -> Q:
    """A condition on ``VolunteerYear`` in the reach's measure; rows exist only for years with records."""
    served = {} if not reach.prefix else {f"{reach.prefix}records__gt": 0}
    return Q(**served, **{f"{reach.prefix}{name}": value for name, value in lookups.items()})


def _count_measures(reach: Reach, year: int | None, since: datetime.date | None, target) -> dict:
    measures = {}
    if year is not None:
        in_year = Q(year=year) & _scoped(reach)
        measures["served"] = Count("volunteer_id", filter=in_year)
        goal = Decimal(settings.ANNUAL_HOURS_TARGET if target is None else target)
        measures["reaching_target"] = Count("volunteer_id", filter=in_year & _scoped(reach, hours__gte=goal))
    if since is not None:
        recent = Q(year__gte=since.year) & _scoped(reach, last_served__gte=since)
        measures["active"] = Count("volunteer_id", filter=recent, distinct=True)
    return measures


def _years_wanted(year: int | None, since: datetime.date | None) -> Q:
    wanted = [Q(year=year)] if year is not None else []
    if since is not None:
        wanted.append(Q(year__gte=since.year))
    return functools.reduce(operator.or_, wanted)


def _counted(since: datetime.date | None, target) -> bool:
    """Whether UnitActivity holds these counts: kept for the settings' target, by whole months."""
    same_target = target is None or Decimal(target) == Decimal(settings.ANNUAL_HOURS_TARGET)
    return same_target and (since is None or since.day == 1)


def _activity_measures(reach: Reach, year: int | None, since: datetime.date | None) -> dict:
    prefix, measures = reach.prefix, {}
    if year is not None:
        in_year = Q(year=year, month=0)
        measures["served"] = Sum(f"{prefix}served", filter=in_year, default=0)
        measures["reaching_target"] = Sum(f"{prefix}reaching_target", filter=in_year, default=0)
    if since is not None:
        measures["active"] = Sum(f"{prefix}latest", filter=months_q(since, None), default=0)
    return measures


def _activity_wanted(year: int | None, since: datetime.date | None) -> Q:
    wanted = [Q(year=year, month=0)] if year is not None else []
    if since is not None:
        wanted.append(months_q(since, None))
    return functools.reduce(operator.or_, wanted)


def volunteer_counts(
    reach: Reach,
    *,
    year: int | None = None,
    since: datetime.date | None = None,
    target: Decimal | int | None = None,
) -> VolunteerCounts:
    """Volunteers of the reach who served in ``year`` (and reached ``target``), or served since ``since``.

    A few rows of UnitActivity, for the settings' target and a ``since`` on a month's
    first day; otherwise counted over the volunteers' yearly rows.
    """
    if year is None and since is None:
        return VolunteerCounts()
    if _counted(since, target):
        rows = (
            UnitActivity.objects.filter(unit=reach.unit)
            if reach.unit
            else UnitActivity.objects.filter(unit__level=Level.CENTER)
        )
        counts = rows.filter(_activity_wanted(year, since)).aggregate(**_activity_measures(reach, year, since))
        return VolunteerCounts(**counts)
    measures = _count_measures(reach, year, since, target)
    counts = _volunteer_years(reach).filter(_years_wanted(year, since)).aggregate(**measures)
    return VolunteerCounts(**counts)


def _registered_rows(unit: PracticeUnit | None, until_year: int) -> QuerySet:
    rows = UnitVolunteers.objects.filter(registered_year__lte=until_year)
    if unit is None:
        return rows.filter(unit__level=Level.CENTER)
    return rows.filter(unit=unit)


def registered(unit: PracticeUnit | None, *, until_year: int) -> Registered:
    """Volunteers registered under ``unit`` by the end of ``until_year``, and how many are at each star level."""
    stars = dict.fromkeys(range(len(settings.STAR_THRESHOLDS_HOURS) + 1), 0)
    rows = _registered_rows(unit, until_year).values("star_level").annotate(n=Sum("volunteers")).order_by()
    for row in rows:
        stars[row["star_level"]] = stars.get(row["star_level"], 0) + row["n"]
    return Registered(volunteers=sum(stars.values()), star_levels=stars)
