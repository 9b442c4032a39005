"""What is due under the 10-working-day rule (志愿服务记录与证明出具办法 art. 11).

Service records and evaluations are completed within 10 working days after the
activity ends, counted on China's official calendar (``events.working_days``).
A record is due for review while open or pending; an approved record is due for
an evaluation (art. 10) until one of the record, or of a period covering the
activity's day, exists from the organising unit.
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from events.models import Evaluation, RecordStatus, ServiceRecord
from events.working_days import add_working_days, latest_day_not_overdue, working_days_between

RECORDING_WORKING_DAYS = 10
UNREVIEWED = (RecordStatus.OPEN, RecordStatus.PENDING)


def due_records(records: QuerySet[ServiceRecord], *, now: datetime.datetime | None = None) -> QuerySet:
    """The records of ended activities whose review or evaluation is still to be done."""
    now = now or timezone.now()
    by_period = Evaluation.objects.filter(
        volunteer=OuterRef("volunteer"),
        unit=OuterRef("event__unit"),
        period_start__lte=OuterRef("activity_day"),
        period_end__gte=OuterRef("activity_day"),
    )
    return (
        records.filter(event__ends_at__lte=now)
        .annotate(activity_day=TruncDate("event__ends_at"))
        .annotate(evaluated=Exists(Evaluation.objects.filter(record=OuterRef("pk"))) | Exists(by_period))
        .filter(Q(status__in=UNREVIEWED) | Q(status=RecordStatus.APPROVED, evaluated=False))
    )


def overdue_q(today: datetime.date) -> Q:
    """Rows of ``due_records`` whose activity ended more than 10 working days before ``today``."""
    return Q(activity_day__lt=latest_day_not_overdue(today, RECORDING_WORKING_DAYS))


def kind_of(record: ServiceRecord) -> str:
    return "record" if record.status in UNREVIEWED else "evaluation"


def deadline_of(ended_on: datetime.date, today: datetime.date) -> dict:
    """The due date of an activity's records, how many working days they have waited and whether that is too long."""
    waited = working_days_between(ended_on, today)
    return {
        "ended_on": ended_on,
        "due_on": add_working_days(ended_on, RECORDING_WORKING_DAYS),
        "working_days_waited": waited,
        "overdue": waited > RECORDING_WORKING_DAYS,
    }
