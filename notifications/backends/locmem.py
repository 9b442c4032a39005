"""For tests: messages are kept in ``outbox`` (as django.core.mail.outbox keeps emails)."""

from __future__ import annotations

from notifications.backends.base import BaseBackend

outbox: list = []


class LocmemBackend(BaseBackend):
    def send(self, message) -> str:
        outbox.append(message)
        return f"locmem-{len(outbox)}"
