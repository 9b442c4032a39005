"""The self-assessment (测评自查): a unit's figures for a month, a quarter or a year, each with its evidence.

Every indicator is counted by the machine from records the platform holds, and cites the
published scheme(s) it comes from. The schemes (short names used in ``SCHEMES``):

- ``chengdu``: 成都市新时代文明实践中心（所、站）建设标准 — 5 indicators / 26 standards
  (阵地建设, 队伍建设, 活动开展, 项目品牌, 机制保障): stations open and holding activities regularly,
  activities documented, volunteer teams registered, brand projects, trainings.
- ``bijie``: 毕节市新时代文明实践所（站）建设测评细则 — 9 items / 29 contents: activities every month,
  photos and records of each activity (台账), venue opening hours and use, needs collected
  (群众点单) and answered, satisfaction of those served.
- ``district100``: a district's 100-point deduction scheme over seven areas (百分制扣分: 组织领导,
  阵地建设, 队伍建设, 活动开展, 项目品牌, 群众满意, 台账资料) — deductions for stations without
  activities in a month, unanswered orders, records not kept, idle venues.
- ``wenming``: 全国文明城市测评体系 — registered volunteers at least 13% of the resident population;
  Party members registered and serving (在职党员进社区).
- ``records``: 志愿服务记录与证明出具办法 (民政部 2020) art. 11 — service records completed within
  10 working days of the activity's end; 志愿服务条例 art. 19 (records of hours).
- ``four100``: 中央社会工作部等关于开展2024年度全国志愿服务"四个100"先进典型宣传活动的通知 (first
  held by 中央文明办 in 2015): 最美志愿者 serving 3 years or more; 最佳志愿服务组织 established
  3 years or more, at least 20 volunteers, at least 60% of them regularly serving, 2 or more brand
  projects running; 最佳志愿服务项目 running 3 years or more (the 2015 notice: 1 year, at least 20
  registered volunteers taking part); 最美志愿服务村(社区).

The targets (``TARGETS``, overridable per key by ``settings.ASSESSMENT_TARGETS``) are starting
points taken from those schemes where they state a number. Where the dashboard judges the same
indicator (``SHARED_THRESHOLDS``), the bounds are read from ``settings.DASHBOARD_THRESHOLDS``, so
one setting moves both lights; ``ASSESSMENT_TARGETS`` may still replace them for the assessment.

Figures shared with the dashboard (``reports.dashboard.indicators``) use its definitions: events
held (published or finished, started in the period and not after now, organised inside the
unit), documented (``events.models.is_documented``), registered volunteers (rollups, by the end of
the period's last year), active volunteers (served in the 12 months ending with the period's last
month, rollups), the annual target, overdue records and orders judged at the period's end (or
today), order completion and satisfaction. Hours come from the rollups as the statistics read
them (``reading.totals`` with the manager's reach). For a month the figures equal the dashboard's;
``tests/assessment`` holds them equal.
"""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.bounded_fields import EARLIEST_DATE, LATEST_DATE
from events.models import Event, Project, ServiceRecord, is_documented
from events.projects import active_in
from events.record_deadlines import RECORDING_WORKING_DAYS, UNREVIEWED
from events.working_days import latest_day_not_overdue
from orders.models import RUNNING, Order, OrderState, Rating
from orders.statistics import DONE
from reports.dashboard.indicators import AMBER, GREEN, HELD_STATUSES, NO_DATA, RED, local_midnight, share
from reports.dashboard.indicators import threshold as dashboard_threshold
from reports.rollups import reading
from stations.models import Level, PracticeUnit
from stations.scoping import is_under, root_units, under
from venues.models import Booking, BookingStatus, Venue, booked_hours
from volunteers.models import PoliticalStatus, Training, Volunteer

