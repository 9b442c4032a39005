"""Approved service hours grouped across the hierarchy, aggregated in the database.

Definitions (docs/features.md states them too):

- Only approved records count. A record falls on the local date (Asia/Shanghai) of
  its check-in; ``date_to`` includes its whole day.
- The hierarchy groupings (station, institute, center) follow the volunteer's
  **home station**, so a station's total is the sum of its volunteers' rows, an
  institute's the sum of its stations', a center's the sum of its institutes'.
- A manager counts the records they review (events organised in their subtree,
  as ``ServiceRecord.objects.managed_by``) of volunteers registered in their
  subtree; admins count every record. A manager therefore never sees a row of a
  station outside their subtree. ``unit`` narrows to volunteers registered under it.
- Units with no hours are shown: grouped by station, institute, center or team, every
  one in the caller's scope has a row, with 0 hours if it has none.
- A volunteer in two teams counts for both, so team rows need not add up.
- A volunteer's star level comes from their approved lifetime hours, whatever the filters.

Each report is one grouped query (``HoursReport.rows``), iterated with a
server-side cursor, or handed whole to PostgreSQL's ``COPY`` for CSV. The grouping
keys are declared once, in ``GROUPINGS``.

Where the rollups (``reports.rollups.reading``) hold the answer, the query reads them instead
of the records: hours by station, institute or center, by month, by station and month,
by category, the totals and the year's summary, for whole months; by volunteer and by
team for whole years; without a category filter, for an admin or a manager of one
subtree. The rows are the same (tests/export_perf/test_rollup_groupings.py); other
reports read the records.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import (
    Case,
    Count,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Func,
    OuterRef,
    Q,
    RowRange,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import (
    Cast,
    Coalesce,
    Concat,
    FirstValue,
    Left,
    Length,
    LPad,
    Right,
    Substr,
    TruncMonth,
)
from django.db.models.lookups import Exact, GreaterThanOrEqual, In
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.bounded_fields import EARLIEST_DATE, LATEST_DATE, date_in_range, out_of_range_message
from accounts.errors import DomainError
from accounts.models import AnyUser
from events.models import Event, EventStatus, RecordStatus, ServiceCategory, ServiceRecord
from jobs.files import FORMULA_STARTS
from reports.models import UnitHours, VolunteerYear
from reports.rollups import reading
from stations.models import Level, PracticeUnit
from stations.scoping import Scope, under
from volunteers.models import Team, Volunteer

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CHUNK_ROWS = 2000
HOURS: models.DecimalField[Decimal, Decimal] = models.DecimalField(max_digits=14, decimal_places=2)


class StatsError(DomainError):
    messages = {
        "bad_group_by": _("Group by one or two of: {keys}."),
        "bad_period": _("The end date must not be before the start date."),
    }


class MonthLabel(Func):
    """``YYYY-MM`` of a truncated month, as text in every backend (also in COPY output)."""

    output_field = models.CharField()

    def as_sql(self, compiler, connection, **extra):
        return self.as_vendor(compiler, connection, "SUBSTR(CAST(%(expressions)s AS TEXT), 1, 7)")

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_vendor(compiler, connection, "TO_CHAR(%(expressions)s, 'YYYY-MM')")

    def as_vendor(self, compiler, connection, template: str):
        return super().as_sql(compiler, connection, template=template)


# Stays: Django refuses an aggregate over an aggregate (``Sum(Sum(...))``), also inside a Window.
class OverSum(Func):
    """SUM usable around an aggregate inside ``Window`` (Django refuses ``Sum(Sum(...))``)."""

    function = "SUM"
    window_compatible = True


# Stays: with a plain Window, Django 5.2 still puts these windows in the GROUP BY ("misuse of window function").
class GroupWindow(Window):
    """A window over the groups of an aggregate query; its partition is made of group keys.

    Django would add the window itself to the GROUP BY, which databases refuse.
    """

    def get_group_by_cols(self):
        return []


# Stays: Django groups by every non-aggregate expression it selects, and a window may not be grouped.
class Ungrouped(ExpressionWrapper):
    """An expression of grouped columns or windows, computed once per output row.

    Grouping by it instead would compute it for every record (and a window may not be grouped).
    """

    def get_group_by_cols(self):
        return []


class StarLevel(Func):
    """The star level (0-5) of lifetime hours, as ``volunteers.models.star_level_expression``.

    That CASE names the hours once per threshold; here the hours are a window, and PostgreSQL
    summed it again for each mention, row by row. WIDTH_BUCKET counts the thresholds reached
    in one call: a fifth of the volunteer-by-month export's time (benchmarks/export.py).
    """

    output_field = models.IntegerField()
    arity = 1

    def as_sql(self, compiler, connection, **extra):
        hours = self.get_source_expressions()[0]
        thresholds = list(enumerate(sorted(settings.STAR_THRESHOLDS_HOURS), start=1))
        levels = [When(GreaterThanOrEqual(hours, Value(h)), then=Value(level)) for level, h in reversed(thresholds)]
        return compiler.compile(Case(*levels, default=Value(0), output_field=models.IntegerField()))

    def as_postgresql(self, compiler, connection, **extra):
        bounds = ", ".join(str(int(h)) for h in sorted(settings.STAR_THRESHOLDS_HOURS))
        template = f"COALESCE(WIDTH_BUCKET(%(expressions)s, ARRAY[{bounds}]::numeric[]), 0)"
        return super().as_sql(compiler, connection, template=template, **extra)


def spreadsheet_safe(expression) -> Case:
    """Text that starts like a formula gets a leading apostrophe (CSV and Excel injection)."""
    return Case(
        When(In(Left(expression, 1), FORMULA_STARTS), then=Concat(Value("'"), expression)),
        default=expression,
        output_field=models.CharField(),
    )


def masked_id_number(value):
    # The same mask as volunteers.id_numbers.mask_document_number, computed in the database:
    # 18 characters keep region and last four; shorter documents (permits, passports) their
    # first character and last three.
    return Case(
        When(
            Exact(Length(value), 18),
            then=Concat(Left(value, 6), Value("********"), Substr(value, 15), output_field=models.CharField()),
        ),
        default=Concat(Left(value, 1), Value("*****"), Right(value, 3), output_field=models.CharField()),
        output_field=models.CharField(),
    )


def category_label(value) -> Case:
    return Case(
        *[When(In(value, [code]), then=Value(str(label))) for code, label in ServiceCategory.choices],
        default=value,
        output_field=models.CharField(),
    )


@dataclass(frozen=True)
class Column:
    name: str
    header: StrOrPromise
    expression: object = None
    text: bool = False  # user-entered text, neutralised in files
    in_file: bool = True
    number: bool = False
    display: Callable[[F], Expression] | None = None  # made from the grouped value, e.g. masking
    help_text: StrOrPromise = ""


@dataclass(frozen=True)
class Paths:
    """Where a report's query finds the things its keys name, relative to the model it starts from."""

    station: str  # the volunteer's home station
    team: str
    record: str
    volunteer: str


