"""Ledgers (台账) of a unit and a period: what inspectors open a station's files for.

``build_ledger`` gathers everything a ledger states in a fixed number of queries,
whatever the number of activities, records, photos, venues or bookings: the unit's profile, its
activities with their sign-in sheets, activity records and photos, the hours and
the certificates issued. ``reports.ledgers.files`` lays it out as PDF and XLSX.

What a ledger counts:
- Its activities are the events the unit itself organised that started in the
  period and took place (published or finished; drafts and cancelled events are
  not activities). An institute's or center's own ledger holds its own events;
  its stations' events are in their own ledgers (the ZIP holds them all).
- A sign-in sheet lists every record of the event that was not rejected, with its
  status; only approved records credit hours, so the hours of the sheets add up
  to the ledger's approved hours.
- Registered volunteers are those whose home station lies in the unit's subtree,
  registered before the period's end and not closed by then; active volunteers are
  those of them with approved hours (at any unit's events) checked in during the period.
- Venue use (阵地使用) lists every venue of the unit's subtree with its approved bookings
  that start in the period; pending, refused and cancelled bookings are not uses. A
  booking an event holds is marked with the event.
- Brand projects (品牌项目) are those led by a unit of the subtree whose period meets the
  ledger's; their figures are ``events.projects.project_summary`` for the period.
"""

from __future__ import annotations

import base64
import calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum
from django.db.models.fields.files import FieldFile
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.bounded_fields import EARLIEST_DATE, LATEST_DATE
from accounts.errors import DomainError
from accounts.phones import mask_phone
from certificates.models import Certificate
from events.models import (
    ActivityPhoto,
    Event,
    EventStatus,
    Project,
    RecordStatus,
    ServiceCategory,
    ServiceRecord,
)
from events.projects import ProjectSummary, active_in, held_events, project_summary
from points.models import StockMovement, StockMovementKind
from points.statement import points_by_unit_month
from reports.models import LedgerPeriod
from stations.models import Level, PracticeUnit
from stations.scoping import under
from venues.models import Booking, BookingStatus, Venue, booked_hours
from volunteers.id_numbers import mask_document_number
from volunteers.models import Gender, Team, Volunteer, VolunteerStatus

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

HELD = [EventStatus.PUBLISHED, EventStatus.FINISHED]
ZERO = Decimal("0.00")
SIGN_IN_RULE = gettext_lazy(
    "Every record of the activity that was not rejected, with its status; credited hours count only once approved."
)

POINTS_RULE = gettext_lazy(
    "Points of this unit and the units below it, read from the points ledger: issued less reversals, "
    "redeemed less returns, expired."
)


class LedgerError(DomainError):
    messages = {
        "bad_period": gettext_lazy("Choose a month from 1 to 12 or a quarter from 1 to 4 of a year from 1900 to 2100."),
        "future_period": gettext_lazy("This period has not begun yet."),
        "job_not_finished": gettext_lazy("The ledger is not ready yet."),
    }
    status_codes = {"job_not_finished": 409}


