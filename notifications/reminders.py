"""Reminders before each event, exactly once per sign-up and start time.

``send_reminders`` runs every few minutes (cron, ``manage.py send_reminders``). It takes the
confirmed sign-ups of published events starting within NOTIFY_REMINDER_LEAD_HOURS that have
no reminder for their event's current start, in batches by id, and queues one ``reminder``
per sign-up (a row per channel the volunteer receives it on). A job that was down catches up
by itself: what it missed is still without a reminder, and what started meanwhile is outside
the window, so it is never reminded late.

Exactly once, twice over: each batch locks its sign-ups (``FOR NO KEY UPDATE SKIP LOCKED``), so
two jobs at once take different sign-ups and count exactly what they queued; and the outbox's
unique (recipient, channel, key) keeps a second row out whatever happens. A batch is one
transaction: a job stopped midway leaves whole batches done and the rest for its next run.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import NamedTuple

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from events.models import Event, EventStatus, Signup, SignupStatus
from notifications import delivery
from notifications.kinds import Channel, kind
from notifications.models import JobRun, Message, MessageStatus, Preference
from notifications.services import channels_from, quiet_until, render

KIND = "reminder"
JOB = "send_reminders"
BATCH_SIZE = 1000
QUIET_UNTIL_START = "quiet hours last until the event starts"
SUPERSEDED = "superseded: the event moved"
WITHDRAWN = "withdrawn: the place was given back or the event cancelled"


def reminder_key(signup_id: int, starts_at: datetime.datetime) -> str:
    """The occasion: a sign-up at its event's start (local time), so a moved event is a new occasion."""
    return f"reminder:{signup_id}:{timezone.localtime(starts_at):%Y%m%dT%H%M}"


def due(now: datetime.datetime) -> models.QuerySet[Signup]:
    """Confirmed sign-ups of published events starting in (now, now + lead] without a reminder for that start.

    A reminder's ``expires_at`` is the start it was queued for, so a moved event's sign-ups are due again.
    """
    lead = datetime.timedelta(hours=settings.NOTIFY_REMINDER_LEAD_HOURS)
    # A reminder is always about a sign-up: its kind says so, and asking about_type too would tempt
    # PostgreSQL into that column's index, which holds every message about a sign-up.
    reminded = Message.objects.filter(
        recipient=OuterRef("volunteer__user"),
        kind=KIND,
        about_id=OuterRef("pk"),
        expires_at=OuterRef("event__starts_at"),
    )
    return Signup.objects.filter(
        ~Exists(reminded),
        status=SignupStatus.CONFIRMED,
        event__status=EventStatus.PUBLISHED,
        event__starts_at__gt=now,
        event__starts_at__lte=now + lead,
        volunteer__user__is_active=True,
    )


class Due(NamedTuple):
    """A sign-up due for a reminder, as much of it as the reminder needs."""

    pk: int
    event_id: int
    user_id: int
    starts_at: datetime.datetime


def _page(now: datetime.datetime, after: int, size: int) -> list[int]:
    """The ids of the next ``size`` sign-ups after id ``after`` in the window, reminded or not.

    Cheap and in id order; whether each still needs a reminder is asked of these few in ``_claim``,
    not of every sign-up of the window again for each batch.
    """
    lead = datetime.timedelta(hours=settings.NOTIFY_REMINDER_LEAD_HOURS)
    window = Signup.objects.filter(
        pk__gt=after,
        status=SignupStatus.CONFIRMED,
        event__status=EventStatus.PUBLISHED,
        event__starts_at__gt=now,
        event__starts_at__lte=now + lead,
    )
    return list(window.order_by("pk").values_list("pk", flat=True)[:size])


