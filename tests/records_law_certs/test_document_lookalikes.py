"""A mainland resident ID number, whole or cut to 17 digits, is no passport, permit or
permanent-residence card number: it is refused under those documents with a message naming the
right one, while the real numbers of every document still pass (red-team review)."""

import pytest
from django.core.exceptions import ValidationError

from volunteers.id_numbers import IdType, check_character, validate_document_number
from volunteers.models import Volunteer

URL = "/api/v1/volunteers/register/"
FIRST17 = "11010519900517123"
RESIDENT_ID = FIRST17 + check_character(FIRST17)
TAIWAN_PERMIT_FIRST17 = "83000019900517124"
CHOOSE_RESIDENT_ID = "这是居民身份证号码：请将证件类型选为“居民身份证”（号码共18位）。"
OTHER_DOCUMENTS = [IdType.PASSPORT, IdType.HK_MACAO, IdType.TAIWAN, IdType.FOREIGN_PR]


def refusal(id_type: str, number: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_document_number(id_type, number)
    return caught.value


@pytest.mark.parametrize("id_type", OTHER_DOCUMENTS)
@pytest.mark.parametrize("number", [RESIDENT_ID, FIRST17, "44030619840229001"])
def test_a_resident_id_number_or_its_first_17_digits_are_refused_under_other_documents(id_type, number):
    assert refusal(id_type, number).code == "id_wrong_type"


def test_a_resident_id_number_ending_in_x_is_refused_as_a_passport():
    first17 = next(f"1101051990051712{n}" for n in range(10) if check_character(f"1101051990051712{n}") == "X")
    assert refusal(IdType.PASSPORT, first17 + "X").code == "id_wrong_type"


@pytest.mark.parametrize(
    "number", [TAIWAN_PERMIT_FIRST17, TAIWAN_PERMIT_FIRST17 + check_character(TAIWAN_PERMIT_FIRST17)]
)
def test_a_residence_permit_number_as_a_passport_names_the_residence_permit(number):
    error = refusal(IdType.PASSPORT, number)
    assert error.code == "id_wrong_type" and "港澳台居民居住证" in error.messages[0]


def test_the_api_says_in_chinese_to_choose_the_resident_id_card(anon_client, tree):
    values = {
        "real_name": "陈大文",
        "id_type": IdType.PASSPORT,
        "id_number": FIRST17,
        "birth_date": "1990-05-17",
        "gender": "male",
        "phone": "13912345678",
        "password": "a-long-secret-77",
        "home_station": tree["S1"].pk,
        "consent": True,
    }
    response = anon_client.post(URL, values, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400 and response.json()["id_number"] == [CHOOSE_RESIDENT_ID]
    assert not Volunteer.objects.exists()


def test_the_page_says_in_chinese_to_choose_the_resident_id_card(client, tree):
    values = {
        "real_name": "陈大文",
        "id_type": IdType.FOREIGN_PR,
        "id_number": RESIDENT_ID,
        "birth_date": "1990-05-17",
        "gender": "male",
        "phone": "13912345678",
        "password": "a-long-secret-77",
        "password2": "a-long-secret-77",
        "home_station": tree["S1"].pk,
        "consent": "true",
    }
    html = client.post("/register/", values).content.decode()
    assert CHOOSE_RESIDENT_ID in html and not Volunteer.objects.exists()


def test_a_2023_permanent_residence_card_number_as_a_resident_id_names_that_card():
    first17 = "93111019900101001"
    error = refusal(IdType.RESIDENT, first17 + check_character(first17))
    assert "外国人永久居留身份证" in error.messages[0]


@pytest.mark.parametrize(
    ("id_type", "number"),
    [
        (IdType.PASSPORT, "E12345678"),  # a Chinese ordinary passport
        (IdType.PASSPORT, "EA1234567"),
        (IdType.PASSPORT, "123456789"),  # digits only, as the United States' are
        (IdType.PASSPORT, "C01X00T47"),  # Germany's
        (IdType.PASSPORT, "C01X00T478D"),  # with the check digit and nationality copied from the MRZ
        (IdType.PASSPORT, "TR1234567"),  # Japan's: 2 letters and 7 digits
        (IdType.PASSPORT, "12345678901234567"),  # 17 digits that hold no real birth date
        (IdType.PASSPORT, "99000019900517123"),  # 17 digits under no province code
        (IdType.HK_MACAO, "H12345678"),
        (IdType.HK_MACAO, "M1234567801"),
        (IdType.TAIWAN, "12345678"),
        (IdType.TAIWAN, "1234567801"),
        (IdType.TAIWAN, "12345678B"),
        (IdType.FOREIGN_PR, "USA110090060001"),
        (IdType.FOREIGN_PR, "93111019900101001" + check_character("93111019900101001")),
    ],
)
def test_the_real_numbers_of_every_document_still_pass(id_type, number):
    assert validate_document_number(id_type, number) is None