@dataclass(frozen=True)
class Period:
    """A calendar month, quarter or year; ``number`` is the month (1-12) or quarter (1-4), 0 for a year."""

    kind: str
    year: int
    number: int = 0

    def __post_init__(self) -> None:
        highest_numbers: dict[str, int] = {LedgerPeriod.MONTH: 12, LedgerPeriod.QUARTER: 4, LedgerPeriod.YEAR: 0}
        highest = highest_numbers.get(self.kind)
        if highest is None or not EARLIEST_DATE.year <= self.year <= LATEST_DATE.year:
            raise LedgerError("bad_period")
        if not (1 <= self.number <= highest if highest else self.number == 0):
            raise LedgerError("bad_period")

    @property
    def first_day(self) -> datetime.date:
        if self.kind == LedgerPeriod.MONTH:
            return datetime.date(self.year, self.number, 1)
        if self.kind == LedgerPeriod.QUARTER:
            return datetime.date(self.year, 3 * self.number - 2, 1)
        return datetime.date(self.year, 1, 1)

    @property
    def last_day(self) -> datetime.date:
        last_months: dict[str, int] = {LedgerPeriod.MONTH: self.number, LedgerPeriod.QUARTER: 3 * self.number}
        last_month = last_months.get(self.kind, 12)
        return datetime.date(self.year, last_month, calendar.monthrange(self.year, last_month)[1])

    @property
    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The period as instants: from the first day's start to the next day after the last, local time."""
        zone = timezone.get_default_timezone()
        start = datetime.datetime.combine(self.first_day, datetime.time.min, tzinfo=zone)
        end = datetime.datetime.combine(self.last_day + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
        return start, end

    @property
    def label(self) -> str:
        if self.kind == LedgerPeriod.MONTH:
            return _("%(month)d/%(year)d") % {"year": self.year, "month": self.number}
        if self.kind == LedgerPeriod.QUARTER:
            return _("Q%(quarter)d %(year)d") % {"year": self.year, "quarter": self.number}
        return _("Year %(year)d") % {"year": self.year}

    @property
    def slug(self) -> str:
        """For file names: 2026-03, 2026-Q1, 2026."""
        if self.kind == LedgerPeriod.MONTH:
            return f"{self.year}-{self.number:02d}"
        if self.kind == LedgerPeriod.QUARTER:
            return f"{self.year}-Q{self.number}"
        return str(self.year)

    def months(self) -> list[tuple[int, int]]:
        first = self.first_day.month
        return [(self.year, month) for month in range(first, self.last_day.month + 1)]

    def check_begun(self, today: datetime.date | None = None) -> None:
        """A ledger of a period that has not begun would be empty: refused. The current one may be made."""
        if self.first_day > (today or timezone.localdate()):
            raise LedgerError("future_period")


@dataclass(frozen=True)
class SignIn:
    """One row of an activity's sign-in sheet."""

    volunteer_id: int
    name: str
    masked_id: str
    checked_in_at: datetime.datetime
    checked_out_at: datetime.datetime | None
    status: str
    status_label: str
    # Credited hours count only once approved; None for records that are not (yet).
    hours: Decimal | None


def file_uri(file: FieldFile, mime: str = "image/jpeg") -> str:
    """A stored file as WeasyPrint reads it fastest: a file URL where the storage is a local
    folder (no copy in the HTML), else its content as a data URI (object storage)."""
    try:
        return Path(file.path).as_uri()
    except NotImplementedError:
        with file.open("rb") as content:
            return f"data:{mime};base64,{base64.b64encode(content.read()).decode()}"


@dataclass
class Photo:
    """An activity photo as printed: its thumbnail (long side 400 px, about 170 dpi at 58 mm),
    which keeps a year's ledger to megabytes rather than the hundreds its full photos would take."""

    file: FieldFile
    caption: str
    taken_at: datetime.datetime | None

    @cached_property
    def uri(self) -> str:
        return file_uri(self.file)


@dataclass
class Activity:
    number: int
    event: Event
    category_label: str
    sign_ins: list[SignIn]
    people_served: int | None
    summary: str
    photos: list[Photo]

    @property
    def approved_hours(self) -> Decimal:
        return sum((row.hours for row in self.sign_ins if row.hours is not None), ZERO)

    @property
    def approved_count(self) -> int:
        return sum(1 for row in self.sign_ins if row.hours is not None)

    @property
    def anchor(self) -> str:
        return f"activity-{self.number}"


@dataclass(frozen=True)
class Manager:
    name: str
    masked_phone: str


@dataclass(frozen=True)
class RosterRow:
    number: str
    name: str
    masked_id: str
    gender: str
    registered_on: datetime.date
    status: str
    hours: Decimal


@dataclass(frozen=True)
class StationRow:
    """A station below an institute or center, with zeros shown rather than left out."""

    institute: str
    name: str
    registered: int
    active: int
    activities: int
    hours: Decimal


@dataclass(frozen=True)
class HoursRow:
    label: str
    masked_id: str
    services: int
    hours: Decimal


@dataclass
class HoursStatistics:
    """Approved hours at the ledger's activities, by volunteer, category and month."""

    total: Decimal = ZERO
    services: int = 0
    by_volunteer: list[HoursRow] = field(default_factory=list)
    by_category: list[HoursRow] = field(default_factory=list)
    by_month: list[HoursRow] = field(default_factory=list)

    @property
    def volunteers(self) -> int:
        return len(self.by_volunteer)


@dataclass(frozen=True)
class CertificateRow:
    number: str
    name: str
    masked_id: str
    service_time: str
    hours: Decimal
    record_count: int
    issued_on: datetime.date
    revoked: bool


@dataclass(frozen=True)
class PointsMonth:
    """Points of the unit's subtree in a month, as the statistics read them from the points ledger."""

    label: str
    issued: Decimal
    redeemed: Decimal
    expired: Decimal


@dataclass(frozen=True)
class StockRow:
    """One line of the shop's stock register (入库, 出库, 盘点), with the redemption it records."""

    at: datetime.datetime
    item: str
    kind: str
    kind_label: str
    quantity: int
    stock_after: int
    # Who received the goods (a volunteer, or a resident served from the donations pool), or the donor.
    party: str
    points: Decimal | None
    by: str
    note: str


@dataclass(frozen=True)
class StockItemTotals:
    """An item's movements in the period: the register adds up to its stock at the end."""

    item: str
    received: int
    redeemed: int
    returned: int
    counted: int
    stock_at_end: int


@dataclass
class ShopRegister:
    rows: list[StockRow] = field(default_factory=list)
    items: list[StockItemTotals] = field(default_factory=list)

    @property
    def redemptions(self) -> int:
        return sum(1 for row in self.rows if row.kind == StockMovementKind.REDEEMED)


@dataclass(frozen=True)
class BookingRow:
    """An approved booking of a venue; the booker as the ledger shows people: name and masked mobile."""

    starts_at: datetime.datetime
    ends_at: datetime.datetime
    venue: str
    purpose: str
    attendees: int
    booker: str
    masked_phone: str
    team: str
    # The event held at the venue with this booking, "" for a resident's or team's own booking.
    event: str

    @property
    def seconds(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds()

    @property
    def hours(self) -> Decimal:
        return booked_hours(self.seconds)

    @property
    def is_event(self) -> bool:
        return bool(self.event)


@dataclass
class VenueUse:
    """A venue of the subtree with its approved bookings in the period (none: listed with zeros)."""

    name: str
    unit: str
    kind_label: str
    capacity: int
    bookings: list[BookingRow] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.bookings)

    @property
    def hours(self) -> Decimal:
        return booked_hours(sum(row.seconds for row in self.bookings))

    @property
    def attendees(self) -> int:
        return sum(row.attendees for row in self.bookings)

    @property
    def events(self) -> int:
        return sum(1 for row in self.bookings if row.is_event)


@dataclass
class VenueSection:
    venues: list[VenueUse] = field(default_factory=list)

    @property
    def bookings(self) -> list[BookingRow]:
        """Every booking of the section in time order, as the chapter lists them."""
        return sorted((row for venue in self.venues for row in venue.bookings), key=lambda row: row.starts_at)

    @property
    def count(self) -> int:
        return sum(venue.count for venue in self.venues)

    @property
    def hours(self) -> Decimal:
        return booked_hours(sum(row.seconds for venue in self.venues for row in venue.bookings))

    @property
    def attendees(self) -> int:
        return sum(venue.attendees for venue in self.venues)

    @property
    def events(self) -> int:
        return sum(venue.events for venue in self.venues)

    @property
    def used(self) -> int:
        return sum(1 for venue in self.venues if venue.bookings)


@dataclass(frozen=True)
class ProjectEvent:
    starts_at: datetime.datetime
    title: str
    unit: str
    hours: Decimal
    volunteers: int
    people_served: int | None


@dataclass
class ProjectRow:
    """A brand project active in the period, with what it did in the period."""

    name: str
    lead_unit: str
    starts_on: datetime.date
    ends_on: datetime.date | None
    teams: list[str]
    summary: ProjectSummary
    events: list[ProjectEvent] = field(default_factory=list)

    @property
    def period_label(self) -> str:
        return project_period_label(self.starts_on, self.ends_on)


def project_period_label(starts_on: datetime.date, ends_on: datetime.date | None) -> str:
    """E.g. 2026-03-01 — 2026-12-31, or 2026-03-01 — 至今 while it runs on."""
    end = ends_on.isoformat() if ends_on else _("ongoing")
    return f"{starts_on.isoformat()} — {end}"


class TeamCounts(TypedDict):
    member_count: int


@dataclass
class Ledger:
    unit: PracticeUnit
    period: Period
    made_on: datetime.date
    made_by: str
    managers: list[Manager]
    teams: list[WithAnnotations[Team, TeamCounts]]
    registered: int
    active: int
    newly_registered: int
    roster: list[RosterRow]
    stations: list[StationRow]
    activities: list[Activity]
    hours: HoursStatistics
    certificates: list[CertificateRow]
    points: list[PointsMonth] = field(default_factory=list)
    shop: ShopRegister = field(default_factory=ShopRegister)
    venues: VenueSection = field(default_factory=VenueSection)
    projects: list[ProjectRow] = field(default_factory=list)

    @property
    def points_total(self) -> PointsMonth:
        return PointsMonth(
            label=_("Total"),
            issued=sum((month.issued for month in self.points), ZERO),
            redeemed=sum((month.redeemed for month in self.points), ZERO),
            expired=sum((month.expired for month in self.points), ZERO),
        )

    @property
    def level_label(self) -> str:
        return str(Level(self.unit.level).label)

    @property
    def is_station(self) -> bool:
        return self.unit.level == Level.STATION

    @property
    def photo_count(self) -> int:
        return sum(len(activity.photos) for activity in self.activities)


def ledger_events(unit: PracticeUnit, period: Period):
    """The unit's own events of the period that took place, in order (the ledger's activities)."""
    start, end = period.bounds
    return Event.objects.filter(unit=unit, status__in=HELD, starts_at__gte=start, starts_at__lt=end).order_by(
        "starts_at", "id"
    )


def ledger_size(unit: PracticeUnit, period: Period) -> tuple[int, int]:
    """Activities and photos a ledger would hold: how long it takes to lay out."""
    events = ledger_events(unit, period)
    photos = ActivityPhoto.objects.filter(record__event__in=events).count()
    return events.count(), photos


def _registered(unit: PracticeUnit, end: datetime.datetime):
    return Volunteer.objects.filter(under(unit, "home_station__path"), created_at__lt=end).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=end)
    )


