"""Offline scanning seen by an outsider: names in the review queue, and ids no row can have."""

import pytest
from django.test import Client

from events.models import ServiceRecord
from tests.conftest import client_for
from tests.events.conftest import at
from tests.offline_devices.test_review import strict_event, upload  # noqa: F401 - fixture and helper

pytestmark = pytest.mark.django_db

HUGE = 10**30


@pytest.fixture
def stranger_scanned(device, station_manager, strict_event, far_volunteer, clock):  # noqa: F811
    """A volunteer of another centre, not signed up, scanned offline at S1's event: refused, to review."""
    clock.move_to(at(11, 30))
    return upload(device, station_manager, strict_event, far_volunteer, [("in", at(9, 5))])[0]


def test_the_queue_masks_the_name_of_someone_neither_signed_up_nor_the_reviewers(
    stranger_scanned, center_manager, far_volunteer
):
    """As at the door (events.pages._name_for_manager): a full name only for someone who signed up
    for or attended the event, or whom the reviewer manages anyway."""
    row = client_for(center_manager).get(f"/api/v1/offline-scans/{stranger_scanned.pk}/").json()
    assert row["volunteer_name"] == "赵*"
    listed = client_for(center_manager).get("/api/v1/offline-scans/").json()["results"]
    assert [row["volunteer_name"] for row in listed] == ["赵*"]
    page = Client()
    page.force_login(center_manager)
    html = page.get("/scanner/review/").content.decode()
    assert "赵*" in html and far_volunteer.real_name not in html


def test_the_queue_names_in_full_a_volunteer_of_the_reviewers_subtree(
    device,
    station_manager,
    strict_event,  # noqa: F811 - the fixture imported above
    volunteer,
    center_manager,
    clock,
):
    clock.move_to(at(11, 30))
    scan = upload(device, station_manager, strict_event, volunteer, [("in", at(9, 5))])[0]
    assert client_for(center_manager).get(f"/api/v1/offline-scans/{scan.pk}/").json()["volunteer_name"] == "李四"


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", f"/api/v1/scanner/events/{HUGE}/pack/"),
        ("get", f"/api/v1/offline-scans/{HUGE}/"),
        ("post", f"/api/v1/offline-scans/{HUGE}/accept/"),
        ("post", f"/api/v1/offline-scans/{HUGE}/dismiss/"),
        ("get", f"/api/v1/scanner-devices/{HUGE}/"),
        ("post", f"/api/v1/scanner-devices/{HUGE}/revoke/"),
        ("get", f"/api/v1/volunteer-cards/{HUGE}/"),
        ("post", f"/api/v1/volunteer-cards/{HUGE}/revoke/"),
        ("get", f"/cards/{HUGE}/print/"),
        ("get", f"/events/{HUGE}/kiosk/key/"),
        ("get", f"/events/{HUGE}/scan/manifest.webmanifest"),
        ("post", f"/scanner/review/{HUGE}/accept/"),
        ("post", f"/scanner/devices/{HUGE}/revoke/"),
    ],
)
def test_an_id_no_row_can_have_is_a_404(method, url, headers, center_manager):
    client = Client(**headers)
    client.force_login(center_manager)
    response = getattr(client, method)(url, {"note": "x", "reason": "x"} if method == "post" else None)
    assert response.status_code == 404


def test_a_huge_or_strange_device_header_is_a_403(center_manager, device):
    for value in ["1" * 13 + ".x" * 20, f"{HUGE}.{'a' * 43}", f"{device.pk}.{'a' * 10_000}", "١٢.٣" + "a" * 40]:
        client = Client(HTTP_X_SCANNER_DEVICE=value)
        client.force_login(center_manager)
        assert client.get("/api/v1/scanner/ping/").status_code == 403


def test_the_admin_masks_the_name_as_the_queue_does(stranger_scanned, center_manager, far_volunteer):
    page = Client()
    page.force_login(center_manager)
    listing = page.get("/admin/events/offlinescan/").content.decode()
    detail = page.get(f"/admin/events/offlinescan/{stranger_scanned.pk}/change/").content.decode()
    for html in (listing, detail):
        assert "赵*" in html and far_volunteer.real_name not in html
    # Nor does its search box tell whether the masked name is someone's.
    found = page.get("/admin/events/offlinescan/", {"q": far_volunteer.real_name}).content.decode()
    assert f"/admin/events/offlinescan/{stranger_scanned.pk}/change/" not in found


def test_a_code_whose_signature_fails_cannot_be_accepted_for_the_volunteer_it_names(
    device, station_manager, event, volunteer, center_manager, clock
):
    """Anyone can type ``P1.1.<someone's id>.0.<window>.<anything>``: accepting it would credit
    that person from a code that proves nothing, so it can only be dismissed."""
    from events.offline_codes import make_phone_code

    clock.move_to(at(11, 30))
    genuine = make_phone_code(volunteer.pk, at(9, 5))
    forged = genuine[:-86] + "A" * 86
    scan = upload(device, station_manager, event, volunteer, [("in", at(9, 5))], code=forged)[0]
    assert scan.reason == "token_invalid"
    answer = client_for(center_manager).post(f"/api/v1/offline-scans/{scan.pk}/accept/", {"note": "认识他"})
    assert answer.status_code == 409, answer.json()
    assert not ServiceRecord.objects.filter(volunteer=volunteer).exists()
    assert client_for(center_manager).post(f"/api/v1/offline-scans/{scan.pk}/dismiss/", {}).status_code == 200


def test_a_genuine_code_refused_for_its_window_may_still_be_accepted(
    device, station_manager, event, volunteer, center_manager, clock
):
    """A phone's code read as from a window still to come (the two phones' clocks apart) is
    signed by us: a reviewer who knows the volunteer was there may accept it."""
    from events.offline_codes import make_phone_code

    clock.move_to(at(11, 30))
    early = make_phone_code(volunteer.pk, at(9, 20))
    scan = upload(device, station_manager, event, volunteer, [("in", at(9, 5))], code=early)[0]
    assert scan.reason == "token_invalid"
    answer = client_for(center_manager).post(f"/api/v1/offline-scans/{scan.pk}/accept/", {"note": "时钟不准"})
    assert answer.status_code == 200, answer.json()


def test_a_manager_cannot_accept_a_scan_about_themselves(device, station_manager, strict_event, clock):  # noqa: F811
    """A manager who also volunteers, scanned by a colleague, does not accept their own conflict."""
    from stations.models import UnitManager
    from tests.conftest import make_volunteer

    person = make_volunteer(strict_event.unit, "钱七")
    UnitManager.objects.create(user=person.user, unit=strict_event.unit.parent)
    clock.move_to(at(11, 30))
    scan = upload(device, station_manager, strict_event, person, [("in", at(9, 5))])[0]
    answer = client_for(person.user).post(f"/api/v1/offline-scans/{scan.pk}/accept/", {"note": "我在场"})
    assert answer.status_code == 403 and answer.json()["code"] == "self_review"
    page = Client()
    page.force_login(person.user)
    page.post(f"/scanner/review/{scan.pk}/accept/", {"note": "我在场"})
    assert not ServiceRecord.objects.filter(volunteer=person).exists()