SCHEMES: dict[str, Promise] = {
    "chengdu": _("Chengdu civilization-practice construction standard (5 indicators / 26 standards)"),
    "bijie": _("Bijie station assessment rules (9 items / 29 contents)"),
    "district100": _("District 100-point deduction scheme (seven areas)"),
    "wenming": _("National civilized city assessment system"),
    "records": _("Measures for volunteer service records and certificates, art. 11"),
    "four100": _("National 'Four 100' selection notice"),
}
SCHEME_SHORT = {
    "chengdu": "成都5项26条",
    "bijie": "毕节9项29条",
    "district100": "区级百分制扣分",
    "wenming": "全国文明城市测评体系",
    "records": "志愿服务记录与证明出具办法第11条",
    "four100": "四个100推选通知",
}

# Higher is better unless "at_most". Per month where marked "per_month" (scaled by the period's months);
# "year_to_date": a figure accumulating over the period's year, judged pro rata to the day as the dashboard does.
# The bounds of the keys in SHARED_THRESHOLDS are only fallbacks: settings.DASHBOARD_THRESHOLDS decides them.
TARGETS: dict[str, dict] = {
    "stations-every-month": {"green": 100, "amber": 80},
    "events-per-station": {"green": 2, "amber": 1, "per_month": True},
    "documented-events": {"green": 90, "amber": 60},
    "registered-volunteers": {"green": 13, "amber": 10},
    "party-members-registered": {"green": 80, "amber": 50},
    "active-volunteers": {"green": 50, "amber": 30},
    "hours-per-volunteer": {"green": Decimal("10") / 12, "amber": Decimal("5") / 12, "per_month": True},
    "volunteers-reaching-target": {"green": 30, "amber": 10, "year_to_date": True},
    "overdue-records": {"green": 0, "amber": 10, "at_most": True},
    "orders-answered": {"green": 90, "amber": 70},
    "order-completion": {"green": 90, "amber": 70},
    "order-satisfaction": {"green": Decimal("4.5"), "amber": 4},
    "overdue-orders": {"green": 0, "amber": 3, "at_most": True},
    "venues-open": {"green": 80, "amber": 50},
    "venue-hours": {"green": 20, "amber": 8, "per_month": True},
    "projects-active": {"green": 100, "amber": 50},
    "trainings-held": {"green": Decimal(1) / 3, "amber": Decimal(1) / 3, "per_month": True},
}


# Assessment key: (DASHBOARD_THRESHOLDS key, divisor). The dashboard's bounds of the same measure, so that
# one setting changes both. hours_per_volunteer is hours a year: a twelfth of it is the assessment's
# target per month. stations-every-month asks for a station's events in each month, as the dashboard's
# active_stations does in its one month; venues-open is the dashboard's venue_use over the period.
# Not shared: the figures the dashboard does not show (events per station, Party members, orders
# answered, venue hours, brand projects, trainings), judged on the schemes' own numbers.
SHARED_THRESHOLDS: dict[str, tuple[str, int]] = {
    "stations-every-month": ("active_stations", 1),
    "documented-events": ("documented_events", 1),
    "registered-volunteers": ("registered_volunteers", 1),
    "active-volunteers": ("active_volunteers", 1),
    "hours-per-volunteer": ("hours_per_volunteer", 12),
    "volunteers-reaching-target": ("volunteers_reaching_target", 1),
    "overdue-records": ("overdue_records", 1),
    "order-completion": ("order_completion", 1),
    "order-satisfaction": ("order_satisfaction", 1),
    "overdue-orders": ("overdue_orders", 1),
    "venues-open": ("venue_use", 1),
}


class PeriodError(ValueError):
    pass


PERIOD_PATTERN = re.compile(r"([0-9]{4})(?:-(?:([0-9]{2})|Q([1-4])))?")


