"""Scanner devices and what they fetch: registration, revocation, the device header, the offline
pack, and a second person's decision on an offline scan the merge refused.

A device proves itself with the header ``X-Scanner-Device: <id>.<secret>``. The secret is shown
once, at registration; only its SHA-256 is stored, so a copy of the database cannot act as a
device. A revoked device is answered "wipe" on every contact, and each refused contact is counted
on it for its managers to see.

The merge itself (scans into attendance) is ``events.offline_merge``'s; it is imported where it
is called, so this module can be read and tested without it.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import re
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from accounts.models import User
from events import offline_codes
from events.models import (
    Event,
    OfflineResolution,
    OfflineScan,
    OfflineScanOutcome,
    ScannerDevice,
    ServiceRecord,
    Signup,
    SignupStatus,
    VolunteerCard,
)
from stations.models import PracticeUnit
from stations.scoping import is_under, manages
from volunteers.models import Volunteer
from volunteers.names import mask_name

HEADER_PATTERN = re.compile(r"^(\d{1,12})\.([A-Za-z0-9_-]{20,100})$")
PACK_VERSION = 1
# Compared against when the id names no device, so an unknown id costs the same time as a wrong secret.
_NO_DEVICE_HASH = "0" * 64


class OfflineScanError(DomainError):
    messages = {
        "device_missing": _("This phone is not registered as a scanner: register it on the scan page first."),
        "device_unknown": _("This scanner is not registered or its key is wrong: register the phone again."),
        "device_revoked": _(
            "A manager has revoked this scanner: the data stored on it is erased and its scans are not accepted."
        ),
        "unit_not_managed": _("You do not manage this unit."),
        "outside_device_unit": _("This event is not organised by the scanner's unit or a unit below it."),
        "not_a_conflict": _("Only refused offline scans wait for a review."),
        "already_resolved": _("This scan has already been reviewed."),
        "self_review": _("Nobody reviews a scan they made or that concerns them: another manager must review it."),
        "no_volunteer": _("The code of this scan could not be read, so there is nobody to credit: dismiss it."),
        "unsigned_code": _(
            "This code's signature is not genuine: it proves nothing about the volunteer it names. Dismiss it."
        ),
    }
    status_codes = {
        "device_missing": 403,
        "device_unknown": 403,
        "device_revoked": 410,
        "unit_not_managed": 403,
        "outside_device_unit": 404,
        "not_a_conflict": 409,
        "already_resolved": 409,
        "self_review": 403,
        "no_volunteer": 409,
        "unsigned_code": 409,
    }


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# Devices ----------------------------------------------------------------------------


def register_device(unit: PracticeUnit, name: str, *, by: User) -> tuple[ScannerDevice, str]:
    """Register a phone to scan offline for ``unit`` and the units below it.

    Returns the device and its secret, which is shown this once and never stored.
    Raises OfflineScanError("unit_not_managed").
    """
    if not manages(by, unit):
        raise OfflineScanError("unit_not_managed")
    secret = secrets.token_urlsafe(32)
    device = ScannerDevice.objects.create(unit=unit, name=name, secret_hash=hash_secret(secret), registered_by=by)
    return device, secret


def revoke_device(device: ScannerDevice, *, by: User, at: datetime.datetime) -> ScannerDevice:
    """Revoke a device: from its next contact it is told to wipe its data and its uploads are refused.

    Revoking again changes nothing (the first revocation's time and person stay).
    Raises OfflineScanError("unit_not_managed") for someone who does not manage the device's unit.
    """
    if not manages(by, device.unit):
        raise OfflineScanError("unit_not_managed")
    ScannerDevice.objects.filter(pk=device.pk, revoked_at__isnull=True).update(revoked_at=at, revoked_by=by)
    device.refresh_from_db(fields=["revoked_at", "revoked_by"])
    return device


def device_from_header(value: str, *, at: datetime.datetime) -> ScannerDevice:
    """The device an ``X-Scanner-Device`` header names, if its secret matches and it is not revoked.

    A revoked device's contact is counted on it (``refused_uploads``, ``last_refused_at``) before
    the refusal. Raises OfflineScanError("device_missing" | "device_unknown" | "device_revoked").
    """
    match = HEADER_PATTERN.match(value.strip()) if value else None
    if match is None:
        raise OfflineScanError("device_missing" if not value else "device_unknown")
    device = ScannerDevice.objects.select_related("unit").filter(pk=int(match.group(1))).first()
    stored = device.secret_hash if device is not None else _NO_DEVICE_HASH
    if not hmac.compare_digest(stored, hash_secret(match.group(2))) or device is None:
        raise OfflineScanError("device_unknown")
    if device.revoked_at is not None:
        # An F() update: two refused contacts at once both count.
        ScannerDevice.objects.filter(pk=device.pk).update(refused_uploads=F("refused_uploads") + 1, last_refused_at=at)
        raise OfflineScanError("device_revoked")
    return device


def device_covers(device: ScannerDevice, event: Event) -> bool:
    """Whether the event is organised by the device's unit or a unit below it."""
    return is_under(event.unit, device.unit)


# The offline pack -------------------------------------------------------------------


def iso(moment: datetime.datetime) -> str:
    """A time as the rest of the API writes it: local, with its offset."""
    return timezone.localtime(moment).isoformat()


def offline_pack(device: ScannerDevice, event: Event, *, now: datetime.datetime) -> dict:
    """What a scanner needs to judge scans of ``event`` without the network.

    Sign-ups carry masked names only (never an ID or phone number) and the serial of the
    volunteer's current card (0 for none). ``pack_version`` changes whenever anything but the
    server's time does, so the page knows whether its stored copy is current. A constant number
    of queries whatever the number of sign-ups. Raises OfflineScanError("outside_device_unit").
    """
    if not device_covers(device, event):
        raise OfflineScanError("outside_device_unit")
    offline_codes.current_key()
    keys = [
        {"generation": generation, "public_key": key}
        for generation, key in sorted(offline_codes.active_public_keys().items())
    ]
    cards = VolunteerCard.objects.filter(volunteer=OuterRef("volunteer"), revoked_at__isnull=True).order_by("-serial")
    signups = (
        Signup.objects.filter(event=event, status=SignupStatus.CONFIRMED)
        .annotate(card=Subquery(cards.values("serial")[:1]))
        .order_by("volunteer_id")
        .values_list("volunteer_id", "volunteer__real_name", "card")
    )
    body = {
        "device": {"id": device.pk, "name": device.name},
        "event": {
            "id": event.pk,
            "title": event.title,
            "status": event.status,
            "starts_at": iso(event.starts_at),
            "ends_at": iso(event.ends_at),
            "checkin_opens_at": iso(event.checkin_opens_at),
            "checkin_closes_at": iso(event.ends_at),
            "checkout_closes_at": iso(event.checkout_closes_at),
            "signup_required": event.signup_required,
            "walk_ins_allowed": event.walk_ins_allowed,
            "capacity": event.capacity,
        },
        "keys": keys,
        "window_seconds": settings.CHECKIN_CODE_WINDOW_SECONDS,
        "accepted_windows": settings.CHECKIN_CODE_ACCEPTED_WINDOWS,
        "signups": [[volunteer, mask_name(name), card or 0] for volunteer, name, card in signups],
        "revoked_cards": [list(card) for card in offline_codes.revoked_cards()],
        "clock_bound_seconds": settings.OFFLINE_CLOCK_BOUND_SECONDS,
    }
    canonical = json.dumps([PACK_VERSION, body], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    body["pack_version"] = hashlib.sha256(canonical.encode()).hexdigest()[:16]
    body["server_time"] = iso(now)
    return body


def shown_names(scans: list[OfflineScan], *, viewer: User | None = None) -> dict[tuple[int, int], str]:
    """(event, volunteer) → the name shown of a scan: in full for someone who signed up for or
    attended that event, as at the door (events.pages), or whom ``viewer`` sees anyway
    (``Volunteer.objects.visible_to``: their subtree's volunteers); else masked. At most four queries."""
    pairs = {(scan.event_id, scan.volunteer_id) for scan in scans if scan.volunteer_id is not None}
    if not pairs:
        return {}
    events = {event for event, _volunteer in pairs}
    volunteers = {volunteer for _event, volunteer in pairs}
    names = dict(Volunteer.objects.filter(pk__in=volunteers).values_list("pk", "real_name"))
    within = Q(event__in=events, volunteer__in=volunteers)
    known = set(
        Signup.objects.filter(within).exclude(status=SignupStatus.CANCELLED).values_list("event_id", "volunteer_id")
    )
    known |= set(ServiceRecord.objects.filter(within).values_list("event_id", "volunteer_id"))
    seen = (
        set(Volunteer.objects.visible_to(viewer).filter(pk__in=volunteers).values_list("pk", flat=True))
        if viewer is not None
        else set()
    )
    return {
        pair: names.get(pair[1], "") if pair in known or pair[1] in seen else mask_name(names.get(pair[1], ""))
        for pair in pairs
    }


# Review -----------------------------------------------------------------------------


@transaction.atomic
def resolve_conflict(scan: OfflineScan, *, accept: bool, note: str, by: User, now: datetime.datetime) -> OfflineScan:
    """A second person accepts or dismisses an offline scan the merge refused.

    Accepting lets the scan past the rule it broke (``forced``) and rebuilds the volunteer's
    attendance, so the record appears as the scan would have made it; it still goes through the
    records' own approval. Dismissing keeps the scan, flagged, and credits nothing. Nobody reviews
    a scan they made or one about themselves. Raises OfflineScanError.
    """
    scan = OfflineScan.objects.select_for_update(of=("self",)).select_related("volunteer").get(pk=scan.pk)
    if scan.outcome != OfflineScanOutcome.CONFLICT:
        raise OfflineScanError("not_a_conflict")
    if scan.resolution:
        raise OfflineScanError("already_resolved")
    if scan.scanned_by_id == by.pk or (scan.volunteer is not None and scan.volunteer.user_id == by.pk):
        raise OfflineScanError("self_review")
    if accept and scan.volunteer_id is None:
        raise OfflineScanError("no_volunteer")
    if accept and scan.reason == "token_invalid" and not offline_codes.signed_by_us(scan.code):
        # The merge names the volunteer a refused code claims; only a genuine signature (a window
        # read wrongly, say) makes that claim worth crediting.
        raise OfflineScanError("unsigned_code")
    scan.resolution = OfflineResolution.ACCEPTED if accept else OfflineResolution.DISMISSED
    scan.forced = accept
    scan.resolution_note = note
    scan.reviewed_by = by
    scan.reviewed_at = now
    scan.save(update_fields=["resolution", "forced", "resolution_note", "reviewed_by", "reviewed_at"])
    if accept and scan.volunteer_id is not None:
        from events import offline_merge

        offline_merge.merge({scan.volunteer_id}, now=now)
        scan.refresh_from_db()
    return scan
