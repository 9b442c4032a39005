"""Registration is no directory of who is registered (issue 10, item 11)."""

import pytest

from accounts.throttles import ScopedThrottle
from tests.conftest import make_id_number
from volunteers.models import Volunteer

URL = "/api/v1/volunteers/register/"


@pytest.fixture
def form(tree) -> dict:
    return {
        "real_name": "新人",
        "id_number": make_id_number(),
        "phone": "13912345678",
        "password": "a-long-secret-77",
        "home_station": tree["S1"].pk,
        "consent": True,
    }


@pytest.mark.parametrize(
    "flaw",
    [
        {"password": "123"},
        {"consent": False},
        {"home_station": 999999},
        {"real_name": ""},
    ],
)
def test_a_half_filled_form_answers_alike_for_taken_and_free_numbers(anon_client, form, volunteer, flaw):
    free = anon_client.post(URL, {**form, **flaw}, format="json")
    taken = anon_client.post(
        URL, {**form, **flaw, "phone": volunteer.phone, "id_number": volunteer.id_number}, format="json"
    )
    assert free.status_code == taken.status_code == 400
    assert free.json() == taken.json()
    assert "phone" not in taken.json() and "id_number" not in taken.json()


def test_a_complete_form_is_told_which_number_is_taken(anon_client, form, volunteer):
    response = anon_client.post(URL, {**form, "phone": volunteer.phone}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"phone"}
    response = anon_client.post(URL, {**form, "id_number": volunteer.id_number}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"id_number"}
    assert Volunteer.objects.count() == 1


def test_probing_complete_forms_is_throttled(anon_client, form, volunteer, monkeypatch):
    monkeypatch.setattr(ScopedThrottle, "THROTTLE_RATES", {**ScopedThrottle.THROTTLE_RATES, "register": "2/hour"})
    statuses = [anon_client.post(URL, {**form, "phone": volunteer.phone}, format="json").status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
