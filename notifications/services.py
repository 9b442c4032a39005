"""Queueing messages: the one way any part of the platform tells a person something.

``notify`` writes the outbox rows inside the caller's transaction (so a notice exists if and
only if what it tells of was saved) and asks for delivery once that transaction commits.
Delivery itself (backends, retries, caps) is ``notifications.delivery``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation

from notifications.kinds import Channel, kind
from notifications.models import Message, MessageStatus, Preference


def channels_for(user, kind_code: str) -> list[str]:
    """The channels ``user`` receives ``kind_code`` on: their choices, else the kind's defaults."""
    chosen = dict(Preference.objects.filter(user=user, kind=kind_code).values_list("channel", "enabled"))
    return channels_from(kind_code, chosen)


def channels_from(kind_code: str, chosen: dict[str, bool]) -> list[str]:
    """The channels of ``kind_code`` given a person's choices ``{channel: enabled}`` for it."""
    spec = kind(kind_code)
    defaults = () if spec.opt_in else spec.default_channels
    return [channel for channel in Channel.values if chosen.get(channel, channel in defaults)]


def quiet_until(at: datetime.datetime) -> datetime.datetime | None:
    """The end of the quiet hours ``at`` falls in (local time), or None outside them."""
    local = timezone.localtime(at)
    start, end = settings.NOTIFY_QUIET_START_HOUR, settings.NOTIFY_QUIET_END_HOUR
    hour = local.hour
    quiet = (start <= hour or hour < end) if start > end else (start <= hour < end)
    if not quiet:
        return None
    day = local.date() if hour < end else local.date() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(end)), local.tzinfo)


def template_source(kind_code: str) -> str:
    """The text of a kind's template (to tell whether it names its recipient)."""
    return get_template(f"notifications/messages/{kind_code}.txt").template.source


def render(kind_code: str, context: dict) -> tuple[str, str]:
    """Title and text of a message: the first line of its template and the rest, in Chinese."""
    with translation.override(settings.LANGUAGE_CODE):
        text = render_to_string(f"notifications/messages/{kind_code}.txt", context).strip()
    title, _, body = text.partition("\n")
    return title.strip()[:100], body.strip()[:2000]


def notify(
    recipient,
    kind_code: str,
    *,
    key: str,
    context: dict | None = None,
    about: models.Model | None = None,
    link: str = "",
    params: dict[str, str] | None = None,
    expires_at: datetime.datetime | None = None,
    at: datetime.datetime | None = None,
    channels: Iterable[str] | None = None,
    urgent: bool | None = None,
) -> list[Message]:
    """Queue ``kind_code`` for ``recipient`` on each channel they receive it on; return the new rows.

    ``key`` names the occasion: a second call with the same recipient and key queues nothing
    on a channel that already has it, whoever calls and however often (the outbox's unique
    constraint decides, also between concurrent jobs). ``channels`` narrows the person's
    channels (never widens them). Inbox messages are visible at once; the others wait for
    the end of quiet hours unless the kind is urgent (``urgent`` overrides the kind's for one
    occasion: a deadline that falls inside the quiet hours). Must run inside the caller's transaction.
    """
    spec = kind(kind_code)
    now = at or timezone.now()
    wanted = channels_for(recipient, kind_code)
    if channels is not None:
        wanted = [channel for channel in wanted if channel in set(channels)]
    if not wanted or not getattr(recipient, "is_active", True):
        return []
    title, body = render(kind_code, {"recipient": recipient, **(context or {})})
    about_type = ContentType.objects.get_for_model(about) if about is not None else None
    urgent = spec.urgent if urgent is None else urgent
    quiet = None if urgent else quiet_until(now)
    rows = [
        Message(
            recipient=recipient,
            channel=channel,
            kind=kind_code,
            key=key[:200],
            about_type=about_type,
            about_id=about.pk if about is not None else None,
            title=title,
            body=body,
            link=link[:300],
            params=params or {},
            urgent=urgent,
            status=MessageStatus.SENT if channel == Channel.INBOX else MessageStatus.PENDING,
            sent_at=now if channel == Channel.INBOX else None,
            not_before=now if channel == Channel.INBOX else (quiet or now),
            next_attempt_at=now if channel == Channel.INBOX else (quiet or now),
            expires_at=expires_at,
        )
        for channel in wanted
    ]
    existing = set(
        Message.objects.filter(recipient=recipient, key=key[:200], channel__in=wanted).values_list("channel", flat=True)
    )
    rows = [row for row in rows if row.channel not in existing]
    if not rows:
        return []
    # ignore_conflicts: a concurrent job that queued the same occasion first wins, silently.
    Message.objects.bulk_create(rows, ignore_conflicts=True)
    if any(row.channel != Channel.INBOX for row in rows):
        transaction.on_commit(_deliver_soon)
    return rows


def _deliver_soon() -> None:
    from notifications import delivery

    delivery.deliver_soon()
