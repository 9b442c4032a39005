"""Sending what the outbox holds: claim due rows, hand each to its channel's backend, record the outcome."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from notifications.backends import backend_for
from notifications.backends.base import DeliveryError, Skip
from notifications.models import Message, MessageStatus


def deliver_soon() -> None:
    """After a commit that queued messages: send them now (a failure waits for the periodic run)."""
    deliver_due()


def _claim(now: datetime.datetime, limit: int) -> list[Message]:
    with transaction.atomic():
        due = (
            Message.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=MessageStatus.PENDING, not_before__lte=now, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")[:limit]
        )
        rows = list(due.select_related("recipient"))
        Message.objects.filter(pk__in=[row.pk for row in rows]).update(status=MessageStatus.SENDING, claimed_at=now)
    return rows


def deliver_due(*, now: datetime.datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Send every due message once; return how many ended in each status."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    for message in _claim(now, limit):
        status, fields = _send(message, now)
        Message.objects.filter(pk=message.pk).update(status=status, **fields)
        counts[status] = counts.get(status, 0) + 1
    return counts


def _send(message: Message, now: datetime.datetime) -> tuple[str, dict]:
    attempts = message.attempts + 1
    if message.expires_at is not None and now >= message.expires_at:
        return MessageStatus.SKIPPED, {"reason": "expired", "attempts": message.attempts}
    try:
        provider_id = backend_for(message.channel).send(message)
    except Skip as skip:
        return MessageStatus.SKIPPED, {"reason": skip.reason, "attempts": attempts}
    except DeliveryError as error:
        return MessageStatus.FAILED, {"reason": error.reason, "attempts": attempts}
    return MessageStatus.SENT, {"sent_at": now, "attempts": attempts, "provider_id": provider_id or ""}
