"""iCalendar feeds: a volunteer's sign-ups, a unit's events, and one event's download.

A feed is read by calendar apps, which cannot log in: its secret URL is the only key, so
a feed holds nothing about other people (no volunteers' names or phone numbers), and a
team's own event (a visit to a resident's home) shows neither its address nor its text,
only the link to the event page, which asks for a login.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Set
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AnyUser
from events.models import Event, EventStatus, Signup, SignupStatus, public_q
from notifications.models import CalendarFeed, new_feed_token
from stations.models import PracticeUnit
from stations.scoping import under
from venues.models import Booking

# A feed shows what happened in the last month too, so a phone keeps recent events.
FEED_PAST_DAYS = 30
# Calendar apps refresh a subscription about hourly; the feed may be cached a little.
FEED_MAX_AGE_SECONDS = 300
# A feed stays bounded however busy a unit's subtree: a year ahead, and at most so many entries, the soonest
# kept (a phone fetches the feed hourly; a centre's weeks of events must not become megabytes).
FEED_FUTURE_DAYS = 366
FEED_MAX_EVENTS = 2000
PRODID = "-//Civilization practice volunteer platform//calendar//ZH"


def feed_url(feed: CalendarFeed) -> str:
    return settings.SITE_URL + reverse("calendar-feed", args=[feed.token])


def feed_of_user(user: AnyUser) -> CalendarFeed:
    """The user's feed, made on first use."""
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


def feed_of_unit(unit: PracticeUnit) -> CalendarFeed:
    """The unit's feed, made on first use."""
    feed, _created = CalendarFeed.objects.get_or_create(unit=unit)
    return feed


@transaction.atomic
def reset_feed(feed: CalendarFeed) -> CalendarFeed:
    """A new secret: the old URL stops working at once (a link shared by mistake is revoked)."""
    feed.token = new_feed_token()
    feed.reset_at = timezone.now()
    feed.save(update_fields=["token", "reset_at"])
    return feed


def events_of_feed(feed: CalendarFeed, *, now: datetime.datetime) -> tuple[list[Event], set[int]]:
    """A volunteer's confirmed and waitlisted events, or a unit subtree's public events, from a month ago on,
    with the ids of those where the volunteer waits for a place. One query either way."""
    since = now - datetime.timedelta(days=FEED_PAST_DAYS)
    until = now + datetime.timedelta(days=FEED_FUTURE_DAYS)
    if feed.unit is not None:
        events = Event.objects.filter(
            public_q(), under(feed.unit, "unit__path"), ends_at__gte=since, starts_at__lt=until
        )
        return list(events.order_by("starts_at", "id")[:FEED_MAX_EVENTS]), set()
    places = list(
        Signup.objects.filter(
            volunteer__user__calendar_feed=feed,
            status__in=(SignupStatus.CONFIRMED, SignupStatus.WAITLISTED),
            event__ends_at__gte=since,
            event__starts_at__lt=until,
        )
        .exclude(event__status=EventStatus.DRAFT)
        .select_related("event")
        .order_by("event__starts_at", "event_id")[:FEED_MAX_EVENTS]
    )
    waiting = {place.event_id for place in places if place.status == SignupStatus.WAITLISTED}
    return [place.event for place in places], waiting


def public_event(pk: int) -> Event | None:
    """The event for the .ics download, if anyone may read it (``Event.objects.public``)."""
    return Event.objects.public().filter(pk=pk).first()


def feed_name(feed: CalendarFeed) -> str:
    if feed.unit is not None:
        return _("Events of %(unit)s") % {"unit": feed.unit.name}
    return _("My volunteer events")


def calendar_of(
    events: Iterable[Event],
    *,
    name: str,
    waitlisted: Set[int] = frozenset(),
    bookings: Iterable[Booking] = (),
) -> bytes:
    """An iCalendar file (RFC 5545) of the events, times in Shanghai time with its VTIMEZONE;
    the events ``waitlisted`` names are marked tentative. ``bookings``: public venue bookings
    (a unit's public activity calendar), shown by venue, time and purpose, never by booker."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # An X- property is not escaped by icalendar: a line break in a title or a unit's name broke the file (500)
    # or, a lone CR, passed into it raw. One line, escaped as text.
    calendar.add("x-wr-calname", icalendar.vText(" ".join(str(name).split())))
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    # Asks subscribed apps to refresh hourly (Apple's and Google's names for it).
    calendar.add("refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", datetime.timedelta(hours=1))
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    for event in events:
        calendar.add_component(_entry(event, host, waitlisted=event.pk in waitlisted))
    for booking in bookings:
        calendar.add_component(_booking_entry(booking, host))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _entry(event: Event, host: str, *, waitlisted: bool) -> icalendar.Event:
    zone = timezone.get_default_timezone()
    page = settings.SITE_URL + reverse("event-page", args=[event.pk])
    entry = icalendar.Event()
    # Stable across edits and feeds, so a phone updates the entry instead of adding a second one.
    entry.add("uid", f"event-{event.pk}@{host}")
    # The row's own time, not the request's: the same event renders the same bytes on every fetch.
    entry.add("dtstamp", event.updated_at)
    entry.add("last-modified", event.updated_at)
    entry.add("sequence", _sequence(event))
    entry.add("dtstart", event.starts_at.astimezone(zone))
    entry.add("dtend", event.ends_at.astimezone(zone))
    entry.add("summary", _("Waitlisted: %(title)s") % {"title": event.title} if waitlisted else event.title)
    if event.status == EventStatus.CANCELLED:
        # Subscribed calendars remove or strike out the entry.
        entry.add("status", "CANCELLED")
    else:
        entry.add("status", "TENTATIVE" if waitlisted else "CONFIRMED")
    entry.add("url", page)
    if event.team_id is None:
        entry.add("location", event.address)
        entry.add("description", "\n\n".join(part for part in (event.description.strip(), page) if part))
    else:
        # A team's own event may be at a resident's home: the details stay behind the login.
        entry.add("description", _("Details on the event page: %(url)s") % {"url": page})
    return entry


def _booking_entry(booking: Booking, host: str) -> icalendar.Event:
    """A public venue booking (its venue's unit's ``select_related``): the venue, the time and the purpose."""
    zone = timezone.get_default_timezone()
    page = settings.SITE_URL + reverse("activity-calendar", args=[booking.venue.unit.code])
    entry = icalendar.Event()
    entry.add("uid", f"booking-{booking.pk}@{host}")
    entry.add("dtstamp", booking.updated_at)
    entry.add("last-modified", booking.updated_at)
    entry.add("sequence", max(0, int((booking.updated_at - booking.created_at).total_seconds())))
    entry.add("dtstart", booking.starts_at.astimezone(zone))
    entry.add("dtend", booking.ends_at.astimezone(zone))
    entry.add("summary", booking.purpose)
    entry.add("status", "CONFIRMED")
    entry.add("location", ", ".join(part for part in (booking.venue.name, booking.venue.address) if part))
    entry.add("url", page)
    return entry


def _sequence(event: Event) -> int:
    """A revision number that grows with every change of the event (RFC 5545 SEQUENCE).

    Events keep no revision counter; the seconds from creation to the last change grow with
    each save, so a moved event always carries a higher number than before.
    """
    return max(0, int((event.updated_at - event.created_at).total_seconds()))
