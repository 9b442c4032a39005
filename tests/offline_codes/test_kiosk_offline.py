"""The kiosk keeps showing codes offline: it computes them with its event's key, as kiosk.js does."""

import base64
import datetime
import hashlib
import hmac

import pytest
from django.test import Client

from events.checkin_codes import CodeError, make_kiosk_code, read_event_code, window_of
from events.models import Method, ServiceRecord
from tests.conftest import client_for
from tests.events.conftest import at, make_event

pytestmark = pytest.mark.django_db


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def material(user, event) -> dict:
    response = page_client(user).get(f"/events/{event.pk}/kiosk/key/")
    assert response.status_code == 200 and "no-cache" in response["Cache-Control"]
    return response.json()


def browser_code(body: dict, action: str, moment) -> str:
    """What kiosk.js computes with WebCrypto: HMAC-SHA256 of K1.<event>.<action>.<window>."""
    key = base64.urlsafe_b64decode(body["key"] + "=" * (-len(body["key"]) % 4))
    text = f"K1.{body['event']}.{action}.{int(moment.timestamp() * 1000) // (body['window_seconds'] * 1000)}"
    signature = base64.urlsafe_b64encode(hmac.new(key, text.encode(), hashlib.sha256).digest()).rstrip(b"=")
    return f"{text}.{signature.decode()}"


def check_in(volunteer, token):
    return client_for(volunteer.user).post("/api/v1/checkins/", {"token": token}, format="json")


def test_a_code_made_by_the_offline_kiosk_checks_in_and_out(clock, event, station_manager, volunteer):
    body = material(station_manager, event)
    assert body["checkin_url"] == "http://127.0.0.1:8000/c/" and body["window_seconds"] == 30
    opens = {action: [datetime.datetime.fromisoformat(m) for m in span] for action, span in body["open"].items()}
    assert opens == {"in": [at(8, 30), at(11)], "out": [at(8, 30), at(12)]}
    clock.move_to(at(8, 45))
    token = browser_code(body, "in", at(8, 45))
    assert token == make_kiosk_code(event.pk, "in", at(8, 45))
    response = check_in(volunteer, token)
    assert response.status_code == 201
    assert ServiceRecord.objects.get(pk=response.json()["id"]).method == Method.EVENT_QR
    clock.move_to(at(11, 10))
    out = check_in(volunteer, browser_code(body, "out", at(11, 10)))
    assert out.status_code == 200 and out.json()["credited_hours"] == "2.00"


def test_a_kiosk_code_is_refused_for_another_event_outside_its_window_and_outside_the_events_hours(
    clock, event, tree, station_manager, volunteer
):
    body = material(station_manager, event)
    other = make_event(tree["S1"], title="另一活动")
    clock.move_to(at(9))
    # This event's key cannot sign the other event's code.
    forged = browser_code({**body, "event": other.pk}, "in", at(9))
    assert check_in(volunteer, forged).json()["code"] == "token_invalid"
    # Nor turn a check-in code into a check-out code.
    token = browser_code(body, "in", at(9))
    assert check_in(volunteer, token.replace(".in.", ".out.", 1)).json()["code"] == "token_invalid"
    # A code of 90 seconds ago has expired, one of the next window is not valid yet.
    assert check_in(volunteer, browser_code(body, "in", at(8, 58, 30))).json()["code"] == "token_expired"
    assert check_in(volunteer, browser_code(body, "in", at(9, 1))).json()["code"] == "token_invalid"
    # Before check-in opens the key signs codes, but the event refuses them as it refuses its own.
    clock.move_to(at(8, 10))
    assert check_in(volunteer, browser_code(body, "in", at(8, 10))).json()["code"] == "event_not_open"
    assert not ServiceRecord.objects.exists()


def test_read_event_code_checks_the_kiosk_signature_and_window(clock):
    token = make_kiosk_code(41, "out", at(9))
    assert (read_event_code(token, at(9, 0, 45)).event_id, read_event_code(token, at(9)).action) == (41, "out")
    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), token.replace("K1.41.", "K1.42.", 1), "K1.41.out.1.x"):
        with pytest.raises(CodeError):
            read_event_code(bad, at(9))
    assert window_of(at(9)) > 0


def test_only_those_who_run_the_event_get_its_key(clock, event, other_station_manager, volunteer, center_manager):
    url = f"/events/{event.pk}/kiosk/key/"
    assert material(center_manager, event)["event"] == event.pk
    assert page_client(other_station_manager).get(url).status_code == 404
    assert page_client(volunteer.user).get(url).status_code == 404
    assert Client().get(url).status_code == 302
    assert page_client(center_manager).post(url).status_code == 405


def test_the_kiosk_page_points_its_script_at_the_key(clock, event, station_manager):
    html = page_client(station_manager).get(f"/events/{event.pk}/kiosk/?action=out").content.decode()
    assert f'data-key-url="/events/{event.pk}/kiosk/key/"' in html and 'data-action="out"' in html
    assert "kiosk_qrcode.js" in html
