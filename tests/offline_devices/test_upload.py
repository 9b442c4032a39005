"""Uploads from a scanner: checked whole (400 with field messages in Chinese), then merged
(events.offline_merge) and answered per nonce."""

import datetime
import itertools
import json

import pytest
from django.utils import timezone

from accounts.throttles import ScopedThrottle
from events.models import Method, OfflineScan, RecordStatus, ServiceRecord
from events.offline_codes import make_phone_code
from events.offline_scanning import register_device
from events.services import sign_up
from tests.conftest import client_for, make_volunteer
from tests.events.conftest import at, make_event
from tests.offline_devices.conftest import scanner_headers

URL = "/api/v1/scanner/upload/"
_nonces = itertools.count(1)


def scan(event, volunteer, action: str, when: datetime.datetime, **fields) -> dict:
    """A scan as the phone records it: the volunteer's code shown at ``when``, scanned then."""
    number = next(_nonces)
    return {
        "nonce": f"nonce-{number:06d}",
        "counter": number,
        "event": event.pk,
        "code": make_phone_code(volunteer.pk, when),
        "action": action,
        "walk_in": False,
        "device_time": when.isoformat(),
        **fields,
    }


@pytest.fixture
def phone(registered, station_manager):
    device, secret = registered

    def upload(scans: list[dict], sent_at: datetime.datetime | None = None, **extra):
        body = {"sent_at": (sent_at or timezone.now()).isoformat(), "scans": scans}
        return client_for(station_manager).post(URL, body, format="json", **scanner_headers(device, secret), **extra)

    return upload


def chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


def messages(body) -> list[str]:
    if isinstance(body, dict):
        return [text for value in body.values() for text in messages(value)]
    if isinstance(body, list):
        return [text for value in body for text in messages(value)]
    return [body]


def test_a_checkin_and_checkout_uploaded_later_make_the_record_with_their_scan_times(
    phone, event, volunteer, clock, station_manager
):
    sign_up(event, volunteer, at=at(8))
    clock.move_to(at(11, 30))
    scans = [scan(event, volunteer, "in", at(9, 2)), scan(event, volunteer, "out", at(10, 58))]

    response = phone(scans)

    assert response.status_code == 200
    body = response.json()
    assert (body["stored"], body["duplicates"], body["clock_offset_ms"]) == (2, 0, 0)
    record = ServiceRecord.objects.get(event=event, volunteer=volunteer)
    assert (record.checked_in_at, record.checked_out_at) == (at(9, 2), at(10, 58))
    assert record.method == Method.OFFLINE_QR and record.status == RecordStatus.PENDING
    assert record.created_by == station_manager
    results = body["results"]
    assert [result["nonce"] for result in results] == [s["nonce"] for s in scans]
    assert {result["outcome"] for result in results} == {"applied"}
    assert {result["record"] for result in results} == {record.pk}
    assert {result["name"] for result in results} == {"李四"}
    assert results[0]["scanned_at"] == timezone.localtime(at(9, 2)).isoformat()


def test_an_upload_sent_again_after_a_cut_is_counted_once(phone, event, volunteer, clock):
    clock.move_to(at(11, 30))
    scans = [scan(event, volunteer, "in", at(9, 2)), scan(event, volunteer, "out", at(10, 58))]
    phone(scans[:1])
    again = phone(scans).json()
    assert (again["stored"], again["duplicates"]) == (1, 1)
    assert OfflineScan.objects.count() == 2
    assert ServiceRecord.objects.get(event=event, volunteer=volunteer).checked_out_at == at(10, 58)


def test_a_scan_online_would_refuse_is_answered_as_a_conflict_with_a_masked_name(
    phone, tree, clock, registered, station_manager
):
    strict = make_event(tree["S1"], signup_required=True, walk_ins_allowed=False)
    stranger = make_volunteer(tree["S2"], "王小明")
    clock.move_to(at(9, 30))
    body = phone([scan(strict, stranger, "in", at(9, 5))]).json()
    (result,) = body["results"]
    assert (result["outcome"], result["reason"]) == ("conflict", "not_signed_up")
    assert chinese(result["reason_text"])
    assert result["name"] == "王*"
    assert result["record"] is None
    assert not ServiceRecord.objects.filter(event=strict).exists()


def test_an_unreadable_code_is_kept_as_a_conflict_without_a_name(phone, event, volunteer, clock):
    clock.move_to(at(9, 30))
    body = phone([scan(event, volunteer, "in", at(9, 5), code="not a code")]).json()
    (result,) = body["results"]
    assert (result["outcome"], result["reason"], result["name"]) == ("conflict", "token_invalid", "")


def test_the_upload_estimates_the_phones_clock_from_when_it_was_sent(phone, event, volunteer, clock):
    clock.move_to(at(11, 30))
    # The scanner's clock runs three minutes behind (the volunteers' phones are right): it read
    # 08:57 when the server's clock read 09:00.
    behind = datetime.timedelta(minutes=3)
    scans = [
        scan(event, volunteer, action, when, device_time=(when - behind).isoformat())
        for action, when in (("in", at(9, 0)), ("out", at(11, 0)))
    ]
    body = phone(scans, sent_at=timezone.now() - behind).json()
    assert body["clock_offset_ms"] == 180_000
    record = ServiceRecord.objects.get(event=event, volunteer=volunteer)
    assert (record.checked_in_at, record.checked_out_at) == (at(9, 0), at(11, 0))


