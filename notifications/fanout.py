"""Queueing one kind of message for many people at once, in a constant number of queries.

``services.notify`` costs a few queries per person; a cancelled event with its waitlist,
a bulk job of 2,000 certificates or a daily digest tells hundreds at once, so their
choices and their earlier messages are read in a few queries and the rows written together.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from notifications.kinds import Channel, kind
from notifications.models import Message, MessageStatus, Preference
from notifications.services import channels_from, quiet_until, render, template_source

# Rows per query: well below SQLite's limit of bound variables, also for several columns.
BATCH = 500


@dataclass
class Notice:
    recipient: models.Model
    key: str
    context: dict = field(default_factory=dict)
    about: models.Model | None = None
    link: str = ""
    params: dict[str, str] = field(default_factory=dict)


def _batches(items: list, size: int = BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def notify_many(
    kind_code: str, notices: Iterable[Notice], *, at: datetime.datetime | None = None, urgent: bool | None = None
) -> int:
    """Queue ``kind_code`` for each notice on its recipient's channels; return how many rows were new.

    The same rules as ``services.notify`` (choices, defaults, quiet hours, one row per
    recipient, channel and key) for many recipients at once. Must run inside the caller's transaction.
    """
    spec = kind(kind_code)
    now = at or timezone.now()
    notices = [notice for notice in notices if getattr(notice.recipient, "is_active", True)]
    if not notices:
        return 0
    user_ids = sorted({notice.recipient.pk for notice in notices})
    chosen: dict[int, dict[str, bool]] = defaultdict(dict)
    existing: set[tuple[int, str, str]] = set()
    keys = {notice.key[:200] for notice in notices}
    for ids in _batches(user_ids):
        choices = Preference.objects.filter(user_id__in=ids, kind=kind_code)
        for user_id, channel, enabled in choices.values_list("user_id", "channel", "enabled"):
            chosen[user_id][channel] = enabled
        sent = Message.objects.filter(recipient_id__in=ids, key__in=keys)
        existing.update(sent.values_list("recipient_id", "channel", "key"))
    urgent = spec.urgent if urgent is None else urgent
    quiet = None if urgent else quiet_until(now)
    later = quiet or now
    rows = []
    personal = "recipient" in template_source(kind_code)
    texts: dict[int, tuple[str, str]] = {}
    for notice in notices:
        key = notice.key[:200]
        wanted = [
            channel
            for channel in channels_from(kind_code, chosen[notice.recipient.pk])
            if (notice.recipient.pk, channel, key) not in existing
        ]
        if not wanted:
            continue
        # Notices sharing one context (everyone told of an event's change) share its text, rendered once,
        # unless the template names its recipient: 5,000 sign-ups must not cost 5,000 renderings.
        shared = None if personal else id(notice.context)
        if shared is None or shared not in texts:
            rendered = render(kind_code, {"recipient": notice.recipient, **notice.context})
            if shared is None:
                title, body = rendered
            else:
                texts[shared] = rendered
        if shared is not None:
            title, body = texts[shared]
        about_type = ContentType.objects.get_for_model(notice.about) if notice.about is not None else None
        for channel in wanted:
            inbox = channel == Channel.INBOX
            rows.append(
                Message(
                    recipient=notice.recipient,
                    channel=channel,
                    kind=kind_code,
                    key=key,
                    about_type=about_type,
                    about_id=notice.about.pk if notice.about is not None else None,
                    title=title,
                    body=body,
                    link=notice.link[:300],
                    params=notice.params,
                    urgent=urgent,
                    status=MessageStatus.SENT if inbox else MessageStatus.PENDING,
                    sent_at=now if inbox else None,
                    not_before=now if inbox else later,
                    next_attempt_at=now if inbox else later,
                )
            )
            existing.add((notice.recipient.pk, channel, key))
    if not rows:
        return 0
    # ignore_conflicts: a concurrent job that queued the same occasion first wins, silently.
    Message.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BATCH)
    if any(row.channel != Channel.INBOX for row in rows):
        transaction.on_commit(_deliver_soon)
    return len(rows)


def _deliver_soon() -> None:
    from notifications import delivery

    delivery.deliver_soon()