def _approved_in(period: Period):
    start, end = period.bounds
    return ServiceRecord.objects.filter(
        status=RecordStatus.APPROVED, credited_hours__gt=0, checked_in_at__gte=start, checked_in_at__lt=end
    )


def _activities(unit: PracticeUnit, period: Period) -> list[Activity]:
    events = list(
        ledger_events(unit, period)
        .select_related("unit", "activity_record")
        .prefetch_related("activity_record__photos")
    )
    sheets: dict[int, list[SignIn]] = defaultdict(list)
    labels = dict(RecordStatus.choices)
    records = (
        ServiceRecord.objects.filter(event__in=ledger_events(unit, period).values("pk"))
        .exclude(status=RecordStatus.REJECTED)
        .select_related("volunteer")
        .order_by("event_id", "checked_in_at", "id")
    )
    for record in records:
        approved = record.status == RecordStatus.APPROVED
        sheets[record.event_id].append(
            SignIn(
                volunteer_id=record.volunteer_id,
                name=record.volunteer.real_name,
                masked_id=mask_document_number(record.volunteer.id_number),
                checked_in_at=record.checked_in_at,
                checked_out_at=record.checked_out_at,
                status=record.status,
                status_label=str(labels[record.status]),
                hours=record.credited_hours if approved else None,
            )
        )
    categories = dict(ServiceCategory.choices)
    activities = []
    for number, event in enumerate(events, start=1):
        try:
            record = event.activity_record
        except Event.activity_record.RelatedObjectDoesNotExist:
            record = None
        activities.append(
            Activity(
                number=number,
                event=event,
                category_label=str(categories.get(event.category, event.category)),
                sign_ins=sheets[event.pk],
                people_served=record.people_served if record else None,
                summary=record.summary if record else "",
                photos=[
                    Photo(file=photo.thumbnail or photo.image, caption=photo.caption, taken_at=photo.taken_at)
                    for photo in (record.photos.all() if record else [])
                ],
            )
        )
    return activities