def test_a_queue_uploaded_days_after_the_visit_still_makes_its_records(phone, event, volunteer, clock):
    # No signal in the village for five days: the phone comes back with a right clock.
    clock.move_to(at(11, 30) + datetime.timedelta(days=5))
    body = phone([scan(event, volunteer, "in", at(9, 0)), scan(event, volunteer, "out", at(11, 0))]).json()
    assert body["stored"] == 2
    record = ServiceRecord.objects.get(event=event, volunteer=volunteer)
    assert (record.checked_in_at, record.checked_out_at) == (at(9, 0), at(11, 0))


@pytest.mark.parametrize("off", [datetime.timedelta(days=3), -datetime.timedelta(days=3)], ids=["ahead", "behind"])
def test_a_phone_whose_clock_is_days_off_is_stored_and_sent_to_review(phone, event, volunteer, clock, off):
    clock.move_to(at(11, 30))
    scans = [
        scan(event, volunteer, action, when, device_time=(when + off).isoformat())
        for action, when in (("in", at(9, 0)), ("out", at(11, 0)))
    ]
    response = phone(scans, sent_at=timezone.now() + off)
    assert response.status_code == 200, response.content
    assert {(result["outcome"], result["reason"]) for result in response.json()["results"]} == {
        ("conflict", "clock_skew")
    }
    assert not ServiceRecord.objects.filter(event=event, volunteer=volunteer).exists()


# Validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"nonce": "short"}, "nonce"),
        ({"nonce": "has spaces in it"}, "nonce"),
        ({"nonce": "x" * 33}, "nonce"),
        ({"nonce": "abcdefgh١"}, "nonce"),
        ({"counter": 0}, "counter"),
        ({"counter": 2**53 + 1}, "counter"),
        ({"counter": "many"}, "counter"),
        ({"action": "sideways"}, "action"),
        ({"code": "P" * 201}, "code"),
        ({"code": ""}, "code"),
        ({"event": 0}, "event"),
        ({"event": 10**30}, "event"),
        ({"event": 987654}, "event"),
        ({"device_time": "9999-12-31T23:59:59+08:00"}, "device_time"),
        ({"device_time": "soon"}, "device_time"),
        ({"walk_in": "perhaps"}, "walk_in"),
    ],
)
def test_a_bad_scan_is_refused_with_a_field_message_in_chinese(phone, event, volunteer, clock, change, field):
    good = scan(event, volunteer, "in", at(8, 50))
    response = phone([good, {**scan(event, volunteer, "in", at(8, 51)), **change}])
    assert response.status_code == 400, response.content
    errors = response.json()["scans"]
    assert list(errors) == ["1"]
    assert list(errors["1"]) == [field]
    assert all(chinese(text) for text in messages(errors["1"])), errors["1"]
    assert not OfflineScan.objects.exists()


def test_an_event_outside_the_devices_unit_is_refused_even_to_a_manager_above(tree, clock, center_manager, volunteer):
    device, secret = register_device(tree["S1"], "东门站手机", by=center_manager)
    neighbours = make_event(tree["S2"])
    body = {"sent_at": timezone.now().isoformat(), "scans": [scan(neighbours, volunteer, "in", at(8, 50))]}
    response = client_for(center_manager).post(URL, body, format="json", **scanner_headers(device, secret))
    assert response.status_code == 400
    assert list(response.json()["scans"]["0"]) == ["event"]


def test_an_event_the_uploader_does_not_run_is_refused(tree, clock, registered, other_station_manager, volunteer):
    device, secret = registered
    event = make_event(tree["S1"])
    body = {"sent_at": timezone.now().isoformat(), "scans": [scan(event, volunteer, "in", at(8, 50))]}
    response = client_for(other_station_manager).post(URL, body, format="json", **scanner_headers(device, secret))
    assert response.status_code == 400
    assert list(response.json()["scans"]["0"]) == ["event"]


@pytest.mark.parametrize("body", [{}, {"sent_at": "x", "scans": "x"}, [], "text", {"scans": [1, 2]}])
def test_a_malformed_upload_is_a_400(registered, station_manager, clock, body):
    device, secret = registered
    response = client_for(station_manager).post(URL, body, format="json", **scanner_headers(device, secret))
    assert response.status_code == 400


def test_an_empty_upload_is_refused(phone, clock):
    response = phone([])
    assert response.status_code == 400 and chinese(response.json()["scans"][0])


def test_more_scans_than_the_setting_allows_are_refused_before_any_is_read(phone, event, volunteer, clock, settings):
    settings.OFFLINE_UPLOAD_MAX_SCANS = 3
    response = phone([scan(event, volunteer, "in", at(8, 50)) for _ in range(4)])
    assert response.status_code == 400
    (message,) = response.json()["scans"]
    assert "3" in message and chinese(message)


def test_a_body_larger_than_an_honest_upload_is_refused_without_reading_it(registered, station_manager, clock):
    device, secret = registered
    body = json.dumps({"sent_at": timezone.now().isoformat(), "scans": [], "padding": "x" * 1_100_000})
    response = client_for(station_manager).post(
        URL, body, content_type="application/json", **scanner_headers(device, secret)
    )
    assert response.status_code == 413
    assert chinese(response.json()["detail"])


def test_uploads_are_throttled_per_user(phone, event, volunteer, clock, monkeypatch):
    monkeypatch.setitem(ScopedThrottle.THROTTLE_RATES, "offline_upload", "2/minute")
    clock.move_to(at(9))
    statuses = [phone([scan(event, volunteer, "in", at(8, 50))]).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_a_volunteer_cannot_upload_with_a_managers_phone(registered, volunteer, event, clock):
    device, secret = registered
    body = {"sent_at": timezone.now().isoformat(), "scans": [scan(event, volunteer, "in", at(8, 50))]}
    response = client_for(volunteer.user).post(URL, body, format="json", **scanner_headers(device, secret))
    assert response.status_code == 400
    assert not OfflineScan.objects.exists()
