"""List filters answer an id outside the caller's scope exactly as an unknown id.

Before, a filter's choices were every row in the database: another station's
volunteer, draft event or team gave an empty page where an unknown id gave 400,
which confirmed that the row existed. Now both give the same 400 and the same
body. Practice units are the public directory, so any unit id may be filtered by.
"""

import datetime

import pytest
from django.utils import timezone

from certificates.models import BulkIssueJob
from events.models import EventStatus, Method, RefusedScan, ServiceRecord
from tests.conftest import client_for
from tests.events.conftest import make_event
from volunteers.models import Team

UNKNOWN = 987_654_321


@pytest.fixture
def far(tree, far_volunteer, admin_user) -> dict:
    """Rows of station S4, under another center than the station manager's S1."""
    draft = make_event(tree["S4"], title="远方草稿", status=EventStatus.DRAFT)
    today = timezone.localdate()
    return {
        "volunteer": far_volunteer.pk,
        "event": draft.pk,
        "team": Team.objects.create(name="远队", unit=tree["S4"]).pk,
        "bulk_job": BulkIssueJob.objects.create(
            unit=tree["S4"], period_start=today, period_end=today, created_by=admin_user
        ).pk,
        "refused": RefusedScan.objects.create(
            event=draft, volunteer=far_volunteer, code="token_expired", at=timezone.now()
        ),
    }


FILTERS = [
    ("/api/v1/records/", "volunteer"),
    ("/api/v1/records/", "event"),
    ("/api/v1/refused-scans/", "volunteer"),
    ("/api/v1/refused-scans/", "event"),
    ("/api/v1/certificates/", "volunteer"),
    ("/api/v1/certificates/", "event"),
    ("/api/v1/certificates/", "bulk_job"),
    ("/api/v1/certificate-requests/", "volunteer"),
    ("/api/v1/volunteers/", "team"),
]


@pytest.mark.parametrize(("url", "name"), FILTERS)
def test_an_id_outside_the_managers_scope_answers_like_an_unknown_id(station_manager_client, far, url, name):
    outside = station_manager_client.get(url, {name: far[name]})
    unknown = station_manager_client.get(url, {name: UNKNOWN})
    assert outside.status_code == unknown.status_code == 400
    assert outside.json() == unknown.json()


def test_a_volunteer_cannot_confirm_another_volunteer_by_filtering_records(volunteer_client, other_volunteer):
    outside = volunteer_client.get("/api/v1/records/", {"volunteer": other_volunteer.pk})
    unknown = volunteer_client.get("/api/v1/records/", {"volunteer": UNKNOWN})
    assert outside.status_code == unknown.status_code == 400
    assert outside.json() == unknown.json()


def test_a_manager_may_filter_by_a_visitor_who_served_at_their_event(station_manager_client, tree, far_volunteer):
    started = timezone.now() - datetime.timedelta(hours=3)
    event = make_event(tree["S1"], starts_at=started, ends_at=started + datetime.timedelta(hours=2))
    record = ServiceRecord.objects.create(
        event=event,
        volunteer=far_volunteer,
        checked_in_at=event.starts_at,
        checked_out_at=event.starts_at + datetime.timedelta(hours=1),
        method=Method.MANUAL,
    )
    response = station_manager_client.get("/api/v1/records/", {"volunteer": far_volunteer.pk})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [record.pk]


def test_ids_in_scope_still_filter(tree, station_manager, volunteer):
    team = Team.objects.create(name="东门队", unit=tree["S1"])
    team.members.add(volunteer)
    response = client_for(station_manager).get("/api/v1/volunteers/", {"team": team.pk})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [volunteer.pk]


def test_any_unit_of_the_public_directory_may_be_filtered_by(station_manager_client, tree):
    response = station_manager_client.get("/api/v1/events/", {"unit": tree["S4"].pk})
    assert response.status_code == 200 and response.json()["results"] == []
