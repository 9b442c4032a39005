"""The daily digests: new events for volunteers who asked for them, and what waits for each manager.

One message per person per day (the key names the day), never one per event. Each digest
runs at most once a day (``JobRun``); after a gap the next run covers everything since the
last one, once. The queries are bounded: a few per batch of volunteers, and for managers
one grouped count per kind of work, rolled up the unit tree in Python.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from certificates.models import CertificateRequest, RequestStatus
from events.models import Event, EventStatus, ServiceRecord
from events.record_deadlines import UNREVIEWED, due_records, overdue_q
from notifications.fanout import BATCH, Notice, notify_many
from notifications.models import JobRun, Preference
from orders.models import Order
from points.earning import rule_for
from points.expiry import expiring, expiry_date_of_next
from points.models import Account, AccountKind, PointsRule
from stations.models import PATH_STEP, PracticeUnit, UnitManager
from stations.scoping import is_under
from volunteers.models import Team, Volunteer, VolunteerStatus

NEW_EVENTS = "new_events_digest"
MANAGER = "manager_digest"
POINTS_EXPIRING = "points_expiring"
# As long ahead as the volunteer's page shows points as expiring (points.expiry.expiring's default).
EXPIRY_NOTICE_DAYS = 30
# A message lists this many events; the rest are counted ("and 5 more"), the events page has them all.
LISTED_EVENTS = 15
# The first digest (no earlier run) covers this much.
FIRST_WINDOW = datetime.timedelta(days=1)


def _last_run(name: str) -> datetime.datetime | None:
    return JobRun.objects.filter(name=name).values_list("finished_at", flat=True).first()


def _ran_today(last: datetime.datetime | None, now: datetime.datetime) -> bool:
    return last is not None and timezone.localdate(last) >= timezone.localdate(now)


def _finished(name: str, now: datetime.datetime) -> None:
    JobRun.objects.update_or_create(name=name, defaults={"finished_at": now})


# New events ----------------------------------------------------------------------------------


def send_new_events_digests(*, now: datetime.datetime | None = None) -> int:
    """Tell each opted-in volunteer of the events published at their station and for their teams
    since the last digest; return how many messages were queued (0 if it already ran today)."""
    now = now or timezone.now()
    last = _last_run(NEW_EVENTS)
    if _ran_today(last, now):
        return 0
    since = last or now - FIRST_WINDOW
    # An event is new when it was created in the window and is published and still ahead now
    # (events has no publication time: a draft published after its creation day is not listed).
    events = list(
        Event.objects.filter(
            status=EventStatus.PUBLISHED, created_at__gte=since, created_at__lt=now, starts_at__gt=now
        ).order_by("starts_at", "id")
    )
    queued = 0
    if events:
        by_station: dict[int, list[Event]] = defaultdict(list)
        by_team: dict[int, list[Event]] = defaultdict(list)
        for event in events:
            if event.team_id is not None:
                by_team[event.team_id].append(event)
            else:
                by_station[event.unit_id].append(event)
        opted_in = Preference.objects.filter(kind=NEW_EVENTS, enabled=True).values("user_id").order_by().distinct()
        volunteers = (
            Volunteer.objects.filter(user_id__in=opted_in, status=VolunteerStatus.ACTIVE)
            .select_related("user")
            .order_by("pk")
        )
        day = timezone.localdate(now)
        for batch in _chunks(volunteers.iterator(chunk_size=BATCH)):
            queued += _new_events_batch(batch, by_station, by_team, day, now)
    _finished(NEW_EVENTS, now)
    return queued


def _chunks(rows: Iterable, size: int = BATCH) -> Iterable[list]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@transaction.atomic
def _new_events_batch(batch, by_station, by_team, day: datetime.date, now: datetime.datetime) -> int:
    memberships = Team.members.through.objects.filter(volunteer_id__in=[v.pk for v in batch], team_id__in=by_team)
    teams_of: dict[int, list[int]] = defaultdict(list)
    for volunteer_id, team_id in memberships.values_list("volunteer_id", "team_id"):
        teams_of[volunteer_id].append(team_id)
    link = reverse("events-page")
    notices = []
    for volunteer in batch:
        mine = {event.pk: event for event in by_station.get(volunteer.home_station_id, [])}
        for team_id in teams_of[volunteer.pk]:
            mine.update((event.pk, event) for event in by_team[team_id])
        if not mine:
            continue
        listed = sorted(mine.values(), key=lambda event: (event.starts_at, event.pk))
        context = {"events": listed[:LISTED_EVENTS], "more": max(0, len(listed) - LISTED_EVENTS), "count": len(listed)}
        notices.append(Notice(volunteer.user, f"new-events:{day:%Y-%m-%d}", context, link=link))
    return notify_many(NEW_EVENTS, notices, at=now)


# What waits for managers --------------------------------------------------------------------------


def _rolled_up(rows: Iterable[tuple[str, int]]) -> Counter:
    """Counts by unit path → counts by every path at or above it (a manager's unit covers its subtree).

    The grouped counts' equivalent of ``stations.scoping.under`` for every unit at once: a
    unit's path holds its ancestors' paths as prefixes of whole steps.
    """
    totals: Counter = Counter()
    for path, count in rows:
        for end in range(PATH_STEP, len(path) + 1, PATH_STEP):
            totals[path[:end]] += count
    return totals


def waiting_by_unit(now: datetime.datetime) -> dict[str, Counter]:
    """For each kind of work, what waits in each unit's subtree, keyed by the unit's path: three grouped queries."""
    today = timezone.localdate(now)
    end_of_today = timezone.make_aware(datetime.datetime.combine(today, datetime.time.max))
    overdue = due_records(ServiceRecord.objects.all(), now=end_of_today).filter(overdue_q(today))
    reviews = overdue.filter(status__in=UNREVIEWED).values("event__unit__path").annotate(n=Count("pk"))
    evaluations = overdue.exclude(status__in=UNREVIEWED).values("event__unit__path").annotate(n=Count("pk"))
    orders = Order.objects.overdue(today).values("handling_unit__path").annotate(n=Count("pk"))
    requests = (
        CertificateRequest.objects.filter(status=RequestStatus.PENDING).values("unit__path").annotate(n=Count("pk"))
    )
    return {
        "reviews": _rolled_up(reviews.values_list("event__unit__path", "n").order_by()),
        "evaluations": _rolled_up(evaluations.values_list("event__unit__path", "n").order_by()),
        "orders": _rolled_up(orders.values_list("handling_unit__path", "n").order_by()),
        "requests": _rolled_up(requests.values_list("unit__path", "n").order_by()),
    }


def send_manager_digests(*, now: datetime.datetime | None = None) -> int:
    """Tell each manager what waits in their units, only when something does; return how many messages were queued."""
    now = now or timezone.now()
    if _ran_today(_last_run(MANAGER), now):
        return 0
    waiting = waiting_by_unit(now)
    day = timezone.localdate(now)
    roots: dict[int, list[PracticeUnit]] = defaultdict(list)
    users = {}
    roles = (
        UnitManager.objects.filter(user__is_active=True)
        .select_related("user", "unit")
        .order_by("user_id", "unit__path")
    )
    for role in roles:
        users[role.user_id] = role.user
        # A unit under another of the same manager's is already counted with it (parents come first by path).
        if not any(is_under(role.unit, root) for root in roots[role.user_id]):
            roots[role.user_id].append(role.unit)
    link = reverse("workbench")
    notices = []
    for user_id, units in roots.items():
        counts = {kind: sum(totals[unit.path] for unit in units) for kind, totals in waiting.items()}
        if any(counts.values()):
            notices.append(Notice(users[user_id], f"manager-digest:{day:%Y-%m-%d}", counts, link=link))
    queued = 0
    for start in range(0, len(notices), BATCH):
        with transaction.atomic():
            queued += notify_many(MANAGER, notices[start : start + BATCH], at=now)
    _finished(MANAGER, now)
    return queued


# Points about to expire ----------------------------------------------------------------------------


def send_points_expiring(*, now: datetime.datetime | None = None) -> int:
    """Tell each volunteer whose points expire within EXPIRY_NOTICE_DAYS, once per expiry date.

    The reading is the expiry run's own (``points.expiry``), a few queries per volunteer
    holding points where a rule lets them expire, like that run: nobody else is read.
    """
    now = now or timezone.now()
    if (
        _ran_today(_last_run(POINTS_EXPIRING), now)
        or not PointsRule.objects.filter(expiry_years__isnull=False).exists()
    ):
        return 0
    accounts = (
        Account.objects.filter(kind=AccountKind.VOLUNTEER, balance__gt=0, volunteer__status=VolunteerStatus.ACTIVE)
        .select_related("volunteer__home_station", "volunteer__user")
        .order_by("pk")
    )
    expires_at_station: dict[int, bool] = {}
    notices = []
    for account in accounts.iterator(chunk_size=BATCH):
        volunteer = account.volunteer
        station = volunteer.home_station
        if station.pk not in expires_at_station:
            rule = rule_for(station)
            expires_at_station[station.pk] = rule is not None and rule.expiry_years is not None
        if not expires_at_station[station.pk]:
            continue
        points = expiring(volunteer, now=now, within_days=EXPIRY_NOTICE_DAYS)
        expires_on = expiry_date_of_next(volunteer, now=now) if points > 0 else None
        if expires_on is None:
            continue
        context = {"points": format(points.normalize(), "f"), "expires_on": expires_on}
        notices.append(Notice(volunteer.user, f"points-expiring:{volunteer.pk}:{expires_on:%Y-%m-%d}", context))
    queued = 0
    for start in range(0, len(notices), BATCH):
        with transaction.atomic():
            queued += notify_many(POINTS_EXPIRING, notices[start : start + BATCH], at=now)
    _finished(POINTS_EXPIRING, now)
    return queued
