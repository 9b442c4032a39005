"""The assessment dashboard: per unit and month, the indicators a practice network is judged on.

Each indicator has a value, a traffic light (thresholds in ``settings.DASHBOARD_THRESHOLDS``)
and a drill-down over the unit's child units (or all its stations) in which units
without activity or hours are listed and flagged, never left out.

Everything is counted per unit id in a few grouped queries and summed up the tree in
Python, so the cost follows the number of units, not of records: events, stations
and volunteers are counted on indexes; hours and the volunteers who served come
from the rollup (``reports.rollup``), never from the service records. Volunteer
figures (registered, active, hours, target) belong to the volunteer's home station;
event figures to the organising unit.

A unit's figures are those of its subtree. Units switched off (``is_active``) are
left out, with their data, so that a unit's total is the sum of its rows.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from events.models import Event, EventStatus, ServiceRecord
from events.record_deadlines import RECORDING_WORKING_DAYS, UNREVIEWED
from events.working_days import latest_day_not_overdue
from reports import rollup
from stations.models import PATH_STEP, Level, PracticeUnit, managed_paths, subtree_q
from volunteers.models import Volunteer

GREEN, AMBER, RED, NO_DATA = "green", "amber", "red", "none"
HELD_STATUSES = (EventStatus.PUBLISHED, EventStatus.FINISHED)
HUNDRED = Decimal(100)


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
    zero_hour_stations: int = 0
    overdue_records: int = 0

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


@dataclass
class Indicator:
    key: str
    label: str | Promise
    sources: tuple[str, ...]
    # (figures, population, period) -> (value, numerator, denominator, light)
    measure: Callable[[Figures, int | None, Period], tuple[Decimal | int | None, object, object, str]]
    unit: str  # how the value reads: "percent", "count" or "hours"
    help: str | Promise = ""


def threshold(key: str) -> dict:
    return settings.DASHBOARD_THRESHOLDS[key]


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
    value = share(f.zero_hour_stations, f.stations)
    return f.zero_hour_stations, f.zero_hour_stations, f.stations, light_at_most(value, threshold("zero_hour_units"))


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
            ("volunteers",),
            measure_registered,
            "percent",
            _("Registered volunteers as a share of the resident population."),
        ),
        Indicator(
            "active-volunteers",
            _("Active volunteers"),
            ("volunteers", "hours"),
            measure_active_volunteers,
            "percent",
            _("Share of registered volunteers who served in the last 12 months."),
        ),
        Indicator(
            "hours-per-volunteer",
            _("Hours per registered volunteer"),
            ("volunteers", "hours"),
            measure_hours_per_volunteer,
            "hours",
            _("Approved hours this year so far per registered volunteer."),
        ),
        Indicator(
            "volunteers-reaching-target",
            _("Volunteers reaching the annual target"),
            ("volunteers", "hours"),
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
            ("hours",),
            measure_zero_hours,
            "count",
            _("Stations whose volunteers had no approved hours this month."),
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


@dataclass
class Group:
    unit: Unit | None
    figures: Figures = field(default_factory=Figures)
    stations: list[Unit] = field(default_factory=list)


class Dashboard:
    """The figures of a scope (a unit, or the caller's whole reach) for one month.

    ``root`` is the unit shown, or None for everything the user reaches: all centers
    for an admin, the units a manager manages (when more than one).
    """

    def __init__(
        self,
        user,
        *,
        root: PracticeUnit | None,
        month: datetime.date,
        sources: Iterable[str] = ("events", "volunteers", "records", "hours"),
        now: datetime.datetime | None = None,
    ) -> None:
        now = now or timezone.now()
        self.user = user
        self.root = root
        self.period = Period(month=month.replace(day=1), today=timezone.localdate(now), now=now)
        self.units = self._units()
        self.root_unit = Unit(root.pk, root.path, root.level, root.name, root.population) if root else None
        self.tops = self._tops()
        self.per_unit: dict[int, Figures] = {unit.id: Figures() for unit in self.units}
        sources = set(sources)
        # Zero activity and zero hours are flagged on every row, whatever the indicator.
        loaders = {
            "events": self._load_events,
            "volunteers": self._load_volunteers,
            "records": self._load_records,
            "hours": self._load_hours,
        }
        for name in ("events", "hours", *sorted(sources - {"events", "hours"})):
            loaders[name]()

    # Scope ---------------------------------------------------------------------------

    def scope_q(self, path_field: str) -> Q:
        if self.root is not None:
            return Q(**{f"{path_field}__startswith": self.root.path})
        if self.user.is_superuser:
            return Q()
        return subtree_q(path_field, managed_paths(self.user))

    def _units(self) -> list[Unit]:
        rows = (
            PracticeUnit.objects.filter(self.scope_q("path"), is_active=True)
            .order_by("path")
            .values_list("id", "path", "level", "name", "population")
        )
        return [Unit(*row) for row in rows]

    def _tops(self) -> list[Unit]:
        """The units the drill-down lists by default: the root's children, or the reach's top units."""
        if self.root is not None:
            depth = len(self.root.path) + PATH_STEP
            children = [unit for unit in self.units if len(unit.path) == depth]
            # A station has no children: its drill-down is the station itself.
            return children or [unit for unit in self.units if unit.id == self.root.pk]
        tops: list[Unit] = []
        for unit in self.units:  # in path order, so an ancestor comes before its subtree
            if not tops or not unit.path.startswith(tops[-1].path):
                tops.append(unit)
        return tops

    # Loading (one grouped query per figure, keyed by unit id) -------------------------

    def _set(self, counts: Iterable[tuple[int, object]], name: str) -> None:
        for unit_id, value in counts:
            figures = self.per_unit.get(unit_id)
            if figures is not None:
                setattr(figures, name, value)

    def _load_events(self) -> None:
        period = self.period
        held = Event.objects.filter(
            self.scope_q("unit__path"),
            status__in=HELD_STATUSES,
            starts_at__gte=local_midnight(period.month),
            starts_at__lt=min(local_midnight(next_month(period.month)), period.now),
        )
        self._set(held.order_by().values("unit_id").annotate(n=Count("id")).values_list("unit_id", "n"), "events_held")
        documented = held.documented().order_by().values("unit_id").annotate(n=Count("id"))
        self._set(documented.values_list("unit_id", "n"), "events_documented")
        minimum = settings.ACTIVE_STATION_MIN_EVENTS
        for unit in self.units:
            if unit.level == Level.STATION:
                figures = self.per_unit[unit.id]
                figures.stations = 1
                figures.active_stations = int(figures.events_held >= minimum)

    def _load_volunteers(self) -> None:
        # Registered by the end of the month and not closed by then.
        end = local_midnight(next_month(self.period.month))
        registered = (
            Volunteer.objects.filter(self.scope_q("home_station__path"), created_at__lt=end)
            .exclude(closed_at__lt=end)
            .order_by()
            .values("home_station_id")
            .annotate(n=Count("id"))
        )
        self._set(registered.values_list("home_station_id", "n"), "registered")

    def _load_records(self) -> None:
        # 志愿服务记录与证明出具办法 art. 11: records are completed within 10 working days
        # of the activity's end. Judged at the month's end (or today), with today's status.
        cutoff = latest_day_not_overdue(self.period.as_of, RECORDING_WORKING_DAYS)
        overdue = (
            ServiceRecord.objects.filter(
                self.scope_q("event__unit__path"), status__in=UNREVIEWED, event__ends_at__lt=local_midnight(cutoff)
            )
            .order_by()
            .values("event__unit_id")
            .annotate(n=Count("id"))
        )
        self._set(overdue.values_list("event__unit_id", "n"), "overdue_records")

    def _reaches(self) -> list[rollup.Reach]:
        """Whose service counts, as the hour statistics count it: admins every record of the
        scope's volunteers; a manager those at events inside the unit they manage."""
        if self.user.is_superuser:
            return [rollup.Reach(self.root)]
        if self.root is None:
            # The tops are then the units the manager manages, each its own reach.
            tops = PracticeUnit.objects.filter(pk__in=[unit.id for unit in self.tops])
            return [rollup.Reach(top, top) for top in tops]
        # The widest managed unit above the root (paths sort ancestors first).
        own = next(path for path in sorted(managed_paths(self.user)) if self.root.path.startswith(path))
        events_in = self.root if own == self.root.path else PracticeUnit.objects.get(path=own)
        return [rollup.Reach(self.root, events_in)]

    def _load_hours(self) -> None:
        period = self.period
        year_start = period.month.replace(month=1)
        # Active: served in the 12 months ending with this one.
        since = datetime.date(period.month.year - (period.month.month < 12), period.month.month % 12 + 1, 1)
        for reach in self._reaches():
            month = rollup.hours_by_unit(reach, Level.STATION, period.month, period.month)
            self._set(((row.unit_id, row.hours) for row in month), "hours_month")
            year = rollup.hours_by_unit(reach, Level.STATION, year_start, period.month)
            self._set(((row.unit_id, row.hours) for row in year), "hours_year")
            counts = rollup.volunteer_counts_by_unit(reach, Level.STATION, year=period.month.year, since=since)
            self._set(((row.unit_id, row.active) for row in counts), "active_volunteers")
            self._set(((row.unit_id, row.reaching_target) for row in counts), "reaching_target")
        for unit in self.units:
            if unit.level == Level.STATION:
                self.per_unit[unit.id].zero_hour_stations = int(self.per_unit[unit.id].hours_month == 0)

    # Reading ---------------------------------------------------------------------------

    def groups(self, by: str = "children") -> list[Group]:
        """The units a drill-down lists (``children`` of the root, or every ``station``), with their figures."""
        heads = self.tops if by == "children" else [unit for unit in self.units if unit.level == Level.STATION]
        groups = {unit.path: Group(unit) for unit in heads}
        lengths = sorted({len(path) for path in groups})
        for unit in self.units:
            for length in lengths:
                group = groups.get(unit.path[:length])
                if group is not None:
                    group.figures.add(self.per_unit[unit.id])
                    if unit.level == Level.STATION:
                        group.stations.append(unit)
                    break
        return list(groups.values())

    def total(self) -> Group:
        group = Group(None)
        for unit in self.units:
            group.figures.add(self.per_unit[unit.id])
            if unit.level == Level.STATION:
                group.stations.append(unit)
        return group

    def population(self, group: Group) -> int | None:
        """The group's resident population (None when unknown)."""
        if group.unit is not None:
            return unit_population(group.unit, group.stations)
        if self.root_unit is not None:
            return unit_population(self.root_unit, group.stations)
        parts = [
            unit_population(top, [station for station in group.stations if station.path.startswith(top.path)])
            for top in self.tops
        ]
        return None if not parts or None in parts else sum(parts)

    def row(self, key: str, group: Group) -> Row:
        indicator = INDICATORS[key]
        figures = group.figures
        value, numerator, denominator, light = indicator.measure(figures, self.population(group), self.period)
        unit = group.unit or self.root_unit
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
        )

    def indicators(self) -> list[tuple[Indicator, Row]]:
        total = self.total()
        return [(indicator, self.row(key, total)) for key, indicator in INDICATORS.items()]

    def drilldown(self, key: str, by: str = "children") -> list[Row]:
        return [self.row(key, group) for group in self.groups(by)]


def unit_population(unit: Unit, stations: list[Unit]) -> int | None:
    """A unit's own resident population, else the sum of its stations' when every one of
    them has one (a partial sum would overstate the registered share)."""
    if unit.population:
        return unit.population
    populations = [station.population for station in stations]
    if not populations or None in populations:
        return None
    return sum(populations)


def dashboard(user, *, root: PracticeUnit | None, month: datetime.date, indicator: str | None = None) -> Dashboard:
    """The dashboard of ``root`` (None: the user's whole reach) for ``month``; with ``indicator``,
    only the figures that indicator and the drill-down flags need are counted."""
    sources = INDICATORS[indicator].sources if indicator else ("events", "volunteers", "records", "hours")
    return Dashboard(user, root=root, month=month, sources=sources)
