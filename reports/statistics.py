"""Approved service hours grouped across the hierarchy, aggregated in the database.

Definitions (the README states them too):

- Only approved records count. A record falls on the local date (Asia/Shanghai) of
  its check-in; ``date_to`` includes its whole day.
- The hierarchy groupings (station, institute, center) follow the volunteer's
  **home station**, so a station's total is the sum of its volunteers' rows, an
  institute's the sum of its stations', a center's the sum of its institutes'.
- A manager counts the records they review (events organised in their subtree,
  as ``ServiceRecord.objects.managed_by``) of volunteers registered in their
  subtree; admins count every record. A manager therefore never sees a row of a
  station outside their subtree. ``unit`` narrows to volunteers registered under it.
- A volunteer in two teams counts for both, so team rows need not add up.
- A volunteer's star level comes from their approved lifetime hours, whatever the filters.

Each report is one grouped query (``HoursReport.rows``), iterated with a
server-side cursor, or handed whole to PostgreSQL's ``COPY`` for CSV.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connections, models
from django.db.models import Case, Count, ExpressionWrapper, F, Func, Q, RowRange, Sum, Value, When, Window
from django.db.models.functions import Concat, Left, Length, Right, Substr, TruncMonth
from django.db.models.lookups import Exact, In
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.bounded_fields import EARLIEST_DATE, LATEST_DATE, date_in_range, out_of_range_message
from accounts.errors import DomainError
from events.models import Event, EventStatus, RecordStatus, ServiceCategory, ServiceRecord
from stations.models import PracticeUnit, managed_paths, subtree_q
from volunteers.models import Volunteer, star_level_expression

GROUP_KEYS = ("volunteer", "station", "institute", "center", "team", "category", "month")
GROUP_LABELS = {
    "volunteer": _("by volunteer"),
    "station": _("by station"),
    "institute": _("by institute"),
    "center": _("by center"),
    "team": _("by team"),
    "category": _("by category"),
    "month": _("by month"),
}
HOURS = models.DecimalField(max_digits=14, decimal_places=2)
# Cells a spreadsheet would run as a formula (or whose leading control character hides one).
FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]


class StatsError(DomainError):
    messages = {
        "bad_group_by": _("Group by one or two of: volunteer, station, institute, center, team, category, month."),
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


class OverSum(Func):
    """SUM usable around an aggregate inside ``Window`` (Django refuses ``Sum(Sum(...))``)."""

    function = "SUM"
    window_compatible = True


class GroupWindow(Window):
    """A window over the groups of an aggregate query; its partition is made of group keys.

    Django would add the window itself to the GROUP BY, which databases refuse.
    """

    def get_group_by_cols(self):
        return []


class Ungrouped(ExpressionWrapper):
    """An expression of grouped columns or windows, computed once per output row.

    Grouping by it instead would compute it for every record (and a window may not be grouped).
    """

    def get_group_by_cols(self):
        return []


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


@dataclass(frozen=True)
class Column:
    name: str
    header: str
    expression: object = None
    text: bool = False  # user-entered text, neutralised in files
    in_file: bool = True
    number: bool = False
    display: object = None  # made from the grouped value, e.g. masking


def category_label(value) -> Case:
    return Case(
        *[When(In(value, [code]), then=Value(str(label))) for code, label in ServiceCategory.choices],
        default=value,
        output_field=models.CharField(),
    )


def key_columns(key: str) -> list[Column]:
    station = "volunteer__home_station"
    team = "volunteer__teams"
    return {
        "volunteer": [
            Column("volunteer_id", "ID", F("volunteer_id"), in_file=False),
            Column("volunteer_number", _("Volunteer number"), F("volunteer__number")),
            Column("volunteer_name", _("Real name"), F("volunteer__real_name"), text=True),
            Column("id_number", _("ID number"), F("volunteer__id_number"), display=masked_id_number),
            Column("home_station", _("Home station"), F(f"{station}__name"), text=True),
        ],
        "station": [
            Column("station_id", "ID", F(f"{station}_id"), in_file=False),
            Column("station", _("Station"), F(f"{station}__name"), text=True),
            Column("institute", _("Institute"), F(f"{station}__parent__name"), text=True),
        ],
        "institute": [
            Column("institute_id", "ID", F(f"{station}__parent_id"), in_file=False),
            Column("institute", _("Institute"), F(f"{station}__parent__name"), text=True),
            Column("center", _("Center"), F(f"{station}__parent__parent__name"), text=True),
        ],
        "center": [
            Column("center_id", "ID", F(f"{station}__parent__parent_id"), in_file=False),
            Column("center", _("Center"), F(f"{station}__parent__parent__name"), text=True),
        ],
        "team": [
            Column("team_id", "ID", F(f"{team}__id"), in_file=False),
            Column("team", _("Team"), F(f"{team}__name"), text=True),
            Column("team_unit", _("Team unit"), F(f"{team}__unit__name"), text=True),
        ],
        "category": [
            Column("category", "code", F("event__category"), in_file=False),
            Column("category_label", _("Service category"), F("event__category"), display=category_label),
        ],
        "month": [Column("month", _("Month"), MonthLabel(TruncMonth("checked_in_at")))],
    }[key]


# How rows are sorted, per key: stable, and the hierarchy in tree order.
KEY_ORDER = {
    "volunteer": ["volunteer__number", "volunteer_id"],
    "station": ["volunteer__home_station__path"],
    "institute": ["volunteer__home_station__parent__path"],
    "center": ["volunteer__home_station__parent__parent__path"],
    "team": ["volunteer__teams__unit__path", "volunteer__teams__name", "volunteer__teams__id"],
    "category": ["event__category"],
    "month": ["s_month"],
}


def parse_group_by(value: str) -> tuple[str, ...]:
    keys = tuple(key.strip() for key in (value or "").split(",") if key.strip())
    if not 1 <= len(keys) <= 2 or len(set(keys)) != len(keys) or any(key not in GROUP_KEYS for key in keys):
        raise StatsError("bad_group_by")
    return keys


def local_bounds(date_from: datetime.date | None, date_to: datetime.date | None) -> Q:
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
        q &= Q(checked_in_at__gte=datetime.datetime.combine(date_from, datetime.time.min, tzinfo=zone))
    if date_to:
        next_day = date_to + datetime.timedelta(days=1)
        q &= Q(checked_in_at__lt=datetime.datetime.combine(next_day, datetime.time.min, tzinfo=zone))
    return q


def scope_q(user, prefix: str = "") -> tuple[Q, Q]:
    """The caller's scope as (volunteer side, event side) conditions on records."""
    if user.is_superuser:
        return Q(), Q()
    paths = managed_paths(user)
    return (
        subtree_q(f"{prefix}volunteer__home_station__path", paths),
        subtree_q(f"{prefix}event__unit__path", paths),
    )


