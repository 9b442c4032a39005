"""Every events endpoint refuses those outside the event's subtree, volunteers where they
may not act, and the anonymous."""

import pytest

from events.models import Method
from events.services import record_scan
from tests.conftest import client_for
from tests.events.conftest import at

ENDPOINTS = [
    # method, path, body, (other station manager, volunteer, anonymous)
    ("patch", "events/{event}/", {"title": "x"}, (404, 403, 401)),
    ("delete", "events/{event}/", None, (404, 403, 401)),
    ("post", "events/{event}/publish/", None, (404, 403, 401)),
    ("post", "events/{event}/cancel/", None, (404, 403, 401)),
    ("get", "events/{event}/signups/", None, (404, 403, 401)),
    ("get", "events/{event}/checkin-code/", None, (404, 403, 401)),
    ("post", "events/{event}/scan/", {"volunteer_token": "x", "action": "in"}, (404, 403, 401)),
    ("post", "events/{event}/signup/", None, (403, 200, 401)),
    ("get", "records/{record}/", None, (404, 200, 401)),
    ("patch", "records/{record}/", {"checked_out_at": "2026-12-05T10:00:00+08:00", "reason": "x"}, (404, 403, 401)),
    ("post", "records/{record}/approve/", None, (404, 403, 401)),
    ("post", "records/{record}/reject/", {"reason": "x"}, (404, 403, 401)),
    ("get", "records/{record}/history/", None, (404, 200, 401)),
    ("post", "records/bulk-approve/", {"ids": ["{record}"]}, (200, 403, 401)),
    ("get", "refused-scans/", None, (200, 403, 401)),
    ("get", "me/checkin-code/", None, (403, 200, 401)),
    ("post", "checkins/", {"token": "x"}, (403, 400, 401)),
]


@pytest.fixture
def world(event, signed_up):
    record_scan(signed_up, event, "in", method=Method.EVENT_QR, at=at(9))
    record, _ = record_scan(signed_up, event, "out", method=Method.EVENT_QR, at=at(10))
    return {"event": event.pk, "record": record.pk}


@pytest.mark.parametrize(("method", "path", "body", "expected"), ENDPOINTS, ids=[f"{m} {p}" for m, p, *_ in ENDPOINTS])
@pytest.mark.parametrize("persona", ["other_station_manager", "volunteer", "anonymous"])
def test_outsiders_are_refused(request, world, method, path, body, expected, persona):
    user = {
        "other_station_manager": lambda: request.getfixturevalue("other_station_manager"),
        "volunteer": lambda: request.getfixturevalue("volunteer").user,
        "anonymous": lambda: None,
    }[persona]()
    if body and "ids" in body:
        body = {"ids": [world["record"]]}
    response = getattr(client_for(user), method)(f"/api/v1/{path.format(**world)}", body, format="json")
    status = expected[["other_station_manager", "volunteer", "anonymous"].index(persona)]
    assert response.status_code == status, response.content.decode()[:200]


def test_bulk_approve_by_another_station_approves_nothing(other_station_manager, world):
    body = (
        client_for(other_station_manager)
        .post("/api/v1/records/bulk-approve/", {"ids": [world["record"]]}, format="json")
        .json()
    )
    assert body == {"approved": [], "skipped": {"not_found": [world["record"]]}}
