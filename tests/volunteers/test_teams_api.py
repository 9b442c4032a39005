from tests.conftest import client_for
from volunteers.models import Team


def test_a_manager_creates_a_team_with_a_leader_and_members(station_manager_client, tree, volunteer):
    response = station_manager_client.post(
        "/api/v1/teams/",
        {"name": "东门服务队", "unit": tree["S1"].pk, "leader": volunteer.pk, "members": [volunteer.pk]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["members_count"] == 1 and response.json()["leader_name"] == "李四"


def test_the_leader_must_be_a_member(station_manager_client, tree, volunteer):
    response = station_manager_client.post(
        "/api/v1/teams/", {"name": "空队", "unit": tree["S1"].pk, "leader": volunteer.pk}, format="json"
    )
    assert response.status_code == 400 and "leader" in response.json()


def test_members_from_outside_the_subtree_are_refused(station_manager_client, tree, other_volunteer):
    response = station_manager_client.post(
        "/api/v1/teams/", {"name": "越界队", "unit": tree["S1"].pk, "members": [other_volunteer.pk]}, format="json"
    )
    assert response.status_code == 400 and "members" in response.json()
    assert not Team.objects.exists()


def test_team_names_are_unique_within_a_unit(station_manager_client, tree):
    station_manager_client.post("/api/v1/teams/", {"name": "同名队", "unit": tree["S1"].pk}, format="json")
    response = station_manager_client.post("/api/v1/teams/", {"name": "同名队", "unit": tree["S1"].pk}, format="json")
    assert response.status_code == 400


def test_members_see_their_teams_and_nothing_else(tree, volunteer, other_volunteer):
    mine = Team.objects.create(name="我的队", unit=tree["S1"])
    mine.members.add(volunteer)
    Team.objects.create(name="别人的队", unit=tree["S1"]).members.add(other_volunteer)
    names = [team["name"] for team in client_for(volunteer.user).get("/api/v1/teams/").json()["results"]]
    assert names == ["我的队"]


def test_teams_filter_by_subtree(center_manager_client, tree):
    Team.objects.create(name="一队", unit=tree["S1"])
    Team.objects.create(name="三队", unit=tree["S3"])
    results = center_manager_client.get(f"/api/v1/teams/?unit={tree['I2'].pk}").json()["results"]
    assert [team["name"] for team in results] == ["三队"]
