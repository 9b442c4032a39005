"""The registration form's server-side rules (issue 21 items 4 and 13), which also serve a phone
without JavaScript: the sections the document and the age call for come back with the errors,
the passwords are kept in that one answer, and every message is in Chinese at its field.
Also: 您 on the password page, and opening a check-out code again."""

import datetime
import re

import pytest
from django.utils import timezone

from events.checkin_codes import make_event_code
from events.services import check_in_by_code
from tests.conftest import PASSWORD
from tests.events.conftest import at, make_event
from volunteers.id_numbers import check_character
from volunteers.models import Volunteer

SECRET = "a-long-pass-phrase-9"


def numbered(region: str, born: datetime.date, serial: str = "013") -> str:
    first17 = f"{region}{born:%Y%m%d}{serial}"
    return first17 + check_character(first17)


def years_ago(years: int) -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years, day=min(today.day, 28)) - datetime.timedelta(days=40)


def form(station, **changes) -> dict:
    """The form as a browser sends it; an unticked box (None here) is not sent at all."""
    values = {
        "id_type": "resident_id",
        "real_name": "周九",
        "id_number": numbered("110105", years_ago(30)),
        "phone": "13912345678",
        "password": SECRET,
        "password2": SECRET,
        "home_station": str(station.pk),
        "consent": "true",
    }
    values.update(changes)
    return {name: value for name, value in values.items() if value is not None}


def shown(html: str, fieldset: str) -> bool:
    tag = re.search(rf'<fieldset id="{fieldset}"[^>]*>', html)
    assert tag is not None
    return "hidden" not in tag.group(0)


