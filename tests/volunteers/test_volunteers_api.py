import pytest

from tests.conftest import client_for, make_volunteer
from volunteers.models import Skill, Volunteer


def masked(volunteer: Volunteer) -> tuple[str, str]:
    return volunteer.id_number[:6] + "********" + volunteer.id_number[14:], volunteer.phone[
        :3
    ] + "****" + volunteer.phone[7:]


@pytest.mark.parametrize("persona", ["center_manager", "institute_manager", "station_manager"])
def test_managers_see_id_and_phone_masked(request, volunteer, persona):
    body = client_for(request.getfixturevalue(persona)).get(f"/api/v1/volunteers/{volunteer.pk}/").json()
    assert (body["id_number"], body["phone"]) == masked(volunteer)
    assert "********" in body["id_number"] and "****" in body["phone"]


def test_managers_see_masked_data_in_lists_too(station_manager_client, volunteer):
    row = station_manager_client.get("/api/v1/volunteers/").json()["results"][0]
    assert (row["id_number"], row["phone"]) == masked(volunteer)


def test_admins_see_id_and_phone_in_full(admin_client_api, volunteer):
    body = admin_client_api.get(f"/api/v1/volunteers/{volunteer.pk}/").json()
    assert (body["id_number"], body["phone"]) == (volunteer.id_number, volunteer.phone)


def test_a_volunteer_sees_their_own_data_in_full(volunteer_client, volunteer):
    body = volunteer_client.get(f"/api/v1/volunteers/{volunteer.pk}/").json()
    assert (body["id_number"], body["phone"]) == (volunteer.id_number, volunteer.phone)
    me = volunteer_client.get("/api/v1/me/").json()
    assert (me["id_number"], me["phone"]) == (volunteer.id_number, volunteer.phone)


def test_a_volunteer_lists_only_themself(volunteer_client, volunteer, other_volunteer):
    body = volunteer_client.get("/api/v1/volunteers/").json()
    assert [row["id"] for row in body["results"]] == [volunteer.pk]


def test_a_station_manager_lists_only_their_station(station_manager_client, volunteer, other_volunteer, far_volunteer):
    body = station_manager_client.get("/api/v1/volunteers/").json()
    assert body["count"] == 1 and body["results"][0]["id"] == volunteer.pk


def test_a_center_manager_lists_their_whole_subtree(center_manager_client, volunteer, other_volunteer, far_volunteer):
    ids = {row["id"] for row in center_manager_client.get("/api/v1/volunteers/").json()["results"]}
    assert ids == {volunteer.pk, other_volunteer.pk}


def test_a_station_manager_gets_404_for_a_volunteer_of_another_station(station_manager_client, other_volunteer):
    response = station_manager_client.get(f"/api/v1/volunteers/{other_volunteer.pk}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到。"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("unit={S2}", {"王五"}),
        ("unit={I1}", {"李四", "王五"}),
        ("q=李", {"李四"}),
        ("q={tail}", {"李四"}),
        ("q={phone}", set()),
        ("status=suspended", {"王五"}),
        ("skill=摄影", {"李四"}),
    ],
)
def test_managers_filter_volunteers(center_manager_client, tree, volunteer, other_volunteer, query, expected):
    volunteer.skills.create(name="摄影")
    Volunteer.objects.filter(pk=other_volunteer.pk).update(status="suspended")
    query = query.format(
        tail=volunteer.phone[-4:], phone=volunteer.phone, **{code: unit.pk for code, unit in tree.items()}
    )
    results = center_manager_client.get(f"/api/v1/volunteers/?{query}").json()["results"]
    assert {row["real_name"] for row in results} == expected


def test_a_manager_changes_status_station_and_skills(center_manager_client, tree, volunteer):
    Skill.objects.create(name="驾驶")
    response = center_manager_client.patch(
        f"/api/v1/volunteers/{volunteer.pk}/",
        {"status": "suspended", "home_station": tree["S3"].pk, "skills": ["驾驶"]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["skills"] == ["驾驶"]
    volunteer.refresh_from_db()
    assert (volunteer.status, volunteer.home_station_id) == ("suspended", tree["S3"].pk)


def test_a_manager_cannot_move_a_volunteer_out_of_their_subtree(station_manager_client, tree, volunteer):
    response = station_manager_client.patch(
        f"/api/v1/volunteers/{volunteer.pk}/", {"home_station": tree["S2"].pk}, format="json"
    )
    assert response.status_code == 400
    volunteer.refresh_from_db()
    assert volunteer.home_station_id == tree["S1"].pk


def test_the_id_number_cannot_be_changed_through_the_api(admin_client_api, volunteer):
    original = volunteer.id_number
    admin_client_api.patch(f"/api/v1/volunteers/{volunteer.pk}/", {"id_number": "11010519491231002X"}, format="json")
    volunteer.refresh_from_db()
    assert volunteer.id_number == original


def test_a_volunteer_updates_skills_but_not_status_on_me(volunteer_client, volunteer):
    Skill.objects.create(name="心理疏导")
    response = volunteer_client.patch("/api/v1/me/", {"skills": ["心理疏导"], "status": "suspended"}, format="json")
    assert response.status_code == 200
    assert response.json()["skills"] == ["心理疏导"]
    volunteer.refresh_from_db()
    assert volunteer.status == "active"


def test_me_without_a_volunteer_profile_is_404_in_chinese(client_for_stranger):
    response = client_for_stranger.get("/api/v1/me/")
    assert response.status_code == 404
    assert "志愿者档案" in response.json()["detail"]


def test_me_needs_login(anon_client):
    assert anon_client.get("/api/v1/me/").status_code == 401


@pytest.fixture
def client_for_stranger(stranger):
    return client_for(stranger)


def test_volunteer_numbers_are_unique_and_readable(tree):
    numbers = {make_volunteer(tree["S1"]).number for _ in range(5)}
    assert len(numbers) == 5 and all(n.isdigit() and len(n) == 12 for n in numbers)


def test_a_manager_cannot_change_their_own_volunteer_record(django_user_model, tree):
    from stations.models import UnitManager

    me = make_volunteer(tree["S1"], "自己")
    Volunteer.objects.filter(pk=me.pk).update(status="suspended")
    UnitManager.objects.create(user=me.user, unit=tree["S1"])
    response = client_for(me.user).patch(f"/api/v1/volunteers/{me.pk}/", {"status": "active"}, format="json")
    assert response.status_code == 404
    me.refresh_from_db()
    assert me.status == "suspended"
