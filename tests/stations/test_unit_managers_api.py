from accounts.throttles import ScopedThrottle
from stations.models import UnitManager
from tests.conftest import client_for, make_volunteer


def managers_url(unit) -> str:
    return f"/api/v1/units/{unit.pk}/managers/"


def test_a_center_manager_appoints_a_station_manager_by_phone(center_manager_client, tree, volunteer):
    response = center_manager_client.post(managers_url(tree["S1"]), {"phone": volunteer.phone}, format="json")
    assert response.status_code == 201
    listed = center_manager_client.get(managers_url(tree["S1"])).json()
    assert [m["user_id"] for m in listed] == [volunteer.user_id]
    assert listed[0]["masked_phone"] == volunteer.phone[:3] + "****" + volunteer.phone[7:]


def test_a_new_manager_then_manages_the_subtree(center_manager_client, tree):
    appointee = make_volunteer(tree["S3"], "钱七").user
    center_manager_client.post(managers_url(tree["I2"]), {"phone": appointee.phone}, format="json")
    response = client_for(appointee).patch(f"/api/v1/units/{tree['S3'].pk}/", {"name": "新名字"}, format="json")
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
    assert "手机号" in response.json()["detail"]


def test_only_people_registered_in_the_subtree_can_be_appointed(center_manager_client, tree, volunteer, stranger):
    elsewhere = make_volunteer(tree["S3"], "孙八")  # registered, but at a station outside I1
    for person in (stranger, elsewhere.user):
        response = center_manager_client.post(managers_url(tree["I1"]), {"phone": person.phone}, format="json")
        assert response.status_code == 400, person
    assert not UnitManager.objects.filter(unit=tree["I1"]).exists()
    assert center_manager_client.post(managers_url(tree["I1"]), {"phone": volunteer.phone}).status_code == 201


def test_a_manager_of_a_unit_in_the_subtree_can_be_appointed_above_it(
    center_manager_client, tree, other_station_manager
):
    response = center_manager_client.post(managers_url(tree["I1"]), {"phone": other_station_manager.phone})
    assert response.status_code == 201


def test_unknown_and_out_of_area_numbers_answer_alike(center_manager_client, tree, far_volunteer):
    unknown = center_manager_client.post(managers_url(tree["S1"]), {"phone": "13512345678"}, format="json")
    far = center_manager_client.post(managers_url(tree["S1"]), {"phone": far_volunteer.phone}, format="json")
    assert (unknown.status_code, unknown.json()) == (far.status_code, far.json())


def test_admins_appoint_anyone(admin_client_api, tree, stranger):
    assert admin_client_api.post(managers_url(tree["S1"]), {"phone": stranger.phone}).status_code == 201


def test_appointing_by_phone_is_throttled(center_manager_client, tree, monkeypatch):
    monkeypatch.setitem(ScopedThrottle.THROTTLE_RATES, "appoint_manager", "3/hour")
    statuses = [
        center_manager_client.post(managers_url(tree["S1"]), {"phone": f"1351234567{n}"}).status_code for n in range(4)
    ]
    assert statuses == [400, 400, 400, 429]
    assert center_manager_client.get(managers_url(tree["S1"])).status_code == 200


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


def test_only_admins_appoint_center_managers(center_manager_client, admin_client_api, tree, volunteer):
    assert center_manager_client.post(managers_url(tree["C"]), {"phone": volunteer.phone}).status_code == 403
    assert admin_client_api.post(managers_url(tree["C"]), {"phone": volunteer.phone}).status_code == 201
