"""The assessment dashboard: per unit and month, the indicators a practice network is judged on.

Each indicator has a value, a traffic light (thresholds in ``settings.DASHBOARD_THRESHOLDS``)
and a drill-down over the unit's child units (or all its stations) in which units
without activity or hours are listed and flagged, never left out.

Every figure is counted for the rows shown at their own level, in one grouped query
(rows by path prefix), so the cost follows the rows, not the records: events,
stations and unreviewed records on indexes; hours, registered volunteers and the
volunteers who served from the rollups (``reports.rollups.reading``), never from the service
records. Volunteer figures belong to the volunteer's home station, event figures to
the organising unit. As in the hour statistics, a manager counts the service at
events inside the unit they manage; an admin all of it.

Where the rollups keep years, not months, the month's year is taken: registered
volunteers are those registered by the end of that year (for the current year, so
far), and the annual target is judged on the year's hours.

Service orders belong to the resident's station (the area served, as in
``orders.statistics``), whoever handles or serves them, and are counted straight from
the orders, which are far fewer than service records.

Venues (阵地) belong to their unit. A venue counts while it takes bookings (and its unit
is switched on); it was used in the month when an approved booking of it, or an event
held at it, started in the month (up to now). Booked hours are those of the month's
approved bookings, of every venue of the unit, as the ledger's 阵地使用 lists them.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from events.models import ActivityPhoto, ActivityRecord, Event, EventStatus, ServiceRecord
from events.record_deadlines import RECORDING_WORKING_DAYS, UNREVIEWED
from events.working_days import latest_day_not_overdue
from orders.models import RUNNING, Order, OrderState, Rating
from orders.statistics import DONE, SATISFIED_TOTAL
from reports.rollups import reading
from stations.models import PATH_STEP, Level, PracticeUnit
from stations.scoping import is_under, root_units
from venues.models import Booking, BookingStatus, Venue, booked_hours

GREEN, AMBER, RED, NO_DATA = "green", "amber", "red", "none"
HELD_STATUSES = (EventStatus.PUBLISHED, EventStatus.FINISHED)
HUNDRED = Decimal(100)
ALL_SOURCES = ("events", "records", "rollups", "orders", "venues")
STARS = Decimal("0.01")


@dataclass
class Figures:
    """Additive counts of one unit's subtree (or of a group of units)."""

    stations: int = 0
    active_stations: int = 0
    events_held: int = 0
    events_documented: int = 0
    registered: int = 0
    active_volunteers: int = 0
    reaching_target: int = 0
    hours_month: Decimal = Decimal("0.00")
    hours_year: Decimal = Decimal("0.00")
    stations_with_hours: int = 0
    overdue_records: int = 0
    overdue_orders: int = 0
    orders_settled: int = 0  # this month's orders served to the end, refused, or overdue
    orders_completed: int = 0
    ratings: int = 0
    satisfied: int = 0
    unrated: int = 0
    # Sums of the stars, so that the figures stay additive; the means are taken when shown.
    response_stars: int = 0
    attitude_stars: int = 0
    result_stars: int = 0
    venues: int = 0  # taking bookings
    venues_used: int = 0
    venue_bookings: int = 0  # approved, this month
    venue_seconds: float = 0  # summed, rounded to hours once when shown (venues.models.booked_hours)

    def add(self, other: Figures) -> None:
        for name in FIGURE_NAMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))


FIGURE_NAMES = [spec.name for spec in fields(Figures)]


@dataclass(frozen=True)
class Unit:
    id: int
    path: str
    level: str
    name: str
    population: int | None


@dataclass
class Period:
    """The month shown and the moments the indicators are counted at."""

    month: datetime.date  # its first day
    today: datetime.date
    now: datetime.datetime

    @property
    def last_day(self) -> datetime.date:
        return self.month.replace(day=calendar.monthrange(self.month.year, self.month.month)[1])

    @property
    def as_of(self) -> datetime.date:
        """The day the month is judged at: its last day, or today while it runs."""
        return min(self.last_day, self.today)

    @property
    def elapsed_share(self) -> Decimal:
        """The share of the year passed by ``as_of``, for indicators that accumulate over the year."""
        days = (self.as_of - self.as_of.replace(month=1, day=1)).days + 1
        year_days = 366 if calendar.isleap(self.as_of.year) else 365
        return Decimal(days) / Decimal(year_days)


def local_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_default_timezone())


