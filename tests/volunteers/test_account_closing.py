"""Closing an account erases what would give back the masked number (PIPL art. 47; issue 20 item 4)."""

import datetime

import pytest
from django.utils import timezone

from tests.conftest import PASSWORD, client_for, make_manager
from volunteers.id_numbers import IdType, check_character
from volunteers.models import Volunteer
from volunteers.services import AccountError, close_account, register_volunteer

CLOSE = "/api/v1/me/close-account/"


def numbers_matching(masked: str, birth_year: int) -> list[str]:
    """Every valid resident ID number that the masked number and the birth year leave possible."""
    found = []
    day = datetime.date(birth_year, 1, 1)
    while day.year == birth_year:
        first17 = f"{masked[:6]}{day:%Y%m%d}{masked[14:17]}"
        if check_character(first17) == masked[17]:
            found.append(first17 + masked[17])
        day += datetime.timedelta(days=1)
    return found


def test_a_closed_volunteer_keeps_the_birth_year_only(volunteer, volunteer_client):
    born, number = volunteer.birth_date, volunteer.id_number
    assert volunteer_client.post(CLOSE, {"password": PASSWORD, "confirm": True}, format="json").status_code == 200
    closed = Volunteer.objects.get(pk=volunteer.pk)
    assert closed.birth_date is None and closed.gender == "" and closed.birth_year == born.year
    assert closed.id_number == number[:6] + "********" + number[14:]
    # Nothing kept on the row is the birth date or the whole number.
    kept = [getattr(closed, field.attname) for field in Volunteer._meta.concrete_fields]
    assert born not in kept and number not in kept and f"{born:%Y%m%d}" not in " ".join(map(str, kept))


def test_the_masked_number_and_the_birth_year_leave_many_numbers_possible(volunteer, volunteer_client):
    number = volunteer.id_number
    volunteer_client.post(CLOSE, {"password": PASSWORD, "confirm": True}, format="json")
    closed = Volunteer.objects.get(pk=volunteer.pk)
    candidates = numbers_matching(closed.id_number, closed.birth_year)
    assert number in candidates and len(candidates) >= 10


def test_an_admin_sees_no_birth_date_or_gender_of_a_closed_account(volunteer, volunteer_client, admin_user):
    volunteer_client.post(CLOSE, {"password": PASSWORD, "confirm": True}, format="json")
    body = client_for(admin_user).get(f"/api/v1/volunteers/{volunteer.pk}/").json()
    assert body["birth_date"] is None and body["gender"] == ""
    assert body["age"] == max(timezone.localdate().year - Volunteer.objects.get(pk=volunteer.pk).birth_year - 1, 0)


def test_a_volunteer_with_a_document_that_states_no_birth_date_keeps_only_the_year(tree):
    from volunteers.id_numbers import IdentityFacts

    born = timezone.localdate().replace(month=1, day=1) - datetime.timedelta(days=365 * 30)
    volunteer = register_volunteer(
        real_name="陈大文",
        id_number="H12345678",
        phone="13912340001",
        password=PASSWORD,
        home_station=tree["S1"],
        id_type=IdType.HK_MACAO,
        holder=IdentityFacts(birth_date=born, gender="male"),
    )
    close_account(volunteer.user, password=PASSWORD)
    closed = Volunteer.objects.get(pk=volunteer.pk)
    assert (closed.id_number, closed.birth_date, closed.gender, closed.birth_year) == ("H*****678", None, "", born.year)


def test_closing_twice_is_refused(volunteer):
    close_account(volunteer.user, password=PASSWORD)
    with pytest.raises(AccountError) as error:
        close_account(volunteer.user, password=PASSWORD)
    assert error.value.code == "already_closed"


def test_a_manager_without_a_volunteer_profile_cannot_close_their_own_account(django_user_model, tree):
    manager = make_manager(django_user_model, tree["S1"], "站长")
    with pytest.raises(AccountError) as error:
        close_account(manager, password=PASSWORD)
    assert error.value.code == "managed_account"
    manager.refresh_from_db()
    assert manager.is_active
