"""Skills come from a list that only managers extend (issue 10, item 11)."""

import pytest

from tests.conftest import client_for, make_id_number
from volunteers.models import Skill

URL = "/api/v1/skills/"


@pytest.fixture
def skills(db) -> list[Skill]:
    return Skill.objects.bulk_create([Skill(name="摄影"), Skill(name="驾驶")])


def test_anyone_reads_the_skill_list(anon_client, skills):
    body = anon_client.get(URL).json()
    assert [row["name"] for row in body["results"]] == ["摄影", "驾驶"]


def test_a_volunteer_chooses_only_listed_skills(volunteer_client, volunteer, skills):
    response = volunteer_client.patch("/api/v1/me/", {"skills": ["摄影", "自创技能"]}, format="json")
    assert response.status_code == 400 and "自创技能" in response.json()["skills"][0]
    assert not Skill.objects.filter(name="自创技能").exists()
    assert list(volunteer.skills.all()) == []
    response = volunteer_client.patch("/api/v1/me/", {"skills": ["摄影"]}, format="json")
    assert response.status_code == 200 and response.json()["skills"] == ["摄影"]


def test_registration_offers_only_listed_skills(anon_client, tree, skills):
    form = {
        "real_name": "新人",
        "id_number": make_id_number(),
        "phone": "13912345678",
        "password": "a-long-secret-77",
        "home_station": tree["S1"].pk,
        "consent": True,
        "skills": ["杂耍"],
    }
    assert anon_client.post("/api/v1/volunteers/register/", form, format="json").status_code == 400
    assert not Skill.objects.filter(name="杂耍").exists()


def test_a_manager_also_assigns_only_listed_skills(station_manager_client, volunteer, skills):
    response = station_manager_client.patch(f"/api/v1/volunteers/{volunteer.pk}/", {"skills": ["杂耍"]}, format="json")
    assert response.status_code == 400
    assert Skill.objects.count() == 2


def test_a_manager_adds_a_skill_to_the_list(station_manager_client, skills):
    response = station_manager_client.post(URL, {"name": " 心理疏导 "}, format="json")
    assert response.status_code == 201 and response.json()["name"] == "心理疏导"
    assert Skill.objects.filter(name="心理疏导").exists()


@pytest.mark.parametrize("name", ["摄影", "", "x" * 31])
def test_a_duplicate_or_bad_skill_name_is_a_400(station_manager_client, skills, name):
    response = station_manager_client.post(URL, {"name": name}, format="json")
    assert response.status_code == 400 and "name" in response.json()


def test_full_width_spellings_are_the_same_skill(station_manager_client, db):
    assert station_manager_client.post(URL, {"name": "PPT制作"}).status_code == 201
    assert station_manager_client.post(URL, {"name": "ＰＰＴ制作"}).status_code == 400
    assert station_manager_client.post(URL, {"name": "ppt制作"}).status_code == 400


def test_volunteers_and_anonymous_cannot_add_skills(volunteer, anon_client, skills):
    assert client_for(volunteer.user).post(URL, {"name": "新技能"}).status_code == 403
    assert anon_client.post(URL, {"name": "新技能"}).status_code == 401
    assert Skill.objects.count() == 2
