"""ID documents beyond the resident ID card: registration, validation and masking (issue 14 item 6)."""

import datetime

import pytest

from tests.conftest import client_for
from volunteers.id_numbers import IdType, check_character, mask_document_number, validate_document_number
from volunteers.models import ConsentKind, Volunteer

URL = "/api/v1/volunteers/register/"


@pytest.fixture
def form(tree) -> dict:
    return {
        "real_name": "陈大文",
        "id_type": IdType.HK_MACAO,
        "id_number": "H12345678",
        "birth_date": "1990-05-01",
        "gender": "male",
        "phone": "13912345678",
        "password": "a-long-secret-77",
        "home_station": tree["S1"].pk,
        "consent": True,
    }


def test_a_hong_kong_resident_registers_with_their_permit(anon_client, form):
    response = anon_client.post(URL, form, format="json")
    assert response.status_code == 201, response.content
    volunteer = Volunteer.objects.get()
    assert (volunteer.id_type, volunteer.id_number) == (IdType.HK_MACAO, "H12345678")
    assert str(volunteer.birth_date) == "1990-05-01" and volunteer.gender == "male"
    # The consent is stored with the version of the text agreed to.
    consent = volunteer.consents.get()
    assert consent.kind == ConsentKind.REGISTRATION and consent.version and consent.consented_at


def test_a_permit_needs_the_birth_date_and_gender_the_number_does_not_state(anon_client, form):
    del form["birth_date"], form["gender"]
    body = anon_client.post(URL, form, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert body["birth_date"] == ["此证件类型必须填写。"] and "gender" in body
    assert not Volunteer.objects.exists()


@pytest.mark.parametrize(
    ("id_type", "number"),
    [
        (IdType.HK_MACAO, "X12345678"),
        (IdType.TAIWAN, "1234567"),
        (IdType.PASSPORT, "ABCDEFGH"),
        (IdType.FOREIGN_PR, "912345678901234567"),
        (IdType.RESIDENT, "H12345678"),
    ],
)
def test_each_document_type_is_checked_by_its_own_format(anon_client, form, id_type, number):
    form.update(id_type=id_type, id_number=number)
    response = anon_client.post(URL, form, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert response.json()["id_number"][0]  # a Chinese message on the field
    assert not Volunteer.objects.exists()


@pytest.mark.parametrize(
    ("id_type", "number"),
    [
        (IdType.HK_MACAO, "M1234567801"),
        (IdType.TAIWAN, "12345678"),
        (IdType.PASSPORT, "E12345678"),
        (IdType.PASSPORT, "EA1234567"),
        (IdType.FOREIGN_PR, "USA110090060001"),
    ],
)
def test_valid_numbers_of_every_type_pass(id_type, number):
    assert validate_document_number(id_type, number) is None


def test_a_2023_permanent_resident_card_number_passes_with_its_check_character():
    first17 = "93111019900101001"
    assert validate_document_number(IdType.FOREIGN_PR, first17 + check_character(first17)) is None


def test_masks_hide_most_of_every_document_number():
    assert mask_document_number("H12345678") == "H*****678"
    assert mask_document_number("E12345678") == "E*****678"
    assert mask_document_number("11010519491231002X") == "110105********002X"


def test_managers_see_a_permit_masked_and_the_holder_sees_it_in_full(anon_client, form, station_manager):
    anon_client.post(URL, form, format="json")
    volunteer = Volunteer.objects.get()
    seen = client_for(station_manager).get(f"/api/v1/volunteers/{volunteer.pk}/").json()
    assert seen["id_number"] == "H*****678" and seen["id_type"] == IdType.HK_MACAO
    own = client_for(volunteer.user).get("/api/v1/me/").json()
    assert own["id_number"] == "H12345678"


def test_hour_statistics_by_volunteer_mask_a_permit_as_the_api_does(tree, station_manager, admin_user):
    from tests.records_law_certs.conftest import approved, event_on
    from volunteers.id_numbers import IdentityFacts
    from volunteers.services import register_volunteer

    volunteer = register_volunteer(
        real_name="陈大文",
        id_number="H12345678",
        phone="13912340001",
        password="a-long-secret-77",
        home_station=tree["S1"],
        id_type=IdType.HK_MACAO,
        holder=IdentityFacts(birth_date=datetime.date(1990, 5, 1), gender="male"),
    )
    approved(event_on(tree["S1"], 1), volunteer, "2.00")
    body = client_for(station_manager).get("/api/v1/stats/hours/?group_by=volunteer").json()
    rows = body.get("results", body.get("rows", body))
    assert "H*****678" in str(rows) and "H12345678" not in str(rows)
