import json

import pytest
from django.core import signing

from events.checkin_codes import EVENT_SALT, make_event_code, make_volunteer_code
from events.models import Event, RecordStatus, RefusedScan, ServiceRecord
from events.services import sign_up
from tests.conftest import client_for
from tests.events.conftest import at, decode_qr_svg, make_event

URL = "/api/v1/checkins/"


def code_for(client, event, action="in") -> dict:
    response = client.get(f"/api/v1/events/{event.pk}/checkin-code/?action={action}")
    assert response.status_code == 200
    return response.json()


def test_the_whole_flow_through_the_api(clock, station_manager_client, center_manager_client, volunteer, tree):
    # A manager creates and publishes an event.
    created = station_manager_client.post(
        "/api/v1/events/",
        {
            "unit": tree["S1"].pk,
            "title": "敬老院探访",
            "category": "elderly_disabled",
            "address": "示范县敬老院",
            "starts_at": at(9).isoformat(),
            "ends_at": at(11).isoformat(),
            "signup_required": True,
        },
        format="json",
    ).json()
    event_url = f"/api/v1/events/{created['id']}/"
    station_manager_client.post(f"{event_url}publish/")
    volunteer_client = client_for(volunteer.user)
    assert volunteer_client.post(f"{event_url}signup/").status_code == 201

    # The venue screen's code: its QR decodes to SITE_URL/c/<token>.
    clock.move_to(at(8, 40))
    code = code_for(station_manager_client, _event(created))
    assert decode_qr_svg(code["qr_svg"]) == code["url"] == f"http://127.0.0.1:8000/c/{code['token']}"

    # Posting it twice makes one record.
    first = volunteer_client.post(URL, {"token": code["token"]}, format="json")
    again = volunteer_client.post(URL, {"token": code["token"]}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and ServiceRecord.objects.count() == 1

    # The same token 90 seconds later has expired.
    clock.move_to(at(8, 41, 30))
    late = volunteer_client.post(URL, {"token": code["token"]}, format="json")
    assert late.status_code == 400 and late.json()["code"] == "token_expired"

    # A token altered to name another event is invalid.
    forged = alter_event(code["token"], created["id"] + 1)
    assert volunteer_client.post(URL, {"token": forged}, format="json").json()["code"] == "token_invalid"

    # Check-out at 12:00 credits the overlap with 09:00-11:00: two hours.
    clock.move_to(at(12))
    out = code_for(station_manager_client, _event(created), "out")
    response = volunteer_client.post(URL, {"token": out["token"]}, format="json")
    assert response.status_code == 200
    assert response.json()["credited_hours"] == "2.00" and response.json()["status"] == "pending"

    # Approval raises the volunteer's total.
    assert volunteer_client.get("/api/v1/me/").json()["approved_hours"] == "0.00"
    assert center_manager_client.post(f"/api/v1/records/{response.json()['id']}/approve/").status_code == 200
    assert volunteer_client.get("/api/v1/me/").json()["approved_hours"] == "2.00"


def _event(body: dict) -> Event:
    return Event.objects.get(pk=body["id"])


def alter_event(token: str, event_id: int) -> str:
    """The token with its payload rewritten to name another event, signature kept."""
    payload, rest = token.split(":", 1)
    data = json.loads(signing.b64_decode(payload.encode()))
    data["e"] = event_id
    return signing.b64_encode(json.dumps(data, separators=(",", ":")).encode()).decode() + ":" + rest


def test_a_token_altered_to_another_event_is_invalid(clock, volunteer_client, event, tree):
    clock.move_to(at(9))
    other = make_event(tree["S2"])
    token = make_event_code(other.pk, "in", at(9))
    assert signing.loads(token, salt=EVENT_SALT)["e"] == other.pk
    response = volunteer_client.post(URL, {"token": alter_event(token, event.pk)}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "token_invalid"
    assert not ServiceRecord.objects.exists()


@pytest.mark.parametrize("token", ["", "x" * 600, "abc", "eyJ9:1:2"])
def test_garbage_tokens_are_400(clock, volunteer_client, event, token):
    response = volunteer_client.post(URL, {"token": token}, format="json")
    assert response.status_code == 400


def test_a_personal_code_is_no_event_code(clock, volunteer_client, volunteer, event):
    clock.move_to(at(9))
    response = volunteer_client.post(URL, {"token": make_volunteer_code(volunteer.pk, at(9))}, format="json")
    assert response.json()["code"] == "token_invalid"


def scan(client, event, action, moment):
    return client.post(URL, {"token": make_event_code(event.pk, action, moment)}, format="json")


@pytest.mark.parametrize(
    ("moment", "expected"),
    [(at(8, 29), "event_not_open"), (at(8, 30), None), (at(11), None), (at(11, 0, 1), "event_not_open")],
)
def test_check_in_opens_30_minutes_before_and_closes_at_the_end(clock, volunteer_client, event, moment, expected):
    clock.move_to(moment)
    response = scan(volunteer_client, event, "in", moment)
    if expected:
        assert response.status_code == 409 and response.json()["code"] == expected
    else:
        assert response.status_code == 201


def test_check_out_closes_60_minutes_after_the_end(clock, volunteer_client, event):
    clock.move_to(at(10))
    scan(volunteer_client, event, "in", at(10))
    clock.move_to(at(12, 0, 1))
    assert scan(volunteer_client, event, "out", at(12, 0, 1)).json()["code"] == "event_not_open"


@pytest.mark.parametrize("status", ["draft", "cancelled"])
def test_no_check_in_to_drafts_or_cancelled_events(clock, volunteer_client, tree, status):
    event = make_event(tree["S1"], status=status)
    clock.move_to(at(9))
    assert scan(volunteer_client, event, "in", at(9)).json()["code"] == "event_not_open"


def test_sign_up_required_means_signed_up(clock, volunteer_client, tree, volunteer):
    event = make_event(tree["S1"], signup_required=True)
    clock.move_to(at(9))
    response = scan(volunteer_client, event, "in", at(9))
    assert response.status_code == 409 and response.json()["code"] == "not_signed_up"
    sign_up(event, volunteer, at=at(9))
    assert scan(volunteer_client, event, "in", at(9)).status_code == 201


def test_a_waitlisted_volunteer_cannot_check_in(clock, volunteer_client, tree, volunteer, other_volunteer):
    event = make_event(tree["S1"], signup_required=True, capacity=1)
    sign_up(event, other_volunteer, at=at(8))
    sign_up(event, volunteer, at=at(8))
    clock.move_to(at(9))
    assert scan(volunteer_client, event, "in", at(9)).json()["code"] == "not_signed_up"


def test_outside_the_radius_is_out_of_area(clock, volunteer_client, tree):
    event = make_event(tree["S1"], latitude="30.000000", longitude="120.000000", radius_m=200)
    clock.move_to(at(9))
    token = make_event_code(event.pk, "in", at(9))
    far = volunteer_client.post(URL, {"token": token, "latitude": 30.01, "longitude": 120.0}, format="json")
    assert far.status_code == 400 and far.json()["code"] == "out_of_area"
    unknown = volunteer_client.post(URL, {"token": token}, format="json")
    assert unknown.json()["code"] == "out_of_area"
    near = volunteer_client.post(URL, {"token": token, "latitude": 30.001, "longitude": 120.0}, format="json")
    assert near.status_code == 201


def test_check_out_before_check_in_is_refused(clock, volunteer_client, event):
    clock.move_to(at(10))
    response = scan(volunteer_client, event, "out", at(10))
    assert response.status_code == 409 and response.json()["code"] == "not_checked_in"


def test_an_open_record_elsewhere_at_the_same_time_is_overlapping(clock, volunteer_client, tree):
    first = make_event(tree["S1"])
    second = make_event(tree["S2"], starts_at=at(10), ends_at=at(12))
    clock.move_to(at(9))
    scan(volunteer_client, first, "in", at(9))
    clock.move_to(at(10))
    response = scan(volunteer_client, second, "in", at(10))
    assert response.status_code == 409 and response.json()["code"] == "overlapping"


def test_a_later_check_out_moves_the_time_and_keeps_history(clock, volunteer_client, event):
    clock.move_to(at(9))
    record_id = scan(volunteer_client, event, "in", at(9)).json()["id"]
    clock.move_to(at(10))
    assert scan(volunteer_client, event, "out", at(10)).json()["credited_hours"] == "1.00"
    clock.move_to(at(10, 30))
    assert scan(volunteer_client, event, "out", at(10, 30)).json()["credited_hours"] == "1.50"
    history = volunteer_client.get(f"/api/v1/records/{record_id}/history/").json()
    assert [h["action"] for h in history] == ["check_out", "check_out"]
    assert history[1]["old"]["credited_hours"] == "1.00" and history[1]["new"]["credited_hours"] == "1.50"


def test_events_without_approval_approve_on_check_out(clock, volunteer_client, tree):
    event = make_event(tree["S1"], approval_required=False)
    clock.move_to(at(9))
    scan(volunteer_client, event, "in", at(9))
    clock.move_to(at(11))
    assert scan(volunteer_client, event, "out", at(11)).json()["status"] == RecordStatus.APPROVED


def test_the_server_clock_decides_and_client_time_is_kept(clock, volunteer_client, event):
    clock.move_to(at(9, 5))
    token = make_event_code(event.pk, "in", at(9, 5))
    body = volunteer_client.post(
        URL, {"token": token, "client_time": "2026-12-05T06:00:00+08:00"}, format="json"
    ).json()
    assert body["checked_in_at"].startswith("2026-12-05T09:05")
    assert body["client_time"].startswith("2026-12-05T06:00")


def test_refused_scans_are_stored_for_managers(clock, volunteer_client, station_manager_client, event, volunteer):
    clock.move_to(at(7))
    scan(volunteer_client, event, "in", at(7))
    volunteer_client.post(URL, {"token": "forged"}, format="json", HTTP_USER_AGENT="PhoneBrowser/1.0")
    refusals = RefusedScan.objects.order_by("id")
    assert [(r.code, r.event_id, r.volunteer_id) for r in refusals] == [
        ("event_not_open", event.pk, volunteer.pk),
        ("token_invalid", None, volunteer.pk),
    ]
    assert refusals[1].user_agent == "PhoneBrowser/1.0" and refusals[1].ip == "127.0.0.1"
    rows = station_manager_client.get("/api/v1/refused-scans/").json()["results"]
    assert {row["code"] for row in rows} == {"event_not_open", "token_invalid"}


def test_refused_scans_are_not_for_volunteers_or_other_managers(clock, volunteer_client, other_station_manager, event):
    clock.move_to(at(7))
    scan(volunteer_client, event, "in", at(7))
    assert volunteer_client.get("/api/v1/refused-scans/").status_code == 403
    assert client_for(other_station_manager).get("/api/v1/refused-scans/").json()["count"] == 0


def test_refusal_messages_are_in_chinese(clock, volunteer_client, event):
    clock.move_to(at(7))
    assert "签到" in scan(volunteer_client, event, "in", at(7)).json()["detail"]


def test_the_checkin_code_is_for_managers_of_the_event_only(clock, volunteer_client, other_station_manager, event):
    url = f"/api/v1/events/{event.pk}/checkin-code/"
    assert volunteer_client.get(url).status_code == 403
    assert client_for(other_station_manager).get(url).status_code == 404


def test_a_bad_action_for_the_checkin_code_is_400(station_manager_client, event):
    assert station_manager_client.get(f"/api/v1/events/{event.pk}/checkin-code/?action=sideways").status_code == 400


def test_the_code_expires_after_two_windows(clock, station_manager_client, event):
    clock.move_to(at(8, 40, 10))
    assert code_for(station_manager_client, event)["expires_at"] == "2026-12-05T08:41:00+08:00"


def test_a_manager_checks_a_volunteer_in_from_the_personal_code(clock, station_manager_client, volunteer, event):
    clock.move_to(at(9))
    personal = client_for(volunteer.user).get("/api/v1/me/checkin-code/").json()
    assert decode_qr_svg(personal["qr_svg"]) == personal["token"]
    url = f"/api/v1/events/{event.pk}/scan/"
    first = station_manager_client.post(url, {"volunteer_token": personal["token"], "action": "in"}, format="json")
    assert first.status_code == 201 and first.json()["method"] == "volunteer_qr"
    clock.move_to(at(9, 2))
    stale = station_manager_client.post(url, {"volunteer_token": personal["token"], "action": "in"}, format="json")
    assert stale.status_code == 400 and stale.json()["code"] == "token_expired"


def test_scanning_personal_codes_is_for_the_events_managers(clock, other_station_manager, volunteer, event):
    clock.move_to(at(9))
    token = make_volunteer_code(volunteer.pk, at(9))
    url = f"/api/v1/events/{event.pk}/scan/"
    assert client_for(other_station_manager).post(url, {"volunteer_token": token, "action": "in"}).status_code == 404
    assert client_for(volunteer.user).post(url, {"volunteer_token": token, "action": "in"}).status_code == 403


def test_anonymous_cannot_check_in(anon_client, event):
    assert anon_client.post(URL, {"token": "x"}, format="json").status_code == 401


def test_a_volunteer_code_needs_a_volunteer_profile(stranger):
    assert client_for(stranger).get("/api/v1/me/checkin-code/").status_code == 403


def test_check_in_is_throttled_per_volunteer(clock, volunteer_client, event, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"checkin": "3/minute"})
    clock.move_to(at(9))
    statuses = [scan(volunteer_client, event, "in", at(9)).status_code for _ in range(4)]
    assert statuses == [201, 200, 200, 429]