def _hours(activities: list[Activity], period: Period) -> HoursStatistics:
    """Grouped from the sign-in sheets already loaded, so the totals match them exactly."""
    per_volunteer: dict[int, list] = {}
    per_category: dict[str, list] = {}
    per_month: dict[tuple[int, int], list] = {key: [0, ZERO] for key in period.months()}
    stats = HoursStatistics()
    for activity in activities:
        local = timezone.localtime(activity.event.starts_at)
        for row in activity.sign_ins:
            if row.hours is None:
                continue
            stats.total += row.hours
            stats.services += 1
            volunteer = per_volunteer.setdefault(row.volunteer_id, [row.name, row.masked_id, 0, ZERO])
            volunteer[2:] = [volunteer[2] + 1, volunteer[3] + row.hours]
            for bucket in (
                per_category.setdefault(activity.category_label, [0, ZERO]),
                per_month.setdefault((local.year, local.month), [0, ZERO]),
            ):
                bucket[:] = [bucket[0] + 1, bucket[1] + row.hours]
    stats.by_volunteer = sorted(
        (HoursRow(name, masked, services, hours) for name, masked, services, hours in per_volunteer.values()),
        key=lambda row: (-row.hours, row.label),
    )
    stats.by_category = [
        HoursRow(label, "", services, hours)
        for label, (services, hours) in sorted(per_category.items(), key=lambda item: -item[1][1])
    ]
    stats.by_month = [
        HoursRow(_("%(month)d/%(year)d") % {"year": year, "month": month}, "", services, hours)
        for (year, month), (services, hours) in sorted(per_month.items())
    ]
    return stats