@dataclass(frozen=True)
class AssessmentPeriod:
    """A month (YYYY-MM), a quarter (YYYY-Qn) or a year (YYYY), judged at its end or today."""

    kind: str
    start: datetime.date
    end: datetime.date  # the day after
    today: datetime.date

    @property
    def label(self) -> str:
        if self.kind == "year":
            return f"{self.start.year}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return self.start.strftime("%Y-%m")

    @property
    def last_day(self) -> datetime.date:
        return self.end - datetime.timedelta(days=1)

    @property
    def as_of(self) -> datetime.date:
        return min(self.last_day, self.today)

    @property
    def months(self) -> list[datetime.date]:
        """The period's months up to ``as_of``."""
        months, month = [], self.start
        while month <= self.as_of:
            months.append(month)
            month = next_month(month)
        return months

    @property
    def last_month(self) -> datetime.date:
        return self.as_of.replace(day=1)

    @property
    def month_count(self) -> int:
        return max(len(self.months), 1)


def next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def parse_period(text: str, today: datetime.date | None = None) -> AssessmentPeriod:
    """``YYYY``, ``YYYY-Qn`` or ``YYYY-MM`` inside the bounded dates and not after the current period."""
    today = today or timezone.localdate()
    # fullmatch with ASCII digits: "２０２６" or "2026\n" is no period.
    match = PERIOD_PATTERN.fullmatch(text or "")
    if not match:
        raise PeriodError(_("Enter a period as YYYY, YYYY-Qn or YYYY-MM, e.g. 2026, 2026-Q3 or 2026-10."))
    year = int(match[1])
    if not EARLIEST_DATE.year <= year <= LATEST_DATE.year:
        raise PeriodError(
            _("Enter a period between {earliest} and {latest}.").format(
                earliest=EARLIEST_DATE.year, latest=LATEST_DATE.year
            )
        )
    if match[2]:
        month = int(match[2])
        if not 1 <= month <= 12:
            raise PeriodError(_("Enter a period as YYYY, YYYY-Qn or YYYY-MM, e.g. 2026, 2026-Q3 or 2026-10."))
        start = datetime.date(year, month, 1)
        kind, end = "month", next_month(start)
    elif match[3]:
        start = datetime.date(year, 3 * int(match[3]) - 2, 1)
        kind, end = "quarter", next_month(next_month(next_month(start)))
    else:
        start = datetime.date(year, 1, 1)
        kind, end = "year", datetime.date(year + 1, 1, 1)
    if start > today:
        raise PeriodError(_("The period must not start after today."))
    return AssessmentPeriod(kind, start, end, today)


def current_period(today: datetime.date | None = None) -> AssessmentPeriod:
    today = today or timezone.localdate()
    return parse_period(today.strftime("%Y-%m"), today)


# Figures -------------------------------------------------------------------------------


@dataclass
class Figure:
    key: str
    name: str | Promise
    schemes: tuple[str, ...]
    unit: str  # percent, count, hours, stars, ratio
    help: str | Promise
    value: Decimal | int | None = None
    numerator: Decimal | int | None = None
    denominator: Decimal | int | None = None
    target: str = ""
    light: str = NO_DATA

    @property
    def scheme_names(self) -> list[str]:
        return [SCHEME_SHORT[scheme] for scheme in self.schemes]


def target_bounds(key: str) -> dict:
    """The built-in target, the dashboard's bounds where it judges the same figure, then ASSESSMENT_TARGETS."""
    bounds = dict(TARGETS[key])
    if key in SHARED_THRESHOLDS:
        name, divisor = SHARED_THRESHOLDS[key]
        board = dashboard_threshold(name)
        bounds.update(
            green=Decimal(str(board["green"])) / divisor,
            amber=Decimal(str(board["amber"])) / divisor,
        )
    custom = getattr(settings, "ASSESSMENT_TARGETS", {}) or {}
    return {**bounds, **custom.get(key, {})}


def year_share(day: datetime.date) -> Decimal:
    """The share of ``day``'s year passed by it (the dashboard's ``Period.elapsed_share``)."""
    days = (day - day.replace(month=1, day=1)).days + 1
    return Decimal(days) / Decimal(366 if calendar.isleap(day.year) else 365)


