"""Booking a venue: the rules, the decision and the guarantee that holding bookings never overlap.

Every path that makes a booking hold a slot (a resident's booking, an event held at
the venue) locks the venue's row first and then checks for an overlap, so two
simultaneous requests for the same hour are answered one after the other: the first
gets the slot, the second ``overlaps``. PostgreSQL's exclusion constraint
(migration 0002) refuses an overlap even from a path that forgot the lock; an
IntegrityError from it is answered the same way. On SQLite, transactions are
IMMEDIATE (backend/settings.py), so the check is made under the write lock.
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import AnyUser
from stations.scoping import manages
from venues.errors import VenueError
from venues.models import HOLDING, Booking, BookingStatus, Venue
from venues.signals import booking_changed

SHANGHAI = zoneinfo.ZoneInfo(settings.TIME_ZONE)


class BookingChange(TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Cancelled")


def _lock_venue(venue: Venue) -> Venue:
    return Venue.objects.select_for_update().get(pk=venue.pk)


def _month_bounds(moment: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    local = timezone.localtime(moment, SHANGHAI)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + datetime.timedelta(days=32)).replace(day=1)
    return start, end


def check_times(
    venue: Venue, starts_at: datetime.datetime, ends_at: datetime.datetime, *, at: datetime.datetime
) -> None:
    """The venue's rules on time: in the future, not too far ahead, not too long, within opening hours."""
    if ends_at <= starts_at:
        raise VenueError("ends_before_start")
    if starts_at <= at:
        raise VenueError("in_the_past")
    if starts_at > at + datetime.timedelta(days=venue.advance_days):
        raise VenueError("too_far_ahead")
    if ends_at - starts_at > datetime.timedelta(minutes=venue.max_booking_minutes):
        raise VenueError("too_long")
    start, end = timezone.localtime(starts_at, SHANGHAI), timezone.localtime(ends_at, SHANGHAI)
    same_day = start.date() == end.date()
    if (
        not same_day
        or str(start.isoweekday()) not in venue.open_weekdays
        or start.time() < venue.opens_at
        or end.time() > venue.closes_at
    ):
        raise VenueError("not_open_then")


def is_free(
    venue: Venue, starts_at: datetime.datetime, ends_at: datetime.datetime, *, besides: int | None = None
) -> bool:
    """Whether no booking but ``besides`` (a booking's id) holds the venue then; call it under the venue's lock."""
    taken = Booking.objects.filter(venue=venue).holding().overlapping(starts_at, ends_at)
    if besides is not None:
        taken = taken.exclude(pk=besides)
    return not taken.exists()


def _check_free(venue: Venue, starts_at: datetime.datetime, ends_at: datetime.datetime) -> None:
    if not is_free(venue, starts_at, ends_at):
        raise VenueError("overlaps")


def _insert(**fields) -> Booking:
    # The exclusion constraint fires only if a path skipped the lock; keep the transaction usable.
    try:
        with transaction.atomic():
            return Booking.objects.create(**fields)
    except IntegrityError as error:
        if "booking_no_overlap_per_venue" in str(error):
            raise VenueError("overlaps") from error
        raise


@transaction.atomic
def book(
    venue: Venue,
    booker: AnyUser,
    *,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    purpose: str,
    attendees: int = 1,
    team=None,
    is_public: bool = False,
    at: datetime.datetime,
) -> Booking:
    """Book the venue for a resident, a volunteer or a team. Raises VenueError.

    The booking is approved at once where the venue needs no approval, and waits for a
    manager otherwise; either way it holds the slot from now on.
    """
    venue = _lock_venue(venue)
    if not venue.is_active or not venue.unit.is_active:
        raise VenueError("venue_closed")
    check_times(venue, starts_at, ends_at, at=at)
    if attendees > venue.capacity:
        raise VenueError("over_capacity")
    month_start, month_end = _month_bounds(starts_at)
    # A venue held for an event (events.Event.venue_booking) is the unit's, outside the residents'
    # limit: it never counts against the publishing manager's own bookings.
    same_month = Booking.objects.filter(
        venue=venue, status__in=HOLDING, starts_at__gte=month_start, starts_at__lt=month_end, event__isnull=True
    )
    same_month = same_month.filter(team=team) if team is not None else same_month.filter(booker=booker, team=None)
    if same_month.count() >= venue.bookings_per_month:
        raise VenueError("monthly_limit")
    _check_free(venue, starts_at, ends_at)
    approved = not venue.approval_required
    booking = _insert(
        venue=venue,
        booker=booker,
        team=team,
        purpose=purpose,
        attendees=attendees,
        starts_at=starts_at,
        ends_at=ends_at,
        is_public=is_public,
        status=BookingStatus.APPROVED if approved else BookingStatus.PENDING,
        decided_at=at if approved else None,
    )
    booking_changed.send(sender=Booking, booking=booking, change=BookingChange.REQUESTED)
    return booking


