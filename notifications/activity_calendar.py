"""The public activity calendar of a unit and its subtree: a month or a week of public events,
open venue bookings and the theme days the unit's center marked.

Anyone may read it, logged in or not, so it holds only what is public already: events
anyone may read (``Event.objects.public``: past the draft stage and not a team's own) that
are not cancelled, and approved bookings their booker opened to the public
(``Booking.is_public``), shown by venue, time and purpose, never by who booked. A month of
a center costs the same few queries however many events and bookings it holds.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.errors import DomainError
from events.models import Event, EventStatus, MarkedTheme, ServiceCategory
from events.themes import THEMES, theme_dates, themes_in
from notifications.calendars import FEED_MAX_EVENTS
from stations.models import PATH_STEP, Level, PracticeUnit
from stations.scoping import under
from venues.models import Booking, BookingStatus

# The months a calendar page shows: the years whose theme days are known (events.themes).
FIRST_YEAR = 2000
LAST_YEAR = 2099
# A page stays readable and bounded however busy a center's month: past this many entries
# it says so and asks for a filter or a week.
MAX_ENTRIES = 1500
# The .ics feed of a unit: what is coming in the next three months and what happened in the last.
FEED_PAST_DAYS = 30
FEED_FUTURE_DAYS = 90

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


class CalendarError(DomainError):
    messages = {
        "bad_month": gettext_lazy("Give the month as YYYY-MM, for example 2026-03."),
        "bad_week": gettext_lazy("Give the week as YYYY-Www, for example 2026-W10."),
        "out_of_range": gettext_lazy("The calendar covers the years 2000 to 2099."),
        "unknown_category": gettext_lazy("There is no such service category."),
        "unknown_theme": gettext_lazy("There is no such theme day."),
        "not_a_center": gettext_lazy("Only a center marks theme days; its institutes and stations follow it."),
        "too_many_themes": gettext_lazy("There are only 52 theme days."),
    }


# Periods ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A month or an ISO week (Monday to Sunday), both ends included."""

    kind: str  # "month" or "week"
    start: datetime.date
    end: datetime.date

    @property
    def value(self) -> str:
        """The query parameter's value: 2026-03 or 2026-W10."""
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        year, week, _day = self.start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def label(self) -> str:
        if self.kind == "month":
            return date_format(self.start, "YEAR_MONTH_FORMAT")
        # A date format as a translatable string: "n月j日" in Chinese, without the zero MONTH_DAY_FORMAT pads.
        day_format = _("n/j")
        return _("%(start)s to %(end)s") % {
            "start": date_format(self.start, day_format),
            "end": date_format(self.end, day_format),
        }

    @property
    def grid_start(self) -> datetime.date:
        return self.start - datetime.timedelta(days=self.start.weekday())

    @property
    def grid_end(self) -> datetime.date:
        return self.end + datetime.timedelta(days=6 - self.end.weekday())

    def previous(self) -> Period | None:
        return _bounded(self._step(-1))

    def following(self) -> Period | None:
        return _bounded(self._step(1))

    def _step(self, direction: int) -> Period:
        if self.kind == "week":
            return week_of(self.start + datetime.timedelta(days=7 * direction))
        if direction < 0:
            return month_of(self.start - datetime.timedelta(days=1))
        return month_of(self.end + datetime.timedelta(days=1))

    def as_week(self, today: datetime.date) -> Period:
        """This week, if it lies in the month; else the month's first week with four of its days in the month."""
        if self.kind == "week":
            return self
        return week_of(today if self.start <= today <= self.end else self.start + datetime.timedelta(days=3))

    def as_month(self) -> Period:
        """The month this week's Thursday lies in, as ISO weeks belong to years (or this month)."""
        return month_of(self.start + datetime.timedelta(days=3)) if self.kind == "week" else self


def month_of(day: datetime.date) -> Period:
    start = day.replace(day=1)
    following = (start + datetime.timedelta(days=31)).replace(day=1)
    return Period("month", start, following - datetime.timedelta(days=1))


def week_of(day: datetime.date) -> Period:
    start = day - datetime.timedelta(days=day.weekday())
    return Period("week", start, start + datetime.timedelta(days=6))


def _in_range(period: Period) -> bool:
    return period.start.year >= FIRST_YEAR and period.end.year <= LAST_YEAR


def _bounded(period: Period) -> Period | None:
    return period if _in_range(period) else None


