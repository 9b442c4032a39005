"""Who may see, change and join a series. Clock frozen at conftest.NOW (2026-09-01 08:00 Shanghai)."""

import pytest

from events.models import EventSeries, SeriesSignup
from tests.conftest import client_for, make_volunteer
from tests.series.conftest import make_series
from tests.series.test_series_api import URL
from volunteers.models import Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def team_series(tree, clock, volunteer):
    team = Team.objects.create(name="助老队", unit=tree["S1"])
    team.members.add(volunteer)
    return make_series(tree["S1"], team=team)


def test_a_team_member_sees_and_joins_the_team_series(team_series, volunteer):
    client = client_for(volunteer.user)
    assert [row["id"] for row in client.get(URL).data["results"]] == [team_series.pk]
    answer = client.post(f"{URL}{team_series.pk}/signup/")
    assert answer.status_code == 201, answer.data
    assert len(answer.data["joined"]) == 8


def test_someone_outside_the_team_neither_sees_nor_joins_it(team_series, other_volunteer):
    client = client_for(other_volunteer.user)
    assert client.get(URL).data["results"] == []
    assert client.post(f"{URL}{team_series.pk}/signup/").status_code == 404
    assert not SeriesSignup.objects.exists()


def test_a_manager_of_another_unit_cannot_touch_the_series(tree, clock, other_station_manager):
    series = make_series(tree["S1"])
    client = client_for(other_station_manager)
    first = series.occurrences.order_by("starts_at").first()
    assert client.patch(f"{URL}{series.pk}/", {"title": "改"}, format="json").status_code == 404
    assert client.post(f"{URL}{series.pk}/split/", {"from_event": first.pk}, format="json").status_code == 404
    series.refresh_from_db()
    assert series.title == "周六助老探访"


def test_a_manager_cannot_move_the_series_to_a_unit_they_do_not_manage(station_manager_client, tree, clock):
    series = make_series(tree["S1"])
    answer = station_manager_client.patch(f"{URL}{series.pk}/", {"unit": tree["S2"].pk}, format="json")
    assert answer.status_code == 400
    assert EventSeries.objects.get(pk=series.pk).unit == tree["S1"]


def test_a_too_young_volunteer_is_refused_each_occurrence_with_the_reason(tree, clock):
    series = make_series(tree["S1"], min_age=120)
    young = make_volunteer(tree["S1"], "小李")
    answer = client_for(young.user).post(f"{URL}{series.pk}/signup/")
    assert answer.status_code == 201
    assert answer.data["joined"] == []
    assert len(answer.data["refused"]) == 8