def next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def marks(values: Iterable) -> str:
    """Placeholders for the values of an IN list."""
    return ", ".join(["%s"] * len(tuple(values)))


def moment(value: datetime.datetime):
    """A timestamp as the database takes it in a parameter (SQLite: naive UTC text)."""
    return connection.ops.adapt_datetimefield_value(value)


def fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@dataclass
class Indicator:
    key: str
    label: str | Promise
    sources: tuple[str, ...]
    # (figures, population, period) -> (value, numerator, denominator, light)
    measure: Callable[[Figures, int | None, Period], tuple[Decimal | int | None, object, object, str]]
    unit: str  # how the value reads: "percent", "count", "hours" or "stars"
    help: str | Promise = ""
    scores: bool = False  # rows carry the mean of each of the three rating scores
    venues: bool = False  # rows carry the venue figures and the no-venue-use flag


# Bounds of indicators newer than a deployment's DASHBOARD_THRESHOLDS setting.
DEFAULT_THRESHOLDS: dict[str, dict] = {
    "venue_use": {"green": 80, "amber": 50},
}


def threshold(key: str) -> dict:
    # The settings' mix of int and float bounds reads as object to mypy.
    configured = cast(dict, getattr(settings, "DASHBOARD_THRESHOLDS", {}))
    return cast(dict, configured.get(key) or DEFAULT_THRESHOLDS[key])