@dataclass
class HoursReport:
    """One grouped report: its columns and the query that yields its rows."""

    group_by: tuple[str, ...]
    columns: list[Column]
    rows: models.QuerySet  # values_list of the columns' aliases, in column order
    filters: dict = field(default_factory=dict)

    @property
    def file_columns(self) -> list[Column]:
        return [column for column in self.columns if column.in_file]

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    def count(self) -> int:
        """Number of rows. Django cannot count a query filtered on a window, so count its SQL."""
        connection = connections[self.rows.db]
        sql, params = self.rows.query.get_compiler(connection=connection).as_sql()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS report", params)  # noqa: S608 (the ORM's own SQL)
            return cursor.fetchone()[0]

    def __getitem__(self, index):
        return self.rows[index]


def alias(name: str) -> str:
    # Annotations may not shadow model fields (``volunteer_id``): prefix them in SQL.
    return f"s_{name}"


def hours_report(
    user,
    group_by: tuple[str, ...],
    *,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    unit: PracticeUnit | None = None,
    categories: list[str] | None = None,
    for_file: bool = False,
) -> HoursReport:
    """Build the grouped query of approved hours for ``user``'s scope. Raises StatsError.

    With ``for_file``, the file columns only, user-entered text neutralised for spreadsheets.
    """
    if date_from and date_to and date_to < date_from:
        raise StatsError("bad_period")
    volunteer_side, event_side = scope_q(user)
    wanted = Q(status=RecordStatus.APPROVED) & volunteer_side
    if unit is not None:
        wanted &= Q(volunteer__home_station__path__startswith=unit.path)
    period = event_side & local_bounds(date_from, date_to)
    if categories:
        period &= Q(event__category__in=categories)
    if "team" in group_by:
        # One condition object, so the team join is shared by the filter and the columns.
        wanted &= Q(volunteer__teams__isnull=False)
        if not user.is_superuser:
            wanted &= subtree_q("volunteer__teams__unit__path", managed_paths(user))

    columns: dict[str, Column] = {}
    for key in group_by:
        for column in key_columns(key):
            columns.setdefault(column.name, column)
    measures = [
        Column("hours", _("Service hours"), number=True),
        Column("records", _("Record count"), number=True),
    ]
    by_volunteer = "volunteer" in group_by
    if by_volunteer:
        measures.append(Column("star_level", _("Star level"), number=True))
    all_columns = [*columns.values(), *measures]

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
    records = ServiceRecord.objects.filter(wanted)
    if by_volunteer:
        # The star level needs the volunteer's lifetime hours, so the rows span all their
        # approved records and the filters apply inside the sums; groups with no record
        # in the period are dropped after the window (QUALIFY, emulated by Django).
        # Partitioned in the order the groups come out (volunteer number first), so the
        # database need not sort a million groups again for the window.
        partition = [F("volunteer__number"), F("volunteer_id")]
        partition += [F("volunteer__teams__id")] if "team" in group_by else []
        lifetime = GroupWindow(OverSum(Sum("credited_hours"), output_field=HOURS), partition_by=partition)
        rows = (
            records.annotate(**keys)
            .values(*keys)
            .annotate(
                s_hours=Sum("credited_hours", filter=period, output_field=HOURS, default=Decimal("0")),
                s_records=Count("id", filter=period),
                s_lifetime=lifetime,
                # The group's own count as a window (a one-row frame), so QUALIFY may test it;
                # same partition as the lifetime, so the database sorts once for both.
                s_period_records=GroupWindow(
                    OverSum(Count("id", filter=period)), partition_by=partition, frame=RowRange(0, 0)
                ),
            )
            .annotate(s_star_level=Ungrouped(star_level_expression("s_lifetime"), output_field=models.IntegerField()))
            .filter(s_period_records__gt=0)
        )
    else:
        rows = (
            records.filter(period)
            .annotate(**keys)
            .values(*keys)
            .annotate(s_hours=Sum("credited_hours", output_field=HOURS), s_records=Count("id"))
        )
    ordering = [field for key in group_by for field in KEY_ORDER[key]]
    output = [f"{alias(c.name)}_shown" if f"{alias(c.name)}_shown" in shown else alias(c.name) for c in all_columns]
    rows = rows.annotate(**shown).order_by(*ordering).values_list(*output)
    filters = {"date_from": date_from, "date_to": date_to, "unit": unit, "categories": categories or []}
    return HoursReport(group_by=group_by, columns=all_columns, rows=rows, filters=filters)


