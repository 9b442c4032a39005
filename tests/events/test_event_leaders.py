"""An event's leaders (Event.leaders) run it on the day: the check-in screens, the scan page and the
activity record, like its managers; approving the hours stays with the managers."""

import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from events.activity import ActivityError, document_event
from events.checkin_codes import make_volunteer_code
from events.models import ActivityRecord, Event, RecordStatus, ServiceRecord
from events.services import sign_up
from tests.conftest import client_for, make_volunteer
from tests.events.conftest import at, make_event

VENUE_PAGES = [
    "/events/{pk}/kiosk/",
    "/events/{pk}/kiosk/state/?action=in",
    "/events/{pk}/scan/",
    "/events/{pk}/signups/",
    "/events/{pk}/record/",
]


@pytest.fixture
def leader(tree):
    return make_volunteer(tree["S1"], "王队长")


@pytest.fixture
def led_event(tree, leader):
    event = make_event(tree["S1"], signup_required=True)
    event.leaders.add(leader.user)
    return event


def photo() -> SimpleUploadedFile:
    data = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(data, format="JPEG")
    return SimpleUploadedFile("p.jpg", data.getvalue(), content_type="image/jpeg")


@pytest.mark.parametrize("page", VENUE_PAGES)
def test_a_leader_opens_the_venue_pages_of_the_event_they_lead(client, led_event, leader, page):
    client.force_login(leader.user)
    with time_machine.travel(at(9, 30), tick=False):
        assert client.get(page.format(pk=led_event.pk)).status_code == 200


@pytest.mark.parametrize("page", VENUE_PAGES)
def test_leading_one_event_opens_no_other(client, tree, led_event, leader, page):
    other = make_event(tree["S1"], title="另一场活动")
    client.force_login(leader.user)
    assert client.get(page.format(pk=other.pk)).status_code == 404


def test_the_event_page_shows_the_venue_tools_to_its_leader_only(client, led_event, leader, volunteer):
    client.force_login(leader.user)
    assert f"/events/{led_event.pk}/kiosk/" in client.get(f"/events/{led_event.pk}/").content.decode()
    client.force_login(volunteer.user)
    assert f"/events/{led_event.pk}/kiosk/" not in client.get(f"/events/{led_event.pk}/").content.decode()


def test_a_leader_checks_a_member_in_by_the_personal_code_but_cannot_approve_the_hours(
    client, led_event, leader, volunteer
):
    sign_up(led_event, volunteer, at=at(8))
    client.force_login(leader.user)

    def scan(action: str) -> dict:
        body = {"volunteer_token": make_volunteer_code(volunteer.pk, timezone.now()), "action": action}
        return client.post(f"/events/{led_event.pk}/scan/answer/", body, content_type="application/json").json()

    with time_machine.travel(at(9), tick=False):
        assert scan("in")["ok"]
    with time_machine.travel(at(11), tick=False):
        assert scan("out")["ok"]
    record = ServiceRecord.objects.get(event=led_event, volunteer=volunteer)
    assert record.status == RecordStatus.PENDING and record.created_by == leader.user
    api = client_for(leader.user)
    assert api.post(f"/api/v1/records/{record.pk}/approve/").status_code in (403, 404)
    assert client.post(f"/admin/events/servicerecord/{record.pk}/approve/").status_code == 302
    record.refresh_from_db()
    assert record.status == RecordStatus.PENDING


def test_a_leader_documents_the_event_with_photos(client, led_event, leader):
    client.force_login(leader.user)
    with time_machine.travel(at(11, 30), tick=False):
        response = client.post(
            f"/events/{led_event.pk}/record/", {"summary": "清扫广场", "people_served": "30", "photos": [photo()]}
        )
    assert response.status_code == 302
    record = ActivityRecord.objects.get(event=led_event)
    assert record.summary == "清扫广场" and record.updated_by == leader.user and record.photos.count() == 1


def test_a_volunteer_who_does_not_lead_the_event_cannot_document_it(led_event, volunteer):
    with time_machine.travel(at(11, 30), tick=False), pytest.raises(ActivityError) as refused:
        document_event(led_event, summary="我来写", people_served=None, by=volunteer.user)
    assert refused.value.code == "not_allowed"


def test_run_by_lists_each_event_once_for_a_leader_who_also_manages_it(tree, station_manager, led_event, leader):
    led_event.leaders.add(station_manager)
    assert list(Event.objects.run_by(station_manager)) == [led_event]
    assert list(Event.objects.run_by(leader.user)) == [led_event]


def test_a_leader_runs_the_event_through_the_api_like_its_managers(led_event, leader, volunteer):
    sign_up(led_event, volunteer, at=at(8))
    api = client_for(leader.user)
    base = f"/api/v1/events/{led_event.pk}"
    with time_machine.travel(at(9), tick=False):
        assert api.get(f"{base}/signups/").json()["count"] == 1
        assert api.get(f"{base}/checkin-code/?action=in").json()["token"]
        body = {"volunteer_token": make_volunteer_code(volunteer.pk, timezone.now()), "action": "in"}
        assert api.post(f"{base}/scan/", body, format="json").status_code == 201
    with time_machine.travel(at(11, 30), tick=False):
        written = api.put(f"{base}/activity-record/", {"summary": "清扫广场", "people_served": 30}, format="json")
        assert written.status_code == 200 and written.json()["summary"] == "清扫广场"
        added = api.post(f"{base}/activity-record/photos/", {"photos": [photo()]}, format="multipart")
        assert added.status_code == 201 and len(added.json()["photos"]) == 1
    record = ServiceRecord.objects.get(event=led_event, volunteer=volunteer)
    assert record.created_by == leader.user
    assert api.post(f"/api/v1/records/{record.pk}/approve/").status_code in (403, 404)
    # Leading gives no say over the event itself.
    assert api.patch(f"{base}/", {"title": "改名"}, format="json").status_code == 403


@pytest.mark.parametrize("path", ["signups/", "checkin-code/?action=in", "activity-record/"])
def test_the_api_opens_no_other_event_to_a_leader_and_nothing_to_other_volunteers(
    tree, led_event, leader, volunteer, path
):
    other = make_event(tree["S1"], title="另一场活动")
    assert client_for(leader.user).get(f"/api/v1/events/{other.pk}/{path}").status_code == 404
    assert client_for(volunteer.user).get(f"/api/v1/events/{led_event.pk}/{path}").status_code == 403
