"""What events/ tells the apps above it, so they can keep figures in step without events/ knowing them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.dispatch import Signal

from events.models import RecordStatus, ServiceRecord

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
