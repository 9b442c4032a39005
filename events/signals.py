"""What events/ tells the apps above it, so they can keep figures in step without events/ knowing them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.dispatch import Signal

from events.models import Event, RecordStatus, ServiceRecord

# Sent inside the transaction of every change that may move approved hours or their
# grouping (approval, rejection, correction, check-out of an auto-approved event,
# an event's unit or category edited, a record deleted), after the records are saved:
#
#     hours_changed.send(sender=ServiceRecord, records=[record, ...], before=[Counted | None, ...])
#
# ``records`` are the records as they are now (the receiver reads them again if it
# needs their event); ``before`` is what the changed records counted before, from
# ``counted`` (None for a record that counted nothing). The two lists need not pair up.
hours_changed = Signal()

# Sent inside the transaction when a volunteer's place changes, after the sign-up is saved:
#
#     signup_changed.send(sender=Signup, signup=signup, change=SignupChange.CONFIRMED)
#
# PROMOTED is a waitlisted volunteer given a freed place (``signup.confirm_by`` holds the deadline).
signup_changed = Signal()

# Sent after an event is saved with a change its volunteers must hear of (from any path:
# admin, API, pages, a series regenerated):
#
#     event_changed.send(sender=Event, event=event, changes={"starts_at": (old, new), ...})
#
# ``changes`` holds the fields of events.models.EVENT_FIELDS_PEOPLE_SEE that changed; a cancellation is a
# change of ``status`` to cancelled.
event_changed = Signal()


class SignupChange:
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    PROMOTED = "promoted"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Counted:
    """What one record adds to the statistics: approved hours, by volunteer, organiser, category and time."""

    volunteer_id: int
    event_unit_id: int
    category: str
    checked_in_at: datetime.datetime
    hours: Decimal


def counted(record: ServiceRecord) -> Counted | None:
    """The record's share of the statistics now: None unless it is approved."""
    if record.status != RecordStatus.APPROVED:
        return None
    return Counted(
        volunteer_id=record.volunteer_id,
        event_unit_id=record.event.unit_id,
        category=record.event.category,
        checked_in_at=record.checked_in_at,
        hours=record.credited_hours,
    )


def announce_event_changes(sender, instance: Event, created: bool, **kwargs) -> None:
    """post_save of Event: send ``event_changed`` with what changed since the event was loaded."""
    loaded = getattr(instance, "_as_loaded", None)
    if created or not loaded:
        return
    changes = {
        field: (old, getattr(instance, field)) for field, old in loaded.items() if getattr(instance, field) != old
    }
    if not changes:
        return
    # Saved twice in one request: the second save reports only what changed since the first.
    instance._as_loaded = {**loaded, **{field: new for field, (_old, new) in changes.items()}}
    event_changed.send(sender=Event, event=instance, changes=changes)
