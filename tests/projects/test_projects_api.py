"""The brand projects API: who sees which project, who may change it, and what input is refused.

The clock is frozen at 10 December 2026, 12:00 Shanghai (conftest's ``frozen``).
"""

from __future__ import annotations

import datetime

import pytest

from events.models import Project
from tests.conftest import client_for
from tests.orders.conftest import make_team
from tests.projects.conftest import make_project


@pytest.fixture
def hidden(tree) -> Project:
    return make_project(tree["S1"], "内部项目", is_public=False)


def names(response) -> set[str]:
    assert response.status_code == 200
    return {row["name"] for row in response.json()["results"]}


def test_everyone_lists_public_projects_and_managers_also_their_own_private_ones(
    project, hidden, anon_client, volunteer, station_manager, other_station_manager
):
    assert names(anon_client.get("/api/v1/projects/")) == {"邻里守望"}
    assert names(client_for(volunteer.user).get("/api/v1/projects/")) == {"邻里守望"}
    assert names(client_for(other_station_manager).get("/api/v1/projects/")) == {"邻里守望"}
    assert names(client_for(station_manager).get("/api/v1/projects/")) == {"邻里守望", "内部项目"}


def test_a_private_project_of_another_subtree_is_not_found(hidden, other_station_manager, anon_client):
    assert client_for(other_station_manager).get(f"/api/v1/projects/{hidden.pk}/").status_code == 404
    assert client_for(other_station_manager).get(f"/api/v1/projects/{hidden.pk}/summary/").status_code == 404
    assert anon_client.get(f"/api/v1/projects/{hidden.pk}/summary/").status_code == 404


def test_a_manager_of_another_subtree_cannot_change_or_delete_a_public_project(project, other_station_manager):
    client = client_for(other_station_manager)

    assert client.patch(f"/api/v1/projects/{project.pk}/", {"name": "改名"}, format="json").status_code == 404
    assert client.delete(f"/api/v1/projects/{project.pk}/").status_code == 404
    project.refresh_from_db()
    assert project.name == "邻里守望"


def test_filters_by_unit_subtree_period_and_search(tree, anon_client):
    make_project(tree["S1"], "一站项目", starts_on=datetime.date(2026, 1, 1), ends_on=datetime.date(2026, 3, 31))
    make_project(tree["S3"], "三站项目", starts_on=datetime.date(2026, 6, 1), summary="关爱老人")
    make_project(tree["S4"], "远方项目", starts_on=datetime.date(2025, 1, 1))

    assert names(anon_client.get(f"/api/v1/projects/?unit={tree['I1'].pk}")) == {"一站项目"}
    assert names(anon_client.get(f"/api/v1/projects/?unit={tree['C'].pk}")) == {"一站项目", "三站项目"}
    running = anon_client.get("/api/v1/projects/?active_from=2026-05-01&active_to=2026-07-01")
    assert names(running) == {"三站项目", "远方项目"}
    assert names(anon_client.get("/api/v1/projects/?q=老人")) == {"三站项目"}
    assert names(anon_client.get("/api/v1/projects/?unit=999999999")) == set()
    assert anon_client.get("/api/v1/projects/?unit=" + "9" * 30).status_code in (200, 400)
    assert anon_client.get("/api/v1/projects/?active_from=99999-01-01").status_code == 400


def test_a_manager_creates_a_project_of_their_unit_with_its_teams(tree, station_manager):
    team = make_team(tree["S1"], "助老队")
    response = client_for(station_manager).post(
        "/api/v1/projects/",
        {
            "lead_unit": tree["S1"].pk,
            "name": "  银龄陪伴  ",
            "goals": "每周探访独居老人",
            "starts_on": "2026-12-01",
            "ends_on": "2027-06-30",
            "teams": [team.pk],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    project = Project.objects.get(pk=response.json()["id"])
    assert project.name == "银龄陪伴"
    assert project.created_by == station_manager
    assert list(project.teams.all()) == [team]
    assert response.json()["team_names"] == ["助老队"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_on": "2026-11-30"}, "ends_on"),
        ({"name": "长" * 101}, "name"),
        ({"name": "   "}, "name"),
        ({"summary": "长" * 201}, "summary"),
        ({"goals": "长" * 5001}, "goals"),
        ({"starts_on": "0001-01-01"}, "starts_on"),
        ({"starts_on": "not a date"}, "starts_on"),
        ({"lead_unit": "S2"}, "lead_unit"),
        ({"teams": ["S2 team"]}, "teams"),
        ({"name": "邻里守望"}, "name"),
    ],
)
def test_bad_input_is_a_400_with_the_field_named(tree, project, station_manager, changes, field):
    body = {"lead_unit": tree["S1"].pk, "name": "新项目", "starts_on": "2026-12-01", **changes}
    if body["lead_unit"] == "S2":
        body["lead_unit"] = tree["S2"].pk
    if body.get("teams") == ["S2 team"]:
        body["teams"] = [make_team(tree["S2"], "二站队").pk]

    response = client_for(station_manager).post("/api/v1/projects/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_a_volunteer_cannot_create_a_project(tree, volunteer):
    response = client_for(volunteer.user).post(
        "/api/v1/projects/", {"lead_unit": tree["S1"].pk, "name": "x", "starts_on": "2026-12-01"}, format="json"
    )

    assert response.status_code == 403
    assert not Project.objects.exists()


def test_an_institute_manager_edits_a_station_project_and_a_team_outside_the_lead_unit_is_refused(
    tree, project, institute_manager
):
    client = client_for(institute_manager)

    assert client.patch(f"/api/v1/projects/{project.pk}/", {"ends_on": "2026-12-31"}, format="json").status_code == 200
    aside = make_team(tree["S2"], "二站队")
    response = client.patch(f"/api/v1/projects/{project.pk}/", {"teams": [aside.pk]}, format="json")
    assert response.status_code == 400
    assert "teams" in response.json()


def test_a_new_lead_unit_must_hold_the_project_s_teams(tree, project, institute_manager):
    team = make_team(tree["S1"], "一站队")
    project.teams.set([team])
    client = client_for(institute_manager)

    moved = client.patch(f"/api/v1/projects/{project.pk}/", {"lead_unit": tree["S2"].pk}, format="json")
    assert moved.status_code == 400 and "teams" in moved.json()
    project.refresh_from_db()
    assert project.lead_unit == tree["S1"]

    both = client.patch(f"/api/v1/projects/{project.pk}/", {"lead_unit": tree["S2"].pk, "teams": []}, format="json")
    assert both.status_code == 200
    up = client.patch(f"/api/v1/projects/{project.pk}/", {"lead_unit": tree["I1"].pk}, format="json")
    assert up.status_code == 200