# Queries over the records themselves; and over units or teams, the records outer-joined as ``r``.
FROM_RECORDS = Paths(station="volunteer__home_station__", team="volunteer__teams__", record="", volunteer="volunteer__")
FROM_STATIONS = Paths(station="", team="", record="r__", volunteer="")
FROM_TEAMS = Paths(station="", team="", record="r__", volunteer="")


@dataclass(frozen=True)
class GroupKey:
    """One way to group hours: its columns, order and labels, for JSON, files, the admin page and
    ``export_hours`` alike. ``base`` names the units it groups: every unit of the caller's scope
    gets a row, with 0 when it has no hours."""

    name: str
    label: StrOrPromise  # in file names: 按实践站
    title: StrOrPromise  # above a chart or an export link
    columns: Callable[[Paths], list[Column]]
    order: Callable[[Paths], list[str]]
    name_column: str  # the column a chart labels a bar with
    base: str | None = None  # "station" or "team"
    of_records: bool = False  # its value comes from a record, so a unit with none has it empty


GROUPINGS: dict[str, GroupKey] = {
    key.name: key
    for key in [
        GroupKey(
            "volunteer",
            _("by volunteer"),
            _("Hours by volunteer"),
            lambda p: [
                Column("volunteer_id", "ID", F("volunteer_id"), in_file=False),
                Column("volunteer_number", _("Volunteer number"), F("volunteer__number")),
                Column("volunteer_name", _("Real name"), F("volunteer__real_name"), text=True),
                Column(
                    "id_number",
                    _("ID number"),
                    F("volunteer__id_number"),
                    display=masked_id_number,
                    help_text=_("Masked."),
                ),
                Column("home_station", _("Home station"), F(f"{p.station}name"), text=True),
            ],
            lambda p: ["volunteer__number", "volunteer_id"],
            name_column="volunteer_name",
        ),
        GroupKey(
            "station",
            _("by station"),
            _("Hours by station"),
            lambda p: [
                Column("station_id", "ID", F(f"{p.station}id"), in_file=False),
                Column("station", _("Station"), F(f"{p.station}name"), text=True),
                Column("institute", _("Institute"), F(f"{p.station}parent__name"), text=True),
            ],
            lambda p: [f"{p.station}path"],
            name_column="station",
            base="station",
        ),
        GroupKey(
            "institute",
            _("by institute"),
            _("Hours by institute"),
            lambda p: [
                Column("institute_id", "ID", F(f"{p.station}parent_id"), in_file=False),
                Column("institute", _("Institute"), F(f"{p.station}parent__name"), text=True),
                Column("center", _("Center"), F(f"{p.station}parent__parent__name"), text=True),
            ],
            lambda p: [f"{p.station}parent__path"],
            name_column="institute",
            base="station",
        ),
        GroupKey(
            "center",
            _("by center"),
            _("Hours by center"),
            lambda p: [
                Column("center_id", "ID", F(f"{p.station}parent__parent_id"), in_file=False),
                Column("center", _("Center"), F(f"{p.station}parent__parent__name"), text=True),
            ],
            lambda p: [f"{p.station}parent__parent__path"],
            name_column="center",
            base="station",
        ),
        GroupKey(
            "team",
            _("by team"),
            _("Hours by team"),
            lambda p: [
                Column("team_id", "ID", F(f"{p.team}id"), in_file=False),
                Column("team", _("Team"), F(f"{p.team}name"), text=True),
                Column("team_unit", _("Team unit"), F(f"{p.team}unit__name"), text=True),
            ],
            lambda p: [f"{p.team}unit__path", f"{p.team}name", f"{p.team}id"],
            name_column="team",
            base="team",
        ),
        GroupKey(
            "category",
            _("by category"),
            _("Hours by category"),
            lambda p: [
                Column("category", "code", F(f"{p.record}event__category"), in_file=False),
                Column(
                    "category_label", _("Service category"), F(f"{p.record}event__category"), display=category_label
                ),
            ],
            # By its alias, so the rollup's query (from ``HoursRollup``, not the records) orders alike.
            lambda p: ["s_category"],
            name_column="category_label",
            of_records=True,
        ),
        GroupKey(
            "month",
            _("by month"),
            _("Hours per month"),
            lambda p: [
                Column("month", _("Month"), MonthLabel(TruncMonth(f"{p.record}checked_in_at")), help_text="YYYY-MM")
            ],
            lambda p: ["s_month"],
            name_column="month",
            of_records=True,
        ),
    ]
}
GROUP_KEYS = tuple(GROUPINGS)
MEASURES = [
    Column("hours", _("Service hours"), number=True),
    Column("records", _("Record count"), number=True),
]
STAR_LEVEL = Column("star_level", _("Star level"), number=True)


