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

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from events.models import EventStatus, Signup, SignupStatus
from notifications import delivery
from notifications.kinds import Channel, kind
from notifications.models import JobRun, Message, MessageStatus, Preference
from notifications.services import channels_from, quiet_until, render

KIND = "reminder"
JOB = "send_reminders"
BATCH_SIZE = 1000
# Rows per INSERT: 1,000 rows of the outbox's columns stay under PostgreSQL's 65,535 parameters.
INSERT_SIZE = 1000
QUIET_UNTIL_START = "quiet hours last until the event starts"
SUPERSEDED = "superseded: the event moved"


def reminder_key(signup: Signup) -> str:
    """The occasion: this sign-up at its event's start (local time), so a moved event is a new occasion."""
    return f"reminder:{signup.pk}:{timezone.localtime(signup.event.starts_at):%Y%m%dT%H%M}"


def due(now: datetime.datetime) -> models.QuerySet[Signup]:
    """Confirmed sign-ups of published events starting in (now, now + lead] without a reminder for that start.

    A reminder's ``expires_at`` is the start it was queued for, so a moved event's sign-ups are due again.
    """
    lead = datetime.timedelta(hours=settings.NOTIFY_REMINDER_LEAD_HOURS)
    reminded = Message.objects.filter(
        recipient=OuterRef("volunteer__user"),
        kind=KIND,
        about_type=ContentType.objects.get_for_model(Signup),
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


def _claim(now: datetime.datetime, after: int, size: int) -> tuple[list[Signup], set[tuple[int, str, str]]]:
    """Lock the next batch of due sign-ups after id ``after``; return them and the reminders they already have.

    Locked rows are another job's batch: skipped, not waited for. A sign-up whose lock came free
    just as it was read may have been reminded by that job after this statement's snapshot: the
    second read (a new snapshot) finds its rows, so the batch queues and counts only what is missing.
    """
    batch = list(
        due(now)
        .filter(pk__gt=after)
        .select_related("event", "volunteer__user")
        .select_for_update(skip_locked=True, no_key=True, of=("self",))
        .order_by("pk")[:size]
    )
    if not batch:
        return [], set()
    existing = Message.objects.filter(
        recipient_id__in={signup.volunteer.user_id for signup in batch},
        key__in=[reminder_key(signup) for signup in batch],
    )
    return batch, set(existing.values_list("recipient_id", "channel", "key"))


def notify_many(
    signups: list[Signup], existing: set[tuple[int, str, str]], *, now: datetime.datetime
) -> tuple[int, int]:
    """Queue a reminder for each sign-up on the channels its volunteer receives reminders on.

    ``services.notify`` for a batch: the volunteers' choices in one query, the rows in bulk. A
    channel other than the inbox waits for the end of quiet hours; where that end is not before
    the start, the row is recorded as skipped with the reason (never sent late, nor at night).
    Returns how many sign-ups were reminded and how many rows that made.
    """
    spec = kind(KIND)
    chosen: dict[int, dict[str, bool]] = defaultdict(dict)
    preferences = Preference.objects.filter(user_id__in={signup.volunteer.user_id for signup in signups}, kind=KIND)
    for user_id, channel, enabled in preferences.values_list("user_id", "channel", "enabled"):
        chosen[user_id][channel] = enabled
    quiet = None if spec.urgent else quiet_until(now)
    about_type = ContentType.objects.get_for_model(Signup)
    rows: list[Message] = []
    reminded = 0
    for signup in signups:
        user, event, key = signup.volunteer.user, signup.event, reminder_key(signup)
        channels = [
            channel for channel in channels_from(KIND, chosen[user.pk]) if (user.pk, channel, key) not in existing
        ]
        if not channels:
            continue
        reminded += 1
        link = reverse("signup-confirm-page", args=[signup.pk])
        context = {"recipient": user, "event": event, "signup": signup, "url": settings.SITE_URL + link}
        title, body = render(KIND, context)
        start = timezone.localtime(event.starts_at)
        params = {"title": event.title, "time": f"{start:%Y-%m-%d %H:%M}", "place": event.address}
        for channel in channels:
            inbox = channel == Channel.INBOX
            not_before = now if inbox else (quiet or now)
            late = not inbox and not_before >= event.starts_at
            rows.append(
                Message(
                    recipient=user,
                    channel=channel,
                    kind=KIND,
                    key=key,
                    about_type=about_type,
                    about_id=signup.pk,
                    title=title,
                    body=body,
                    link=link,
                    params=params,
                    urgent=spec.urgent,
                    status=MessageStatus.SENT if inbox else MessageStatus.SKIPPED if late else MessageStatus.PENDING,
                    reason=QUIET_UNTIL_START if late else "",
                    sent_at=now if inbox else None,
                    not_before=not_before,
                    next_attempt_at=not_before,
                    expires_at=event.starts_at,
                )
            )
    # A reminder still waiting for a start the event no longer has would tell the wrong time.
    Message.objects.filter(
        kind=KIND, about_type=about_type, about_id__in=[signup.pk for signup in signups], status=MessageStatus.PENDING
    ).exclude(key__in=[reminder_key(signup) for signup in signups]).update(
        status=MessageStatus.SKIPPED, reason=SUPERSEDED
    )
    # ignore_conflicts: the outbox's unique constraint is the last word, should two jobs ever meet here.
    Message.objects.bulk_create(rows, ignore_conflicts=True, batch_size=INSERT_SIZE)
    return reminded, len(rows)


def send_reminders(*, now: datetime.datetime, batch_size: int = BATCH_SIZE, dry_run: bool = False) -> dict[str, int]:
    """Queue the reminders due at ``now``; return the sign-ups reminded, the rows queued and the batches.

    Memory and queries per batch stay the same however many sign-ups are due. With
    ``dry_run``, count the sign-ups due and change nothing.
    """
    if dry_run:
        return {"signups": due(now).count(), "messages": 0, "batches": 0}
    totals = {"signups": 0, "messages": 0, "batches": 0}
    after = 0
    while True:
        with transaction.atomic():
            batch, existing = _claim(now, after, batch_size)
            if not batch:
                break
            reminded, queued = notify_many(batch, existing, now=now)
        after = batch[-1].pk
        totals["batches"] += 1
        totals["signups"] += reminded
        totals["messages"] += queued
    JobRun.objects.update_or_create(name=JOB, defaults={"finished_at": now})
    if totals["messages"]:
        delivery.deliver_soon()
    return totals