def _roster(unit: PracticeUnit, period: Period, activities: list[Activity]) -> list[RosterRow]:
    _start, end = period.bounds
    served: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for activity in activities:
        for row in activity.sign_ins:
            if row.hours is not None:
                served[row.volunteer_id] += row.hours
    genders = dict(Gender.choices)
    statuses = dict(VolunteerStatus.choices)
    volunteers = (
        _registered(unit, end)
        .order_by("created_at", "id")
        .only("number", "real_name", "id_number", "gender", "created_at", "status")
    )
    return [
        RosterRow(
            number=volunteer.number or "",
            name=volunteer.real_name,
            masked_id=mask_document_number(volunteer.id_number),
            gender=str(genders.get(volunteer.gender, "")),
            registered_on=timezone.localtime(volunteer.created_at).date(),
            status=str(statuses.get(volunteer.status, "")),
            hours=served[volunteer.pk],
        )
        for volunteer in volunteers
    ]


def _stations(unit: PracticeUnit, period: Period) -> list[StationRow]:
    """Every station below an institute or center, also those without any activity."""
    start, end = period.bounds
    stations = list(
        PracticeUnit.objects.subtree_of(unit).filter(level=Level.STATION).select_related("parent").order_by("path")
    )
    registered = dict(
        _registered(unit, end).values("home_station_id").annotate(n=Count("id")).values_list("home_station_id", "n")
    )
    active = dict(
        _approved_in(period)
        .filter(under(unit, "volunteer__home_station__path"))
        .values("volunteer__home_station_id")
        .annotate(n=Count("volunteer_id", distinct=True))
        .values_list("volunteer__home_station_id", "n")
    )
    held = Event.objects.filter(under(unit, "unit__path"), status__in=HELD, starts_at__gte=start, starts_at__lt=end)
    activities = dict(held.values("unit_id").annotate(n=Count("id")).values_list("unit_id", "n"))
    hours = dict(
        ServiceRecord.objects.filter(event__in=held, status=RecordStatus.APPROVED)
        .values("event__unit_id")
        .annotate(total=Sum("credited_hours"))
        .values_list("event__unit_id", "total")
    )
    return [
        StationRow(
            institute=station.parent.name if station.parent else "",
            name=station.name,
            registered=registered.get(station.pk, 0),
            active=active.get(station.pk, 0),
            activities=activities.get(station.pk, 0),
            hours=hours.get(station.pk) or ZERO,
        )
        for station in stations
    ]