def parse_group_by(value: str) -> tuple[str, ...]:
    keys = tuple(key.strip() for key in (value or "").split(",") if key.strip())
    if not 1 <= len(keys) <= 2 or len(set(keys)) != len(keys) or any(key not in GROUPINGS for key in keys):
        raise StatsError("bad_group_by", str(StatsError.messages["bad_group_by"]).format(keys=", ".join(GROUP_KEYS)))
    return keys


def local_bounds(date_from: datetime.date | None, date_to: datetime.date | None, *, field: str = "checked_in_at") -> Q:
    """Check-in between the start of ``date_from`` and the end of ``date_to``, local time.

    Compared as instants, so the check-in index serves the range.
    """
    # Every caller validates its dates at the edge; this keeps a forgotten one from a 500.
    for day in (date_from, date_to):
        if day is not None and not date_in_range(day):
            raise StatsError("date_out_of_range", out_of_range_message())
    zone = timezone.get_default_timezone()
    q = Q()
    if date_from:
        q &= Q(**{f"{field}__gte": datetime.datetime.combine(date_from, datetime.time.min, tzinfo=zone)})
    if date_to:
        next_day = date_to + datetime.timedelta(days=1)
        q &= Q(**{f"{field}__lt": datetime.datetime.combine(next_day, datetime.time.min, tzinfo=zone)})
    return q


def scope_q(scope: Scope, prefix: str = "") -> tuple[Q, Q]:
    """The scope as (volunteer side, event side) conditions on records."""
    return scope.q(f"{prefix}volunteer__home_station__path"), scope.q(f"{prefix}event__unit__path")