def scaled(key: str, period: AssessmentPeriod) -> tuple[Decimal, Decimal, bool]:
    bounds = target_bounds(key)
    scale = Decimal(1)
    if bounds.get("per_month"):
        scale = Decimal(period.month_count)
    elif bounds.get("year_to_date"):
        scale = year_share(period.as_of)
    return Decimal(str(bounds["green"])) * scale, Decimal(str(bounds["amber"])) * scale, bool(bounds.get("at_most"))


def judge(key: str, value, period: AssessmentPeriod) -> tuple[str, str]:
    """The light and the target as read (``≥ 13`` or ``≤ 0``)."""
    green, amber, at_most = scaled(key, period)
    shown = green.quantize(Decimal("0.01"), ROUND_HALF_UP).normalize()
    target = f"≤ {shown:f}" if at_most else f"≥ {shown:f}"
    if value is None:
        return NO_DATA, target
    value = Decimal(value)
    if at_most:
        return (GREEN if value <= green else AMBER if value <= amber else RED), target
    return (GREEN if value >= green else AMBER if value >= amber else RED), target


def ratio(part, whole, places: str = "0.01") -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal(places), ROUND_HALF_UP)


PARTY = (PoliticalStatus.PARTY_MEMBER, PoliticalStatus.PROBATIONARY)


