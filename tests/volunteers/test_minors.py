"""Minors (issue 10, item 10): a guardian's consent under 14, a flag under 18, nobody under 8."""

import datetime
import itertools

import pytest
from django.db import IntegrityError
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import User
from tests import leak_scan
from tests.conftest import PASSWORD, client_for
from volunteers.id_numbers import check_character
from volunteers.models import Volunteer
from volunteers.services import Guardian, RegistrationError, register_volunteer

URL = "/api/v1/volunteers/register/"
_sequence = itertools.count(100)


def born(years: int, days: int = 0) -> str:
    """An ID number of someone ``years`` old today (birthday ``days`` after today's date)."""
    today = timezone.localdate()
    if (today.month, today.day) == (2, 29):
        today -= datetime.timedelta(days=1)  # a leap-day birthday falls on 1 March, not today
    birth = today.replace(year=today.year - years) + datetime.timedelta(days=days)
    first17 = f"110105{birth:%Y%m%d}{next(_sequence):03d}"
    return first17 + check_character(first17)


GUARDIAN = {
    "guardian_name": "王大明",
    "guardian_phone": "13612345678",
    "guardian_relation": "parent",
    "guardian_consent": True,
}


@pytest.fixture
def form(tree) -> dict:
    return {
        "real_name": "王小明",
        "id_number": born(10),
        "phone": "13912345678",
        "password": "a-long-secret-77",
        "home_station": tree["S1"].pk,
        "consent": True,
    }


def test_a_child_under_14_cannot_register_without_a_guardian(anon_client, form):
    response = anon_client.post(URL, form, format="json")
    assert response.status_code == 400
    assert {"guardian_name", "guardian_phone", "guardian_relation", "guardian_consent"} <= set(response.json())
    assert "监护人" in response.json()["guardian_name"][0]
    assert not Volunteer.objects.exists() and not User.objects.exists()