# Stays: Django's Paginator pages anything with count() and slicing; this names rows, spares a needless count.
@dataclass
class HoursReport:
    """One grouped report: its columns and the query that yields its rows.

    Iterating (or slicing) gives rows as dicts keyed by column name; ``rows`` is the
    query itself, its values in column order, for counting and PostgreSQL's ``COPY``.
    """

    group_by: tuple[str, ...]
    columns: list[Column]
    rows: models.QuerySet
    filters: dict = field(default_factory=dict)
    # The first rows read ahead, and whether they are all of them.
    head: list[dict] | None = field(default=None, repr=False)
    whole: bool = field(default=False, repr=False)

    @property
    def file_columns(self) -> list[Column]:
        return [column for column in self.columns if column.in_file]

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    def named(self, values: tuple) -> dict:
        return dict(zip(self.names, values, strict=True))

    def read_ahead(self, size: int) -> None:
        """Read the first ``size`` rows and one more, for the first page: a report that ends within
        them needs no count."""
        rows = self[0 : size + 1]
        self.head, self.whole = rows[:size], len(rows) <= size

    def count(self) -> int:
        """Number of rows; none to read when the first page held them all."""
        if self.head is not None and self.whole:
            return len(self.head)
        return self.rows.count()

    def __iter__(self) -> Iterator[dict]:
        for values in self.rows.iterator(chunk_size=CHUNK_ROWS):
            yield self.named(values)

    def __getitem__(self, index: slice) -> list[dict]:
        if self.head is not None and not index.start and (self.whole or (index.stop or 0) <= len(self.head)):
            return self.head[index]
        return [self.named(values) for values in self.rows[index]]


def alias(name: str) -> str:
    # Annotations may not shadow model fields (``volunteer_id``): prefix them in SQL.
    return f"s_{name}"


def unit_base(group_by: tuple[str, ...]) -> str | None:
    """The units every one of which gets a row, if the grouping names exactly one kind of them."""
    if "volunteer" in group_by:
        return None
    bases = {GROUPINGS[key].base for key in group_by} - {None}
    return bases.pop() if len(bases) == 1 else None


def hours_report(
    who: AnyUser | Scope,
    group_by: tuple[str, ...],
    *,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    unit: PracticeUnit | None = None,
    categories: list[str] | None = None,
    for_file: bool = False,
) -> HoursReport:
    """Build the grouped query of approved hours for a user's scope (or a ``Scope``). Raises StatsError.

    With ``for_file``, the file columns only, user-entered text neutralised for spreadsheets.
    Grouped by stations, institutes, centers or teams, every one in scope has a row, 0 if idle.
    """
    if date_from and date_to and date_to < date_from:
        raise StatsError("bad_period")
    scope = Scope.of(who)
    base = unit_base(group_by)
    paths = {None: FROM_RECORDS, "station": FROM_STATIONS, "team": FROM_TEAMS}[base]
    columns: dict[str, Column] = {}
    for key in group_by:
        for column in GROUPINGS[key].columns(paths):
            columns.setdefault(column.name, column)
    by_volunteer = "volunteer" in group_by
    all_columns = [*columns.values(), *MEASURES, *([STAR_LEVEL] if by_volunteer else [])]

    # Ids stay in the GROUP BY of files too: two stations may share a name.
    keys = {alias(c.name): c.expression for c in all_columns if c.expression is not None}
    if for_file:
        all_columns = [column for column in all_columns if column.in_file]
    shown = {}
    for column in all_columns:
        display = column.display
        if for_file and column.text:
            display = spreadsheet_safe
        if display is not None:
            shown[f"{alias(column.name)}_shown"] = Ungrouped(
                display(F(alias(column.name))), output_field=models.CharField()
            )
    filters = {"date_from": date_from, "date_to": date_to, "unit": unit, "categories": categories or []}
    plan = rollup_plan(scope, **filters)
    if plan is not None and base == "station" and not any(GROUPINGS[key].of_records for key in group_by):
        rows = _units_from_rollup(scope, keys, plan, unit=unit, by_station=group_by == ("station",))
    elif plan is not None and group_by == ("month",):
        rows = _months_from_rollup(plan)
    elif plan is not None and group_by == ("station", "month"):
        rows = _station_months_from_rollup(scope, keys, plan, unit=unit)
    elif plan is not None and group_by == ("category",):
        rows = _categories_from_rollup(plan)
    elif plan is not None and plan.whole_years and group_by == ("team",):
        rows = _teams_from_rollup(scope, keys, plan, unit=unit)
    elif plan is not None and plan.whole_years and group_by == ("volunteer",):
        rows = _volunteers_from_rollup(scope, keys, plan, unit=unit)
    elif base is None:
        rows = _from_records(scope, group_by, keys, **filters)
    else:
        rows = _from_units(scope, group_by, base, keys, **filters)
    ordering = [field for key in group_by for field in GROUPINGS[key].order(paths)]
    output = [f"{alias(c.name)}_shown" if f"{alias(c.name)}_shown" in shown else alias(c.name) for c in all_columns]
    rows = rows.annotate(**shown).order_by(*ordering).values_list(*output)
    return HoursReport(group_by=group_by, columns=all_columns, rows=rows, filters=filters)