class Assessment:
    """The figures of ``unit``'s subtree for ``period``, as the ``user`` is allowed to count them.

    A manager counts the hours served at events inside the unit they manage (as the dashboard
    and the statistics do); an admin all of them. Querysets behind each figure are built by
    ``records(key)`` for the drill-down.
    """

    def __init__(
        self, user, unit: PracticeUnit, period: AssessmentPeriod, *, now: datetime.datetime | None = None
    ) -> None:
        self.user = user
        self.unit = unit
        self.period = period
        self.now = now or timezone.now()
        self.start = local_midnight(period.start)
        self.end = local_midnight(period.end)
        self.reach = self._reach()
        self.figures: dict[str, Figure] = {}

    def _reach(self) -> reading.Reach:
        if self.user.is_superuser:
            return reading.Reach(self.unit)
        own = next(top for top in root_units(self.user) if is_under(self.unit, top))
        return reading.Reach(self.unit, own)

    # Querysets: the records behind the figures -------------------------------------------

    def stations(self) -> QuerySet[PracticeUnit]:
        return PracticeUnit.objects.filter(under(self.unit), level=Level.STATION, is_active=True).order_by("path")

    def events_held(self) -> QuerySet[Event]:
        return Event.objects.filter(
            under(self.unit, "unit__path"),
            status__in=HELD_STATUSES,
            starts_at__gte=self.start,
            starts_at__lt=min(self.end, self.now),
        ).order_by("starts_at", "pk")

    def overdue_records(self) -> QuerySet[ServiceRecord]:
        cutoff = latest_day_not_overdue(self.period.as_of, RECORDING_WORKING_DAYS)
        return ServiceRecord.objects.filter(
            under(self.unit, "event__unit__path"), status__in=UNREVIEWED, event__ends_at__lt=local_midnight(cutoff)
        ).order_by("event__ends_at", "pk")

    def orders(self) -> QuerySet[Order]:
        return Order.objects.filter(under(self.unit, "station__path"))

    def orders_received(self) -> QuerySet[Order]:
        return (
            self.orders()
            .filter(created_at__gte=self.start, created_at__lt=self.end)
            .exclude(state=OrderState.CANCELLED)
            .order_by("created_at", "pk")
        )

    def _overdue_q(self) -> Q:
        return Q(state__in=RUNNING, due_on__lt=self.period.as_of)

    def orders_settled(self) -> QuerySet[Order]:
        placed = Q(created_at__gte=self.start, created_at__lt=self.end)
        settled = (Q(state__in=DONE) | Q(state=OrderState.REFUSED) | self._overdue_q()) & placed
        return self.orders().filter(settled).order_by("created_at", "pk")

    def orders_overdue(self) -> QuerySet[Order]:
        return self.orders().filter(self._overdue_q()).order_by("due_on", "pk")

    def orders_unrated(self) -> QuerySet[Order]:
        return self.orders().filter(
            state=OrderState.CLOSED, rating__isnull=True, closed_at__gte=self.start, closed_at__lt=self.end
        )

    def ratings(self) -> QuerySet[Rating]:
        return Rating.objects.filter(
            under(self.unit, "order__station__path"), rated_at__gte=self.start, rated_at__lt=self.end
        ).order_by("rated_at", "pk")

    def party_volunteers(self) -> QuerySet[Volunteer]:
        return Volunteer.objects.filter(
            under(self.unit, "home_station__path"),
            political_status__in=PARTY,
            created_at__lt=self.end,
            closed_at__isnull=True,
        ).order_by("pk")

    def venues(self) -> QuerySet[Venue]:
        """The venues taking bookings, of units switched on (as the dashboard counts them)."""
        return Venue.objects.filter(under(self.unit, "unit__path"), is_active=True, unit__is_active=True).order_by(
            "unit__path", "pk"
        )

    @property
    def until(self) -> datetime.datetime:
        """The period's end, or now while it runs: a venue is used when its booking has begun."""
        return min(self.end, self.now)

    def _in_period(self) -> Q:
        """Bookings that began in the period (so far), as the dashboard and the ledger's 阵地使用 count them:
        a booking across midnight at a month's end belongs, with all its hours, to the month it began in."""
        return Q(starts_at__gte=self.start, starts_at__lt=self.until)

    def bookings_approved(self) -> QuerySet[Booking]:
        return Booking.objects.filter(
            self._in_period(), under(self.unit, "venue__unit__path"), status=BookingStatus.APPROVED
        ).order_by("starts_at", "pk")

    def venues_used(self) -> QuerySet[Venue]:
        booked = Booking.objects.filter(self._in_period(), venue=OuterRef("pk"), status=BookingStatus.APPROVED)
        held = Event.objects.filter(
            venue=OuterRef("pk"), status__in=HELD_STATUSES, starts_at__gte=self.start, starts_at__lt=self.until
        )
        return self.venues().filter(Exists(booked) | Exists(held))

    def projects_running(self) -> QuerySet[Project]:
        led = Project.objects.filter(under(self.unit, "lead_unit__path"))
        return active_in(led, self.period.start, self.period.as_of).order_by("starts_on", "pk")

    def projects_active(self) -> QuerySet[Project]:
        held = self.events_held().filter(project=OuterRef("pk"))
        return self.projects_running().filter(Exists(held))

    def trainings(self) -> QuerySet[Training]:
        return Training.objects.filter(
            under(self.unit, "unit__path"), held_on__gte=self.period.start, held_on__lte=self.period.as_of
        ).order_by("held_on", "pk")

    def station_months(self) -> dict[int, int]:
        """Per station of the subtree that held events: the number of the period's months it held enough in
        (``settings.ACTIVE_STATION_MIN_EVENTS``, the dashboard's active station, 1 by default)."""
        zone = timezone.get_default_timezone()
        rows = (
            self.events_held()
            .filter(unit__level=Level.STATION, unit__is_active=True)
            .order_by()
            .values("unit_id", month=TruncMonth("starts_at", tzinfo=zone))
            .annotate(n=Count("id"))
            .filter(n__gte=settings.ACTIVE_STATION_MIN_EVENTS)
        )
        counts: dict[int, int] = {}
        for row in rows:
            counts[row["unit_id"]] = counts.get(row["unit_id"], 0) + 1
        return counts

    def registered(self) -> int:
        return reading.registered(self.unit, until_year=self.period.last_month.year).volunteers

    def active_since(self) -> datetime.date:
        month = self.period.last_month
        return datetime.date(month.year - (month.month < 12), month.month % 12 + 1, 1)

    def party_total(self) -> int | None:
        """The Party members recorded for the unit's area, or the sum of its stations' when all record one."""
        if self.unit.party_members is not None:
            return self.unit.party_members
        if self.unit.level == Level.STATION:
            return None
        counts = self.stations().aggregate(n=Count("id"), known=Count("party_members"), total=Sum("party_members"))
        return counts["total"] if counts["n"] and counts["known"] == counts["n"] else None

    def population(self) -> int | None:
        """As the dashboard reads it: the unit's own, else the sum of its stations' when all state one."""
        if self.unit.population:
            return self.unit.population
        counts = self.stations().aggregate(n=Count("id"), known=Count("population"), total=Sum("population"))
        return counts["total"] if counts["n"] and counts["known"] == counts["n"] else None

    # Computing -------------------------------------------------------------------------

    def compute(self) -> list[Figure]:
        if self.figures:
            return list(self.figures.values())
        for spec in SPECS:
            figure = Figure(spec.key, spec.name, spec.schemes, spec.unit, spec.help)
            value, numerator, denominator = spec.measure(self)
            figure.value, figure.numerator, figure.denominator = value, numerator, denominator
            figure.light, figure.target = judge(spec.key, value, self.period)
            if spec.key == "projects-active" and denominator == 0:
                figure.light = RED  # no brand project at all is the scheme's deduction
            if spec.key == "party-members-registered" and denominator is None:
                figure.light = NO_DATA
            self.figures[spec.key] = figure
        return list(self.figures.values())

    # Measures that need several figures share counts through this cache.
    @property
    def event_counts(self) -> dict:
        if not hasattr(self, "_event_counts"):
            self._event_counts = (
                self.events_held()
                .order_by()
                .aggregate(held=Count("id"), documented=Count("id", filter=is_documented()))
            )
        return self._event_counts

    @property
    def station_count(self) -> int:
        if not hasattr(self, "_station_count"):
            self._station_count = self.stations().count()
        return self._station_count

    @property
    def registered_count(self) -> int:
        if not hasattr(self, "_registered"):
            self._registered = self.registered()
        return self._registered

    @property
    def order_counts(self) -> dict:
        if not hasattr(self, "_order_counts"):
            overdue = self._overdue_q()
            placed = Q(created_at__gte=self.start, created_at__lt=self.end)
            settled = (Q(state__in=DONE) | Q(state=OrderState.REFUSED) | overdue) & placed
            unrated = Q(state=OrderState.CLOSED, rating__isnull=True, closed_at__gte=self.start, closed_at__lt=self.end)
            received = placed & ~Q(state=OrderState.CANCELLED)
            self._order_counts = (
                self.orders()
                .filter(overdue | settled | unrated | received)
                .order_by()
                .aggregate(
                    overdue=Count("id", filter=overdue),
                    settled=Count("id", filter=settled),
                    completed=Count("id", filter=settled & Q(state__in=DONE)),
                    unrated=Count("id", filter=unrated),
                    received=Count("id", filter=received),
                    answered=Count("id", filter=received & Q(state__in=DONE)),
                )
            )
        return self._order_counts


