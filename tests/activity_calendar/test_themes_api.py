"""/api/v1/units/{id}/themes/: anyone reads the theme days a unit's center marked; the center's managers set them.

Dates are asked for a named year (?year=2026); no test reads the clock for them.
"""

import pytest

from events.models import MarkedTheme
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def url(unit) -> str:
    return f"/api/v1/units/{unit.pk}/themes/"


def marked_keys(answer) -> list[str]:
    return [theme["key"] for theme in answer.json()["themes"] if theme["marked"]]


def test_anyone_reads_a_stations_theme_days_from_its_center(tree, marked):
    answer = client_for(None).get(url(tree["S1"]) + "?year=2026")
    assert answer.status_code == 200
    body = answer.json()
    assert body["center"] == tree["C"].pk and body["unit"] == tree["S1"].pk and body["year"] == 2026
    assert len(body["themes"]) == 52
    assert marked_keys(answer) == ["lei_feng_day", "arbor_day"]
    lei_feng = next(theme for theme in body["themes"] if theme["key"] == "lei_feng_day")
    assert lei_feng == {"key": "lei_feng_day", "name": "学雷锋纪念日", "marked": True, "date": "2026-03-05"}
    spring = next(theme for theme in body["themes"] if theme["key"] == "spring_festival")
    assert spring["date"] == "2026-02-17"


def test_a_year_without_laba_answers_no_date_for_it(tree):
    body = client_for(None).get(url(tree["C"]) + "?year=2023").json()
    assert next(theme for theme in body["themes"] if theme["key"] == "laba")["date"] is None


@pytest.mark.parametrize("year", ["abc", "1800", "2100", "-1", "99999999999999999999", "²", "2026²", " 2026"])
def test_a_bad_year_is_a_400(tree, year):
    answer = client_for(None).get(url(tree["C"]) + f"?year={year}")
    assert answer.status_code == 400 and "year" in answer.json()


def test_a_center_manager_marks_and_unmarks_the_centers_days(tree, center_manager, marked):
    client = client_for(center_manager)
    answer = client.put(url(tree["C"]), {"themes": ["volunteer_day", "arbor_day", "volunteer_day"]}, format="json")
    assert answer.status_code == 200
    assert marked_keys(answer) == ["arbor_day", "volunteer_day"]
    assert set(MarkedTheme.objects.filter(center=tree["C"]).values_list("theme", flat=True)) == {
        "arbor_day",
        "volunteer_day",
    }
    # The other center's choice is its own.
    assert list(MarkedTheme.objects.filter(center=tree["C2"]).values_list("theme", flat=True)) == ["lantern_festival"]
    assert client.put(url(tree["C"]), {"themes": []}, format="json").status_code == 200
    assert not MarkedTheme.objects.filter(center=tree["C"]).exists()


def test_an_unknown_theme_is_refused_with_the_field_named(tree, center_manager):
    answer = client_for(center_manager).put(url(tree["C"]), {"themes": ["christmas"]}, format="json")
    assert answer.status_code == 400 and "themes" in answer.json()
    assert not MarkedTheme.objects.exists()


def test_a_missing_list_is_refused(tree, center_manager):
    answer = client_for(center_manager).put(url(tree["C"]), {}, format="json")
    assert answer.status_code == 400 and "themes" in answer.json()


def test_a_station_marks_nothing_its_center_does(tree, station_manager):
    answer = client_for(station_manager).put(url(tree["S1"]), {"themes": ["arbor_day"]}, format="json")
    assert answer.status_code == 400 and answer.json()["code"] == "not_a_center"
    assert not MarkedTheme.objects.exists()


def test_who_may_not_change_a_centers_days(tree, station_manager, volunteer, django_user_model):
    from tests.conftest import make_manager

    other_center = make_manager(django_user_model, tree["C2"], "另一中心")
    body = {"themes": ["arbor_day"]}
    assert client_for(station_manager).put(url(tree["C"]), body, format="json").status_code == 404
    assert client_for(other_center).put(url(tree["C"]), body, format="json").status_code == 404
    assert client_for(volunteer.user).put(url(tree["C"]), body, format="json").status_code == 403
    assert client_for(None).put(url(tree["C"]), body, format="json").status_code == 401
    assert not MarkedTheme.objects.exists()


def test_an_unknown_unit_is_a_404(tree):
    assert client_for(None).get("/api/v1/units/999999/themes/").status_code == 404


@pytest.mark.parametrize(
    "themes",
    [["arbor_day"] * 10_000, [f"k{n}" for n in range(10_000)], "arbor_day", {"arbor_day": True}, [["arbor_day"]]],
)
def test_too_many_or_malformed_keys_are_a_400_and_change_nothing(tree, center_manager, marked, themes):
    answer = client_for(center_manager).put(url(tree["C"]), {"themes": themes}, format="json")
    assert answer.status_code == 400 and "themes" in answer.json()
    assert set(MarkedTheme.objects.filter(center=tree["C"]).values_list("theme", flat=True)) == {
        "lei_feng_day",
        "arbor_day",
    }


def test_an_institute_manager_marks_nothing(tree, institute_manager):
    answer = client_for(institute_manager).put(url(tree["I1"]), {"themes": ["arbor_day"]}, format="json")
    assert answer.status_code == 400 and answer.json()["code"] == "not_a_center"
    assert client_for(institute_manager).put(url(tree["C"]), {"themes": []}, format="json").status_code == 404
    assert not MarkedTheme.objects.exists()