@dataclass(frozen=True)
class RollupPlan:
    reach: reading.Reach
    month_from: datetime.date | None
    month_to: datetime.date | None

    @property
    def whole_years(self) -> bool:
        return (self.month_from is None or self.month_from.month == 1) and (
            self.month_to is None or self.month_to.month == 12
        )


def rollup_plan(scope: Scope, *, date_from=None, date_to=None, unit=None, categories=None) -> RollupPlan | None:
    """How the rollups answer exactly, if they do: whole months, no categories, a scope with one root."""
    if categories or any(day is not None and not date_in_range(day) for day in (date_from, date_to)):
        return None
    months = reading.month_span(date_from, date_to)
    if months is None:
        return None
    reach = reading.reach_for(scope, unit)
    return None if reach is None else RollupPlan(reach, *months)


def _stations(scope: Scope, unit: PracticeUnit | None) -> models.QuerySet:
    # A manager's stations: the hierarchy follows the home station, as for records.
    units = PracticeUnit.objects.filter(scope.q(), level=Level.STATION)
    if unit is not None:
        units = units.subtree_of(unit)
    return units


def _units_from_rollup(scope: Scope, keys: dict, plan: RollupPlan, *, unit, by_station: bool) -> models.QuerySet:
    """As ``_from_units`` for stations, from each station's rollup rows of the period (one per year or month)."""
    prefix = plan.reach.prefix
    if by_station:
        # A row per station, its sums as subqueries: a page of a province's 20,000
        # stations reads the rollup rows of that page only.
        rows = UnitHours.objects.filter(reading.period_q(plan.month_from, plan.month_to), unit=OuterRef("pk"))
        sums = rows.values("unit").annotate(h=Sum(f"{prefix}hours"), n=Sum(f"{prefix}records")).order_by()
        return _stations(scope, unit).annotate(
            **keys,
            s_hours=Coalesce(Subquery(sums.values("h")), Value(Decimal("0.00")), output_field=HOURS),
            s_records=Coalesce(
                Cast(Subquery(sums.values("n")), models.BigIntegerField()),
                Value(0),
                output_field=models.BigIntegerField(),
            ),
        )
    period = reading.period_q(plan.month_from, plan.month_to, prefix="rollup_hours__")
    return (
        _stations(scope, unit)
        .annotate(r=FilteredRelation("rollup_hours", condition=period))
        .annotate(**keys)
        .values(*keys)
        .annotate(
            s_hours=Sum(f"r__{prefix}hours", output_field=HOURS, default=Decimal("0.00")),
            s_records=Cast(Sum(f"r__{prefix}records", default=0), models.BigIntegerField()),
        )
    )


def _station_months_from_rollup(scope: Scope, keys: dict, plan: RollupPlan, *, unit) -> models.QuerySet:
    """As ``_from_units`` by station and month, from each station's month rows: one row per
    station and month with records, and a station with none in the period one row, no month, 0.

    A station's month row is unique, so this reads a few rows per station and groups nothing;
    from the records, a million of them were grouped (benchmarks/export.py).
    """
    prefix = plan.reach.prefix
    months = reading.months_q(plan.month_from, plan.month_to, prefix="rollup_hours__") & Q(
        **{f"rollup_hours__{prefix}records__gt": 0}
    )
    label = Case(
        When(r__month__isnull=True, then=Value(None)),
        default=Concat(
            Cast("r__year", models.CharField()),
            Value("-"),
            LPad(Cast("r__month", models.CharField()), 2, Value("0")),
            output_field=models.CharField(),
        ),
        output_field=models.CharField(),
    )
    return (
        _stations(scope, unit)
        .annotate(r=FilteredRelation("rollup_hours", condition=months))
        .annotate(**{**keys, "s_month": label})
        .annotate(
            s_hours=Coalesce(F(f"r__{prefix}hours"), Value(Decimal("0.00")), output_field=HOURS),
            s_records=Coalesce(
                Cast(F(f"r__{prefix}records"), models.BigIntegerField()),
                Value(0),
                output_field=models.BigIntegerField(),
            ),
        )
    )


def _categories_from_rollup(plan: RollupPlan) -> models.QuerySet:
    """As ``_from_records`` by category, from the reach's rows of (station, organising unit, category, month)."""
    return (
        reading.fact_rows(plan.reach, plan.month_from, plan.month_to)
        .annotate(s_category=F("category"), s_category_label=F("category"))
        .values("s_category", "s_category_label")
        .annotate(s_hours=Sum("hours", output_field=HOURS), s_records=Cast(Sum("records"), models.BigIntegerField()))
        .filter(s_records__gt=0)
    )


