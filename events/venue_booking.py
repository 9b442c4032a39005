"""Events held at a venue: the venue they may name, and the booking that holds it while they run.

A published event with a venue holds the venue through one approved booking
(``Event.venue_booking``), made by ``venues.services.hold_for_event`` in the transaction
that publishes it. Moving the event (its times or its venue) cancels that booking and holds
the new slot; cancelling the event frees it (a draft, the only event that may be deleted,
holds none). Every step runs inside the caller's transaction: when the new slot is taken,
``VenueError("overlaps")`` rolls back the whole change, so nothing is half moved.
"""

from __future__ import annotations

import datetime
from typing import cast

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from accounts.models import AnyUser
from events.models import Event, EventStatus, Project
from stations.models import PATH_STEP, PracticeUnit
from stations.scoping import is_under, managed_q, root_units
from venues.errors import VenueError
from venues.models import HOLDING, Booking, Venue
from venues.services import hold_for_event, is_free, lock_venue, release


class EventVenueError(DomainError):
    messages = {"no_booker": _("Nobody to book the venue in the name of: publish the event as its manager.")}
    status_codes = {"no_booker": 409}


# What the booking's holds-it fields come from: a change in any of these moves the booking.
BOOKED_FIELDS = ("venue_id", "starts_at", "ends_at")


def in_line(unit: PracticeUnit, other: PracticeUnit) -> bool:
    """Whether ``other`` is ``unit``, a unit below it or a unit above it."""
    return is_under(other, unit) or is_under(unit, other)


def in_line_q(user: AnyUser, field: str) -> Q:
    """Rows whose unit (``field`` names its path) lies in the user's subtrees or above them.

    Admins reach every row. The choices a manager is offered for an event's venue or project.
    """
    if user.is_superuser:
        return Q()
    roots = root_units(user)
    above = {root.path[:end] for root in roots for end in range(PATH_STEP, len(root.path), PATH_STEP)}
    return managed_q(user, field) | Q(**{f"{field}__in": sorted(above)})


def venue_project_errors(
    event: Event | None,
    *,
    unit: PracticeUnit | None,
    venue: Venue | None,
    project: Project | None,
    changed: dict,
) -> dict[str, str]:
    """Field messages for a venue or project that does not fit the event of ``unit``.

    Both must belong to the event's unit, a unit below it or a unit above it; a venue
    newly named must take bookings, and a series' occurrence is held at no venue.
    """
    errors: dict[str, str] = {}
    if unit is None:
        return errors
    if venue is not None:
        if not in_line(unit, venue.unit):
            errors["venue"] = str(_("The venue must belong to the event's unit, a unit below it or a unit above it."))
        elif "venue" in changed and (event is None or event.venue_id != venue.pk) and not venue.is_active:
            errors["venue"] = str(_("This venue takes no bookings."))
        elif event is not None and event.series_id is not None:
            errors["venue"] = str(_("An occurrence of a series cannot be held at a venue."))
    if project is not None and not in_line(unit, project.lead_unit):
        errors["project"] = str(
            _("The brand project must be led by the event's unit, a unit below it or a unit above it.")
        )
    return errors


def needs_booking(event: Event) -> bool:
    return event.venue_id is not None and event.status == EventStatus.PUBLISHED and event.series_id is None


def _matches(event: Event, booking: Booking) -> bool:
    return (
        booking.status in HOLDING
        and booking.venue_id == event.venue_id
        and booking.starts_at == event.starts_at
        and booking.ends_at == event.ends_at
    )


@transaction.atomic
def sync_booking(event: Event, *, by: AnyUser | None = None, at: datetime.datetime | None = None) -> Event:
    """Make the event's booking agree with the event: held while it is published at a venue, freed otherwise.

    Raises VenueError (``overlaps``) when the slot is taken; the caller's transaction rolls back.
    """
    at = at or timezone.now()
    event = Event.objects.select_for_update(of=("self",)).select_related("venue_booking").get(pk=event.pk)
    current = event.venue_booking
    if needs_booking(event) and current is not None and _matches(event, current):
        return event
    if current is not None:
        release(current)
    booking = None
    if needs_booking(event):
        booker = by if by is not None and by.is_authenticated else event.created_by
        venue = cast(Venue, event.venue)  # needs_booking: the event names one
        if booker is None:
            raise EventVenueError("no_booker")
        booking = hold_for_event(
            venue,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            purpose=event.title[:100],
            attendees=event.capacity or 1,
            by=booker,
            at=at,
        )
    if booking is not None or current is not None:
        Event.objects.filter(pk=event.pk).update(venue_booking=booking)
        event.venue_booking = booking
    return event


def check_free(event: Event, *, venue: Venue | None, starts_at, ends_at) -> str | None:
    """A form's early word: would the published ``event`` still fit at ``venue`` then? None if so.

    Takes the venue's lock, so inside the admin's transaction no other booking can slip in
    between this check and ``sync_booking``; the admin still turns a refused booking into a
    message rather than an error page.
    """
    if venue is None or starts_at is None or ends_at is None or event.status != EventStatus.PUBLISHED:
        return None
    if event.series_id is not None:
        return None
    if transaction.get_connection().in_atomic_block:
        lock_venue(venue)
    if not is_free(venue, starts_at, ends_at, besides=event.venue_booking_id):
        return str(VenueError.messages["overlaps"])
    return None
