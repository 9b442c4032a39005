import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.checkin_codes import read_volunteer_code
from events.models import VolunteerCard
from tests.conftest import client_for

URL = "/api/v1/volunteer-cards/"

pytestmark = pytest.mark.django_db


def issue(client, volunteer):
    return client.post(URL, {"volunteer": volunteer.pk}, format="json")


def test_a_manager_issues_a_card_whose_code_checks_the_volunteer_in(clock, station_manager_client, volunteer):
    response = issue(station_manager_client, volunteer)
    assert response.status_code == 201
    body = response.json()
    assert (body["serial"], body["in_use"], body["name"], body["number"]) == (1, True, "李*", volunteer.number)
    assert body["print_url"] == f"/cards/{body['id']}/print/"
    assert read_volunteer_code(body["code"], timezone.now()) == volunteer.pk


def test_issuing_again_revokes_the_card_in_use(clock, station_manager_client, volunteer):
    first = issue(station_manager_client, volunteer).json()
    second = issue(station_manager_client, volunteer).json()
    assert second["serial"] == 2
    listed = station_manager_client.get(URL, {"volunteer": volunteer.pk}).json()["results"]
    assert [(card["serial"], card["in_use"], card["code"] is None) for card in listed] == [
        (2, True, False),
        (1, False, True),
    ]
    assert listed[1]["id"] == first["id"] and listed[1]["print_url"] is None
    in_use = station_manager_client.get(URL, {"in_use": "true"}).json()["results"]
    assert [card["serial"] for card in in_use] == [2]


def test_revoking_needs_a_reason_and_happens_once(clock, station_manager_client, volunteer):
    card = issue(station_manager_client, volunteer).json()
    revoke = f"{URL}{card['id']}/revoke/"
    assert station_manager_client.post(revoke, {"reason": ""}, format="json").status_code == 400
    assert station_manager_client.post(revoke, {"reason": "长" * 101}, format="json").status_code == 400
    done = station_manager_client.post(revoke, {"reason": "卡片遗失"}, format="json")
    assert done.status_code == 200 and done.json()["in_use"] is False and done.json()["revoke_reason"] == "卡片遗失"
    again = station_manager_client.post(revoke, {"reason": "卡片遗失"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_revoked"


def test_a_manager_outside_the_volunteers_subtree_neither_issues_nor_sees_nor_revokes(
    clock, station_manager_client, other_station_manager, volunteer
):
    outsider = client_for(other_station_manager)
    assert issue(outsider, volunteer).status_code == 400
    card = issue(station_manager_client, volunteer).json()
    assert outsider.get(URL).json()["count"] == 0
    assert outsider.get(f"{URL}{card['id']}/").status_code == 404
    assert outsider.post(f"{URL}{card['id']}/revoke/", {"reason": "x"}, format="json").status_code == 404
    assert VolunteerCard.objects.get(pk=card["id"]).revoked_at is None


def test_a_volunteer_sees_their_own_cards_only_and_changes_none(
    clock, center_manager_client, volunteer, other_volunteer
):
    mine = issue(center_manager_client, volunteer).json()
    assert issue(center_manager_client, other_volunteer).status_code == 201
    client = client_for(volunteer.user)
    listed = client.get(URL).json()
    assert [card["id"] for card in listed["results"]] == [mine["id"]]
    assert listed["results"][0]["code"] == mine["code"]
    assert issue(client, volunteer).status_code == 403
    assert client.post(f"{URL}{mine['id']}/revoke/", {"reason": "丢了"}, format="json").status_code == 403
    assert client.get(URL, {"volunteer": other_volunteer.pk}).status_code == 400


def test_anonymous_is_refused(anon_client):
    assert anon_client.get(URL).status_code == 401


def test_the_list_takes_a_constant_number_of_queries(clock, center_manager_client, volunteer, other_volunteer):
    issue(center_manager_client, volunteer)
    with CaptureQueriesContext(connection) as one:
        center_manager_client.get(URL)
    for _ in range(3):
        issue(center_manager_client, volunteer)
        issue(center_manager_client, other_volunteer)
    with CaptureQueriesContext(connection) as seven:
        assert center_manager_client.get(URL).json()["count"] == 7
    assert len(seven.captured_queries) == len(one.captured_queries) <= 8


@pytest.mark.parametrize("number", [10**30, -1, "x", None, [1], 2**63])
def test_out_of_range_ids_answer_400_or_404_never_500(clock, station_manager_client, volunteer, number):
    assert station_manager_client.post(URL, {"volunteer": number}, format="json").status_code == 400
    assert station_manager_client.get(URL, {"volunteer": str(number)}).status_code == 400
    assert station_manager_client.get(f"{URL}{number}/").status_code == 404
    revoke = station_manager_client.post(f"{URL}{number}/revoke/", {"reason": "x"}, format="json")
    assert revoke.status_code == 404
