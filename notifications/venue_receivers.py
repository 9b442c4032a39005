"""What the platform tells people about venue bookings (venues.signals.booking_changed).

A booking waiting for approval → the managers of the venue's unit (or, where it has none,
of the nearest unit above it that has); a manager's approval, refusal or cancellation → the
booker. A booker's own cancellation, and a booking approved at once, tell nobody: nothing
waits for anyone then. Like the other receivers, these run inside the sender's transaction:
the inbox row exists if and only if the booking's change was saved, and SMS or WeChat
delivery is asked for once it commits.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from notifications.fanout import Notice, notify_many
from notifications.receivers import never_breaks
from notifications.services import notify
from stations.models import PracticeUnit
from venues.models import Booking, BookingStatus
from venues.services import BookingChange
from venues.signals import booking_changed

ANSWERS = {BookingChange.APPROVED, BookingChange.REFUSED, BookingChange.CANCELLED}


def venue_managers(unit: PracticeUnit) -> list:
    """The managers appointed to ``unit``, else to the nearest unit above it with any (a station without its own)."""
    users = get_user_model().objects.filter(is_active=True).order_by("pk")
    current: PracticeUnit | None = unit
    while current is not None:
        found = list(users.filter(unit_roles__unit=current).distinct())
        if found:
            return found
        current = current.parent
    return []


def _params(booking: Booking) -> dict[str, str]:
    return {
        "venue": booking.venue.name,
        "time": f"{timezone.localtime(booking.starts_at):%Y-%m-%d %H:%M}",
    }


@never_breaks
def on_booking_changed(sender, booking: Booking, change: str, by=None, **kwargs) -> None:
    if change == BookingChange.REQUESTED:
        if booking.status != BookingStatus.PENDING:
            return
        key = f"venue-booking:{booking.pk}:requested"
        context = {"booking": booking}
        link = reverse("venue-manage-bookings-page")
        notices = [
            Notice(manager, key, context, about=booking, link=link, params=_params(booking))
            for manager in venue_managers(booking.venue.unit)
            if manager.pk != booking.booker_id
        ]
        notify_many("venue_booking_requested", notices)
        return
    if change not in ANSWERS:
        return
    # Who acted: the decider, or for a cancellation the one the service names; a booker's own step tells nobody.
    actor_id = getattr(by, "pk", None) if change == BookingChange.CANCELLED else booking.decided_by_id
    if actor_id is None or actor_id == booking.booker_id:
        return
    notify(
        booking.booker,
        "venue_booking_answered",
        key=f"venue-booking:{booking.pk}:{change}",
        context={"booking": booking, "change": str(change)},
        about=booking,
        link=reverse("venue-my-bookings-page"),
        params=_params(booking),
    )


def connect() -> None:
    booking_changed.connect(on_booking_changed, sender=Booking, dispatch_uid="notify-venue-booking-changed")
