import datetime

from volunteers.id_numbers import check_character
from volunteers.models import Volunteer


def id_number(birth: datetime.date, serial: str = "123") -> str:
    first17 = f"110105{birth:%Y%m%d}{serial}"
    return first17 + check_character(first17)


def form(station, **changes) -> dict:
    values = {
        "real_name": "周九",
        "id_number": id_number(datetime.date(1990, 5, 17)),
        "phone": "13912345678",
        "password": "a-long-pass-phrase",
        "password2": "a-long-pass-phrase",
        "home_station": str(station.pk),
        "consent": "true",
    }
    values.update(changes)
    return values


def test_the_login_page_links_to_registration_and_explains_password_recovery(client, db):
    html = client.get("/login/").content.decode()
    assert 'href="/register/"' in html and "重置" in html


def test_the_form_chooses_county_township_and_village(client, tree):
    html = client.get("/register/").content.decode()
    assert 'id="id_center"' in html and 'id="id_institute"' in html and 'id="id_home_station"' in html
    assert f'data-parent="{tree["I1"].pk}"' in html and "个人信息" in html


def test_a_volunteer_registers_on_the_page_and_is_logged_in(client, tree):
    response = client.post("/register/", form(tree["S1"]))
    assert response.status_code == 302 and response["Location"] == "/me/"
    volunteer = Volunteer.objects.get(real_name="周九")
    assert volunteer.home_station == tree["S1"]
    assert "周九" in client.get("/me/").content.decode()


def test_a_wrong_check_digit_is_answered_in_chinese_and_nothing_is_saved(client, tree):
    bad = id_number(datetime.date(1990, 5, 17))[:-1] + (
        "0" if id_number(datetime.date(1990, 5, 17))[-1] != "0" else "1"
    )
    response = client.post("/register/", form(tree["S1"], id_number=bad))
    html = response.content.decode()
    assert response.status_code == 400 and "校验" in html and not Volunteer.objects.exists()
    assert 'value="周九"' in html


def test_registration_needs_consent(client, tree):
    response = client.post("/register/", form(tree["S1"], consent=""))
    assert response.status_code == 400 and not Volunteer.objects.exists()


def test_a_young_child_needs_a_guardian(client, tree):
    child = id_number(datetime.date.today().replace(year=datetime.date.today().year - 12) - datetime.timedelta(days=3))
    response = client.post("/register/", form(tree["S1"], id_number=child))
    assert response.status_code in (400, 409) and not Volunteer.objects.exists()
    assert "监护人" in response.content.decode()


def test_a_child_registers_with_a_guardians_consent_on_the_page(client, tree):
    html = client.get("/register/").content.decode()
    assert 'name="guardian_name"' in html and 'name="guardian_relation"' in html and 'name="guardian_consent"' in html
    today = datetime.date.today()
    child = id_number(today.replace(year=today.year - 12) - datetime.timedelta(days=3))
    guardian = {
        "guardian_name": "周大",
        "guardian_phone": "13912340000",
        "guardian_relation": "parent",
        "guardian_consent": "true",
    }
    response = client.post("/register/", form(tree["S1"], id_number=child, **guardian))
    assert response.status_code == 302
    assert Volunteer.objects.get(real_name="周九").guardian_name == "周大"


def test_the_page_shares_the_api_registration_throttle(client, tree, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"register": "1/minute"})
    client.post("/register/", form(tree["S1"], consent=""))
    response = client.post("/register/", form(tree["S1"]))
    assert response.status_code == 429 and "注册次数过多" in response.content.decode()
    assert not Volunteer.objects.exists()


def _fieldset_shown(html: str, fieldset: str) -> bool:
    import re

    tag = re.search(rf'<fieldset id="{fieldset}"[^>]*>', html)
    assert tag is not None
    return "hidden" not in tag.group(0)


def test_the_id_document_is_chosen_first_and_every_document_is_offered(client, tree):
    from volunteers.id_numbers import IdType

    html = client.get("/register/").content.decode()
    assert html.index('name="id_type"') < html.index('name="id_number"')
    for value in IdType.values:
        assert f'value="{value}"' in html
    # The resident ID card states the birth date and gender: they are not asked, and no guardian yet.
    assert not _fieldset_shown(html, "holder-facts") and not _fieldset_shown(html, "guardian")
    assert html.index('name="birth_date"') > html.index('name="id_type"')


def test_an_adult_with_a_passport_is_asked_the_birth_date_but_no_guardian(client, tree):
    response = client.post(
        "/register/", form(tree["S1"], id_type="passport", id_number="E12345678", birth_date="", gender="")
    )
    html = response.content.decode()
    assert response.status_code == 400 and _fieldset_shown(html, "holder-facts")
    assert not _fieldset_shown(html, "guardian")
    response = client.post(
        "/register/",
        form(tree["S1"], id_type="passport", id_number="E12345678", birth_date="1990-05-17", gender="male"),
    )
    assert response.status_code == 302
    assert Volunteer.objects.get(real_name="周九").birth_date == datetime.date(1990, 5, 17)
