"""What events keep of a volunteer whose account closes (volunteers.signals.account_closing).

Service records stay: they are the hours that certificates and statistics stand on.
A refused scan stays too, as a count and a code for the station's fraud review, but
the network address and the browser it kept name the person's phone (PIPL art. 47).
"""

from __future__ import annotations

from typing import Any

from events.models import RefusedScan
from volunteers.models import Volunteer


def forget_scan_devices(sender: type, *, volunteer: Volunteer | None, **kwargs: Any) -> None:
    """Erase the address and browser of the closing volunteer's refused scans."""
    if volunteer is None:
        return
    RefusedScan.objects.filter(volunteer=volunteer).update(ip=None, user_agent="")