def _volunteers_from_rollup(scope: Scope, keys: dict, plan: RollupPlan, *, unit) -> models.QuerySet:
    """As ``_from_records`` by volunteer, from their yearly rows, for a period of whole years.

    A volunteer has a row for each year they have approved records in: the period's rows
    give the hours (of the reach's events), all of them the lifetime hours of the star level.
    Grouping these, not a million records, keeps the export within raw COPY's time.
    """
    prefix = plan.reach.prefix
    years = Q()
    if plan.month_from is not None:
        years &= Q(year__gte=plan.month_from.year)
    if plan.month_to is not None:
        years &= Q(year__lte=plan.month_to.year)
    rows = VolunteerYear.objects.filter(scope_q(scope)[0])
    if unit is not None:
        rows = rows.filter(under(unit, "volunteer__home_station__path"))
    return (
        rows.annotate(**keys)
        .values(*keys)
        .annotate(
            s_hours=Sum(f"{prefix}hours", filter=years, output_field=HOURS, default=Decimal("0")),
            s_records=Cast(Sum(f"{prefix}records", filter=years, default=0), models.BigIntegerField()),
            s_lifetime=Sum("hours", output_field=HOURS),
        )
        .annotate(s_star_level=Ungrouped(StarLevel(F("s_lifetime")), output_field=models.IntegerField()))
        .filter(s_records__gt=0)
    )


def _months_from_rollup(plan: RollupPlan) -> models.QuerySet:
    """As ``_from_records`` by month, from the month rows of the reach's unit (or of every center)."""
    prefix = plan.reach.prefix
    label = Concat(
        Cast("year", models.CharField()),
        Value("-"),
        LPad(Cast("month", models.CharField()), 2, Value("0")),
        output_field=models.CharField(),
    )
    return (
        reading.unit_rows(plan.reach)
        .filter(reading.months_q(plan.month_from, plan.month_to))
        .annotate(s_month=label)
        .values("s_month")
        .annotate(
            s_hours=Sum(f"{prefix}hours", output_field=HOURS),
            s_records=Cast(Sum(f"{prefix}records"), models.BigIntegerField()),
        )
        .filter(s_records__gt=0)
    )


def _from_records(scope: Scope, group_by, keys: dict, *, date_from, date_to, unit, categories) -> models.QuerySet:
    volunteer_side, event_side = scope_q(scope)
    wanted = Q(status=RecordStatus.APPROVED) & volunteer_side
    if unit is not None:
        wanted &= under(unit, "volunteer__home_station__path")
    period = event_side & local_bounds(date_from, date_to)
    if categories:
        period &= Q(event__category__in=categories)
    if "team" in group_by:
        # One condition object, so the team join is shared by the filter and the columns.
        wanted &= Q(volunteer__teams__isnull=False) & scope.q("volunteer__teams__unit__path")
    records = ServiceRecord.objects.filter(wanted)
    if "volunteer" not in group_by:
        return (
            records.filter(period)
            .annotate(**keys)
            .values(*keys)
            .annotate(s_hours=Sum("credited_hours", output_field=HOURS), s_records=Count("id"))
        )
    # The star level needs the volunteer's lifetime hours, so the rows span all their
    # approved records and the filters apply inside the sums; groups with no record
    # in the period are dropped after the window (QUALIFY, emulated by Django).
    # Partitioned in the order the groups come out (volunteer number first), so the
    # database need not sort a million groups again for the window.
    partition = [F("volunteer__number"), F("volunteer_id")]
    partition += [F("volunteer__teams__id")] if "team" in group_by else []
    lifetime = GroupWindow(OverSum(Sum("credited_hours"), output_field=HOURS), partition_by=partition)
    return (
        records.annotate(**keys)
        .values(*keys)
        .annotate(
            s_hours=Sum("credited_hours", filter=period, output_field=HOURS, default=Decimal("0")),
            s_records=Count("id", filter=period),
            s_lifetime=lifetime,
            # The group's own count as a window (a one-row frame), so QUALIFY may test it;
            # same partition as the lifetime, so the database sorts once for both. FIRST_VALUE
            # reads the row; a SUM over the frame aggregated it again for each of a million
            # groups, a quarter of the volunteer-by-month export's time (benchmarks/export.py).
            s_period_records=GroupWindow(
                FirstValue(Count("id", filter=period)), partition_by=partition, frame=RowRange(0, 0)
            ),
        )
        .annotate(s_star_level=Ungrouped(StarLevel(F("s_lifetime")), output_field=models.IntegerField()))
        .filter(s_period_records__gt=0)
    )


