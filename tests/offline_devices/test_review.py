"""The review queue: offline scans an online scan would have refused wait for a second person, who
accepts them (the scan is then credited as if the rule had allowed it, the record awaiting
approval) or dismisses them (kept, credited nothing). API, pages and admin go the same way."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events import offline_merge
from events.models import OfflineResolution, OfflineScan, OfflineScanOutcome, RecordStatus, ServiceRecord
from events.offline_codes import make_phone_code
from events.offline_scanning import register_device
from tests.conftest import client_for, make_volunteer
from tests.events.conftest import at, make_event

URL = "/api/v1/offline-scans/"


def upload(device, by, event, volunteer, scans: list[tuple[str, datetime.datetime]], code: str | None = None):
    """Scans (action, time) of one volunteer's codes, received as the API would pass them."""
    first = OfflineScan.objects.filter(device=device).count() + 1
    incoming = [
        offline_merge.IncomingScan(
            nonce=f"review-{first + n:06d}",
            counter=first + n,
            event_id=event.pk,
            code=code if code is not None else make_phone_code(volunteer.pk, when),
            action=action,
            walk_in=False,
            device_time=when,
        )
        for n, (action, when) in enumerate(scans)
    ]
    return offline_merge.receive(device, incoming, by=by, sent_at=timezone.now(), now=timezone.now()).scans


@pytest.fixture
def strict_event(tree, clock):
    return make_event(tree["S1"], title="村文化礼堂宣讲", signup_required=True, walk_ins_allowed=False)


@pytest.fixture
def conflicts(device, station_manager, strict_event, tree, clock):
    """A volunteer who never signed up, scanned in and out offline by the station's manager."""
    person = make_volunteer(tree["S1"], "赵大伟")
    clock.move_to(at(11, 30))
    scans = upload(device, station_manager, strict_event, person, [("in", at(9, 5)), ("out", at(10, 55))])
    assert [scan.outcome for scan in scans] == [OfflineScanOutcome.CONFLICT] * 2
    return scans


def test_the_workbench_counts_the_conflicts_waiting_in_the_managers_subtree(
    conflicts, center_manager, other_station_manager
):
    def tile(user) -> str:
        client = Client()
        client.force_login(user)
        page = client.get("/workbench/").content.decode()
        return page.split('id="count-offline-review"', 1)[1].split("</strong>", 1)[0]

    assert tile(center_manager).endswith("<strong>2")
    assert tile(other_station_manager).endswith("<strong>0")


def test_the_conflicts_wait_in_the_managers_queue_with_their_reason(conflicts, center_manager):
    body = client_for(center_manager).get(f"{URL}?awaiting_review=true").json()
    assert body["count"] == 2
    first = body["results"][-1]
    assert first["reason"] == "not_signed_up" and first["reason_text"]
    assert first["volunteer_name"] == "赵大伟" and first["event_title"] == "村文化礼堂宣讲"
    assert "code" not in first


def test_another_stations_manager_sees_nothing_and_cannot_resolve(conflicts, other_station_manager):
    client = client_for(other_station_manager)
    assert client.get(URL).json()["count"] == 0
    assert client.post(f"{URL}{conflicts[0].pk}/dismiss/", {}, format="json").status_code == 404


def test_a_volunteer_has_no_review_queue(conflicts, volunteer):
    assert client_for(volunteer.user).get(URL).status_code == 403


def test_the_person_who_scanned_cannot_resolve_their_own_scan(conflicts, station_manager):
    response = client_for(station_manager).post(f"{URL}{conflicts[0].pk}/accept/", {"note": "我看见他来了"})
    assert response.status_code == 403
    assert response.json()["code"] == "self_review"
    assert OfflineScan.objects.get(pk=conflicts[0].pk).resolution == ""


def test_accepting_the_checkin_makes_a_pending_record_from_the_scan_times(conflicts, center_manager):
    client = client_for(center_manager)
    response = client.post(f"{URL}{conflicts[0].pk}/accept/", {"note": "临时替补，已电话确认"}, format="json")
    assert response.status_code == 200, response.content
    # Once checked in, the check-out breaks no rule: the merge applies it by itself.
    assert OfflineScan.objects.get(pk=conflicts[1].pk).outcome == OfflineScanOutcome.APPLIED
    record = ServiceRecord.objects.get(volunteer=conflicts[0].volunteer)
    assert (record.checked_in_at, record.checked_out_at) == (at(9, 5), at(10, 55))
    assert record.status == RecordStatus.PENDING
    scan = OfflineScan.objects.get(pk=conflicts[0].pk)
    assert (scan.resolution, scan.forced, scan.reviewed_by) == (OfflineResolution.ACCEPTED, True, center_manager)
    assert scan.resolution_note == "临时替补，已电话确认" and scan.reviewed_at == timezone.now()
    assert response.json()["resolution"] == "accepted"


