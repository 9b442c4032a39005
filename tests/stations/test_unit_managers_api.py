from stations.models import UnitManager
from tests.conftest import client_for


def managers_url(unit) -> str:
    return f"/api/v1/units/{unit.pk}/managers/"


def test_a_center_manager_appoints_a_station_manager_by_phone(center_manager_client, tree, stranger):
    response = center_manager_client.post(managers_url(tree["S1"]), {"phone": stranger.phone}, format="json")
    assert response.status_code == 201
    listed = center_manager_client.get(managers_url(tree["S1"])).json()
    assert [m["user_id"] for m in listed] == [stranger.pk]
    assert listed[0]["masked_phone"] == stranger.phone[:3] + "****" + stranger.phone[7:]


def test_a_new_manager_then_manages_the_subtree(center_manager_client, tree, stranger):
    center_manager_client.post(managers_url(tree["I2"]), {"phone": stranger.phone}, format="json")
    response = client_for(stranger).patch(f"/api/v1/units/{tree['S3'].pk}/", {"name": "新名字"}, format="json")
    assert response.status_code == 200


def test_a_station_manager_cannot_appoint_managers_of_their_own_station(station_manager_client, tree, stranger):
    response = station_manager_client.post(managers_url(tree["S1"]), {"phone": stranger.phone}, format="json")
    assert response.status_code == 403
    assert not UnitManager.objects.filter(user=stranger).exists()


def test_managers_of_other_subtrees_get_404(other_station_manager, tree, stranger):
    client = client_for(other_station_manager)
    assert client.get(managers_url(tree["S1"])).status_code == 404
    assert client.post(managers_url(tree["S1"]), {"phone": stranger.phone}, format="json").status_code == 404


def test_volunteers_and_anonymous_cannot_list_managers(volunteer_client, anon_client, tree, station_manager):
    assert volunteer_client.get(managers_url(tree["S1"])).status_code == 404
    assert anon_client.get(managers_url(tree["S1"])).status_code == 401


def test_an_unknown_phone_is_a_400_in_chinese(center_manager_client, tree):
    response = center_manager_client.post(managers_url(tree["S1"]), {"phone": "13512345678"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "user_not_found"
    assert "用户" in response.json()["detail"]


def test_appointing_twice_is_a_conflict(center_manager_client, tree, station_manager):
    response = center_manager_client.post(managers_url(tree["S1"]), {"phone": station_manager.phone}, format="json")
    assert response.status_code == 409


def test_removing_a_manager_ends_their_access(center_manager_client, tree, station_manager):
    response = center_manager_client.delete(f"{managers_url(tree['S1'])}{station_manager.pk}/")
    assert response.status_code == 204
    station_manager = type(station_manager).objects.get(pk=station_manager.pk)
    assert client_for(station_manager).patch(f"/api/v1/units/{tree['S1'].pk}/", {"name": "x"}).status_code == 403


def test_removing_someone_who_is_not_a_manager_is_404(center_manager_client, tree, stranger):
    assert center_manager_client.delete(f"{managers_url(tree['S1'])}{stranger.pk}/").status_code == 404


def test_only_admins_appoint_center_managers(center_manager_client, admin_client_api, tree, stranger):
    assert center_manager_client.post(managers_url(tree["C"]), {"phone": stranger.phone}).status_code == 403
    assert admin_client_api.post(managers_url(tree["C"]), {"phone": stranger.phone}).status_code == 201
