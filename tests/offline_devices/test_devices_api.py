"""Scanner devices: registered by a manager for units they manage, listed and revoked within the
subtree; a revoked device is told to wipe on every contact, and each contact is counted."""

import datetime
import hashlib

import pytest
from django.utils import timezone

from events.models import ScannerDevice
from events.offline_scanning import OfflineScanError, register_device
from tests.conftest import client_for
from tests.offline_devices.conftest import scanner_headers

URL = "/api/v1/scanner-devices/"


def test_a_manager_registers_a_phone_and_sees_its_secret_once(station_manager_client, tree):
    response = station_manager_client.post(URL, {"unit": tree["S1"].pk, "name": "东门站手机"}, format="json")
    assert response.status_code == 201
    body = response.json()
    secret = body["secret"]
    assert len(secret) >= 40
    device = ScannerDevice.objects.get(pk=body["id"])
    assert device.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in device.secret_hash
    listed = station_manager_client.get(URL).json()["results"]
    assert [row["id"] for row in listed] == [device.pk]
    assert "secret" not in listed[0] and "secret_hash" not in listed[0]
    assert "secret" not in station_manager_client.get(f"{URL}{device.pk}/").json()


def test_a_manager_cannot_register_a_phone_for_a_unit_they_do_not_manage(station_manager_client, tree):
    response = station_manager_client.post(URL, {"unit": tree["S2"].pk, "name": "邻站手机"}, format="json")
    assert response.status_code == 400
    assert "unit" in response.json()
    assert not ScannerDevice.objects.exists()


def test_a_volunteer_cannot_register_a_phone(volunteer, tree):
    response = client_for(volunteer.user).post(URL, {"unit": tree["S1"].pk, "name": "我的手机"}, format="json")
    assert response.status_code == 403


@pytest.mark.parametrize("name", ["", "   ", "机" * 61])
def test_a_device_needs_a_name_of_at_most_60_characters(station_manager_client, tree, name):
    response = station_manager_client.post(URL, {"unit": tree["S1"].pk, "name": name}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()


def test_the_list_shows_the_subtree_only(device, center_manager, other_station_manager, far_volunteer, tree):
    assert [row["id"] for row in client_for(center_manager).get(URL).json()["results"]] == [device.pk]
    assert client_for(other_station_manager).get(URL).json()["results"] == []
    assert client_for(other_station_manager).get(f"{URL}{device.pk}/").status_code == 404


def test_another_stations_manager_cannot_revoke_the_device(device, other_station_manager):
    response = client_for(other_station_manager).post(f"{URL}{device.pk}/revoke/")
    assert response.status_code == 404
    device.refresh_from_db()
    assert device.revoked_at is None


@pytest.mark.parametrize("revoker", ["station_manager", "center_manager"])
def test_a_manager_of_the_unit_or_above_revokes_the_device(device, revoker, request):
    user = request.getfixturevalue(revoker)
    response = client_for(user).post(f"{URL}{device.pk}/revoke/")
    assert response.status_code == 200
    assert response.json()["is_revoked"] is True
    device.refresh_from_db()
    assert device.revoked_by == user


def test_revoking_twice_keeps_the_first_revocation(device, station_manager, center_manager):
    client_for(station_manager).post(f"{URL}{device.pk}/revoke/")
    first = ScannerDevice.objects.get(pk=device.pk).revoked_at
    client_for(center_manager).post(f"{URL}{device.pk}/revoke/")
    device.refresh_from_db()
    assert (device.revoked_at, device.revoked_by) == (first, station_manager)


@pytest.mark.parametrize("call", ["ping", "pack", "upload"])
def test_a_revoked_device_is_told_to_wipe_and_every_contact_is_counted(registered, station_manager, event, clock, call):
    device, secret = registered
    client_for(station_manager).post(f"{URL}{device.pk}/revoke/")
    phone = client_for(station_manager)

    def contact():
        if call == "ping":
            return phone.get("/api/v1/scanner/ping/", **scanner_headers(device, secret))
        if call == "pack":
            return phone.get(f"/api/v1/scanner/events/{event.pk}/pack/", **scanner_headers(device, secret))
        return phone.post("/api/v1/scanner/upload/", {"scans": []}, format="json", **scanner_headers(device, secret))

    answers = [contact(), contact()]
    assert [answer.status_code for answer in answers] == [410, 410]
    assert answers[0].json()["wipe"] is True
    assert "停用" in answers[0].json()["detail"]
    device.refresh_from_db()
    assert device.refused_uploads == 2
    assert device.last_refused_at is not None
    listed = client_for(station_manager).get(URL).json()["results"][0]
    assert listed["refused_uploads"] == 2 and listed["last_refused_at"]


def test_a_revoked_device_is_told_to_wipe_even_when_the_login_has_expired(registered, station_manager, anon_client):
    device, secret = registered
    client_for(station_manager).post(f"{URL}{device.pk}/revoke/")
    response = anon_client.get("/api/v1/scanner/ping/", **scanner_headers(device, secret))
    assert response.status_code == 410 and response.json()["wipe"] is True


def test_a_wrong_secret_is_neither_the_device_nor_counted(registered, station_manager):
    device, secret = registered
    client_for(station_manager).post(f"{URL}{device.pk}/revoke/")
    wrong = "x" * len(secret)
    response = client_for(station_manager).get("/api/v1/scanner/ping/", **scanner_headers(device, wrong))
    assert response.status_code == 403
    assert "wipe" not in response.json()
    device.refresh_from_db()
    assert device.refused_uploads == 0


@pytest.mark.parametrize("header", [None, "", "12", "abc.def", "1.short", "99999.abcdefghijklmnopqrstuvwxyz012345"])
def test_a_call_without_a_valid_device_header_is_refused(station_manager_client, device, header):
    extra = {} if header is None else {"HTTP_X_SCANNER_DEVICE": header}
    response = station_manager_client.get("/api/v1/scanner/ping/", **extra)
    assert response.status_code == 403
    assert response.json()["code"] in ("device_missing", "device_unknown")


def test_a_device_call_needs_a_login_too(registered, anon_client):
    device, secret = registered
    response = anon_client.get("/api/v1/scanner/ping/", **scanner_headers(device, secret))
    assert response.status_code == 401


def test_ping_names_the_device_and_samples_its_clock(registered, station_manager, clock):
    device, secret = registered
    slow = (timezone.now() - datetime.timedelta(seconds=90)).isoformat()
    response = client_for(station_manager).get("/api/v1/scanner/ping/", **scanner_headers(device, secret, slow))
    assert response.status_code == 200
    assert response.json()["device"] == {"id": device.pk, "name": "东门站手机", "unit": device.unit_id}
    device.refresh_from_db()
    assert device.last_seen_at == timezone.now()
    assert device.clock_offset_ms == 90_000


@pytest.mark.parametrize("device_time", ["", "yesterday", "2026-12-05T08:00:00", "2020-01-01T00:00:00+08:00"])
def test_a_device_time_that_is_no_clock_reading_is_left_out(registered, station_manager, clock, device_time):
    device, secret = registered
    headers = scanner_headers(device, secret, device_time)
    assert client_for(station_manager).get("/api/v1/scanner/ping/", **headers).status_code == 200
    device.refresh_from_db()
    assert device.clock_offset_ms is None


def test_registration_through_the_service_refuses_an_outsider(other_station_manager, tree):
    with pytest.raises(OfflineScanError) as refused:
        register_device(tree["S1"], "手机", by=other_station_manager)
    assert refused.value.code == "unit_not_managed"