def parse_period(query: QueryDict, *, today: datetime.date) -> Period:
    """The period ``?week=`` or ``?month=`` names (week first), or the month of ``today``.

    Raises CalendarError (400) for a malformed value or one outside FIRST_YEAR–LAST_YEAR.
    """
    week, month = query.get("week", "").strip(), query.get("month", "").strip()
    if week:
        match = _WEEK.match(week)
        if match is None:
            raise CalendarError("bad_week")
        try:
            period = week_of(datetime.date.fromisocalendar(int(match[1]), int(match[2]), 1))
        except ValueError:  # week 0, or 53 in a year of 52
            raise CalendarError("bad_week") from None
    elif month:
        match = _MONTH.match(month)
        if match is None or not 1 <= int(match[2]) <= 12:
            raise CalendarError("bad_month")
        try:
            period = month_of(datetime.date(int(match[1]), int(match[2]), 1))
        except ValueError:  # year 0000
            raise CalendarError("out_of_range") from None
    else:
        period = month_of(today)
    if not _in_range(period):
        raise CalendarError("out_of_range")
    return period


# Filters ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    category: str = ""
    theme: str = ""

    @property
    def active(self) -> bool:
        return bool(self.category or self.theme)


def parse_filters(query: QueryDict) -> Filters:
    category, theme = query.get("category", "").strip(), query.get("theme", "").strip()
    if category and category not in ServiceCategory.values:
        raise CalendarError("unknown_category")
    if theme and theme not in THEMES:
        raise CalendarError("unknown_theme")
    return Filters(category=category, theme=theme)


# What the calendar holds ------------------------------------------------------------------


@dataclass
class Entry:
    kind: str  # "event" or "booking"
    pk: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    title: str
    place: str
    unit_name: str
    category: str = ""
    category_label: str = ""
    theme: str = ""
    url: str = ""

    @property
    def theme_name(self) -> str:
        return THEMES.get(self.theme, "")


@dataclass
class ThemeDay:
    key: str
    name: str
    marked: bool
    highlighted: bool


@dataclass
class Day:
    date: datetime.date
    in_period: bool
    is_today: bool
    entries: list[Entry] = field(default_factory=list)
    themes: list[ThemeDay] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.entries and not self.themes

    @property
    def highlighted(self) -> bool:
        return any(theme.highlighted for theme in self.themes)


@dataclass
class ActivityCalendar:
    unit: PracticeUnit
    period: Period
    filters: Filters
    days: list[Day]
    count: int
    truncated: bool
    marked: list[str]

    @property
    def weeks(self) -> list[list[Day]]:
        return [self.days[index : index + 7] for index in range(0, len(self.days), 7)]


def calendar_unit(code: str) -> PracticeUnit | None:
    """The active unit with this code, whose calendar is public."""
    return PracticeUnit.objects.filter(code=code, is_active=True).first()


def center_path(unit: PracticeUnit) -> str:
    """The path of the center above ``unit`` (the unit's own, for a center)."""
    return unit.path[:PATH_STEP]


def marked_themes(unit: PracticeUnit) -> list[str]:
    """The theme days the unit's center marked, in the year's order (one query)."""
    keys = set(MarkedTheme.objects.filter(center__path=center_path(unit)).values_list("theme", flat=True))
    return [key for key in THEMES if key in keys]


def public_events(unit: PracticeUnit) -> QuerySet[Event]:
    """The subtree's events on the public calendar: readable by anyone and not called off."""
    return (
        Event.objects.public()
        .filter(under(unit, "unit__path"))
        .exclude(status=EventStatus.CANCELLED)
        .select_related("unit", "venue")
    )


def public_bookings(unit: PracticeUnit) -> QuerySet[Booking]:
    """The subtree's bookings that their booker opened to the public and a manager approved.

    A booking that holds the venue for an event stays off: a public event shows as itself, and
    a team's own event (a visit to a resident) must not show at all, not even by its title. A
    booking of a venue that needs no approval stays off too: its purpose is anyone's free text,
    and nothing reaches the public calendar that no manager has read.
    """
    return Booking.objects.filter(
        under(unit, "venue__unit__path"),
        is_public=True,
        status=BookingStatus.APPROVED,
        decided_by__isnull=False,
        event__isnull=True,
    ).select_related("venue__unit")