def _certificates(unit: PracticeUnit, period: Period) -> list[CertificateRow]:
    start, end = period.bounds
    certificates = Certificate.objects.filter(unit=unit, issued_at__gte=start, issued_at__lt=end).order_by(
        "issued_at", "number"
    )
    return [
        CertificateRow(
            number=certificate.number,
            name=certificate.volunteer_name,
            masked_id=certificate.masked_id_number,
            service_time=certificate.service_time,
            hours=certificate.hours,
            record_count=certificate.record_count,
            issued_on=timezone.localtime(certificate.issued_at).date(),
            revoked=certificate.revoked_at is not None,
        )
        for certificate in certificates
    ]


def _points(unit: PracticeUnit, period: Period) -> list[PointsMonth]:
    """Every month of the period, also those without points, summed over the unit's subtree."""
    months = {(year, month): [ZERO, ZERO, ZERO] for year, month in period.months()}
    for row in points_by_unit_month(unit, period.first_day, period.last_day):
        sums = months[(row.month.year, row.month.month)]
        sums[:] = [sums[0] + row.issued, sums[1] + row.redeemed, sums[2] + row.expired]
    return [
        PointsMonth(_("%(month)d/%(year)d") % {"year": year, "month": month}, issued, redeemed, expired)
        for (year, month), (issued, redeemed, expired) in sorted(months.items())
    ]


def _shop(unit: PracticeUnit, period: Period) -> ShopRegister:
    """The stock register of the unit's own shop in the period, every redemption and return with it."""
    start, end = period.bounds
    movements = (
        StockMovement.objects.filter(item__unit=unit, created_at__gte=start, created_at__lt=end)
        .select_related("item", "redemption__volunteer", "by")
        .order_by("created_at", "id")
    )
    labels = dict(StockMovementKind.choices)
    register = ShopRegister()
    totals: dict[int, StockItemTotals] = {}
    for movement in movements:
        redemption = movement.redemption
        if redemption is not None:
            party = redemption.volunteer.real_name if redemption.volunteer is not None else redemption.recipient
        else:
            party = movement.donor
        register.rows.append(
            StockRow(
                at=movement.created_at,
                item=movement.item.name,
                kind=movement.kind,
                kind_label=str(labels.get(movement.kind, movement.kind)),
                quantity=movement.quantity,
                stock_after=movement.stock_after,
                party=party,
                points=redemption.points if redemption is not None else None,
                by=movement.by.name or "",
                note=movement.note,
            )
        )
        before = totals.get(movement.item_id) or StockItemTotals(movement.item.name, 0, 0, 0, 0, 0)
        kind = movement.kind
        totals[movement.item_id] = StockItemTotals(
            item=before.item,
            received=before.received + (movement.quantity if kind == StockMovementKind.RECEIVED else 0),
            redeemed=before.redeemed - (movement.quantity if kind == StockMovementKind.REDEEMED else 0),
            returned=before.returned + (movement.quantity if kind == StockMovementKind.RETURNED else 0),
            counted=before.counted + (movement.quantity if kind == StockMovementKind.COUNTED else 0),
            stock_at_end=movement.stock_after,
        )
    register.items = sorted(totals.values(), key=lambda row: row.item)
    return register


def _venues(unit: PracticeUnit, period: Period) -> VenueSection:
    """Every venue of the subtree that takes bookings or was booked in the period, with its approved bookings."""
    start, end = period.bounds
    approved = Booking.objects.filter(
        under(unit, "venue__unit__path"), status=BookingStatus.APPROVED, starts_at__gte=start, starts_at__lt=end
    )
    bookings = approved.select_related("booker", "team", "event").order_by("starts_at", "id")
    venues = (
        Venue.objects.filter(under(unit, "unit__path"))
        .filter(Q(is_active=True) | Q(pk__in=approved.values("venue_id")))
        .select_related("unit")
        .order_by("unit__path", "name", "id")
    )
    uses = {
        venue.pk: VenueUse(venue.name, venue.unit.name, str(venue.get_kind_display()), venue.capacity)
        for venue in venues
    }
    for booking in bookings:
        use = uses.get(booking.venue_id)
        if use is None:
            continue
        try:
            event = booking.event.title
        except Booking.event.RelatedObjectDoesNotExist:
            event = ""
        use.bookings.append(
            BookingRow(
                starts_at=booking.starts_at,
                ends_at=booking.ends_at,
                venue=use.name,
                purpose=booking.purpose,
                attendees=booking.attendees,
                booker=booking.booker.name or "",
                masked_phone=mask_phone(booking.booker.phone),
                team=booking.team.name if booking.team else "",
                event=event,
            )
        )
    return VenueSection(list(uses.values()))


