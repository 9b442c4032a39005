import pytest

from events.models import Event, EventStatus
from tests.conftest import client_for
from tests.events.conftest import at, make_event

FORM = {
    "title": "理论宣讲进社区",
    "category": "theory",
    "address": "东门社区文化礼堂",
    "starts_at": "2026-12-05T09:00:00+08:00",
    "ends_at": "2026-12-05T11:00:00+08:00",
    "capacity": 10,
    "risk_notice": "注意防寒保暖",
}


def test_a_station_manager_creates_and_publishes_an_event(station_manager_client, tree):
    response = station_manager_client.post("/api/v1/events/", {**FORM, "unit": tree["S1"].pk}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft" and body["checkin_opens_minutes"] == 30 and body["checkout_closes_minutes"] == 60
    published = station_manager_client.post(f"/api/v1/events/{body['id']}/publish/")
    assert published.status_code == 200 and published.json()["status"] == "published"
    again = station_manager_client.post(f"/api/v1/events/{body['id']}/publish/")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_a_manager_cannot_create_events_for_another_station(station_manager_client, tree):
    response = station_manager_client.post("/api/v1/events/", {**FORM, "unit": tree["S2"].pk}, format="json")
    assert response.status_code == 400 and "unit" in response.json()
    assert not Event.objects.exists()


def test_volunteers_cannot_create_events(volunteer_client, tree):
    assert volunteer_client.post("/api/v1/events/", {**FORM, "unit": tree["S1"].pk}, format="json").status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_at": "2026-12-05T08:00:00+08:00"}, "ends_at"),
        ({"radius_m": 200}, "radius_m"),
        ({"category": "karaoke"}, "category"),
        ({"capacity": 0}, "capacity"),
        ({"min_presence_ratio": "1.5"}, "min_presence_ratio"),
        ({"rounding_minutes": 7}, "rounding_minutes"),
        ({"starts_at": "tomorrow"}, "starts_at"),
    ],
)
def test_bad_event_input_is_a_400_on_the_field(station_manager_client, tree, change, field):
    response = station_manager_client.post("/api/v1/events/", {**FORM, "unit": tree["S1"].pk, **change}, format="json")
    assert response.status_code == 400 and field in response.json()


def test_drafts_are_seen_only_by_managers_of_the_subtree(tree, volunteer, station_manager, other_station_manager):
    draft = make_event(tree["S1"], status=EventStatus.DRAFT)
    published = make_event(tree["S1"])
    assert client_for(station_manager).get(f"/api/v1/events/{draft.pk}/").status_code == 200
    assert client_for(other_station_manager).get(f"/api/v1/events/{draft.pk}/").status_code == 404
    ids = [e["id"] for e in client_for(volunteer.user).get("/api/v1/events/").json()["results"]]
    assert ids == [published.pk]


def test_managers_of_other_stations_cannot_change_or_publish(other_station_manager, tree):
    event = make_event(tree["S1"], status=EventStatus.DRAFT)
    client = client_for(other_station_manager)
    assert client.patch(f"/api/v1/events/{event.pk}/", {"title": "x"}, format="json").status_code == 404
    assert client.post(f"/api/v1/events/{event.pk}/publish/").status_code == 404


def test_anonymous_sees_no_events(anon_client, event):
    assert anon_client.get("/api/v1/events/").status_code == 401


def test_cancel_and_delete(station_manager_client, tree):
    published = make_event(tree["S1"])
    assert station_manager_client.delete(f"/api/v1/events/{published.pk}/").status_code == 409
    assert station_manager_client.post(f"/api/v1/events/{published.pk}/cancel/").json()["status"] == "cancelled"
    draft = make_event(tree["S1"], status=EventStatus.DRAFT)
    assert station_manager_client.delete(f"/api/v1/events/{draft.pk}/").status_code == 204


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("unit={I2}", {"三站"}),
        ("category=culture", {"三站"}),
        ("status=cancelled", {"取消"}),
        ("date_from=2026-12-06", {"三站"}),
        ("date_to=2026-12-05", {"一站", "取消"}),
        ("has_free_places=false", {"一站"}),
        ("q=三", {"三站"}),
    ],
)
def test_events_filter(center_manager_client, tree, volunteer, query, titles):
    full = make_event(tree["S1"], title="一站", capacity=1)
    full.signups.create(volunteer=volunteer, status="confirmed", queued_at=at(7))
    make_event(
        tree["S3"], title="三站", category="culture", starts_at=at(9).replace(day=7), ends_at=at(11).replace(day=7)
    )
    make_event(tree["S1"], title="取消", status=EventStatus.CANCELLED)
    query = query.format(**{code: unit.pk for code, unit in tree.items()})
    results = center_manager_client.get(f"/api/v1/events/?{query}").json()["results"]
    assert {e["title"] for e in results} == titles
