"""One JSON line per request, domain events with their codes, and never a full phone or ID number."""

import json
import logging

import pytest
from django.test import Client

from backend.request_logging import JsonFormatter
from tests.conftest import client_for
from tests.events.conftest import make_event
from tests.events.test_checkin import code_for

FORMAT = JsonFormatter()


def lines(caplog, logger: str) -> list[dict]:
    return [json.loads(FORMAT.format(record)) for record in caplog.records if record.name == logger]


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.INFO)
    return caplog


def test_a_request_is_one_json_line_with_id_user_view_status_and_duration(logs, volunteer):
    response = client_for(volunteer.user).get("/api/v1/auth/whoami/")
    [line] = lines(logs, "backend.requests")
    assert line["request_id"] == response["X-Request-ID"] and len(line["request_id"]) == 32
    assert line["user_id"] == volunteer.user.pk
    assert line["view"] == "auth-whoami" and line["route"] == "api/v1/auth/whoami/"
    assert line["method"] == "GET" and line["status"] == 200
    assert line["duration_ms"] >= 0 and line["level"] == "INFO" and "time" in line


def test_the_request_id_of_our_own_proxy_is_kept(logs, settings, db):
    settings.NUM_PROXIES = 1
    response = Client().get("/api/v1/units/", HTTP_X_REQUEST_ID="lb-7f3a9c")
    assert response["X-Request-ID"] == "lb-7f3a9c"
    assert lines(logs, "backend.requests")[0]["request_id"] == "lb-7f3a9c"


def test_a_clients_own_request_id_is_not_believed_without_a_proxy(logs, settings, db):
    settings.NUM_PROXIES = 0
    response = Client().get("/api/v1/units/", HTTP_X_REQUEST_ID="forged-id")
    assert response["X-Request-ID"] != "forged-id"


def test_a_phone_number_typed_into_a_search_never_reaches_the_log(logs, station_manager_client, volunteer):
    station_manager_client.get(f"/api/v1/volunteers/?q={volunteer.phone}")
    text = "\n".join(FORMAT.format(record) for record in logs.records)
    assert volunteer.phone not in text
    assert "backend.requests" in text


def test_numbers_in_any_log_message_or_field_are_masked():
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "login for %s", ("13812345678",), None)
    record.detail = "身份证 110105199001011234"
    line = json.loads(FORMAT.format(record))
    assert line["message"] == "login for 138****5678"
    assert line["detail"] == "身份证 110105********1234"


def test_a_refused_checkin_is_logged_with_its_code(logs, clock, tree, station_manager_client, volunteer):
    event = make_event(tree["S1"])
    clock.move_to(event.starts_at)
    token = code_for(station_manager_client, event)["token"]
    volunteer_client = client_for(volunteer.user)
    volunteer_client.post("/api/v1/checkins/", {"token": token}, format="json")
    clock.move_to(event.ends_at)
    volunteer_client.post("/api/v1/checkins/", {"token": token}, format="json")
    events = lines(logs, "domain")
    assert [line["event"] for line in events] == ["checked_in", "checkin_refused"]
    assert events[0]["volunteer_id"] == volunteer.pk and events[0]["code"] == "event_qr"
    assert events[1]["code"] == "token_expired" and events[1]["volunteer_id"] == volunteer.pk


def test_an_approved_record_and_a_revoked_certificate_are_logged(logs, db):
    from backend.domain_events.apps import on_certificate, on_record_change

    class Change:
        action, record_id, changed_by_id = "approve", 5, 9

    class Certificate:
        pk, number, revoked_at, revoked_by_id = 3, "C-2026-000003", "2026-12-05", 9

    on_record_change(None, Change(), created=True)
    on_certificate(None, Certificate(), created=False, update_fields={"revoked_at", "revoked_by"})
    assert [(line["event"], line.get("code")) for line in lines(logs, "domain")] == [
        ("record_approved", "approve"),
        ("certificate_revoked", None),
    ]


def test_the_leak_scan_reads_the_extra_fields_of_json_lines(volunteer):
    from tests import leak_scan

    record = logging.LogRecord("backend.requests", logging.INFO, __file__, 1, "GET - 200", (), None)
    record.view = f"search {volunteer.phone}"
    leak_scan.LeakLogHandler().emit(record)
    found = list(leak_scan.leaks)
    leak_scan.leaks.clear()
    assert found, "a number in an extra field is a leak even though the formatter would mask it"
