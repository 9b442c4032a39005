"""Every certificates endpoint refuses those outside the unit's subtree, volunteers where they may not act,
and the anonymous; list queries do not grow with the page. Its dates are 2026's:
tests/certificates/conftest.py's autouse ``in_2026`` freezes the clock on 2026-12-05."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certificates.models import BulkIssueJob
from certificates.services import Coverage, issue_certificate, request_certificate
from tests.certificates.conftest import PERIOD, approved, event_on
from tests.conftest import client_for, make_volunteer

ENDPOINTS = [
    # method, path, body, (other station manager, volunteer, stranger, anonymous)
    ("get", "certificates/", None, (200, 200, 200, 401)),
    ("get", "certificates/{certificate}/", None, (404, 200, 404, 401)),
    ("get", "certificates/{certificate}/pdf/", None, (404, 200, 404, 401)),
    ("post", "certificates/", "issue", (400, 403, 403, 401)),
    ("post", "certificates/{certificate}/revoke/", {"reason": "x"}, (404, 403, 403, 401)),
    ("get", "certificate-requests/", None, (200, 200, 200, 401)),
    ("get", "certificate-requests/{request}/", None, (404, 200, 404, 401)),
    ("post", "certificate-requests/", PERIOD, (403, 409, 403, 401)),
    ("post", "certificate-requests/{request}/accept/", {}, (404, 403, 403, 401)),
    ("post", "certificate-requests/{request}/decline/", {"reason": "x"}, (404, 403, 403, 401)),
    ("get", "certificate-jobs/", None, (200, 403, 403, 401)),
    ("get", "certificate-jobs/{job}/", None, (404, 403, 403, 401)),
    ("post", "certificate-jobs/", "job", (400, 403, 403, 401)),
    ("get", "certificate-jobs/{job}/zip/", None, (404, 403, 403, 401)),
    ("get", "certificate-jobs/{job}/combined-pdf/", None, (404, 403, 403, 401)),
]
PERSONAS = ["other_station_manager", "volunteer", "stranger", "anonymous"]


@pytest.fixture
def world(tree, station_manager, volunteer):
    approved(event_on(tree["S1"], 1), volunteer)
    approved(event_on(tree["S1"], 2), volunteer)
    certificate = issue_certificate(
        volunteer, tree["S1"], Coverage(event=volunteer.service_records.first().event), by=station_manager
    )
    request = request_certificate(volunteer, tree["S1"], Coverage(**_period()))
    job = BulkIssueJob.objects.create(unit=tree["S1"], **_period())
    return {
        "certificate": certificate.pk,
        "request": request.pk,
        "job": job.pk,
        "volunteer_id": volunteer.pk,
        "unit": tree["S1"].pk,
    }


def _period():
    import datetime

    return {"period_start": datetime.date(2026, 1, 1), "period_end": datetime.date(2026, 12, 31)}


@pytest.mark.parametrize(("method", "path", "body", "expected"), ENDPOINTS, ids=[f"{m} {p}" for m, p, *_ in ENDPOINTS])
@pytest.mark.parametrize("persona", PERSONAS)
def test_outsiders_are_refused(request, world, method, path, body, expected, persona):
    user = {
        "other_station_manager": lambda: request.getfixturevalue("other_station_manager"),
        "volunteer": lambda: request.getfixturevalue("volunteer").user,
        "stranger": lambda: request.getfixturevalue("stranger"),
        "anonymous": lambda: None,
    }[persona]()
    if body == "issue":
        body = {"volunteer": world["volunteer_id"], "unit": world["unit"], **PERIOD}
    elif body == "job":
        body = {"unit": world["unit"], **PERIOD}
    response = getattr(client_for(user), method)(f"/api/v1/{path.format(**world)}", body, format="json")
    assert response.status_code == expected[PERSONAS.index(persona)], response.content.decode()[:200]


def test_a_strangers_lists_are_empty(stranger, world):
    client = client_for(stranger)
    assert client.get("/api/v1/certificates/").json()["count"] == 0
    assert client.get("/api/v1/certificate-requests/").json()["count"] == 0


def test_the_certificate_list_costs_the_same_queries_whatever_the_page(center_manager, station_manager, tree):
    event = event_on(tree["S1"], 1)
    for n in range(12):
        volunteer = make_volunteer(tree["S1" if n % 2 else "S2"], "群众")
        approved(event if n % 2 else event_on(tree["S2"], 1), volunteer)
        unit = tree["S1"] if n % 2 else tree["S2"]
        issue_certificate(volunteer, unit, Coverage(**_period()), by=center_manager)

    def queries(url: str) -> int:
        client = client_for(type(center_manager).objects.get(pk=center_manager.pk))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    for resource in ("certificates", "certificate-requests", "certificate-jobs"):
        assert queries(f"/api/v1/{resource}/?page_size=2") == queries(f"/api/v1/{resource}/?page_size=200") <= 6
