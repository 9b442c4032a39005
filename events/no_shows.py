"""No-shows: a confirmed volunteer who neither checked in nor gave the place back is marked absent.

When an event has ended, each sign-up still confirmed whose volunteer has no service record
for the event is marked ``absent``; a volunteer who gave the place back holds a cancelled
sign-up and is never absent. A record entered later (a manual record, an approved correction)
clears the mark on the next run. Absences are a fact for planning, never a penalty: they
change no hours, no points and no record (docs/features.md "No-shows").
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Exists, FloatField, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.models import AnyUser
from events.models import MAX_EVENT_DAYS, Event, EventStatus, ServiceRecord, Signup, SignupStatus
from stations.scoping import scoped

# Each run looks at the events that ended in this window: a job down for days catches up,
# and the window holds no more than a month of events, so a run stays cheap however old the data.
CATCH_UP_DAYS = 30
# Sign-ups changed per transaction: short locks beside the day's sign-ups and check-ins.
BATCH_SIZE = 500
# Events whose volunteers may be absent: they took place (not drafts, not cancelled).
HELD = (EventStatus.PUBLISHED, EventStatus.FINISHED)


@dataclass(frozen=True)
class NoShowRun:
    marked: int
    cleared: int


def _attended() -> Exists:
    return Exists(ServiceRecord.objects.filter(event=OuterRef("event"), volunteer=OuterRef("volunteer")))


def ended_events(*, now: datetime.datetime) -> QuerySet[Event]:
    """Events held that ended within the catch-up window (by start too, for the status-and-start index)."""
    since = now - datetime.timedelta(days=CATCH_UP_DAYS)
    return Event.objects.filter(
        status__in=HELD,
        starts_at__gte=since - datetime.timedelta(days=MAX_EVENT_DAYS),
        ends_at__gt=since,
        ends_at__lte=now,
    )


def mark_no_shows(*, now: datetime.datetime | None = None) -> NoShowRun:
    """Mark the absences of the events ended in the window; clear those a record now disproves.

    Idempotent: a second run changes nothing more.
    """
    now = now or timezone.now()
    missing = Signup.objects.filter(
        event__in=ended_events(now=now).values("pk"), status=SignupStatus.CONFIRMED, absent=False
    ).exclude(_attended())
    marked = _set_absent(missing, True, now=now)
    # Over all time, not the window: a correction may add a record long after the event.
    cleared = _set_absent(Signup.objects.filter(absent=True).filter(_attended()), False, now=now)
    return NoShowRun(marked=marked, cleared=cleared)


def _set_absent(rows: QuerySet[Signup], value: bool, *, now: datetime.datetime) -> int:
    changed = 0
    while True:
        with transaction.atomic():
            batch = list(rows.values_list("pk", flat=True)[:BATCH_SIZE])
            if not batch:
                return changed
            # The update repeats the conditions: a row another run changed meanwhile is left alone.
            changed += rows.filter(pk__in=batch).update(absent=value, updated_at=now)


# Rates ---------------------------------------------------------------------------


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_default_timezone())


def held_places(
    *, now: datetime.datetime, start: datetime.date | None = None, end: datetime.date | None = None
) -> QuerySet[Signup]:
    """The places volunteers held at events that took place and ended, starting between ``start`` and ``end``.

    A place marked absent stays counted if the volunteer cancels it afterwards: giving a
    place back after the event does not undo having missed it.
    """
    rows = Signup.objects.filter(Q(status=SignupStatus.CONFIRMED) | Q(absent=True))
    rows = rows.filter(event__status__in=HELD, event__ends_at__lte=now)
    if start is not None:
        rows = rows.filter(event__starts_at__gte=_day_start(start))
    if end is not None:
        rows = rows.filter(event__starts_at__lt=_day_start(end + datetime.timedelta(days=1)))
    return rows


def _with_rates(rows: QuerySet) -> QuerySet:
    counted = rows.annotate(places=Count("pk"), absences=Count("pk", filter=Q(absent=True)))
    return counted.annotate(rate=Cast("absences", FloatField()) / Cast("places", FloatField()))


def absence_rates(
    user: AnyUser,
    *,
    by: str,
    now: datetime.datetime,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> QuerySet:
    """Absences and places per volunteer (``by="volunteer"``) or per event (``by="event"``), as rows of values,
    at the events of the units the user manages (admins: all)."""
    rows = scoped(held_places(now=now, start=start, end=end), user, "event__unit__path")
    grouped: QuerySet
    if by == "volunteer":
        grouped = rows.values("volunteer", "volunteer__number", "volunteer__real_name")
    else:
        grouped = rows.values("event", "event__title", "event__starts_at")
    return _with_rates(grouped)


@dataclass(frozen=True)
class OwnAbsences:
    places: int
    absences: int
    events: list[Event]

    @property
    def rate(self) -> float | None:
        return self.absences / self.places if self.places else None

    @property
    def percent(self) -> int | None:
        return None if self.rate is None else round(self.rate * 100)


def absences_of(
    volunteer_id: int,
    *,
    now: datetime.datetime,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> OwnAbsences:
    """A volunteer's own places and absences in the period, with the events missed (two queries)."""
    rows = held_places(now=now, start=start, end=end).filter(volunteer_id=volunteer_id)
    counts = rows.aggregate(places=Count("pk"), absences=Count("pk", filter=Q(absent=True)))
    events = list(
        Event.objects.filter(pk__in=rows.filter(absent=True).values("event"))
        .select_related("unit")
        .order_by("-starts_at", "-id")
    )
    return OwnAbsences(places=counts["places"], absences=counts["absences"], events=events)
