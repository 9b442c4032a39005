"""Brand projects (品牌项目): what a project did, and the workflows of its events and orders.

``project_summary`` is the one place the figures of a project are computed; the API,
the public page and the reports (the project ledger, the county's export) all read it.

Orders sit above events (orders imports events), so the order figures are read through
the reverse relation ``Project.orders`` and order states by their stored values, never
by importing ``orders``.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from events.models import ActivityPhoto, ActivityRecord, Evaluation, Event, EventStatus, Project, ServiceRecord

SHANGHAI = zoneinfo.ZoneInfo(settings.TIME_ZONE)

# orders.models.OrderState values of an order whose service is done.
ORDER_DONE_STATES = ("completed", "rated", "closed")
# The event statuses of events that took place (or are taking place).
HELD_STATUSES = (EventStatus.PUBLISHED, EventStatus.FINISHED)


@dataclass(frozen=True)
class ProjectSummary:
    """What a project did, in a period (both ends included) or over its whole life.

    - ``events_held``: the project's published or finished events that have ended.
    - ``service_hours``: approved hours of the records of those events.
    - ``volunteers_served``: distinct volunteers with an approved record there.
    - ``orders_done``: the project's orders completed (completed, rated or closed).
    - ``event_recipients``: people served as recorded in those events' activity records.
    - ``people_served``: ``orders_done + event_recipients``.
    - ``mean_rating``: the mean, on 1–5 stars, of the evaluations' grades of those events'
      approved records and of the done orders' ratings (each the mean of its three scores);
      None when there is neither.
    - ``ratings_count``: how many grades and ratings the mean is made of.
    - ``photos``: activity photos of those events.
    """

    events_held: int
    service_hours: Decimal
    volunteers_served: int
    orders_done: int
    event_recipients: int
    people_served: int
    mean_rating: Decimal | None
    ratings_count: int
    photos: int
    start: datetime.date | None = None
    end: datetime.date | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=SHANGHAI)


def held_events(
    project: Project,
    *,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    at: datetime.datetime | None = None,
) -> QuerySet[Event]:
    """The project's events that took place: published or finished, ended by ``at``, starting in the period."""
    at = at or timezone.now()
    events = Event.objects.filter(project=project, status__in=HELD_STATUSES, ends_at__lte=at)
    if start is not None:
        events = events.filter(starts_at__gte=_day_start(start))
    if end is not None:
        events = events.filter(starts_at__lt=_day_start(end + datetime.timedelta(days=1)))
    return events


def done_orders(project: Project, *, start: datetime.date | None = None, end: datetime.date | None = None):
    """The project's orders whose service is done, completed in the period."""
    orders = project.orders.filter(state__in=ORDER_DONE_STATES)
    if start is not None:
        orders = orders.filter(completed_at__gte=_day_start(start))
    if end is not None:
        orders = orders.filter(completed_at__lt=_day_start(end + datetime.timedelta(days=1)))
    return orders


def project_summary(
    project: Project,
    *,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    at: datetime.datetime | None = None,
) -> ProjectSummary:
    """What ``project`` did, over its life or in ``[start, end]`` (dates in Asia/Shanghai)."""
    events = held_events(project, start=start, end=end, at=at)
    event_ids = events.values("pk")
    approved = ServiceRecord.objects.filter(event__in=event_ids).approved()
    record_figures = approved.aggregate(hours=Sum("credited_hours"), people=Count("volunteer", distinct=True))
    recipients = ActivityRecord.objects.filter(event__in=event_ids).aggregate(n=Sum("people_served"))["n"] or 0
    photos = ActivityPhoto.objects.filter(record__event__in=event_ids).count()

    grades = Evaluation.objects.filter(record__in=approved.values("pk"), grade__isnull=False).aggregate(
        n=Count("pk"), total=Sum("grade")
    )
    orders = done_orders(project, start=start, end=end)
    order_figures = orders.aggregate(
        n=Count("pk"),
        rated=Count("rating"),
        scores=Sum("rating__response") + Sum("rating__attitude") + Sum("rating__result"),
    )
    ratings_count = grades["n"] + order_figures["rated"]
    mean: Decimal | None = None
    if ratings_count:
        total = Decimal(grades["total"] or 0) + Decimal(order_figures["scores"] or 0) / 3
        mean = (total / ratings_count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    orders_done = order_figures["n"]
    return ProjectSummary(
        events_held=events.count(),
        service_hours=(record_figures["hours"] or Decimal("0")).quantize(Decimal("0.01")),
        volunteers_served=record_figures["people"],
        orders_done=orders_done,
        event_recipients=recipients,
        people_served=orders_done + recipients,
        mean_rating=mean,
        ratings_count=ratings_count,
        photos=photos,
        start=start,
        end=end,
    )


def active_in(projects: QuerySet[Project], start: datetime.date | None, end: datetime.date | None):
    """Projects whose period meets ``[start, end]`` (a project without an end runs on)."""
    if end is not None:
        projects = projects.filter(starts_on__lte=end)
    if start is not None:
        projects = projects.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
    return projects


__all__ = ["ProjectSummary", "active_in", "done_orders", "held_events", "project_summary"]