def test_a_child_under_14_registers_with_a_guardians_consent_stored_with_the_time(anon_client, form):
    before = timezone.now()
    response = anon_client.post(URL, {**form, **GUARDIAN}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["is_minor"] is True and response.json()["age"] == 10
    volunteer = Volunteer.objects.get()
    assert (volunteer.guardian_name, volunteer.guardian_phone, volunteer.guardian_relation) == (
        "王大明",
        "13612345678",
        "parent",
    )
    assert volunteer.guardian_consented_at >= before


@pytest.mark.parametrize("missing", ["guardian_name", "guardian_phone", "guardian_relation"])
def test_each_part_of_the_guardian_is_required_under_14(anon_client, form, missing):
    response = anon_client.post(URL, {**form, **GUARDIAN, missing: ""}, format="json")
    assert response.status_code == 400 and missing in response.json()
    assert not Volunteer.objects.exists()


def test_the_guardian_must_consent(anon_client, form):
    response = anon_client.post(URL, {**form, **GUARDIAN, "guardian_consent": False}, format="json")
    assert response.status_code == 400 and "guardian_consent" in response.json()


@pytest.mark.parametrize(("field", "value"), [("guardian_phone", "12345"), ("guardian_relation", "friend")])
def test_a_bad_guardian_field_is_a_400_on_the_field(anon_client, form, field, value):
    response = anon_client.post(URL, {**form, **GUARDIAN, field: value}, format="json")
    assert response.status_code == 400 and field in response.json()


@pytest.mark.parametrize("years", [2, 7])
def test_a_child_under_8_cannot_register_even_with_a_guardian(anon_client, form, years):
    form["id_number"] = born(years)
    response = anon_client.post(URL, {**form, **GUARDIAN}, format="json")
    assert response.status_code == 400
    assert "8" in response.json()["id_number"][0]
    assert not Volunteer.objects.exists()


def test_the_eighth_birthday_is_the_first_day_to_register(anon_client, form):
    form["id_number"] = born(8)
    assert anon_client.post(URL, {**form, **GUARDIAN}, format="json").status_code == 201


def test_the_fourteenth_birthday_needs_no_guardian_but_the_day_before_does(anon_client, form):
    form["id_number"] = born(14, days=1)
    assert anon_client.post(URL, form, format="json").status_code == 400
    form["id_number"] = born(14)
    response = anon_client.post(URL, form, format="json")
    assert response.status_code == 201 and response.json()["is_minor"] is True


def test_a_16_year_old_may_name_a_guardian_but_then_in_full(anon_client, form):
    form["id_number"] = born(16)
    response = anon_client.post(URL, {**form, "guardian_name": "王大明"}, format="json")
    assert response.status_code == 400 and "guardian_phone" in response.json()
    assert anon_client.post(URL, {**form, **GUARDIAN}, format="json").status_code == 201
    assert Volunteer.objects.get().guardian_consented_at is not None


def test_an_adults_guardian_fields_are_not_kept(anon_client, form):
    form["id_number"] = born(30)
    response = anon_client.post(URL, {**form, **GUARDIAN}, format="json")
    assert response.status_code == 201 and response.json()["is_minor"] is False
    volunteer = Volunteer.objects.get()
    assert (volunteer.guardian_name, volunteer.guardian_phone, volunteer.guardian_consented_at) == ("", "", None)


def test_the_service_enforces_the_rule_for_every_caller(tree):
    common = {"real_name": "王小明", "password": PASSWORD, "home_station": tree["S1"]}
    with pytest.raises(RegistrationError) as refused:
        register_volunteer(id_number=born(10), phone="13912345678", **common)
    assert refused.value.code == "guardian_required"
    with pytest.raises(RegistrationError) as refused:
        register_volunteer(
            id_number=born(5), phone="13912345679", guardian=Guardian("王大明", "13612345678", "parent"), **common
        )
    assert refused.value.code == "too_young"
    assert not Volunteer.objects.exists()


def test_a_guardian_consent_names_its_guardian_in_the_database(volunteer):
    with pytest.raises(IntegrityError):
        Volunteer.objects.filter(pk=volunteer.pk).update(guardian_consented_at=timezone.now())


@pytest.fixture
def child(tree):
    guardian = Guardian("王大明", "13612345678", "parent")
    return register_volunteer(
        real_name="王小明",
        id_number=born(10),
        phone="13912345678",
        password=PASSWORD,
        home_station=tree["S1"],
        guardian=guardian,
    )


def test_managers_see_a_minors_flag_age_and_masked_guardian(station_manager_client, child):
    body = station_manager_client.get(f"/api/v1/volunteers/{child.pk}/").json()
    assert body["is_minor"] is True and body["age"] == 10
    assert body["guardian_name"] == "王大明" and body["guardian_relation"] == "parent"
    assert body["guardian_phone"] == "136****5678"
    assert body["birth_date"] is None


def test_the_child_and_admins_see_the_guardians_number(admin_client_api, child):
    assert admin_client_api.get(f"/api/v1/volunteers/{child.pk}/").json()["guardian_phone"] == "13612345678"
    assert client_for(child.user).get("/api/v1/me/").json()["guardian_phone"] == "13612345678"


def test_managers_see_adults_unflagged(station_manager_client, volunteer):
    body = station_manager_client.get(f"/api/v1/volunteers/{volunteer.pk}/").json()
    assert body["is_minor"] is False and body["age"] >= 18


def test_the_leak_scan_catches_a_guardians_number_shown_in_full(station_manager, child):
    def scan(user) -> list[str]:
        request = RequestFactory().get("/somewhere/")
        request.user = user
        leak_scan.LeakScanMiddleware(lambda request: HttpResponse("监护人 13612345678"))(request)
        found = list(leak_scan.leaks)
        leak_scan.leaks.clear()
        return found

    assert scan(station_manager) != []
    assert scan(child.user) == []
