"""Senders, one per channel, chosen by settings (``NOTIFY_BACKENDS``) as ``django.core.mail`` chooses its backend."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from notifications.backends.base import BaseBackend


@cache
def backend_for(channel: str) -> BaseBackend:
    path = settings.NOTIFY_BACKENDS[channel]
    return import_string(path)()


def reset() -> None:
    """Forget the backends built so far (tests that change ``NOTIFY_BACKENDS``)."""
    backend_for.cache_clear()
