"""A unit's resident population (常住人口): set by its manager, bounded, in the API and the admin form."""

import pytest
from django.test import Client

from stations.models import MAX_POPULATION, PracticeUnit


def test_a_station_manager_sets_the_population_of_their_station(station_manager_client, tree):
    response = station_manager_client.patch(f"/api/v1/units/{tree['S1'].pk}/", {"population": 3250}, format="json")
    assert response.status_code == 200
    assert response.json()["population"] == 3250
    assert PracticeUnit.objects.get(pk=tree["S1"].pk).population == 3250


def test_the_population_is_optional_and_can_be_cleared(station_manager_client, tree):
    url = f"/api/v1/units/{tree['S1'].pk}/"
    assert station_manager_client.get(url).json()["population"] is None
    station_manager_client.patch(url, {"population": 3250}, format="json")
    response = station_manager_client.patch(url, {"population": None}, format="json")
    assert response.status_code == 200
    assert PracticeUnit.objects.get(pk=tree["S1"].pk).population is None


@pytest.mark.parametrize("value", [-1, MAX_POPULATION + 1, 2**63, "三千", 1.5])
def test_an_impossible_population_is_refused_with_a_message(station_manager_client, tree, value):
    response = station_manager_client.patch(f"/api/v1/units/{tree['S1'].pk}/", {"population": value}, format="json")
    assert response.status_code == 400
    assert "population" in response.json()
    assert PracticeUnit.objects.get(pk=tree["S1"].pk).population is None


def test_a_manager_cannot_set_the_population_of_a_unit_outside_their_subtree(station_manager_client, tree):
    response = station_manager_client.patch(f"/api/v1/units/{tree['S2'].pk}/", {"population": 100}, format="json")
    assert response.status_code in (403, 404)
    assert PracticeUnit.objects.get(pk=tree["S2"].pk).population is None


def admin_form(unit: PracticeUnit, population: str) -> dict:
    return {
        "parent": unit.parent_id,
        "code": unit.code,
        "name": unit.name,
        "population": population,
        "is_active": "on",
        "address": "",
        "latitude": "",
        "longitude": "",
        "contact_name": "",
        "contact_phone": "",
        "person_in_charge": "",
        "handler_name": "",
    }


def test_the_admin_form_sets_and_bounds_the_population(station_manager, tree):
    client = Client()
    client.force_login(station_manager)
    url = f"/admin/stations/practiceunit/{tree['S1'].pk}/change/"
    refused = client.post(url, admin_form(tree["S1"], "-5"))
    assert refused.status_code == 200 and refused.context["adminform"].form.errors.get("population")
    too_many = client.post(url, admin_form(tree["S1"], str(MAX_POPULATION + 1)))
    assert too_many.status_code == 200 and too_many.context["adminform"].form.errors.get("population")
    saved = client.post(url, admin_form(tree["S1"], "3250"))
    assert saved.status_code == 302
    assert PracticeUnit.objects.get(pk=tree["S1"].pk).population == 3250
