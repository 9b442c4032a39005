"""Rotating signed codes for QR check-in.

An event code names the event, the action (``ScanAction``) and a time window of
``CHECKIN_CODE_WINDOW_SECONDS``, signed with django.core.signing under its own salt, so it
cannot be forged or swapped, and is accepted only during ``CHECKIN_CODE_ACCEPTED_WINDOWS``
windows: a screenshot is worthless a minute later.

A kiosk that lost its network makes the same codes itself (``K1.…``, see ``make_kiosk_code``)
with an HMAC key that signs only its event's codes. A volunteer's personal code is an Ed25519
code of ``events.offline_codes``, which scanners verify without the server.
"""

import base64
import datetime
import hashlib
import hmac
import re
from dataclasses import dataclass

from django.core import signing
from django.utils.crypto import salted_hmac

from events import offline_codes
from events.choices import ScanAction
from events.code_windows import CodeError, check_window, expires_at, window_end, window_of

__all__ = [
    "EVENT_SALT",
    "CodeError",
    "EventCode",
    "expires_at",
    "kiosk_key",
    "make_event_code",
    "make_kiosk_code",
    "make_volunteer_code",
    "read_event_code",
    "read_phone_code",
    "read_volunteer_code",
    "window_end",
    "window_of",
]

EVENT_SALT = "events.checkin-code"
KIOSK_SALT = "events.kiosk-code"
KIOSK_CODE_PATTERN = re.compile(r"^K1\.(\d{1,12})\.(in|out)\.(\d{1,12})\.([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class EventCode:
    event_id: int
    action: ScanAction


def _load(token: str, salt: str) -> dict:
    try:
        payload = signing.loads(token, salt=salt)
    except signing.BadSignature:
        raise CodeError("token_invalid") from None
    if not isinstance(payload, dict):
        raise CodeError("token_invalid")
    return payload


def make_event_code(event_id: int, action: str, at: datetime.datetime) -> str:
    return signing.dumps({"e": event_id, "a": action, "w": window_of(at)}, salt=EVENT_SALT)


def kiosk_key(event_id: int) -> bytes:
    """The HMAC key that signs this event's kiosk codes, and no other event's.

    Derived from SECRET_KEY, so nothing is stored and a new SECRET_KEY withdraws every key
    handed out; a kiosk page downloads its event's key to keep showing codes offline.
    """
    return salted_hmac(KIOSK_SALT, f"event {event_id}", algorithm="sha256").digest()


def _kiosk_signature(event_id: int, body: str) -> str:
    digest = hmac.new(kiosk_key(event_id), body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make_kiosk_code(event_id: int, action: str, at: datetime.datetime) -> str:
    """The code an offline kiosk computes in the browser (kiosk.js does exactly this)."""
    body = f"K1.{event_id}.{action}.{window_of(at)}"
    return f"{body}.{_kiosk_signature(event_id, body)}"


def _read_kiosk_code(token: str, at: datetime.datetime) -> EventCode:
    match = KIOSK_CODE_PATTERN.match(token)
    if match is None:
        raise CodeError("token_invalid")
    event_id, action, window = int(match[1]), ScanAction(match[2]), int(match[3])
    body = token.rsplit(".", 1)[0]
    if not hmac.compare_digest(match[4], _kiosk_signature(event_id, body)):
        raise CodeError("token_invalid")
    check_window(window, at)
    return EventCode(event_id=event_id, action=action)


def read_event_code(token: str, at: datetime.datetime) -> EventCode:
    if token.startswith("K1."):
        return _read_kiosk_code(token, at)
    payload = _load(token, EVENT_SALT)
    event_id, action = payload.get("e"), payload.get("a")
    if not isinstance(event_id, int) or action not in ScanAction.values:
        raise CodeError("token_invalid")
    check_window(payload.get("w"), at)
    return EventCode(event_id=event_id, action=ScanAction(action))


def make_volunteer_code(volunteer_id: int, at: datetime.datetime) -> str:
    """The rotating personal code a volunteer's phone shows: Ed25519-signed, so scanners verify it offline."""
    return offline_codes.make_phone_code(volunteer_id, at)


def read_volunteer_code(token: str, at: datetime.datetime) -> int:
    """The volunteer a scanned personal code (phone or printed card) names. Raises CodeError."""
    return offline_codes.read_personal_code(token, at).volunteer_id


def read_phone_code(token: str, at: datetime.datetime) -> int:
    """The volunteer whose phone shows this rotating code; a printed card is refused ("card_not_accepted").

    For spending points (points.shop): a card never expires, so whoever finds one would spend
    its owner's points without them; at the door a manager sees who holds the card.
    """
    code = offline_codes.read_personal_code(token, at)
    if code.is_card:
        raise CodeError("card_not_accepted")
    return code.volunteer_id