def _teams(scope: Scope, unit: PracticeUnit | None) -> tuple[models.QuerySet, models.QuerySet]:
    """The teams of the report (the scope's, and under ``unit`` those of the unit or with a member
    registered there) and the volunteers whose hours count."""
    teams = Team.objects.filter(scope.q("unit__path"))
    volunteers = Volunteer.objects.filter(scope.q("home_station__path"))
    if unit is not None:
        volunteers = volunteers.filter(under(unit, "home_station__path"))
        teams = teams.filter(under(unit, "unit__path") | Q(Exists(volunteers.filter(teams=OuterRef("pk")))))
    return teams, volunteers


def _teams_from_rollup(scope: Scope, keys: dict, plan: RollupPlan, *, unit) -> models.QuerySet:
    """As ``_from_units`` by team, from the members' yearly rows, for a period of whole years.

    A team's sums are a subquery over its members' rows (a few per member), not a join of
    a million records; an idle team gets 0.
    """
    prefix = plan.reach.prefix
    teams, _volunteers = _teams(scope, unit)
    # The same volunteers as ``_teams`` gives, as conditions on the join from the team's members.
    members = VolunteerYear.objects.filter(scope_q(scope)[0], volunteer__teams=OuterRef("pk"))
    if unit is not None:
        members = members.filter(under(unit, "volunteer__home_station__path"))
    if plan.month_from is not None:
        members = members.filter(year__gte=plan.month_from.year)
    if plan.month_to is not None:
        members = members.filter(year__lte=plan.month_to.year)
    # SUM without GROUP BY: one row whatever the members.
    sums = members.order_by().annotate(
        h=Func(F(f"{prefix}hours"), function="SUM", output_field=HOURS),
        n=Func(F(f"{prefix}records"), function="SUM", output_field=models.BigIntegerField()),
    )
    return teams.annotate(
        **keys,
        s_hours=Coalesce(Subquery(sums.values("h")[:1]), Value(Decimal("0.00")), output_field=HOURS),
        s_records=Coalesce(
            Cast(Subquery(sums.values("n")[:1]), models.BigIntegerField()),
            Value(0),
            output_field=models.BigIntegerField(),
        ),
    )


def _from_units(
    scope: Scope, group_by, base: str, keys: dict, *, date_from, date_to, unit, categories
) -> models.QuerySet:
    """Rows from the units (outer-joined to their approved records), so idle units show 0.

    The record conditions sit in the join (``FilteredRelation``), not in WHERE, which
    would drop the units without records again.
    """
    if base == "station":
        units = _stations(scope, unit)
        relation = "volunteers__service_records"
        volunteers = None
    else:
        units, volunteers = _teams(scope, unit)
        relation = "members__service_records"
    condition = Q(**{f"{relation}__status": RecordStatus.APPROVED}) & local_bounds(
        date_from, date_to, field=f"{relation}__checked_in_at"
    )
    events = Event.objects.filter(scope.q("unit__path"))
    if categories:
        events = events.filter(category__in=categories)
    if not scope.is_everything or categories:
        # A condition of the join may not reach past the record, so the event's as a subquery.
        condition &= Q(**{f"{relation}__event__in": Subquery(events.values("pk"))})
    if volunteers is not None and (not scope.is_everything or unit is not None):
        condition &= Q(**{f"{relation}__volunteer__in": Subquery(volunteers.values("pk"))})
    rows = (
        units.annotate(r=FilteredRelation(relation, condition=condition))
        .annotate(**keys)
        .values(*keys)
        .annotate(
            s_hours=Sum("r__credited_hours", output_field=HOURS, default=Decimal("0.00")),
            s_records=Count("r__id"),
        )
    )
    if not any(GROUPINGS[key].of_records for key in group_by):
        return rows
    # With a second key from the records (month, category), a unit's members without a
    # record make an empty group: keep it only for a unit that has no record at all.
    unit_keys = [
        alias(c.name) for key in group_by if GROUPINGS[key].base for c in GROUPINGS[key].columns(FROM_STATIONS)
    ]
    partition = [keys[name] for name in unit_keys if name.endswith("_id")]
    own = GroupWindow(FirstValue(Count("r__id")), partition_by=partition, frame=RowRange(0, 0))
    in_unit = GroupWindow(OverSum(Count("r__id")), partition_by=partition)
    keep = Ungrouped(Case(When(Exact(in_unit, 0), then=Value(1)), default=own), output_field=models.IntegerField())
    return rows.annotate(s_keep=keep).filter(s_keep__gt=0)


