from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from notifications.models import Message


class DeliveryError(Exception):
    """A send that did not happen: ``reason`` is shown in the admin as the provider gave it.

    ``permanent`` errors (a refused consent, an invalid number) are not retried; the others
    (timeouts, the provider's rate limit, a 5xx) are, with back-off.
    """

    def __init__(self, reason: str, *, permanent: bool = False):
        super().__init__(reason)
        self.reason = reason[:300]
        self.permanent = permanent


class Skip(Exception):
    """The message must not be sent on this channel (no consent, no address): kept as skipped with why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason[:300]


class BaseBackend:
    def send(self, message: Message) -> str:
        """Send ``message``; return the provider's id for it ('' if none). Raise DeliveryError or Skip."""
        raise NotImplementedError
