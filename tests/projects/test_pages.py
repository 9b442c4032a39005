"""The public project pages: what anyone sees, what only managers see, and no personal data.

The clock is frozen at 10 December 2026, 12:00 Shanghai (conftest's ``frozen``).
"""

from __future__ import annotations

import pytest
from django.test import Client

from events.models import EventStatus, RecordStatus
from tests.conftest import make_user
from tests.orders.conftest import make_team
from tests.projects.conftest import document, make_event, make_order, make_project, make_record


@pytest.fixture
def shown(tree, project, people, django_user_model):
    s1 = tree["S1"]
    team = make_team(s1, "守望队")
    project.goals = "每月走访独居老人"
    project.save()
    project.teams.set([team])
    event = make_event(s1, day=3, project=project, title="重阳敬老")
    make_record(event, people["甲"], RecordStatus.APPROVED, "2.00")
    document(event, people_served=12, photos=2)
    make_event(s1, day=4, project=project, title="内部筹备会", status=EventStatus.DRAFT)
    resident = make_user(django_user_model, "居民")
    make_order(s1, resident, "closed", project=project, completed=event.ends_at)
    return {"project": project, "event": event, "team": team}


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_anyone_reads_the_project_page_without_personal_data(shown, people, client):
    html = page(client, f"/projects/{shown['project'].pk}/")

    assert "邻里守望" in html and "每月走访独居老人" in html and "守望队" in html
    assert "重阳敬老" in html
    assert "内部筹备会" not in html  # a draft is nobody's business yet
    assert 'id="project-summary"' in html
    assert "<dd>13</dd>" in html  # people served: 12 at the event + 1 order done
    for volunteer in people.values():
        assert volunteer.real_name not in html
        assert volunteer.user.phone not in html
    assert "13612345678" not in html and "张桂兰" not in html
    assert shown["team"].leader.real_name not in html
    assert "/thumbnail/" not in html  # photos show residents: managers only


def test_the_project_s_managers_see_its_photos(shown, station_manager, other_station_manager, client):
    client.force_login(station_manager)
    assert page(client, f"/projects/{shown['project'].pk}/").count("/thumbnail/") == 2

    client.force_login(other_station_manager)
    assert "/thumbnail/" not in page(client, f"/projects/{shown['project'].pk}/")


def test_a_private_project_is_not_found_outside_its_subtree(tree, station_manager, other_station_manager, client):
    hidden = make_project(tree["S1"], "内部项目", is_public=False)

    assert client.get(f"/projects/{hidden.pk}/").status_code == 404
    assert "内部项目" not in page(client, "/projects/")
    client.force_login(other_station_manager)
    assert client.get(f"/projects/{hidden.pk}/").status_code == 404
    client.force_login(station_manager)
    assert "内部项目" in page(client, f"/projects/{hidden.pk}/")


def test_the_list_searches_and_survives_a_long_query(tree, project, client):
    make_project(tree["S3"], "银龄课堂", summary="老年大学")

    assert "银龄课堂" not in page(client, "/projects/?q=邻里")
    assert "银龄课堂" in page(client, "/projects/?q=老年")
    assert client.get("/projects/?q=" + "长" * 5000 + "&page=99999").status_code == 200


def test_a_very_long_project_name_renders(tree, client):
    long = make_project(tree["S1"], "很" * 100)

    assert "很" * 100 in page(client, f"/projects/{long.pk}/")


def test_a_team_s_own_event_of_the_project_is_not_listed_to_the_public(tree, project, client):
    team = make_team(tree["S1"], "入户队")
    make_event(tree["S1"], day=5, project=project, title="入户探访张大爷", team=team)

    assert "入户探访张大爷" not in page(client, f"/projects/{project.pk}/")
