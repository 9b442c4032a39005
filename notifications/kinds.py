"""Every kind of message the platform sends, with who receives it and on which channels by default.

Each kind is a template under ``templates/notifications/messages/<code>.txt`` (first line the
title, the rest the body). No kind is marketing: the platform sends notices about a person's
own sign-ups, hours, certificates and orders, and digests they chose, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    INBOX = "inbox", _("In-app inbox")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("Email")


class Audience(models.TextChoices):
    VOLUNTEER = "volunteer", _("Volunteers")
    RESIDENT = "resident", _("Residents")
    MANAGER = "manager", _("Managers")


@dataclass(frozen=True)
class Kind:
    code: str
    label: str | Promise
    audience: str
    # Channels a person receives it on until they choose otherwise. The inbox is the channel
    # everyone has; SMS costs the unit money and WeChat needs a consent per message, so they
    # are on by default only where a missed message costs someone a place or a wasted trip.
    default_channels: tuple[str, ...] = (Channel.INBOX,)
    # Urgent kinds pass quiet hours and the daily caps: an event cancelled within 24 hours.
    urgent: bool = False
    # Opt-in kinds (digests of new events) are off until the person turns them on.
    opt_in: bool = False


_INBOX_WECHAT_SMS = (Channel.INBOX, Channel.WECHAT, Channel.SMS)

KINDS: dict[str, Kind] = {
    kind.code: kind
    for kind in [
        Kind("signup_confirmed", _("Sign-up confirmed"), Audience.VOLUNTEER),
        Kind("signup_waitlisted", _("Put on the waitlist"), Audience.VOLUNTEER),
        Kind("promoted", _("Promoted from the waitlist"), Audience.VOLUNTEER, _INBOX_WECHAT_SMS),
        Kind("event_changed", _("Event changed"), Audience.VOLUNTEER, (Channel.INBOX, Channel.WECHAT)),
        Kind("event_cancelled", _("Event cancelled"), Audience.VOLUNTEER, _INBOX_WECHAT_SMS),
        # The same notice when the cancellation comes within 24 hours of the start: it passes quiet hours.
        Kind(
            "event_cancelled_urgent", _("Event cancelled at short notice"), Audience.VOLUNTEER, _INBOX_WECHAT_SMS, True
        ),
        Kind("reminder", _("Reminder before an event"), Audience.VOLUNTEER, (Channel.INBOX, Channel.WECHAT)),
        Kind("hours_approved", _("Hours approved"), Audience.VOLUNTEER),
        Kind("hours_rejected", _("Hours rejected"), Audience.VOLUNTEER),
        Kind("certificate_issued", _("Certificate issued"), Audience.VOLUNTEER),
        Kind("certificate_request_answered", _("Certificate request answered"), Audience.VOLUNTEER),
        Kind("points_expiring", _("Points about to expire"), Audience.VOLUNTEER),
        Kind(
            "new_events_digest", _("New events of my station and teams (daily digest)"), Audience.VOLUNTEER, opt_in=True
        ),
        Kind("order_update", _("My service order moved on"), Audience.RESIDENT),
        Kind("order_rating_request", _("Rate the service I received"), Audience.RESIDENT),
        Kind("manager_digest", _("What waits for me (daily digest)"), Audience.MANAGER),
        # Venue bookings (notifications/venue_receivers.py).
        Kind("venue_booking_requested", _("A venue booking waits for my approval"), Audience.MANAGER),
        Kind("venue_booking_answered", _("My venue booking approved, refused or cancelled"), Audience.RESIDENT),
    ]
}


def kind(code: str) -> Kind:
    from notifications.errors import NotificationError

    try:
        return KINDS[code]
    except KeyError:
        raise NotificationError("unknown_kind") from None
