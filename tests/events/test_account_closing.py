"""A closed account's refused scans no longer name the phone that made them (issue 20 item 4)."""

from events.models import RefusedScan
from tests.conftest import PASSWORD
from tests.events.conftest import at

CLOSE = "/api/v1/me/close-account/"


def test_closing_erases_the_address_and_browser_of_refused_scans(volunteer, other_volunteer, volunteer_client, event):
    mine = RefusedScan.objects.create(
        volunteer=volunteer,
        event=event,
        action="in",
        code="token_expired",
        at=at(9),
        ip="203.0.113.9",
        user_agent="Mozilla/5.0 (iPhone) MicroMessenger/8.0",
    )
    theirs = RefusedScan.objects.create(
        volunteer=other_volunteer,
        event=event,
        action="in",
        code="token_expired",
        at=at(9),
        ip="203.0.113.10",
        user_agent="Mozilla/5.0 (Android)",
    )
    assert volunteer_client.post(CLOSE, {"password": PASSWORD, "confirm": True}, format="json").status_code == 200
    mine.refresh_from_db()
    theirs.refresh_from_db()
    # The refusal itself stays for the station's review; the phone's traces go.
    assert (mine.code, mine.ip, mine.user_agent) == ("token_expired", None, "")
    assert (theirs.ip, theirs.user_agent) == ("203.0.113.10", "Mozilla/5.0 (Android)")


def test_closing_deletes_the_photos_sent_with_correction_requests(volunteer, volunteer_client, event):
    from django.core.files.base import ContentFile
    from django.test import TestCase

    from events.models import CorrectionKind, CorrectionRequest

    asked = CorrectionRequest(
        volunteer=volunteer,
        kind=CorrectionKind.ADD,
        event=event,
        reason="忘记签到",
        checked_in_at=at(9),
        checked_out_at=at(11),
    )
    asked.photo.save("sheet.jpg", ContentFile(b"a photo of the sign-in sheet"), save=False)
    asked.save()
    storage, name = asked.photo.storage, asked.photo.name
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = volunteer_client.post(CLOSE, {"password": PASSWORD, "confirm": True}, format="json")
    assert response.status_code == 200
    asked.refresh_from_db()
    # The request and its reason stay for the record's history; the photo goes, file and all.
    assert asked.reason == "忘记签到" and not asked.photo and not storage.exists(name)