def error_at(html: str, field: str) -> str:
    found = re.search(rf'<ul class="errorlist" id="error-{field}">(.*?)</ul>', html, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else ""


def test_a_refused_form_keeps_the_passwords_in_an_answer_no_cache_keeps(client, tree):
    response = client.post("/register/", form(tree["S1"], consent=None))
    html = response.content.decode()
    assert response.status_code == 400 and "注册需要您同意" in error_at(html, "consent")
    assert f'name="password" id="id_password" autocomplete="new-password" required value="{SECRET}"' in html
    assert f'name="password2" id="id_password2" autocomplete="new-password" required value="{SECRET}"' in html
    assert "no-store" in response["Cache-Control"]
    # A fresh form holds no password.
    assert 'required value=""' in client.get("/register/").content.decode()


def test_the_passwords_must_match(client, tree):
    response = client.post("/register/", form(tree["S1"], password2=SECRET + "x"))
    assert response.status_code == 400 and not Volunteer.objects.exists()
    assert error_at(response.content.decode(), "password2") == "两次输入的密码不一致，请输入相同的密码。"


def test_a_mismatch_is_reported_beside_the_other_errors(client, tree):
    response = client.post("/register/", form(tree["S1"], password2="", phone="123"))
    html = response.content.decode()
    assert error_at(html, "password2") and error_at(html, "phone")


def test_the_residence_permit_number_gives_birth_date_and_gender_shown_under_it(client, tree):
    born = years_ago(35)
    values = form(tree["S1"], id_type="hmt_residence_permit", id_number=numbered("830000", born), consent=None)
    html = client.post("/register/", values).content.decode()
    assert not shown(html, "holder-facts") and not shown(html, "guardian")
    assert f"由证件号码得出：出生日期 {born.isoformat()}，性别男。" in html
    response = client.post("/register/", {**values, "consent": "true"})  # ticked this time
    assert response.status_code == 302
    volunteer = Volunteer.objects.get()
    assert (volunteer.id_type, volunteer.birth_date, volunteer.gender) == ("hmt_residence_permit", born, "male")


def test_a_mainland_number_in_the_permit_field_is_refused_at_the_number_in_chinese(client, tree):
    values = form(tree["S1"], id_type="hmt_residence_permit")
    html = client.post("/register/", values).content.decode()
    assert "810000" in error_at(html, "id_number") and not Volunteer.objects.exists()


@pytest.mark.parametrize("document", ["passport", "hk_macao_permit", "taiwan_permit", "foreign_permanent_residence"])
def test_documents_without_birth_date_ask_for_it_at_its_field_without_javascript(client, tree, document):
    numbers = {
        "passport": "E12345678",
        "hk_macao_permit": "H12345678",
        "taiwan_permit": "12345678",
        "foreign_permanent_residence": "USA123456789012",
    }
    response = client.post("/register/", form(tree["S1"], id_type=document, id_number=numbers[document]))
    html = response.content.decode()
    assert response.status_code == 400 and shown(html, "holder-facts") and not shown(html, "guardian")
    assert error_at(html, "birth_date") == "此证件类型必须填写。" and error_at(html, "gender") == "此证件类型必须填写。"
    # The document stays chosen.
    assert re.search(rf'<option value="{document}"[^>]*selected', html)


def test_a_minor_is_shown_the_guardians_section_with_the_errors_there(client, tree):
    values = form(tree["S1"], id_type="passport", id_number="E12345678", birth_date=years_ago(12).isoformat())
    values["gender"] = "female"
    html = client.post("/register/", values).content.decode()
    assert shown(html, "guardian") and error_at(html, "guardian_consent")
    assert error_at(html, "guardian_name")
    assert not Volunteer.objects.exists()


def test_an_adult_sees_no_guardians_section_even_after_an_error(client, tree):
    html = client.post("/register/", form(tree["S1"], consent=None)).content.decode()
    assert not shown(html, "guardian") and not shown(html, "holder-facts")


def test_every_error_of_an_empty_form_is_chinese(client, tree):
    html = client.post("/register/", {"id_type": "passport"}).content.decode()
    errors = re.findall(r'<ul class="errorlist" id="error-(\w+)">(.*?)</ul>', html, re.S)
    fields = {name for name, _ in errors}
    assert {"real_name", "id_number", "phone", "password", "home_station", "consent"} <= fields
    for name, text in errors:
        assert re.search(r"[\u4e00-\u9fff]", text) and not re.search(r"[A-Za-z]{4,}", text), (name, text)


def test_the_password_page_says_nin_when_the_old_password_is_wrong(client, volunteer):
    client.force_login(volunteer.user)
    response = client.post("/me/password/", {"old_password": "wrong", "new_password1": SECRET, "new_password2": SECRET})
    html = response.content.decode()
    assert response.status_code == 400 and "您的旧密码不正确，请重新输入。" in html
    assert "你" not in html and "data-show-password" in html


def test_the_password_page_speaks_to_nin_in_the_validators_messages_too(client, volunteer):
    client.force_login(volunteer.user)
    response = client.post(
        "/me/password/", {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"}
    )
    html = response.content.decode()
    assert response.status_code == 400 and "你" not in html


def test_opening_a_check_out_code_again_says_when_one_checked_out(clock, client, tree, volunteer):
    event = make_event(tree["S1"])
    check_in_by_code(volunteer, make_event_code(event.pk, "in", at(9)), at=at(9))
    clock.move_to(at(10, 47))
    check_in_by_code(volunteer, make_event_code(event.pk, "out", at(10, 47)), at=at(10, 47))
    clock.move_to(at(11, 5))
    client.force_login(volunteer.user)
    html = client.get(f"/c/{make_event_code(event.pk, 'out', at(11, 5))}").content.decode()
    assert "您已签退（10:47）" in html and 'data-code="already_out"' in html
    assert "认定时长：" in html and "重新签退" in html
    # A check-in code opened again says the same of the check-in.
    html = client.get(f"/c/{make_event_code(event.pk, 'in', at(11, 5))}").content.decode()
    assert "您已签到（09:00）" in html


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_the_volunteers_pages_say_nin_and_use_full_width_colons(clock, client, tree, volunteer):
    event = make_event(tree["S1"])
    check_in_by_code(volunteer, make_event_code(event.pk, "in", at(9)), at=at(9))
    clock.move_to(at(10, 30))
    check_in_by_code(volunteer, make_event_code(event.pk, "out", at(10, 30)), at=at(10, 30))
    pages = [client.get("/register/"), client.post("/register/", {"id_type": "passport"})]
    client.force_login(volunteer.user)
    pages += [client.get(url) for url in ["/me/", "/me/password/"]]
    pages += [client.get(f"/c/{make_event_code(event.pk, action, at(10, 30))}") for action in ("in", "out")]
    pages.append(client.post(f"/c/{make_event_code(event.pk, 'out', at(10, 30))}"))
    for response in pages:
        text = visible_text(response.content.decode())
        assert "你" not in text
        assert not re.search(r"[\u4e00-\u9fff）]:", text), re.search(r".{20}[\u4e00-\u9fff）]:.{20}", text)
