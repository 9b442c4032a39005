"""List endpoints cost the same number of queries whatever the page size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stations.models import Level
from tests.conftest import client_for, make_unit, make_volunteer
from tests.events.conftest import make_event
from volunteers.models import Team


@pytest.fixture
def crowd(tree):
    volunteers = [make_volunteer(tree["S1" if n % 2 else "S2"], "群众") for n in range(30)]
    for n, volunteer in enumerate(volunteers):
        volunteer.skills.create(name=f"技能{n}")
    for n in range(30):
        team = Team.objects.create(name=f"队{n}", unit=tree["S1"], leader=volunteers[n])
        team.members.set(volunteers[: n + 1])
    return volunteers


def queries_for(user, url: str) -> int:
    # A fresh user object per request, as in production: nothing cached between them.
    client = client_for(type(user).objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("resource", ["units", "volunteers", "teams"])
def test_list_queries_do_not_grow_with_the_page(center_manager, crowd, resource):
    small = queries_for(center_manager, f"/api/v1/{resource}/?page_size=2")
    large = queries_for(center_manager, f"/api/v1/{resource}/?page_size=200")
    assert small == large
    assert large <= 6


@pytest.fixture
def busy_event(tree, crowd):
    from events.models import Event, Project, RefusedScan, ServiceRecord
    from tests.venues.conftest import make_venue

    # The other events are held at a venue and belong to a brand project: the list names both.
    hall = make_venue(tree["S2"], name="多功能厅")
    project = Project.objects.create(lead_unit=tree["S2"], name="邻里守望", starts_on="2026-01-01")
    event = Event.objects.create(
        unit=tree["S1"],
        title="大型活动",
        category="other",
        address="广场",
        starts_at="2026-12-05T09:00:00+08:00",
        ends_at="2026-12-05T11:00:00+08:00",
        status="published",
    )
    for n, volunteer in enumerate(crowd):
        event.signups.create(volunteer=volunteer, status="confirmed", queued_at="2026-12-01T09:00:00+08:00")
        ServiceRecord.objects.create(
            event=event, volunteer=volunteer, checked_in_at="2026-12-05T09:00:00+08:00", method="event_qr"
        )
        RefusedScan.objects.create(volunteer=volunteer, event=event, code="token_expired", at="2026-12-05T09:00Z")
        if n < 20:
            Event.objects.create(
                unit=tree["S2"],
                title=f"活动{n}",
                venue=hall,
                project=project,
                category="other",
                address="广场",
                starts_at="2026-12-06T09:00:00+08:00",
                ends_at="2026-12-06T11:00:00+08:00",
                status="published",
            )
    return event


@pytest.mark.parametrize("path", ["events/", "records/", "refused-scans/", "events/{event}/signups/"])
def test_event_lists_do_not_grow_with_the_page(center_manager, busy_event, path):
    url = "/api/v1/" + path.format(event=busy_event.pk)
    small = queries_for(center_manager, f"{url}?page_size=2")
    large = queries_for(center_manager, f"{url}?page_size=200")
    assert small == large
    assert large <= 6


def test_the_dashboard_costs_the_same_queries_for_more_stations_and_events(center_manager, admin_user, tree):
    """One grouped query per figure: a province's dashboard must not grow with its 20,000 stations."""
    url = "/api/v1/reports/dashboard/?month=2026-11"
    before = {user.pk: queries_for(user, url) for user in (center_manager, admin_user)}
    for n in range(6):
        station = make_unit(f"S1{n}", Level.STATION, tree["I2"]) if n else tree["S1"]
        make_event(station, starts_at="2026-11-07T09:00:00+08:00", ends_at="2026-11-07T11:00:00+08:00")
    after = {user.pk: queries_for(user, url) for user in (center_manager, admin_user)}
    assert after == before
    assert max(after.values()) <= 12


@pytest.fixture
def scanning_volunteer(tree):
    """A signed-up volunteer holding an API token, at 09:05 of an event running 09:00-11:00."""
    import time_machine
    from rest_framework.test import APIClient

    from accounts.tokens import issue_token
    from events.services import sign_up
    from tests.events.conftest import at

    with time_machine.travel(at(9, 5), tick=False):
        event = make_event(tree["S1"], signup_required=True)
        volunteer = make_volunteer(tree["S1"])
        sign_up(event, volunteer, at=at(8))
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(volunteer.user)[1]}")
        yield client, event


def scan_statements(client, event, action: str) -> list[str]:
    from events.checkin_codes import make_event_code
    from tests.events.conftest import at

    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            "/api/v1/checkins/", {"token": make_event_code(event.pk, action, at(9, 5))}, format="json"
        )
    assert response.status_code in (200, 201), response.content
    return [query["sql"].split(" ", 1)[0] for query in captured]


def test_a_check_in_by_event_code_costs_six_statements_and_check_out_eight(scanning_volunteer):
    """Authentication (token, user and password stamp in one), the volunteer, then under its lock the
    event with the volunteer's place, the records deciding the scan, and one write. The test runs
    inside a transaction, so the scan's own shows as SAVEPOINT and RELEASE (BEGIN and COMMIT live)."""
    client, event = scanning_volunteer
    reads = ["SELECT", "SELECT", "SAVEPOINT", "SELECT", "SELECT", "SELECT"]
    assert scan_statements(client, event, "in") == [*reads, "INSERT", "RELEASE"]
    assert scan_statements(client, event, "in") == [*reads, "RELEASE"]
    # Check-out also asks whether another record claims the attended time, then writes the
    # record and its history line.
    assert scan_statements(client, event, "out") == [*reads, "SELECT", "UPDATE", "INSERT", "RELEASE"]
