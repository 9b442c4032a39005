"""A volunteer's answer to a reminder or a promotion: "I am coming", or the place back for the next in the queue.

A place taken from the waitlist (``Signup.confirm_by`` set by the promotion) is the volunteer's
only if they confirm by that deadline; ``release_unconfirmed`` gives the places nobody confirmed
to the next in the queue, so a manager knows before the start who will really come.
"""

from __future__ import annotations

import datetime

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from events import services
from events.models import Event, EventStatus, Signup, SignupStatus
from volunteers.models import Volunteer


class AttendanceError(DomainError):
    messages = {
        "not_yours": _("This sign-up is not yours."),
        "event_not_open": _("The event is not open: it was cancelled or has not been published."),
        "event_started": _("The event has already started."),
        "not_confirmed": _("You are on the waitlist: there is no place to confirm yet."),
        "given_back": _("This place has been given back."),
        "deadline_passed": _("The time to confirm this place has passed; sign up again if places are free."),
    }
    status_codes = {
        "not_yours": 404,
        "event_not_open": 409,
        "event_started": 409,
        "not_confirmed": 409,
        "given_back": 409,
        "deadline_passed": 409,
    }


def _locked(signup: Signup) -> tuple[Event, Signup]:
    # The event's lock first, as sign-ups, cancellations and promotions take it: a confirmation
    # and the release of the same place happen one after the other, never interleaved.
    event = Event.objects.select_for_update().get(pk=signup.event_id)
    return event, Signup.objects.get(pk=signup.pk)


@transaction.atomic
def reconfirm(signup: Signup, *, by_volunteer: Volunteer, at: datetime.datetime) -> Signup:
    """ "I am coming": the volunteer confirms their place (a promoted one before its ``confirm_by``).

    Confirming twice keeps the first time. Raises AttendanceError.
    """
    if signup.volunteer_id != by_volunteer.pk:
        raise AttendanceError("not_yours")
    event, signup = _locked(signup)
    if signup.status == SignupStatus.CANCELLED:
        raise AttendanceError("given_back")
    if signup.status != SignupStatus.CONFIRMED:
        raise AttendanceError("not_confirmed")
    if signup.reconfirmed_at is not None:
        return signup
    if event.status != EventStatus.PUBLISHED:
        raise AttendanceError("event_not_open")
    if at >= event.starts_at:
        raise AttendanceError("event_started")
    if signup.confirm_by is not None and at > signup.confirm_by:
        raise AttendanceError("deadline_passed")
    signup.reconfirmed_at = at
    signup.save(update_fields=["reconfirmed_at", "updated_at"])
    return signup


@transaction.atomic
def give_back(signup: Signup, *, at: datetime.datetime) -> Signup:
    """Give the place (or the place on the waitlist) back before the start; the next in the queue is promoted.

    Giving back a place already given back changes nothing (a second tap). Raises AttendanceError.
    """
    event, signup = _locked(signup)
    if signup.status == SignupStatus.CANCELLED:
        return signup
    if at >= event.starts_at:
        # After the start a missing volunteer is a no-show, not a place given back (events.no_shows).
        raise AttendanceError("event_started")
    return services.cancel_signup(event, signup.volunteer, at=at)


def _expired_promotions(now: datetime.datetime) -> models.QuerySet[Signup]:
    return Signup.objects.filter(
        status=SignupStatus.CONFIRMED,
        confirm_by__lt=now,
        reconfirmed_at__isnull=True,
        event__status=EventStatus.PUBLISHED,
        event__starts_at__gt=now,
    )


def release_unconfirmed(*, now: datetime.datetime, dry_run: bool = False) -> dict[str, int]:
    """Give back the promoted places not confirmed by their deadline; the next in each queue is promoted.

    One transaction per event, under its lock, reading the places again there: a place confirmed
    meanwhile stays, and two runs at once release each place once. Only before the start: a
    deadline is never later than the start, and after it the place is the no-shows' business.
    """
    expired = _expired_promotions(now)
    if dry_run:
        return {"released": expired.count()}
    released = 0
    for event_id in expired.values_list("event_id", flat=True).distinct().order_by("event_id"):
        with transaction.atomic():
            event = Event.objects.select_for_update().get(pk=event_id)
            for signup in _expired_promotions(now).filter(event=event).select_related("volunteer").order_by("id"):
                services.cancel_signup(event, signup.volunteer, at=now)
                released += 1
    return {"released": released}