def share(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def light_at_least(value: Decimal | int | None, bounds: dict, scale: Decimal = Decimal(1)) -> str:
    """Higher is better: green from ``bounds["green"]``, amber from ``bounds["amber"]`` (both scaled)."""
    if value is None:
        return NO_DATA
    if value >= Decimal(bounds["green"]) * scale:
        return GREEN
    if value >= Decimal(bounds["amber"]) * scale:
        return AMBER
    return RED


def light_at_most(value: Decimal | int | None, bounds: dict) -> str:
    """Lower is better: green up to ``bounds["green"]``, amber up to ``bounds["amber"]``."""
    if value is None:
        return NO_DATA
    if value <= bounds["green"]:
        return GREEN
    if value <= bounds["amber"]:
        return AMBER
    return RED


def measure_active_stations(f: Figures, population, period):
    value = share(f.active_stations, f.stations)
    return value, f.active_stations, f.stations, light_at_least(value, threshold("active_stations"))


def measure_documented(f: Figures, population, period):
    value = share(f.events_documented, f.events_held)
    return value, f.events_documented, f.events_held, light_at_least(value, threshold("documented_events"))


def measure_registered(f: Figures, population, period):
    value = share(f.registered, population)
    return value, f.registered, population, light_at_least(value, threshold("registered_volunteers"))


def measure_active_volunteers(f: Figures, population, period):
    value = share(f.active_volunteers, f.registered)
    return value, f.active_volunteers, f.registered, light_at_least(value, threshold("active_volunteers"))


def measure_hours_per_volunteer(f: Figures, population, period):
    value = (f.hours_year / f.registered).quantize(Decimal("0.01"), ROUND_HALF_UP) if f.registered else None
    light = light_at_least(value, threshold("hours_per_volunteer"), period.elapsed_share)
    return value, f.hours_year, f.registered, light


def measure_reaching_target(f: Figures, population, period):
    value = share(f.reaching_target, f.registered)
    light = light_at_least(value, threshold("volunteers_reaching_target"), period.elapsed_share)
    return value, f.reaching_target, f.registered, light


def measure_overdue(f: Figures, population, period):
    return f.overdue_records, f.overdue_records, None, light_at_most(f.overdue_records, threshold("overdue_records"))


def measure_zero_hours(f: Figures, population, period):
    # Hours of a switched-off station still reach the rollup; it is no longer counted as a station.
    zero = max(f.stations - f.stations_with_hours, 0)
    return zero, zero, f.stations, light_at_most(share(zero, f.stations), threshold("zero_hour_units"))


def measure_overdue_orders(f: Figures, population, period):
    return f.overdue_orders, f.overdue_orders, None, light_at_most(f.overdue_orders, threshold("overdue_orders"))


def measure_order_completion(f: Figures, population, period):
    value = share(f.orders_completed, f.orders_settled)
    return value, f.orders_completed, f.orders_settled, light_at_least(value, threshold("order_completion"))


def mean_stars(total: int, count: int) -> Decimal | None:
    return (Decimal(total) / Decimal(count)).quantize(STARS, ROUND_HALF_UP) if count else None


def measure_order_satisfaction(f: Figures, population, period):
    # Unrated orders are in the denominator shown beside the value, never in the mean.
    stars = f.response_stars + f.attitude_stars + f.result_stars
    value = mean_stars(stars, 3 * f.ratings)
    return value, f.ratings, f.ratings + f.unrated, light_at_least(value, threshold("order_satisfaction"))


def measure_venue_use(f: Figures, population, period):
    value = share(f.venues_used, f.venues)
    return value, f.venues_used, f.venues, light_at_least(value, threshold("venue_use"))


@dataclass(frozen=True)
class VenueFigures:
    """A row's venues: how many take bookings, how many were used, the month's approved bookings and hours."""

    venues: int
    used: int
    bookings: int
    hours: Decimal

    @property
    def unused(self) -> bool:
        """No venue used this month: the flag of the drill-down (also where the unit lists no venue)."""
        return self.used == 0


def venue_figures(f: Figures) -> VenueFigures:
    return VenueFigures(f.venues, f.venues_used, f.venue_bookings, booked_hours(f.venue_seconds))


@dataclass(frozen=True)
class Scores:
    """Mean stars of the ratings on each count (None without ratings)."""

    response: Decimal | None
    attitude: Decimal | None
    result: Decimal | None
    satisfied: int


def scores(f: Figures) -> Scores:
    return Scores(
        mean_stars(f.response_stars, f.ratings),
        mean_stars(f.attitude_stars, f.ratings),
        mean_stars(f.result_stars, f.ratings),
        f.satisfied,
    )


INDICATORS = {
    indicator.key: indicator
    for indicator in [
        Indicator(
            "active-stations",
            _("Stations with activities"),
            ("events",),
            measure_active_stations,
            "percent",
            _("Share of stations that held at least the set number of events this month."),
        ),
        Indicator(
            "documented-events",
            _("Events documented"),
            ("events",),
            measure_documented,
            "percent",
            _("Share of this month's events with a summary and enough photos."),
        ),
        Indicator(
            "registered-volunteers",
            _("Registered volunteers"),
            ("rollups",),
            measure_registered,
            "percent",
            _("Registered volunteers as a share of the resident population."),
        ),
        Indicator(
            "active-volunteers",
            _("Active volunteers"),
            ("rollups",),
            measure_active_volunteers,
            "percent",
            _("Share of registered volunteers who served in the last 12 months."),
        ),
        Indicator(
            "hours-per-volunteer",
            _("Hours per registered volunteer"),
            ("rollups",),
            measure_hours_per_volunteer,
            "hours",
            _("Approved hours this year so far per registered volunteer."),
        ),
        Indicator(
            "volunteers-reaching-target",
            _("Volunteers reaching the annual target"),
            ("rollups",),
            measure_reaching_target,
            "percent",
            _("Share of registered volunteers whose approved hours this year reach the annual target."),
        ),
        Indicator(
            "overdue-records",
            _("Records unreviewed after 10 working days"),
            ("records",),
            measure_overdue,
            "count",
            _("Service records still not reviewed more than 10 working days after the activity ended."),
        ),
        Indicator(
            "zero-hour-units",
            _("Stations with zero hours"),
            ("rollups",),
            measure_zero_hours,
            "count",
            _("Stations whose volunteers had no approved hours this month."),
        ),
        Indicator(
            "overdue-orders",
            _("Overdue service orders"),
            ("orders",),
            measure_overdue_orders,
            "count",
            _(
                "Residents' orders still waiting for review, dispatch, acceptance or completion "
                "after their deadline in working days."
            ),
        ),
        Indicator(
            "order-completion",
            _("Service orders completed"),
            ("orders",),
            measure_order_completion,
            "percent",
            _(
                "Of this month's orders that are finished or overdue, the share served to the end; "
                "orders refused by the unit count as not served, orders still on time or cancelled by "
                "the resident are not counted."
            ),
        ),
        Indicator(
            "order-satisfaction",
            _("Residents' satisfaction"),
            ("orders",),
            measure_order_satisfaction,
            "stars",
            _(
                "Mean stars (1-5) of the ratings given this month on response, attitude and result; "
                "orders closed unrated this month are counted beside them, never as satisfied."
            ),
            scores=True,
        ),
        Indicator(
            "venue-use",
            _("Venues in use"),
            ("venues",),
            measure_venue_use,
            "percent",
            _(
                "Share of the venues taking bookings that had an approved booking or held an event this month; "
                "the month's approved bookings and their hours beside it."
            ),
            venues=True,
        ),
    ]
}


@dataclass
class Row:
    """One indicator's value for one unit (the dashboard's total or a drill-down row)."""

    unit_id: int | None
    name: str
    level: str
    value: Decimal | int | None
    numerator: object
    denominator: object
    light: str
    events_held: int
    hours: Decimal
    zero_activity: bool
    zero_hours: bool
    scores: Scores | None = None
    venues: VenueFigures | None = None


@dataclass
class Group:
    """A unit shown as one row, with the figures of its subtree."""

    unit: Unit | None
    figures: Figures = field(default_factory=Figures)
    population: int | None = None


@dataclass
class Segment:
    """Units of one level counted in one go: the reach whose service counts, and the rows by path."""

    reach: reading.Reach
    level: str
    scope: PracticeUnit | None  # the subtree the rows lie in (None: all)
    groups: dict[str, Group]

    @property
    def depth(self) -> int:
        return PATH_STEP * LEVEL_DEPTH[self.level]

    def scope_sql(self, alias: str) -> tuple[str, list]:
        """The subtree as a condition on the units table ``alias`` (paths are digits and slashes: no escaping)."""
        return (f"AND {alias}.path LIKE %s", [f"{self.scope.path}%"]) if self.scope else ("", [])

    def group_of(self, path: str) -> Group | None:
        return self.groups.get(path[: self.depth])


LEVEL_DEPTH: dict[str, int] = {Level.CENTER: 1, Level.INSTITUTE: 2, Level.STATION: 3}
CHILD_LEVEL = {Level.CENTER: Level.INSTITUTE, Level.INSTITUTE: Level.STATION}


class Dashboard:
    """The figures of a scope (a unit, or the caller's whole reach) for one month, as rows.

    ``root`` is the unit shown, or None for everything the user reaches: all centers
    for an admin, the units a manager manages. ``rows_by`` chooses the rows: ``self``
    (the root alone, or the top units of the reach), ``children`` of the root, or every
    ``station``. Each row is counted at its own level, in one grouped query per figure,
    so the cost follows the rows shown, not the units or records beneath them.
    """

    def __init__(
        self,
        user,
        *,
        root: PracticeUnit | None,
        month: datetime.date,
        rows_by: str = "self",
        sources: Iterable[str] = ALL_SOURCES,
        now: datetime.datetime | None = None,
    ) -> None:
        now = now or timezone.now()
        self.user = user
        self.root = root
        self.period = Period(month=month.replace(day=1), today=timezone.localdate(now), now=now)
        self.segments = self._segments(rows_by)
        # Zero activity and zero hours are flagged on every row, whatever the indicator.
        wanted = {"events", "rollups", *sources}
        for segment in self.segments:
            if not segment.groups:
                continue
            self._load_stations(segment)
            for name in ALL_SOURCES:
                if name in wanted:
                    getattr(self, f"_load_{name}")(segment)

    # Rows --------------------------------------------------------------------------------

    def _segments(self, rows_by: str) -> list[Segment]:
        if self.root is None and not self.user.is_superuser:
            # The widest of nested appointments are the reach's children: each a row of its own.
            rows_by = "self" if rows_by == "children" else rows_by
            return [self._segment(reading.Reach(top, top), top, rows_by) for top in root_units(self.user)]
        return [self._segment(self._reach(), self.root, rows_by)]

    def _reach(self) -> reading.Reach:
        """Whose service counts, as the hour statistics count it: admins every record of the
        scope's volunteers; a manager those at events inside the unit they manage."""
        if self.user.is_superuser:
            return reading.Reach(self.root)
        root = cast(PracticeUnit, self.root)  # a manager without a root gets a segment per top unit (_segments)
        own = next(unit for unit in root_units(self.user) if is_under(root, unit))
        return reading.Reach(root, own)

    def _segment(self, reach: reading.Reach, scope: PracticeUnit | None, rows_by: str) -> Segment:
        if scope is None:
            level = Level.STATION if rows_by == "stations" else Level.CENTER
        elif rows_by == "stations" or (rows_by == "children" and scope.level == Level.INSTITUTE):
            level = Level.STATION
        elif rows_by == "children" and scope.level == Level.CENTER:
            level = Level.INSTITUTE
        else:  # the unit itself, also as a station's only "child"
            unit = Unit(scope.pk, scope.path, scope.level, scope.name, scope.population)
            return Segment(reach, scope.level, scope, {scope.path: Group(unit)})
        units = PracticeUnit.objects.filter(level=level)
        if scope is not None:
            units = units.subtree_of(scope)
        if scope is None or level != scope.level:
            units = units.filter(is_active=True)
        values = units.order_by("path").values_list("id", "path", "level", "name", "population")
        return Segment(reach, level, scope, {row[1]: Group(Unit(*row)) for row in values})

    # Loading -------------------------------------------------------------------------------

    def _add(self, segment: Segment, pairs: Iterable[tuple[str, object]], name: str) -> None:
        for path, value in pairs:
            group = segment.group_of(path)
            if group is not None:
                setattr(group.figures, name, getattr(group.figures, name) + value)

    def _load_stations(self, segment: Segment) -> None:
        scope, scope_params = segment.scope_sql("u")
        rows = fetch(
            f"SELECT SUBSTR(u.path, 1, %s), COUNT(*), COUNT(u.population), SUM(u.population) "  # noqa: S608
            f"FROM {table(PracticeUnit)} u WHERE u.level = %s AND u.is_active {scope} GROUP BY 1",
            [segment.depth, Level.STATION, *scope_params],
        )
        for head, n, known, people in rows:
            group = segment.groups.get(head)
            if group is not None:
                group.figures.stations = n
                # A partial sum of stations' populations would overstate the registered share.
                own = cast(Unit, group.unit).population  # only the dashboard's total has no unit
                group.population = own or (int(people) if known == n else None)

    def _load_events(self, segment: Segment) -> None:
        period = self.period
        start = moment(local_midnight(period.month))
        end = moment(min(local_midnight(next_month(period.month)), period.now))
        inner_scope, inner_params = segment.scope_sql("su")
        units, events = table(PracticeUnit), table(Event)
        # Documented as events.models.is_documented has it: an activity record with a summary and enough photos.
        documented = (
            f"EXISTS (SELECT 1 FROM {table(ActivityRecord)} a WHERE a.event_id = ev.id AND a.summary <> '' "  # noqa: S608
            f"AND (SELECT COUNT(*) FROM {table(ActivityPhoto)} p WHERE p.record_id = a.id) >= %s)"
        )
        # One pass over the month's events of the scope (a province's month is some 20,000): counted, and
        # counted documented, per organising unit, then per row with the stations among those units that
        # held enough.
        sql = f"""
            SELECT SUBSTR(u.path, 1, %s), SUM(e.n), SUM(e.documented),
                   COUNT(*) FILTER (WHERE u.level = %s AND u.is_active AND e.n >= %s)
              FROM (
                    SELECT ev.unit_id, COUNT(*) AS n, COUNT(*) FILTER (WHERE {documented}) AS documented
                      FROM {events} ev INNER JOIN {units} su ON su.id = ev.unit_id
                     WHERE ev.status IN ({marks(HELD_STATUSES)}) AND ev.starts_at >= %s AND ev.starts_at < %s
                           {inner_scope}
                     GROUP BY ev.unit_id
                   ) e
             INNER JOIN {units} u ON u.id = e.unit_id
             GROUP BY 1
        """  # noqa: S608 (names from the models, values as parameters)
        params = [
            segment.depth,
            Level.STATION,
            settings.ACTIVE_STATION_MIN_EVENTS,
            settings.ACTIVITY_MIN_PHOTOS,
            *HELD_STATUSES,
            start,
            end,
            *inner_params,
        ]
        for head, n, n_documented, busy_stations in fetch(sql, params):
            group = segment.groups.get(head)
            if group is not None:
                group.figures.events_held += int(n)
                group.figures.events_documented += int(n_documented)
                group.figures.active_stations += int(busy_stations)

    def _load_records(self, segment: Segment) -> None:
        # 志愿服务记录与证明出具办法 art. 11: records are completed within 10 working days
        # of the activity's end. Judged at the month's end (or today), with today's status.
        cutoff = latest_day_not_overdue(self.period.as_of, RECORDING_WORKING_DAYS)
        scope, scope_params = segment.scope_sql("u")
        rows = fetch(
            f"SELECT SUBSTR(u.path, 1, %s), COUNT(*) FROM {table(ServiceRecord)} r "  # noqa: S608
            f"INNER JOIN {table(Event)} e ON e.id = r.event_id INNER JOIN {table(PracticeUnit)} u ON u.id = e.unit_id "
            f"WHERE r.status IN ({marks(UNREVIEWED)}) AND e.ends_at < %s {scope} GROUP BY 1",
            [segment.depth, *UNREVIEWED, moment(local_midnight(cutoff)), *scope_params],
        )
        self._add(segment, rows, "overdue_records")

    def _load_rollups(self, segment: Segment) -> None:
        period = self.period
        # Active: served in the 12 months ending with this one. Registered: by the end of the month's year.
        since = datetime.date(period.month.year - (period.month.month < 12), period.month.month % 12 + 1, 1)
        for row in reading.month_figures_by_unit(segment.reach, segment.level, period.month, active_since=since):
            group = segment.group_of(row.path)
            if group is not None:
                figures = group.figures
                figures.registered += row.registered
                figures.hours_month += row.month_hours
                figures.hours_year += row.year_hours
                figures.stations_with_hours += row.served_stations
                figures.active_volunteers += row.active
                figures.reaching_target += row.reaching_target

    def _load_orders(self, segment: Segment) -> None:
        period = self.period
        start, end = moment(local_midnight(period.month)), moment(local_midnight(next_month(period.month)))
        scope, scope_params = segment.scope_sql("u")
        # Judged like the records: deadlines at the month's end (or today), states as they are now.
        # Orders settled in the month count towards completion; those closed unrated, never as satisfied.
        overdue = f"(o.state IN ({marks(RUNNING)}) AND o.due_on < %s)"
        overdue_params = [*RUNNING, connection.ops.adapt_datefield_value(period.as_of)]
        placed, placed_params = "(o.created_at >= %s AND o.created_at < %s)", [start, end]
        done, done_params = f"o.state IN ({marks(DONE)})", list(DONE)
        settled = f"((({done}) OR o.state = %s OR {overdue}) AND {placed})"
        settled_params = [*done_params, OrderState.REFUSED, *overdue_params, *placed_params]
        unrated = "(o.state = %s AND t.id IS NULL AND o.closed_at >= %s AND o.closed_at < %s)"
        unrated_params = [OrderState.CLOSED, start, end]
        orders, units, ratings = table(Order), table(PracticeUnit), table(Rating)
        # One round trip for both: built by the ORM, these two queries cost more than the database's answer.
        sql = f"""
            SELECT 1, SUBSTR(u.path, 1, %s), COUNT(*) FILTER (WHERE {overdue}), COUNT(*) FILTER (WHERE {settled}),
                   COUNT(*) FILTER (WHERE {settled} AND {done}), COUNT(*) FILTER (WHERE {unrated}), NULL
              FROM {orders} o INNER JOIN {units} u ON u.id = o.station_id
              LEFT OUTER JOIN {ratings} t ON t.order_id = o.id
             WHERE ({overdue} OR {settled} OR {unrated}) {scope}
             GROUP BY 2
            UNION ALL
            SELECT 2, SUBSTR(u.path, 1, %s), COUNT(*), SUM(t.response), SUM(t.attitude), SUM(t.result),
                   COUNT(*) FILTER (WHERE t.response + t.attitude + t.result >= %s)
              FROM {ratings} t INNER JOIN {orders} o ON o.id = t.order_id INNER JOIN {units} u ON u.id = o.station_id
             WHERE t.rated_at >= %s AND t.rated_at < %s {scope}
             GROUP BY 2
        """  # noqa: S608 (names from the models, values as parameters)
        params = [
            segment.depth,
            *overdue_params,
            *settled_params,
            *settled_params,
            *done_params,
            *unrated_params,
            *overdue_params,
            *settled_params,
            *unrated_params,
            *scope_params,
            segment.depth,
            SATISFIED_TOTAL,
            start,
            end,
            *scope_params,
        ]
        for kind, path, a, b, c, d, e in fetch(sql, params):
            group = segment.group_of(path)
            if group is None:
                continue
            figures = group.figures
            if kind == 1:
                figures.overdue_orders += a
                figures.orders_settled += b
                figures.orders_completed += c
                figures.unrated += d
            else:
                figures.ratings += a
                figures.response_stars += int(b)
                figures.attitude_stars += int(c)
                figures.result_stars += int(d)
                figures.satisfied += e

    def _load_venues(self, segment: Segment) -> None:
        period = self.period
        start = moment(local_midnight(period.month))
        end = moment(min(local_midnight(next_month(period.month)), period.now))
        scope, scope_params = segment.scope_sql("u")
        venues, bookings, units, events = table(Venue), table(Booking), table(PracticeUnit), table(Event)
        approved = "b.status = %s AND b.starts_at >= %s AND b.starts_at < %s"
        approved_params = [BookingStatus.APPROVED, start, end]
        held = f"e.status IN ({marks(HELD_STATUSES)}) AND e.starts_at >= %s AND e.starts_at < %s"
        held_params = [*HELD_STATUSES, start, end]
        # Exact in both: PostgreSQL's seconds as a numeric, SQLite's as Django's microseconds.
        length = (
            "EXTRACT(EPOCH FROM b.ends_at - b.starts_at)"
            if connection.vendor == "postgresql"
            else "django_timestamp_diff(b.ends_at, b.starts_at) / 1000000.0"
        )
        sql = f"""
            SELECT 1, SUBSTR(u.path, 1, %s), COUNT(*), COUNT(*) FILTER (WHERE
                       EXISTS (SELECT 1 FROM {bookings} b WHERE b.venue_id = v.id AND {approved})
                       OR EXISTS (SELECT 1 FROM {events} e WHERE e.venue_id = v.id AND {held})), NULL
              FROM {venues} v INNER JOIN {units} u ON u.id = v.unit_id
             WHERE v.is_active AND u.is_active {scope}
             GROUP BY 2
            UNION ALL
            SELECT 2, SUBSTR(u.path, 1, %s), COUNT(*), NULL, SUM({length})
              FROM {bookings} b INNER JOIN {venues} v ON v.id = b.venue_id INNER JOIN {units} u ON u.id = v.unit_id
             WHERE {approved} {scope}
             GROUP BY 2
        """  # noqa: S608 (names from the models, values as parameters)
        params = [
            segment.depth,
            *approved_params,
            *held_params,
            *scope_params,
            segment.depth,
            *approved_params,
            *scope_params,
        ]
        for kind, path, n, used, seconds in fetch(sql, params):
            group = segment.group_of(path)
            if group is None:
                continue
            if kind == 1:
                group.figures.venues += n
                group.figures.venues_used += used
            else:
                group.figures.venue_bookings += n
                group.figures.venue_seconds += float(seconds or 0)

    # Reading ---------------------------------------------------------------------------

    def groups(self) -> list[Group]:
        return [group for segment in self.segments for group in segment.groups.values()]

    def total(self) -> Group:
        """The root's figures, or the sum of the reach's top units'."""
        groups = self.groups()
        if self.root is not None and len(groups) == 1:
            return groups[0]
        total = Group(None)
        for group in groups:
            total.figures.add(group.figures)
        populations = [group.population for group in groups]
        known = [population for population in populations if population is not None]
        total.population = sum(known) if populations and len(known) == len(populations) else None
        return total

    def row(self, key: str, group: Group) -> Row:
        indicator = INDICATORS[key]
        figures = group.figures
        value, numerator, denominator, light = indicator.measure(figures, group.population, self.period)
        unit = group.unit
        return Row(
            unit_id=unit.id if unit else None,
            name=unit.name if unit else str(_("All units")),
            level=unit.level if unit else "",
            value=value,
            numerator=numerator,
            denominator=denominator,
            light=light,
            events_held=figures.events_held,
            hours=figures.hours_month,
            zero_activity=figures.events_held == 0,
            zero_hours=figures.hours_month == 0,
            scores=scores(figures) if indicator.scores else None,
            venues=venue_figures(figures) if indicator.venues else None,
        )

    def indicators(self) -> list[tuple[Indicator, Row]]:
        total = self.total()
        return [(indicator, self.row(key, total)) for key, indicator in INDICATORS.items()]

    def drilldown(self, key: str) -> list[Row]:
        return [self.row(key, group) for group in self.groups()]


def dashboard(
    user, *, root: PracticeUnit | None, month: datetime.date, indicator: str | None = None, rows_by: str = "self"
) -> Dashboard:
    """The dashboard of ``root`` (None: the user's whole reach) for ``month``, its rows chosen by ``rows_by``;
    with ``indicator``, only the figures that indicator and the drill-down flags need are counted."""
    sources = INDICATORS[indicator].sources if indicator else ALL_SOURCES
    return Dashboard(user, root=root, month=month, rows_by=rows_by, sources=sources)