def _local(moment: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(moment)


def _bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    zone = timezone.get_default_timezone()
    since = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    until = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return since, until


def _event_entry(event: Event) -> Entry:
    return Entry(
        kind="event",
        pk=event.pk,
        starts_at=_local(event.starts_at),
        ends_at=_local(event.ends_at),
        title=event.title,
        place=event.venue.name if event.venue_id and event.venue else event.address,
        unit_name=event.unit.name,
        category=event.category,
        category_label=str(ServiceCategory(event.category).label) if event.category in ServiceCategory.values else "",
        theme=event.theme,
        url=reverse("event-page", args=[event.pk]),
    )


def _booking_entry(booking: Booking) -> Entry:
    # Who booked stays out: the venue, the time and what it is for are the public part.
    return Entry(
        kind="booking",
        pk=booking.pk,
        starts_at=_local(booking.starts_at),
        ends_at=_local(booking.ends_at),
        title=booking.purpose,
        place=booking.venue.name,
        unit_name=booking.venue.unit.name,
    )


def _days_of(entry: Entry, first: datetime.date, last: datetime.date) -> Iterable[datetime.date]:
    """The days from ``first`` to ``last`` the entry touches (an event may last days; one ending at midnight
    does not touch the next day)."""
    end = entry.ends_at - datetime.timedelta(microseconds=1)
    day = max(entry.starts_at.date(), first)
    while day <= min(end.date(), last):
        yield day
        day += datetime.timedelta(days=1)


def activity_calendar(
    unit: PracticeUnit, period: Period, filters: Filters | None = None, *, today: datetime.date
) -> ActivityCalendar:
    """The unit's calendar for the period: three queries (marked themes, events, bookings)."""
    filters = filters or Filters()
    since, until = _bounds(period.start, period.end)
    events = public_events(unit).filter(starts_at__lt=until, ends_at__gt=since)
    if filters.category:
        events = events.filter(category=filters.category)
    if filters.theme:
        events = events.filter(theme=filters.theme)
    entries = [_event_entry(event) for event in events.order_by("starts_at", "pk")[: MAX_ENTRIES + 1]]
    # A booking has no category or theme: a filtered calendar shows the events it asks for.
    if not filters.active:
        bookings = public_bookings(unit).filter(starts_at__lt=until, ends_at__gt=since)
        entries += [_booking_entry(booking) for booking in bookings.order_by("starts_at", "pk")[: MAX_ENTRIES + 1]]
    entries.sort(key=lambda entry: (entry.starts_at, entry.kind, entry.pk))
    truncated = len(entries) > MAX_ENTRIES
    entries = entries[:MAX_ENTRIES]

    marked = marked_themes(unit)
    span = (period.grid_end - period.grid_start).days + 1
    grid = (period.grid_start + datetime.timedelta(days=n) for n in range(span))
    days = {day: Day(day, period.start <= day <= period.end, day == today) for day in grid}
    for entry in entries:
        for day in _days_of(entry, period.start, period.end):
            days[day].entries.append(entry)
    for day, key in themes_in(period.start, period.end):
        highlighted = key == filters.theme
        if key in marked or highlighted:
            days[day].themes.append(ThemeDay(key, THEMES[key], key in marked, highlighted))
    return ActivityCalendar(
        unit=unit,
        period=period,
        filters=filters,
        days=list(days.values()),
        count=len(entries),
        truncated=truncated,
        marked=marked,
    )


# Theme days a center marks ----------------------------------------------------------------


@dataclass(frozen=True)
class ThemeChoice:
    key: str
    name: str
    marked: bool
    date: datetime.date | None


def theme_choices(unit: PracticeUnit, year: int) -> list[ThemeChoice]:
    """Every theme day, in the year's order, with whether the unit's center marked it and its date in ``year``."""
    marked = set(marked_themes(unit))
    dates = theme_dates(year)
    return [ThemeChoice(key, name, key in marked, dates.get(key)) for key, name in THEMES.items()]


def _lock_center(center: PracticeUnit) -> PracticeUnit:
    return PracticeUnit.objects.select_for_update().get(pk=center.pk)


@transaction.atomic
def mark_themes(center: PracticeUnit, keys: Iterable[str]) -> list[str]:
    """Make ``keys`` the center's marked theme days: the others are unmarked. Raises CalendarError."""
    if center.level != Level.CENTER:
        raise CalendarError("not_a_center")
    wanted = set(keys)
    unknown = wanted - THEMES.keys()
    if unknown:
        raise CalendarError("unknown_theme")
    # Two managers saving at once: the second waits for the first and then replaces its choice whole;
    # without the lock each kept the other's additions and the center ended with neither's list.
    _lock_center(center)
    had = set(MarkedTheme.objects.filter(center=center).values_list("theme", flat=True))
    MarkedTheme.objects.filter(center=center, theme__in=had - wanted).delete()
    MarkedTheme.objects.bulk_create(
        [MarkedTheme(center=center, theme=key) for key in sorted(wanted - had)], ignore_conflicts=True
    )
    return [key for key in THEMES if key in wanted]


# The .ics feed ----------------------------------------------------------------------------


def feed_entries(unit: PracticeUnit, *, now: datetime.datetime) -> tuple[list[Event], list[Booking]]:
    """The subtree's public events (cancelled ones too, so subscribed calendars strike them) and public approved
    bookings from FEED_PAST_DAYS ago to FEED_FUTURE_DAYS ahead: two queries."""
    since = now - datetime.timedelta(days=FEED_PAST_DAYS)
    until = now + datetime.timedelta(days=FEED_FUTURE_DAYS)
    events = Event.objects.public().filter(under(unit, "unit__path"), ends_at__gte=since, starts_at__lt=until)
    bookings = public_bookings(unit).filter(ends_at__gte=since, starts_at__lt=until)
    return (
        list(events.order_by("starts_at", "pk")[:FEED_MAX_EVENTS]),
        list(bookings.order_by("starts_at", "pk")[:FEED_MAX_EVENTS]),
    )