def report_totals(who: AnyUser | Scope, **filters) -> dict:
    """Hours and records over the whole report scope, for page headers."""
    scope = Scope.of(who)
    plan = rollup_plan(scope, **filters)
    if plan is not None and plan.whole_years:
        # Distinct volunteers add up over years only, so months read the records.
        totals = reading.totals(plan.reach, plan.month_from, plan.month_to)
        years = [None if month is None else month.year for month in (plan.month_from, plan.month_to)]
        return {
            "hours": totals.hours,
            "records": totals.records,
            "volunteers": reading.volunteers_served(plan.reach, *years),
        }
    volunteer_side, event_side = scope_q(scope)
    q = Q(status=RecordStatus.APPROVED) & volunteer_side & event_side
    if filters.get("unit") is not None:
        q &= under(filters["unit"], "volunteer__home_station__path")
    q &= local_bounds(filters.get("date_from"), filters.get("date_to"))
    if filters.get("categories"):
        q &= Q(event__category__in=filters["categories"])
    return ServiceRecord.objects.filter(q).aggregate(
        hours=Sum("credited_hours", output_field=HOURS, default=Decimal("0")),
        records=Count("id"),
        volunteers=Count("volunteer_id", distinct=True),
    )


def year_summary(user, *, unit: PracticeUnit | None, year: int) -> dict:
    """The year's figures of a unit's subtree (or the caller's whole scope) for assessment."""
    if not EARLIEST_DATE.year <= year <= LATEST_DATE.year:
        raise StatsError("date_out_of_range", out_of_range_message())
    zone = timezone.get_default_timezone()
    start = datetime.datetime(year, 1, 1, tzinfo=zone)
    end = datetime.datetime(year + 1, 1, 1, tzinfo=zone)
    scope = Scope.of(user)
    events = Event.objects.managed_by(user)
    if unit is not None:
        events = events.filter(under(unit, "unit__path"))
    target = Decimal(settings.ANNUAL_HOURS_TARGET)
    plan = rollup_plan(scope, date_from=start.date(), date_to=end.date() - datetime.timedelta(days=1), unit=unit)
    if plan is not None:
        totals = reading.totals(plan.reach, plan.month_from, plan.month_to)
        counts = reading.volunteer_counts(plan.reach, year=year, target=target)
        hours, active, reaching = totals.hours, counts.served, counts.reaching_target
    else:
        hours, active, reaching = _year_from_records(scope, unit=unit, start=start, end=end, target=target)
    tops: Sequence[PracticeUnit | None] = [unit] if unit is not None else [None] if scope.roots is None else scope.roots
    stars = dict.fromkeys(range(len(settings.STAR_THRESHOLDS_HOURS) + 1), 0)
    for top in tops:
        for level, count in reading.registered(top, until_year=year).star_levels.items():
            stars[level] = stars.get(level, 0) + count
    registered_count = sum(stars.values())
    held = events.filter(
        starts_at__gte=start,
        starts_at__lt=min(end, timezone.now()),
        status__in=[EventStatus.PUBLISHED, EventStatus.FINISHED],
    ).count()
    per_volunteer = (hours / registered_count).quantize(Decimal("0.01")) if registered_count else None
    return {
        "year": year,
        "unit": unit.pk if unit else None,
        "registered_volunteers": registered_count,
        "active_volunteers": active,
        "total_hours": hours,
        "hours_per_registered_volunteer": per_volunteer or Decimal("0.00"),
        "events_held": held,
        "annual_hours_target": target,
        "volunteers_reaching_target": reaching,
        "star_levels": {str(level): count for level, count in stars.items()},
    }


def _year_from_records(scope: Scope, *, unit, start, end, target: Decimal) -> tuple[Decimal, int, int]:
    """Hours, volunteers who served and those reaching ``target``, where the rollups cannot tell."""
    volunteer_side, event_side = scope_q(scope)
    records = ServiceRecord.objects.filter(
        volunteer_side, event_side, status=RecordStatus.APPROVED, checked_in_at__gte=start, checked_in_at__lt=end
    )
    if unit is not None:
        records = records.filter(under(unit, "volunteer__home_station__path"))
    totals = records.aggregate(
        hours=Sum("credited_hours", output_field=HOURS, default=Decimal("0")),
        active=Count("volunteer_id", distinct=True),
    )
    reaching = (
        records.values("volunteer_id")
        .annotate(total=Sum("credited_hours", output_field=HOURS))
        .filter(total__gte=target)
        .count()
    )
    return totals["hours"], totals["active"], reaching
