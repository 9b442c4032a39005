from events.models import Signup
from tests.conftest import client_for, make_volunteer
from tests.events.conftest import make_event


def signup_url(event) -> str:
    return f"/api/v1/events/{event.pk}/signup/"


def test_signing_up_twice_keeps_one_place(volunteer_client, event):
    first = volunteer_client.post(signup_url(event))
    again = volunteer_client.post(signup_url(event))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["status"] == "confirmed" and Signup.objects.count() == 1


def test_beyond_capacity_volunteers_wait_and_move_up_in_order(tree, clock):
    event = make_event(tree["S1"], capacity=1)
    first, second, third = (make_volunteer(tree["S1"]) for _ in range(3))
    statuses = [client_for(v.user).post(signup_url(event)).json()["status"] for v in (first, second, third)]
    assert statuses == ["confirmed", "waitlisted", "waitlisted"]
    assert client_for(first.user).delete(signup_url(event)).status_code == 204
    assert Signup.objects.get(volunteer=second).status == "confirmed"
    assert Signup.objects.get(volunteer=third).status == "waitlisted"


def test_cancelling_without_a_signup_is_404(volunteer_client, event):
    response = volunteer_client.delete(signup_url(event))
    assert response.status_code == 404 and response.json()["code"] == "not_signed_up"


def test_no_signup_for_drafts_or_cancelled_events(volunteer_client, tree):
    cancelled = make_event(tree["S1"], status="cancelled")
    response = volunteer_client.post(signup_url(cancelled))
    assert response.status_code == 409 and response.json()["code"] == "event_not_open"
    draft = make_event(tree["S1"], status="draft")
    assert volunteer_client.post(signup_url(draft)).status_code == 404


def test_a_user_without_a_volunteer_profile_cannot_sign_up(stranger, event):
    response = client_for(stranger).post(signup_url(event))
    assert response.status_code == 403 and response.json()["code"] == "no_volunteer_profile"


def test_managers_list_signups_with_masked_phones(station_manager_client, event, signed_up):
    rows = station_manager_client.get(f"/api/v1/events/{event.pk}/signups/").json()["results"]
    assert [r["volunteer_name"] for r in rows] == ["李四"]
    assert "****" in rows[0]["masked_phone"]


def test_outsiders_cannot_list_signups(other_station_manager, volunteer_client, anon_client, event, signed_up):
    url = f"/api/v1/events/{event.pk}/signups/"
    assert client_for(other_station_manager).get(url).status_code == 404
    assert volunteer_client.get(url).status_code == 403
    assert anon_client.get(url).status_code == 401


def test_the_event_shows_counts_and_my_signup(volunteer_client, event, signed_up):
    body = volunteer_client.get(f"/api/v1/events/{event.pk}/").json()
    assert body["confirmed_count"] == 1 and body["my_signup_status"] == "confirmed"
