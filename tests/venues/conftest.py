import datetime

from django.utils import timezone

from venues.models import Booking, BookingStatus, Venue


def make_venue(unit, **fields) -> Venue:
    defaults = {"name": f"{unit.name} 农家书屋", "kind": "reading_room", "capacity": 30, "approval_required": True}
    return Venue.objects.create(unit=unit, **{**defaults, **fields})


def make_booking(venue, booker, *, starts_at=None, hours=2, status=BookingStatus.APPROVED, **fields) -> Booking:
    """A booking written straight to the table (no rules checked): for tests of what reads bookings."""
    starts_at = starts_at or timezone.now() + datetime.timedelta(days=1)
    return Booking.objects.create(
        venue=venue,
        booker=booker,
        purpose=fields.pop("purpose", "读书会"),
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=hours),
        status=status,
        **fields,
    )