def m_every_month(a: Assessment):
    months = len(a.period.months)
    busy = sum(1 for count in a.station_months().values() if count >= months) if months else 0
    return share(busy, a.station_count), busy, a.station_count


def m_events_per_station(a: Assessment):
    held = a.event_counts["held"]
    return ratio(held, a.station_count), held, a.station_count


def m_documented(a: Assessment):
    counts = a.event_counts
    return share(counts["documented"], counts["held"]), counts["documented"], counts["held"]


def m_registered(a: Assessment):
    population = a.population()
    return share(a.registered_count, population), a.registered_count, population


def m_party(a: Assessment):
    total = a.party_total()
    if total is None:
        return None, None, None
    members = a.party_volunteers().count()
    return share(members, total), members, total


def m_active(a: Assessment):
    active = reading.volunteer_counts(a.reach, since=a.active_since()).active or 0
    return share(active, a.registered_count), active, a.registered_count


def m_hours(a: Assessment):
    total = reading.totals(a.reach, a.period.start, a.period.last_month).hours or 0
    # SQLite sums to a float, PostgreSQL to a Decimal: read as the statistics show it.
    hours = Decimal(str(total)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return ratio(hours, a.registered_count), hours, a.registered_count


def m_reaching(a: Assessment):
    counts = reading.volunteer_counts(a.reach, year=a.period.last_month.year)
    reaching = counts.reaching_target or 0
    return share(reaching, a.registered_count), reaching, a.registered_count


def m_overdue_records(a: Assessment):
    count = a.overdue_records().count()
    return count, count, None


def m_answered(a: Assessment):
    counts = a.order_counts
    return share(counts["answered"], counts["received"]), counts["answered"], counts["received"]


def m_completion(a: Assessment):
    counts = a.order_counts
    return share(counts["completed"], counts["settled"]), counts["completed"], counts["settled"]


def m_satisfaction(a: Assessment):
    sums = (
        a.ratings()
        .order_by()
        .aggregate(n=Count("id"), response=Sum("response"), attitude=Sum("attitude"), result=Sum("result"))
    )
    stars = (sums["response"] or 0) + (sums["attitude"] or 0) + (sums["result"] or 0)
    n = sums["n"]
    return ratio(stars, 3 * n), n, n + a.order_counts["unrated"]


def m_overdue_orders(a: Assessment):
    count = a.order_counts["overdue"]
    return count, count, None


def m_venues_open(a: Assessment):
    total = a.venues().count()
    used = a.venues_used().count() if total else 0
    return share(used, total), used, total


def as_hours(seconds: float) -> Decimal:
    return booked_hours(seconds)


def length_hours(starts_at: datetime.datetime, ends_at: datetime.datetime) -> Decimal:
    """One booking's hours (a drill-down row: no query per row)."""
    return as_hours((ends_at - starts_at).total_seconds())


def booking_hours(bookings: QuerySet[Booking]) -> Decimal:
    """Approved hours booked: each booking begun in the period with all its length, as the ledger lists them."""
    seconds = sum(
        (ends_at - starts_at).total_seconds() for starts_at, ends_at in bookings.values_list("starts_at", "ends_at")
    )
    return as_hours(seconds)


def m_venue_hours(a: Assessment):
    total = a.venues().count()
    hours = booking_hours(a.bookings_approved())
    return ratio(hours, total), hours, total


def m_projects(a: Assessment):
    running = a.projects_running().count()
    active = a.projects_active().count() if running else 0
    return share(active, running), active, running


def m_trainings(a: Assessment):
    count = a.trainings().count()
    return count, count, None


@dataclass(frozen=True)
class Spec:
    key: str
    name: Promise
    schemes: tuple[str, ...]
    unit: str
    help: Promise
    measure: Callable[[Assessment], tuple]
    drilldown: str  # the kind of records behind it (see reports.assessment.drilldown)
    dashboard: str = ""  # the dashboard indicator of the same definition (equal for a month)


SPECS: list[Spec] = [
    Spec(
        "stations-every-month",
        _("Stations holding activities every month"),
        ("bijie", "district100"),
        "percent",
        _("Share of the active stations that held the set number of events (one by default) in every month."),
        m_every_month,
        "stations",
        "active-stations",
    ),
    Spec(
        "events-per-station",
        _("Events per station"),
        ("chengdu", "bijie"),
        "ratio",
        _("Events held in the period (published or finished) per active station; target per month."),
        m_events_per_station,
        "events",
    ),
    Spec(
        "documented-events",
        _("Activities documented with photos"),
        ("bijie", "district100"),
        "percent",
        _("Share of the events held with a summary and enough photos in their activity record."),
        m_documented,
        "events",
        "documented-events",
    ),
    Spec(
        "registered-volunteers",
        _("Registered volunteers per resident population"),
        ("wenming", "chengdu"),
        "percent",
        _("Volunteers registered by the end of the period's year as a share of the resident population."),
        m_registered,
        "units",
        "registered-volunteers",
    ),
    Spec(
        "party-members-registered",
        _("Party members registered as volunteers"),
        ("wenming", "district100"),
        "percent",
        _("Party members registered as volunteers against the total the unit records; no data without it."),
        m_party,
        "party",
    ),
    Spec(
        "active-volunteers",
        _("Active volunteers"),
        ("chengdu", "four100"),
        "percent",
        _("Share of registered volunteers who served in the 12 months ending with the period."),
        m_active,
        "units",
        "active-volunteers",
    ),
    Spec(
        "hours-per-volunteer",
        _("Hours per registered volunteer"),
        ("wenming", "chengdu"),
        "hours",
        _("Approved hours served in the period per registered volunteer; target per month."),
        m_hours,
        "units",
    ),
    Spec(
        "volunteers-reaching-target",
        _("Volunteers reaching the annual target"),
        ("chengdu",),
        "percent",
        _("Share of registered volunteers whose approved hours in the period's year reach the annual target."),
        m_reaching,
        "units",
        "volunteers-reaching-target",
    ),
    Spec(
        "overdue-records",
        _("Records unreviewed after 10 working days"),
        ("records", "district100"),
        "count",
        _("Service records still not reviewed more than 10 working days after the activity ended."),
        m_overdue_records,
        "records",
        "overdue-records",
    ),
    Spec(
        "orders-answered",
        _("Residents' needs answered through orders"),
        ("bijie", "district100"),
        "percent",
        _("Of the orders residents placed in the period (cancelled ones aside), the share served to the end."),
        m_answered,
        "orders-received",
    ),
    Spec(
        "order-completion",
        _("Service orders completed"),
        ("bijie",),
        "percent",
        _("Of the period's orders that are finished, refused or overdue, the share served to the end."),
        m_completion,
        "orders-settled",
        "order-completion",
    ),
    Spec(
        "order-satisfaction",
        _("Residents' satisfaction"),
        ("bijie", "district100"),
        "stars",
        _("Mean stars (1-5) of the ratings given in the period; orders closed unrated counted beside them."),
        m_satisfaction,
        "ratings",
        "order-satisfaction",
    ),
    Spec(
        "overdue-orders",
        _("Overdue service orders"),
        ("district100",),
        "count",
        _("Orders still waiting after their deadline in working days, at the period's end."),
        m_overdue_orders,
        "orders-overdue",
        "overdue-orders",
    ),
    Spec(
        "venues-open",
        _("Venues open and used"),
        ("chengdu", "bijie"),
        "percent",
        _("Share of the venues taking bookings that had an approved booking or an event in the period (so far)."),
        m_venues_open,
        "venues",
        "venue-use",
    ),
    Spec(
        "venue-hours",
        _("Venue use (approved booking hours per venue)"),
        ("bijie", "district100"),
        "hours",
        _("Hours of approved bookings in the period per venue taking bookings; target per month."),
        m_venue_hours,
        "bookings",
    ),
    Spec(
        "projects-active",
        _("Brand projects active"),
        ("chengdu", "district100", "four100"),
        "percent",
        _("Of the brand projects running in the period, the share with events held in it."),
        m_projects,
        "projects",
    ),
    Spec(
        "trainings-held",
        _("Volunteer trainings held"),
        ("chengdu", "district100"),
        "count",
        _("Trainings the unit's subtree recorded in the period; target one a quarter."),
        m_trainings,
        "trainings",
    ),
]
SPEC_BY_KEY = {spec.key: spec for spec in SPECS}


def assessment(user, unit: PracticeUnit, period: AssessmentPeriod) -> Assessment:
    result = Assessment(user, unit, period)
    result.compute()
    return result
