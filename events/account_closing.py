"""What events keep of a volunteer whose account closes (volunteers.signals.account_closing).

Service records stay: they are the hours that certificates and statistics stand on.
A refused scan stays too, as a count and a code for the station's fraud review, but
the network address and the browser it kept name the person's phone (PIPL art. 47).
The photos the volunteer sent with correction requests go: the decision and its
reason stay in the record's history.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from events.models import CorrectionRequest, RefusedScan
from volunteers.models import Volunteer


def forget_scan_devices(sender: type, *, volunteer: Volunteer | None, **kwargs: Any) -> None:
    """Erase the address and browser of the closing volunteer's refused scans and their correction photos."""
    if volunteer is None:
        return
    RefusedScan.objects.filter(volunteer=volunteer).update(ip=None, user_agent="")
    with_photos = CorrectionRequest.objects.filter(volunteer=volunteer).exclude(photo="")
    files = [(request.photo.storage, request.photo.name) for request in with_photos]
    with_photos.update(photo="")

    def delete_files() -> None:
        for storage, name in files:
            storage.delete(name)

    # Files are not transactional: they go once the closing is committed.
    transaction.on_commit(delete_files)