@transaction.atomic
def hold_for_event(
    venue: Venue,
    *,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    purpose: str,
    attendees: int,
    by: AnyUser,
    at: datetime.datetime,
) -> Booking:
    """An event held at the venue books it, approved by its publishing manager.

    The venue's own unit runs its events outside the residents' rules (opening hours,
    how far ahead, monthly limits), but never on top of another booking.
    """
    venue = _lock_venue(venue)
    if not venue.is_active or not venue.unit.is_active:
        raise VenueError("venue_closed")
    if ends_at <= starts_at:
        raise VenueError("ends_before_start")
    _check_free(venue, starts_at, ends_at)
    return _insert(
        venue=venue,
        booker=by,
        purpose=purpose,
        attendees=max(1, attendees),
        starts_at=starts_at,
        ends_at=ends_at,
        is_public=True,
        status=BookingStatus.APPROVED,
        decided_by=by,
        decided_at=at,
    )


def _locked(booking: Booking) -> Booking:
    _lock_venue(booking.venue)
    return Booking.objects.select_related("venue__unit").get(pk=booking.pk)


@transaction.atomic
def decide(booking: Booking, *, by: AnyUser, approve: bool, reason: str = "", at: datetime.datetime) -> Booking:
    """A manager of the venue's unit approves or refuses a pending booking. Raises VenueError.

    Only a booking that has not begun, at a venue (and unit) still taking bookings, can be
    approved; refusing stays possible, so that a manager can clear what waits in vain.
    """
    booking = _locked(booking)
    if not manages(by, booking.venue.unit):
        raise VenueError("not_yours")
    if booking.status != BookingStatus.PENDING:
        raise VenueError("not_pending")
    if approve and (not booking.venue.is_active or not booking.venue.unit.is_active):
        raise VenueError("venue_closed")
    if approve and booking.starts_at <= at:
        raise VenueError("already_begun")
    reason = reason.strip()
    if not approve and not reason:
        raise VenueError("reason_required")
    booking.status = BookingStatus.APPROVED if approve else BookingStatus.REFUSED
    booking.refuse_reason = "" if approve else reason
    booking.decided_by_id, booking.decided_at = by.pk, at
    booking.save(update_fields=["status", "refuse_reason", "decided_by", "decided_at", "updated_at"])
    change = BookingChange.APPROVED if approve else BookingChange.REFUSED
    booking_changed.send(sender=Booking, booking=booking, change=change)
    return booking


@transaction.atomic
def release(booking: Booking) -> None:
    """Free the slot an event's booking holds (the event moved, was cancelled or left the venue)."""
    booking = _locked(booking)
    if booking.status not in HOLDING:
        return
    booking.status = BookingStatus.CANCELLED
    booking.save(update_fields=["status", "updated_at"])
    booking_changed.send(sender=Booking, booking=booking, change=BookingChange.CANCELLED)


def lock_venue(venue: Venue) -> None:
    """Hold the venue's row until the transaction ends: no booking of it can start or move meanwhile."""
    _lock_venue(venue)


@transaction.atomic
def cancel(booking: Booking, *, by: AnyUser, at: datetime.datetime) -> Booking:
    """The booker or a manager of the venue's unit cancels a booking that has not begun. Raises VenueError."""
    booking = _locked(booking)
    if booking.booker_id != by.pk and not manages(by, booking.venue.unit):
        raise VenueError("not_yours")
    if booking.status not in HOLDING or booking.starts_at <= at:
        raise VenueError("not_cancellable")
    booking.status = BookingStatus.CANCELLED
    booking.save(update_fields=["status", "updated_at"])
    booking_changed.send(sender=Booking, booking=booking, change=BookingChange.CANCELLED, by=by)
    return booking