def ledger_projects(unit: PracticeUnit, period: Period):
    """Brand projects led in the unit's subtree whose period meets the ledger's."""
    projects = Project.objects.filter(under(unit, "lead_unit__path"))
    return active_in(projects, period.first_day, period.last_day)


def _projects(unit: PracticeUnit, period: Period) -> list[ProjectRow]:
    """Each project's figures are its summary for the period; its events are those the summary counts."""
    projects = (
        ledger_projects(unit, period)
        .select_related("lead_unit")
        .prefetch_related("teams")
        .order_by("lead_unit__path", "starts_on", "name", "id")
    )
    rows = []
    approved = Q(records__status=RecordStatus.APPROVED)
    for project in projects:
        events = (
            held_events(project, start=period.first_day, end=period.last_day)
            .select_related("unit", "activity_record")
            .annotate(
                approved_hours=Sum("records__credited_hours", filter=approved),
                served=Count("records__volunteer", filter=approved, distinct=True),
            )
            .order_by("starts_at", "id")
        )
        rows.append(
            ProjectRow(
                name=project.name,
                lead_unit=project.lead_unit.name,
                starts_on=project.starts_on,
                ends_on=project.ends_on,
                teams=sorted(team.name for team in project.teams.all()),
                summary=project_summary(project, start=period.first_day, end=period.last_day),
                events=[_project_event(event) for event in events],
            )
        )
    return rows


def _project_event(event) -> ProjectEvent:
    try:
        people_served: int | None = event.activity_record.people_served
    except Event.activity_record.RelatedObjectDoesNotExist:
        people_served = None
    return ProjectEvent(
        starts_at=event.starts_at,
        title=event.title,
        unit=event.unit.name,
        hours=(event.approved_hours or ZERO).quantize(Decimal("0.01")),
        volunteers=event.served,
        people_served=people_served,
    )


def build_ledger(unit: PracticeUnit, period: Period, *, made_by=None) -> Ledger:
    """Everything the unit's ledger of the period states, read in a fixed number of queries
    (but for brand projects: a few each, as ``project_summary`` counts one project at a time).

    Labels (statuses, categories, months) are in the documents' language, Chinese,
    whatever language the person asking reads.
    """
    with translation.override(settings.LANGUAGE_CODE):
        return _build_ledger(unit, period, made_by)


def _build_ledger(unit: PracticeUnit, period: Period, made_by) -> Ledger:
    start, end = period.bounds
    managers = [
        Manager(name=user.name or "", masked_phone=mask_phone(user.phone))
        for user in get_user_model()
        .objects.filter(unit_roles__unit=unit, is_active=True)
        .order_by("unit_roles__created_at", "id")
        .only("name", "phone")
    ]
    teams = list(
        Team.objects.filter(unit=unit).select_related("leader").annotate(member_count=Count("members")).order_by("name")
    )
    counts = _registered(unit, end).aggregate(total=Count("id"), new=Count("id", filter=Q(created_at__gte=start)))
    active = (
        _approved_in(period)
        .filter(under(unit, "volunteer__home_station__path"))
        .aggregate(n=Count("volunteer_id", distinct=True))["n"]
    )
    activities = _activities(unit, period)
    hours = _hours(activities, period)
    is_station = unit.level == Level.STATION
    return Ledger(
        unit=unit,
        period=period,
        made_on=timezone.localdate(),
        made_by=(getattr(made_by, "name", "") or "") if made_by is not None else "",
        managers=managers,
        teams=teams,
        registered=counts["total"],
        active=active,
        newly_registered=counts["new"],
        roster=_roster(unit, period, activities) if is_station else [],
        stations=[] if is_station else _stations(unit, period),
        activities=activities,
        hours=hours,
        certificates=_certificates(unit, period),
        points=_points(unit, period),
        shop=_shop(unit, period),
        venues=_venues(unit, period),
        projects=_projects(unit, period),
    )