def test_accepting_needs_a_note_in_chinese(conflicts, center_manager):
    response = client_for(center_manager).post(f"{URL}{conflicts[0].pk}/accept/", {"note": "  "}, format="json")
    assert response.status_code == 400
    assert any("\u4e00" <= char <= "\u9fff" for char in response.json()["note"][0])


def test_dismissing_leaves_no_record(conflicts, center_manager):
    for scan in conflicts:
        response = client_for(center_manager).post(f"{URL}{scan.pk}/dismiss/", {}, format="json")
        assert response.status_code == 200
    assert not ServiceRecord.objects.filter(volunteer=conflicts[0].volunteer).exists()
    assert set(OfflineScan.objects.values_list("resolution", "forced")) == {(OfflineResolution.DISMISSED, False)}
    assert client_for(center_manager).get(f"{URL}?awaiting_review=true").json()["count"] == 0


def test_a_scan_is_resolved_once(conflicts, center_manager, institute_manager):
    client_for(center_manager).post(f"{URL}{conflicts[0].pk}/dismiss/", {}, format="json")
    again = client_for(institute_manager).post(f"{URL}{conflicts[0].pk}/accept/", {"note": "改判"}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "already_resolved"


def test_an_unreadable_code_can_only_be_dismissed(device, station_manager, center_manager, strict_event, clock):
    clock.move_to(at(9, 30))
    (scan,) = upload(device, station_manager, strict_event, None, [("in", at(9, 5))], code="P1.garbage")
    client = client_for(center_manager)
    refused = client.post(f"{URL}{scan.pk}/accept/", {"note": "看不清"}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "no_volunteer"
    assert client.post(f"{URL}{scan.pk}/dismiss/", {}, format="json").status_code == 200


def test_a_scan_that_was_applied_is_not_for_review(device, station_manager, center_manager, event, volunteer, clock):
    clock.move_to(at(9, 30))
    (scan,) = upload(device, station_manager, event, volunteer, [("in", at(9, 5))])
    assert scan.outcome == OfflineScanOutcome.APPLIED
    response = client_for(center_manager).post(f"{URL}{scan.pk}/dismiss/", {}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "not_a_conflict"


def test_the_queue_filters_by_outcome_reason_event_device_and_title(
    conflicts, device, station_manager, center_manager, event, volunteer, tree
):
    upload(device, station_manager, event, volunteer, [("in", at(9, 5))])
    client = client_for(center_manager)

    def ids(query: str) -> set[int]:
        return {row["id"] for row in client.get(f"{URL}?{query}").json()["results"]}

    conflict_ids = {scan.pk for scan in conflicts}
    assert ids("outcome=conflict") == conflict_ids
    assert conflicts[0].pk in ids("reason=not_signed_up") <= conflict_ids
    assert ids(f"event={conflicts[0].event_id}") == conflict_ids
    assert len(ids(f"device={device.pk}")) == 3
    assert ids("q=文化礼堂") == conflict_ids
    assert ids("awaiting_review=false") == ids("outcome=applied")
    assert client.get(f"{URL}?outcome=nonsense").status_code == 400
    assert client.get(f"{URL}?reason={'x' * 31}").status_code == 400
    ordered = client.get(f"{URL}?ordering=scanned_at").json()["results"]
    assert [row["scanned_at"] for row in ordered] == sorted(row["scanned_at"] for row in ordered)


# Pages ------------------------------------------------------------------------------------


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_review_page_offers_a_second_manager_accept_and_dismiss(conflicts, center_manager):
    page = page_client(center_manager).get("/scanner/review/").content.decode()
    assert "赵大伟" in page and "村文化礼堂宣讲" in page
    assert f'id="accept-{conflicts[0].pk}"' in page and f'id="dismiss-{conflicts[0].pk}"' in page


def test_the_review_page_offers_no_buttons_on_ones_own_scans(conflicts, station_manager):
    page = page_client(station_manager).get("/scanner/review/").content.decode()
    assert f'id="scan-{conflicts[0].pk}"' in page
    assert f'id="accept-{conflicts[0].pk}"' not in page and f'id="dismiss-{conflicts[0].pk}"' not in page


def test_accepting_on_the_page_credits_the_scan(conflicts, center_manager):
    client = page_client(center_manager)
    response = client.post(f"/scanner/review/{conflicts[0].pk}/accept/", {"note": "已核实"})
    assert response.status_code == 302
    assert ServiceRecord.objects.get(volunteer=conflicts[0].volunteer).status == RecordStatus.PENDING
    assert "none-waiting" in client.get("/scanner/review/").content.decode()


def test_the_page_refuses_what_the_api_refuses(conflicts, station_manager, center_manager):
    page_client(station_manager).post(f"/scanner/review/{conflicts[0].pk}/accept/", {"note": "自己认可"})
    page_client(center_manager).post(f"/scanner/review/{conflicts[1].pk}/accept/", {"note": ""})
    assert set(OfflineScan.objects.values_list("resolution", flat=True)) == {""}


def test_the_review_and_device_pages_are_for_managers_only(conflicts, volunteer, other_station_manager):
    assert page_client(volunteer.user).get("/scanner/review/").status_code == 404
    assert page_client(volunteer.user).get("/scanner/devices/").status_code == 404
    assert page_client(other_station_manager).post(f"/scanner/review/{conflicts[0].pk}/dismiss/").status_code == 404
    assert OfflineScan.objects.get(pk=conflicts[0].pk).resolution == ""


def test_the_devices_page_revokes_and_shows_refused_contacts(registered, center_manager, other_station_manager):
    device, secret = registered
    client = page_client(center_manager)
    assert f'id="revoke-{device.pk}"' in client.get("/scanner/devices/").content.decode()
    assert page_client(other_station_manager).post(f"/scanner/devices/{device.pk}/revoke/").status_code == 404
    assert client.post(f"/scanner/devices/{device.pk}/revoke/").status_code == 302
    client_for(center_manager).get("/api/v1/scanner/ping/", HTTP_X_SCANNER_DEVICE=f"{device.pk}.{secret}")
    page = client.get("/scanner/devices/").content.decode()
    assert f'id="revoke-{device.pk}"' not in page
    assert f'id="refused-{device.pk}">1' in page


# Admin ------------------------------------------------------------------------------------


def test_the_admin_revokes_devices_of_the_subtree_only(registered, center_manager, other_station_manager):
    device, _secret = registered
    changelist = "/admin/events/scannerdevice/"
    action = {"action": "revoke_selected", "_selected_action": [device.pk]}
    page_client(other_station_manager).post(changelist, action)
    device.refresh_from_db()
    assert device.revoked_at is None
    page_client(center_manager).post(changelist, action)
    device.refresh_from_db()
    assert device.revoked_by == center_manager


def test_the_admin_accepts_with_a_note_and_keeps_four_eyes(conflicts, station_manager, center_manager):
    changelist = "/admin/events/offlinescan/"
    action = {"action": "accept_selected", "_selected_action": [conflicts[0].pk], "apply": "1"}
    page_client(station_manager).post(changelist, {**action, "note": "自己认可"})
    assert set(OfflineScan.objects.values_list("resolution", flat=True)) == {""}
    form = page_client(center_manager).post(changelist, {**action, "note": ""})
    assert form.status_code == 200 and "note" in form.context["form"].errors
    page_client(center_manager).post(changelist, {**action, "note": "已核实"})
    assert OfflineScan.objects.get(pk=conflicts[0].pk).resolution == OfflineResolution.ACCEPTED
    assert ServiceRecord.objects.get(volunteer=conflicts[0].volunteer).status == RecordStatus.PENDING
    listing = page_client(center_manager).get(changelist).content.decode()
    assert conflicts[0].code not in listing


def test_the_lists_take_the_same_number_of_queries_for_many_rows(
    device, station_manager, center_manager, strict_event, tree, clock
):
    client = client_for(center_manager)
    client.get(URL)  # the manager's units are read once and kept on the user
    counts = []
    for many in (1, 6):
        for n in range(many):
            person = make_volunteer(tree["S1"], f"赵{'一二三四五六'[n]}")
            upload(device, station_manager, strict_event, person, [("in", at(9, 5))])
            register_device(tree["S1"], f"手机{n}", by=station_manager)
        total = OfflineScan.objects.count()
        with CaptureQueriesContext(connection) as scans:
            assert client.get(URL).json()["count"] == total
        with CaptureQueriesContext(connection) as devices:
            assert client.get("/api/v1/scanner-devices/").status_code == 200
        counts.append((len(scans), len(devices)))
    assert counts[0] == counts[1]
