"""Sending what the outbox holds: claim due rows, hand each to its channel's backend, record the outcome.

Exactly once: a round claims its rows in one short transaction (PostgreSQL: ``FOR UPDATE SKIP
LOCKED``, so a second delivery running at the same moment takes other rows; SQLite: the
IMMEDIATE transaction lets one writer in at a time) and marks them 'sending' before any is
sent. A row left in 'sending' by a crash is due again after NOTIFY_SENDING_STALE_SECONDS: the
one case where a message may go out twice, preferred to never sending it.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from events.models import Event, Signup, SignupStatus
from notifications.backends import backend_for
from notifications.backends.base import DeliveryError, Skip
from notifications.models import Message, MessageStatus, Preference
from notifications.services import quiet_until

logger = logging.getLogger(__name__)

# The notices about a sign-up that no longer hold once it is given back.
SIGNUP_KINDS = frozenset({"signup_confirmed", "signup_waitlisted", "promoted"})


def deliver_soon() -> None:
    """After a commit that queued messages: hand delivery to the task worker, never to the request.

    A queue that cannot take the task (the broker is down) must not fail the request that
    already committed: the periodic ``deliver_notifications`` sends the rows instead.
    """
    from notifications.tasks import deliver_notifications

    try:
        deliver_notifications.enqueue()
    except Exception:
        logger.exception("delivery task not queued; the periodic delivery will send the messages")


def _due_ids(now: datetime.datetime, limit: int) -> list[int]:
    """Lock and return the ids of up to ``limit`` due rows that no other delivery holds."""
    stale = now - datetime.timedelta(seconds=settings.NOTIFY_SENDING_STALE_SECONDS)
    due = (
        Message.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(
            Q(status=MessageStatus.PENDING, not_before__lte=now, next_attempt_at__lte=now)
            | Q(status=MessageStatus.SENDING, claimed_at__lt=stale)
        )
        .order_by("next_attempt_at", "id")
    )
    return list(due.values_list("pk", flat=True)[:limit])


def _claim(now: datetime.datetime, limit: int) -> tuple[datetime.datetime, list[Message]]:
    """Claim up to ``limit`` rows due at ``now``; return when they were claimed, and the rows.

    The claim is stamped with the time it happens, not the run's ``now``: rows claimed late in a
    long run must not look stale to another delivery already.
    """
    claimed_at = max(now, timezone.now())
    with transaction.atomic():
        ids = _due_ids(now, limit)
        # The attempt counts when claimed: a message that crashes its sender every time still gives up.
        Message.objects.filter(pk__in=ids).update(
            status=MessageStatus.SENDING, claimed_at=claimed_at, attempts=F("attempts") + 1
        )
    rows = Message.objects.filter(pk__in=ids).select_related("recipient").order_by("next_attempt_at", "id")
    return claimed_at, list(rows)


def deliver_due(*, now: datetime.datetime | None = None, batch: int | None = None) -> dict[str, int]:
    """Send every message due at ``now``, a batch at a time; return how many ended in each status.

    'deferred' counts the rows put back to wait (quiet hours, a retry later).
    """
    now = now or timezone.now()
    batch = batch or settings.NOTIFY_BATCH_SIZE
    counts: dict[str, int] = {}
    while True:
        claimed_at, rows = _claim(now, batch)
        if not rows:
            return counts
        refused = _refused(rows)
        withdrawn = _withdrawn(rows)
        for message in rows:
            # Renew the claim just before sending, and only while still ours: a batch of slow sends may
            # outlast NOTIFY_SENDING_STALE_SECONDS, and a row another delivery took over as stale meanwhile
            # is theirs to send and record (sending it here too would send it twice).
            renewed = max(claimed_at, timezone.now())
            mine = Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING, claimed_at=claimed_at)
            if not mine.update(claimed_at=renewed):
                continue
            if message.pk in refused:
                outcome, fields = _skipped("opted out")
            elif message.pk in withdrawn:
                outcome, fields = _skipped("sign-up given back")
            elif message.attempts > len(settings.NOTIFY_RETRY_MINUTES) + 1:
                # Only a row reclaimed as stale gets here: its sender stopped (crashed) each time it was sent.
                outcome, fields = (
                    MessageStatus.FAILED,
                    {
                        "status": MessageStatus.FAILED,
                        "reason": f"gave up: the sender stopped during {message.attempts - 1} attempts",
                        "sent_at": None,
                    },
                )
            else:
                outcome, fields = _outcome(message, now)
            Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING, claimed_at=renewed).update(**fields)
            counts[outcome] = counts.get(outcome, 0) + 1


def _withdrawn(rows: list[Message]) -> set[int]:
    """The notices of a sign-up (confirmed, waitlisted, promoted) that was given back while they waited (one query):
    "you have a place" must not reach someone who gave it back at night."""
    about_signup = [row for row in rows if row.kind in SIGNUP_KINDS and row.about_id is not None]
    if not about_signup:
        return _changes_no_longer_theirs(rows)
    signup_type = ContentType.objects.get_for_model(Signup)
    ids = {row.about_id for row in about_signup if row.about_type_id == signup_type.pk}
    given_back = set(Signup.objects.filter(pk__in=ids, status=SignupStatus.CANCELLED).values_list("pk", flat=True))
    withdrawn = {row.pk for row in about_signup if row.about_type_id == signup_type.pk and row.about_id in given_back}
    return withdrawn | _changes_no_longer_theirs(rows)


def _changes_no_longer_theirs(rows: list[Message]) -> set[int]:
    """The notices of an event's change whose recipient has given their place back since (one query)."""
    changed = [row for row in rows if row.kind == "event_changed" and row.about_id is not None]
    if not changed:
        return set()
    event_type = ContentType.objects.get_for_model(Event)
    changed = [row for row in changed if row.about_type_id == event_type.pk]
    holding = set(
        Signup.objects.filter(
            event_id__in={row.about_id for row in changed},
            volunteer__user_id__in={row.recipient_id for row in changed},
            status__in=(SignupStatus.CONFIRMED, SignupStatus.WAITLISTED),
        ).values_list("event_id", "volunteer__user_id")
    )
    return {row.pk for row in changed if (row.about_id, row.recipient_id) not in holding}


