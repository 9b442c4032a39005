"""Rotating signed codes for QR check-in.

An event code names the event, the action (``ScanAction``) and a time window of
``CHECKIN_CODE_WINDOW_SECONDS``; a volunteer's personal code names the volunteer
and a window. Both are signed with django.core.signing under their own salts, so
they cannot be forged or swapped, and are accepted only during
``CHECKIN_CODE_ACCEPTED_WINDOWS`` windows: a screenshot is worthless a minute later.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from events.choices import ScanAction

EVENT_SALT = "events.checkin-code"
VOLUNTEER_SALT = "events.volunteer-code"


class CodeError(Exception):
    """``code`` is "token_invalid" (forged, altered, malformed) or "token_expired"."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(code)


@dataclass(frozen=True)
class EventCode:
    event_id: int
    action: ScanAction


def window_of(at: datetime.datetime) -> int:
    return int(at.timestamp()) // settings.CHECKIN_CODE_WINDOW_SECONDS


def window_end(window: int) -> datetime.datetime:
    seconds = (window + 1) * settings.CHECKIN_CODE_WINDOW_SECONDS
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)


def expires_at(at: datetime.datetime) -> datetime.datetime:
    """When a code made at ``at`` stops being accepted."""
    return window_end(window_of(at) + settings.CHECKIN_CODE_ACCEPTED_WINDOWS - 1)


def _check_window(window: object, at: datetime.datetime) -> None:
    if not isinstance(window, int):
        raise CodeError("token_invalid")
    age = window_of(at) - window
    if age < 0:
        # Signed by us but for a window still to come: only a wrong server clock does that.
        raise CodeError("token_invalid")
    if age >= settings.CHECKIN_CODE_ACCEPTED_WINDOWS:
        raise CodeError("token_expired")


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


def read_event_code(token: str, at: datetime.datetime) -> EventCode:
    payload = _load(token, EVENT_SALT)
    event_id, action = payload.get("e"), payload.get("a")
    if not isinstance(event_id, int) or action not in ScanAction.values:
        raise CodeError("token_invalid")
    _check_window(payload.get("w"), at)
    return EventCode(event_id=event_id, action=ScanAction(action))


def make_volunteer_code(volunteer_id: int, at: datetime.datetime) -> str:
    return signing.dumps({"v": volunteer_id, "w": window_of(at)}, salt=VOLUNTEER_SALT)


def read_volunteer_code(token: str, at: datetime.datetime) -> int:
    payload = _load(token.strip(), VOLUNTEER_SALT)
    volunteer_id = payload.get("v")
    if not isinstance(volunteer_id, int):
        raise CodeError("token_invalid")
    _check_window(payload.get("w"), at)
    return volunteer_id
