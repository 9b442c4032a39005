"""Time windows of rotating codes and the error every code reader raises.

Both kinds of code use them: the event codes of ``events.checkin_codes`` and the signed
personal codes of ``events.offline_codes``; they live apart so neither imports the other's
module for them.
"""

import datetime

from django.conf import settings


class CodeError(Exception):
    """``code`` is "token_invalid" (forged, altered, malformed, retired key), "token_expired" or
    "card_revoked" (a printed card revoked, replaced, or signed with a retired key) or
    "card_not_accepted" (a printed card where only a phone's code may serve)."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(code)


def window_of(at: datetime.datetime) -> int:
    return int(at.timestamp()) // settings.CHECKIN_CODE_WINDOW_SECONDS


def window_end(window: int) -> datetime.datetime:
    seconds = (window + 1) * settings.CHECKIN_CODE_WINDOW_SECONDS
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)


def expires_at(at: datetime.datetime) -> datetime.datetime:
    """When a code made at ``at`` stops being accepted."""
    return window_end(window_of(at) + settings.CHECKIN_CODE_ACCEPTED_WINDOWS - 1)


def check_window(window: object, at: datetime.datetime) -> None:
    """Accept a code of ``window`` at ``at`` for CHECKIN_CODE_ACCEPTED_WINDOWS windows."""
    if not isinstance(window, int) or isinstance(window, bool) or window <= 0:
        raise CodeError("token_invalid")
    age = window_of(at) - window
    if age < 0:
        # Signed by us but for a window still to come: only a wrong clock does that.
        raise CodeError("token_invalid")
    if age >= settings.CHECKIN_CODE_ACCEPTED_WINDOWS:
        raise CodeError("token_expired")