def _claim(now: datetime.datetime, ids: list[int]) -> tuple[list[Due], set[tuple[int, str, str]]]:
    """Lock those of ``ids`` still due for a reminder; return them and the reminders they already have.

    Locked rows are another job's batch: skipped, not waited for. A sign-up whose lock came free
    just as it was read may have been reminded by that job after this statement's snapshot: the
    second read (a new snapshot) finds its rows, so the batch queues and counts only what is missing.
    """
    batch = [
        Due(*row)
        for row in due(now)
        .filter(pk__in=ids)
        .select_for_update(skip_locked=True, no_key=True, of=("self",))
        .order_by("pk")
        .values_list("pk", "event_id", "volunteer__user_id", "event__starts_at")
    ]
    if not batch:
        return [], set()
    keys = [reminder_key(signup.pk, signup.starts_at) for signup in batch]
    existing = Message.objects.filter(recipient_id__in={signup.user_id for signup in batch}, key__in=keys)
    return batch, set(existing.values_list("recipient_id", "channel", "key"))


# The outbox's columns a reminder fills; the others (read, claimed) start empty.
COLUMNS = (
    "recipient_id",
    "channel",
    "kind",
    "key",
    "about_type_id",
    "about_id",
    "title",
    "body",
    "link",
    "params",
    "urgent",
    "status",
    "reason",
    "attempts",
    "not_before",
    "next_attempt_at",
    "expires_at",
    "created_at",
    "sent_at",
    "provider_id",
)
# Stands for the sign-up's own link in a text rendered once per event.
LINK_MARK = "\ue000"


def _texts(event: Event) -> tuple[str, str]:
    """Title and text of the event's reminder, with ``LINK_MARK`` where each sign-up's link goes.

    The reminder tells of the event and links to the volunteer's answer page, nothing personal
    (the template gets ``event`` and ``url``): rendered once per event, not once per sign-up,
    which is most of the job's time at 100,000 sign-ups.
    """
    return render(KIND, {"event": event, "url": LINK_MARK})


def notify_many(signups: list[Due], existing: set[tuple[int, str, str]], *, now: datetime.datetime) -> tuple[int, int]:
    """Queue a reminder for each sign-up on the channels its volunteer receives reminders on.

    ``services.notify`` for a batch: the volunteers' choices and the events in one query each,
    the rows in one statement run for all of them. A channel other than the inbox waits for the
    end of quiet hours; where that end is not before the start, the row is recorded as skipped
    with the reason (never sent late, nor at night). Returns the sign-ups reminded and the rows.
    """
    spec = kind(KIND)
    user_ids = {signup.user_id for signup in signups}
    chosen: dict[int, dict[str, bool]] = defaultdict(dict)
    preferences = Preference.objects.filter(user_id__in=user_ids, kind=KIND)
    for user_id, channel, enabled in preferences.values_list("user_id", "channel", "enabled"):
        chosen[user_id][channel] = enabled
    events = Event.objects.in_bulk({signup.event_id for signup in signups})
    texts = {pk: _texts(event) for pk, event in events.items()}
    quiet = None if spec.urgent else quiet_until(now)
    about_type = ContentType.objects.get_for_model(Signup)
    ops = connection.ops
    at = ops.adapt_datetimefield_value(now)
    later = ops.adapt_datetimefield_value(quiet or now)
    rows: list[tuple] = []
    reminded = 0
    for signup in signups:
        key = reminder_key(signup.pk, signup.starts_at)
        channels = [
            channel
            for channel in channels_from(KIND, chosen[signup.user_id])
            if (signup.user_id, channel, key) not in existing
        ]
        if not channels:
            continue
        reminded += 1
        event = events[signup.event_id]
        link = reverse("signup-confirm-page", args=[signup.pk])
        title, body = (text.replace(LINK_MARK, settings.SITE_URL + link) for text in texts[event.pk])
        start = timezone.localtime(event.starts_at)
        params = {"title": event.title, "time": f"{start:%Y-%m-%d %H:%M}", "place": event.address}
        params_value = ops.adapt_json_value(params, None)
        expires = ops.adapt_datetimefield_value(event.starts_at)
        for channel in channels:
            inbox = channel == Channel.INBOX
            late = not inbox and (quiet or now) >= event.starts_at
            status = MessageStatus.SENT if inbox else MessageStatus.SKIPPED if late else MessageStatus.PENDING
            not_before = at if inbox else later
            rows.append(
                (
                    signup.user_id,
                    channel,
                    KIND,
                    key,
                    about_type.pk,
                    signup.pk,
                    title[:100],
                    body[:2000],
                    link,
                    params_value,
                    spec.urgent,
                    status,
                    QUIET_UNTIL_START if late else "",
                    0,
                    not_before,
                    not_before,
                    expires,
                    at,
                    at if inbox else None,
                    "",
                )
            )
    # A reminder still waiting for a start the event no longer has would tell the wrong time.
    Message.objects.filter(
        recipient_id__in=user_ids,
        kind=KIND,
        about_id__in=[signup.pk for signup in signups],
        status=MessageStatus.PENDING,
    ).exclude(key__in=[reminder_key(signup.pk, signup.starts_at) for signup in signups]).update(
        status=MessageStatus.SKIPPED, reason=SUPERSEDED
    )
    _insert(rows)
    return reminded, len(rows)


