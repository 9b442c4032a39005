"""A birth date typed for a document that does not state it (passports, permits): refused at
the birth date field when it makes the holder too young, implausibly old or not yet born,
from the API and from the page (red-team review of the registration work)."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine

from volunteers.id_numbers import IdType, check_character
from volunteers.models import Volunteer

URL = "/api/v1/volunteers/register/"
TOO_YOUNG = "年满8周岁方可注册为志愿者；更小的孩子可随已注册的成年人一同参加服务。"
TOO_OLD = "请核对出生日期：按此日期，您已超过100周岁。"
GUARDIAN = {
    "guardian_name": "陈大",
    "guardian_phone": "13912340000",
    "guardian_relation": "parent",
    "guardian_consent": "true",
}


@pytest.fixture(autouse=True)
def today():
    """15 June 2026 in Shanghai: ages are counted from it."""
    moment = datetime.datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=False):
        yield moment.date()


def form(station, born: str, **extra) -> dict:
    return {
        "real_name": "陈大文",
        "id_type": IdType.PASSPORT,
        "id_number": "E12345678",
        "birth_date": born,
        "gender": "female",
        "phone": "13912345678",
        "password": "a-long-secret-77",
        "password2": "a-long-secret-77",
        "home_station": station.pk,
        "consent": "true",
        **extra,
    }


def error_at(html: str, field: str) -> str:
    found = re.search(rf'<ul class="errorlist" id="error-{field}">(.*?)</ul>', html, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).strip() if found else ""


def api(client, values: dict):
    return client.post(URL, values, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_a_child_too_young_with_a_passport_is_told_so_at_the_birth_date_by_the_api(anon_client, tree):
    response = api(anon_client, form(tree["S1"], "2020-01-01", **GUARDIAN))
    assert response.status_code == 400
    assert response.json() == {"birth_date": [TOO_YOUNG]}
    assert not Volunteer.objects.exists()


def test_a_child_too_young_with_a_passport_is_told_so_at_the_birth_date_on_the_page(client, tree):
    response = client.post("/register/", form(tree["S1"], "2020-01-01", **GUARDIAN))
    html = response.content.decode()
    assert response.status_code == 400
    assert error_at(html, "birth_date") == TOO_YOUNG and error_at(html, "id_number") == ""
    assert not Volunteer.objects.exists()


def test_a_child_too_young_by_the_resident_id_number_is_still_told_so_at_the_number(anon_client, tree):
    first17 = "11010520200101002"
    values = form(tree["S1"], "", id_type=IdType.RESIDENT, id_number=first17 + check_character(first17), **GUARDIAN)
    del values["birth_date"], values["gender"]
    assert api(anon_client, values).json() == {"id_number": [TOO_YOUNG]}


@pytest.mark.parametrize("born", ["1900-01-01", "1925-06-14"])
def test_a_birth_date_over_100_years_ago_is_refused_at_its_field_by_the_api(anon_client, tree, born):
    response = api(anon_client, form(tree["S1"], born))
    assert response.status_code == 400 and response.json() == {"birth_date": [TOO_OLD]}
    assert not Volunteer.objects.exists()


def test_a_birth_date_over_100_years_ago_is_refused_at_its_field_on_the_page(client, tree):
    html = client.post("/register/", form(tree["S1"], "1900-01-01")).content.decode()
    assert error_at(html, "birth_date") == TOO_OLD and not Volunteer.objects.exists()


def test_a_volunteer_of_exactly_100_registers(anon_client, tree):
    response = api(anon_client, form(tree["S1"], "1926-06-15"))
    assert response.status_code == 201, response.content
    assert Volunteer.objects.get().age == 100


@pytest.mark.parametrize("born", ["2026-06-16", "2099-01-01"])
def test_a_birth_date_in_the_future_is_refused_at_its_field(client, anon_client, tree, born):
    assert api(anon_client, form(tree["S1"], born)).json() == {"birth_date": ["出生日期不能晚于今天。"]}
    html = client.post("/register/", form(tree["S1"], born)).content.decode()
    assert error_at(html, "birth_date") == "出生日期不能晚于今天。"
    assert not Volunteer.objects.exists()
