"""The in-app inbox: what a person reads on the pages and in the mini program, and marks as read."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.models import AnyUser
from notifications.models import Message, MessageQuerySet


def inbox_of(user: AnyUser) -> MessageQuerySet:
    """The person's inbox, newest first; nobody else's messages are ever in it."""
    if not user.is_authenticated:
        return Message.objects.none()
    return Message.objects.inbox_of(user).order_by("-sent_at", "-id")


def mark_read(message: Message, *, at: datetime.datetime | None = None) -> Message:
    """Mark one message read; reading it again keeps the first time."""
    if message.read_at is None:
        message.read_at = at or timezone.now()
        message.save(update_fields=["read_at"])
    return message


def mark_all_read(user: AnyUser, *, at: datetime.datetime | None = None) -> int:
    """Mark every unread message of the person's inbox read; returns how many were unread."""
    return inbox_of(user).unread().update(read_at=at or timezone.now())


def safe_link(link: str) -> str:
    """The message's link if it stays on this site (a path), else nothing: never sends a reader elsewhere."""
    if link.startswith("/") and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return link
    return ""