def _refused(rows: list[Message]) -> set[int]:
    """The rows whose recipient has turned their kind off on their channel since they were queued (one query)."""
    off: dict[int, set[tuple[str, str]]] = defaultdict(set)
    choices = Preference.objects.filter(
        user_id__in={row.recipient_id for row in rows}, kind__in={row.kind for row in rows}, enabled=False
    )
    for user_id, kind_code, channel in choices.values_list("user_id", "kind", "channel"):
        off[user_id].add((kind_code, channel))
    return {row.pk for row in rows if (row.kind, row.channel) in off[row.recipient_id]}


def _outcome(message: Message, now: datetime.datetime) -> tuple[str, dict]:
    """What became of ``message``: the name counted and the fields to save."""
    if message.expires_at is not None and now >= message.expires_at:
        return _skipped("expired")
    if not message.recipient.is_active:
        return _skipped("recipient inactive")
    if not message.urgent:
        quiet_end = quiet_until(now)
        if quiet_end is not None:
            # Not an attempt: the message simply waits for the morning.
            return "deferred", {
                "status": MessageStatus.PENDING,
                "attempts": message.attempts - 1,
                "next_attempt_at": quiet_end,
            }
        if not _reserve_within_cap(message, now):
            return _skipped("daily cap")
    try:
        provider_id = backend_for(message.channel).send(message)
    except Skip as skip:
        return _skipped(skip.reason)
    except DeliveryError as error:
        return _failed(message, error, now)
    except Exception as error:
        # A bug or an unexpected answer in a backend must not leave the row in 'sending' until it is stale.
        logger.exception("backend %s raised on message %s", message.channel, message.pk)
        return _failed(message, DeliveryError(f"{type(error).__name__}: {error}"), now)
    return MessageStatus.SENT, {
        "status": MessageStatus.SENT,
        "sent_at": now,
        "reason": "",
        "provider_id": (provider_id or "")[:100],
    }


def _skipped(reason: str) -> tuple[str, dict]:
    return MessageStatus.SKIPPED, {"status": MessageStatus.SKIPPED, "reason": reason[:300], "sent_at": None}


def _failed(message: Message, error: DeliveryError, now: datetime.datetime) -> tuple[str, dict]:
    logger.warning("message %s on %s not sent: %s", message.pk, message.channel, error.reason)
    delays = settings.NOTIFY_RETRY_MINUTES
    if error.permanent or message.attempts > len(delays):
        return MessageStatus.FAILED, {"status": MessageStatus.FAILED, "reason": error.reason, "sent_at": None}
    # At least a minute: a retry due at once would be claimed again by this very run, without end.
    retry_at = now + datetime.timedelta(minutes=max(delays[message.attempts - 1], 1))
    if not message.urgent:
        retry_at = quiet_until(retry_at) or retry_at
    return "deferred", {
        "status": MessageStatus.PENDING,
        "reason": error.reason,
        "next_attempt_at": retry_at,
        "sent_at": None,
    }


def _reserve_within_cap(message: Message, now: datetime.datetime) -> bool:
    """Take one of the recipient's messages of the day on this channel for ``message``, if any is left.

    The reservation is the message's ``sent_at``, set while it is still 'sending' (and cleared if the
    send does not happen), so two deliveries sending to the same person at once cannot both take the
    last one: the person's row is locked while counting.
    """
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    with transaction.atomic():
        if _used_today(message, midnight) >= settings.NOTIFY_DAILY_CAP:
            return False
        Message.objects.filter(pk=message.pk).update(sent_at=now)
    return True


def _used_today(message: Message, midnight: datetime.datetime) -> int:
    """Lock the recipient (FOR NO KEY UPDATE: new rows referring to them still go in) and count the
    messages they got or are being sent on this channel since local midnight (urgent ones count too)."""
    get_user_model().objects.select_for_update(no_key=True).filter(pk=message.recipient_id).values_list("pk").first()
    return (
        Message.objects.filter(
            recipient_id=message.recipient_id,
            channel=message.channel,
            status__in=[MessageStatus.SENT, MessageStatus.SENDING],
            sent_at__gte=midnight,
        )
        .exclude(pk=message.pk)
        .count()
    )


def retry_now(messages, *, now: datetime.datetime | None = None) -> int:
    """Make failed or pending ``messages`` due at once (the admin's action); return how many.

    A failed row starts its attempts again; quiet hours and expiry still hold when it is sent.
    """
    now = now or timezone.now()
    count = messages.filter(status__in=[MessageStatus.FAILED, MessageStatus.PENDING]).update(
        status=MessageStatus.PENDING, next_attempt_at=now, not_before=now, attempts=0
    )
    if count:
        transaction.on_commit(deliver_soon)
    return count