def _insert(rows: list[tuple]) -> None:
    """Write the rows in one statement run for all of them, a row on the outbox's unique key left out.

    Not ``bulk_create``: preparing 200,000 model instances field by field costs more than the
    rest of the job, and SQLite's 999-parameter limit would split the batch into dozens of
    statements. ON CONFLICT DO NOTHING (PostgreSQL and SQLite) is the unique constraint's
    answer to a second job, as ``ignore_conflicts`` would give it.
    """
    if not rows:
        return
    table = connection.ops.quote_name(Message._meta.db_table)
    column_of = {field.attname: field.column for field in Message._meta.concrete_fields}
    columns = ", ".join(connection.ops.quote_name(column_of[name]) for name in COLUMNS)
    values = ", ".join(["%s"] * len(COLUMNS))
    # Names from the model's meta, values as parameters: nothing from outside reaches the SQL text.
    sql = f"INSERT INTO {table} ({columns}) VALUES ({values}) ON CONFLICT DO NOTHING"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def send_reminders(*, now: datetime.datetime, batch_size: int = BATCH_SIZE, dry_run: bool = False) -> dict[str, int]:
    """Queue the reminders due at ``now``; return the sign-ups reminded, the rows queued and the batches.

    Memory and queries per batch stay the same however many sign-ups are due. With
    ``dry_run``, count the sign-ups due and change nothing.
    """
    if dry_run:
        return {"signups": due(now).count(), "messages": 0, "batches": 0}
    totals = {"signups": 0, "messages": 0, "batches": 0}
    after = 0
    while ids := _page(now, after, batch_size):
        after = ids[-1]
        with transaction.atomic():
            batch, existing = _claim(now, ids)
            reminded, queued = notify_many(batch, existing, now=now) if batch else (0, 0)
        totals["batches"] += 1
        totals["signups"] += reminded
        totals["messages"] += queued
    _withdraw_stale()
    JobRun.objects.update_or_create(name=JOB, defaults={"finished_at": now})
    if totals["messages"]:
        delivery.deliver_soon()
    return totals


def _withdraw_stale() -> int:
    """Skip the reminders still waiting (for the morning, a retry) whose sign-up is no longer a confirmed
    place at a published event: "please come" must not reach someone who gave the place back."""
    holding = Signup.objects.filter(
        pk=OuterRef("about_id"), status=SignupStatus.CONFIRMED, event__status=EventStatus.PUBLISHED
    )
    return (
        Message.objects.filter(kind=KIND, status=MessageStatus.PENDING)
        .exclude(Exists(holding))
        .update(status=MessageStatus.SKIPPED, reason=WITHDRAWN)
    )
