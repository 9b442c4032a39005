import datetime

import pytest
import time_machine
from django.utils import timezone

from tests.venues.clock import NOW
from venues.models import Booking, BookingStatus, Venue


def make_venue(unit, **fields) -> Venue:
    defaults = {"name": f"{unit.name} 农家书屋", "kind": "reading_room", "capacity": 30, "approval_required": True}
    return Venue.objects.create(unit=unit, **{**defaults, **fields})


def make_booking(venue, booker, *, starts_at=None, hours=2, status=BookingStatus.APPROVED, **fields) -> Booking:
    """A booking written straight to the table (no rules checked): for tests of what reads bookings.

    An approved one is approved by its booker unless ``decided_by`` says who (a manager's approval:
    the public calendar shows no booking that nobody approved).
    """
    starts_at = starts_at or timezone.now() + datetime.timedelta(days=1)
    if status == BookingStatus.APPROVED:
        fields.setdefault("decided_by", booker)
    return Booking.objects.create(
        venue=venue,
        booker=booker,
        purpose=fields.pop("purpose", "读书会"),
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=hours),
        status=status,
        **fields,
    )


@pytest.fixture
def clock():
    """The clock frozen on Wednesday 2026-12-02, 09:00 (tests/venues/clock.py)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def reading_room(tree, clock) -> Venue:
    """S1's reading room: open every day 08:30–21:00, 30 people, 4 hours at most, 4 a month, 30 days ahead."""
    return make_venue(tree["S1"])