def report_totals(user, **filters) -> dict:
    """Hours and records over the whole report scope, for page headers."""
    volunteer_side, event_side = scope_q(user)
    q = Q(status=RecordStatus.APPROVED) & volunteer_side & event_side
    if filters.get("unit") is not None:
        q &= Q(volunteer__home_station__path__startswith=filters["unit"].path)
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
    volunteers = Volunteer.objects.all()
    if not user.is_superuser:
        volunteers = volunteers.filter(subtree_q("home_station__path", managed_paths(user)))
    events = Event.objects.managed_by(user)
    if unit is not None:
        volunteers = volunteers.filter(home_station__path__startswith=unit.path)
        events = events.filter(unit__path__startswith=unit.path)
    registered = volunteers.filter(created_at__lt=end)

    volunteer_side, event_side = scope_q(user)
    records = ServiceRecord.objects.filter(
        volunteer_side, event_side, status=RecordStatus.APPROVED, checked_in_at__gte=start, checked_in_at__lt=end
    )
    if unit is not None:
        records = records.filter(volunteer__home_station__path__startswith=unit.path)
    totals = records.aggregate(
        hours=Sum("credited_hours", output_field=HOURS, default=Decimal("0")),
        active=Count("volunteer_id", distinct=True),
    )
    target = Decimal(settings.ANNUAL_HOURS_TARGET)
    reaching = (
        records.values("volunteer_id")
        .annotate(total=Sum("credited_hours", output_field=HOURS))
        .filter(total__gte=target)
        .count()
    )
    registered_count = registered.count()
    stars = dict.fromkeys(range(len(settings.STAR_THRESHOLDS_HOURS) + 1), 0)
    for level, count in registered.with_hours().order_by().values_list("star_level").annotate(n=Count("id")):
        stars[level] = count
    held = events.filter(
        starts_at__gte=start,
        starts_at__lt=min(end, timezone.now()),
        status__in=[EventStatus.PUBLISHED, EventStatus.FINISHED],
    ).count()
    per_volunteer = (totals["hours"] / registered_count).quantize(Decimal("0.01")) if registered_count else None
    return {
        "year": year,
        "unit": unit.pk if unit else None,
        "registered_volunteers": registered_count,
        "active_volunteers": totals["active"],
        "total_hours": totals["hours"],
        "hours_per_registered_volunteer": per_volunteer or Decimal("0.00"),
        "events_held": held,
        "annual_hours_target": target,
        "volunteers_reaching_target": reaching,
        "star_levels": {str(level): count for level, count in stars.items()},
    }
