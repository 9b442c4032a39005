"""Registering on a phone with every kind of ID document, and opening a check-out code again.

The page alone, as a person uses it (390x844): the document is chosen first; birth date and
gender are asked only where its number does not state them; the guardian's section appears
only for a minor; a refused form keeps the passwords, which a button shows.
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from events.checkin_codes import make_event_code
from events.services import check_in_by_code
from tests.browser.conftest import has_no_horizontal_scroll, log_in, screenshot
from tests.conftest import PASSWORD, make_volunteer
from tests.events.conftest import make_event
from volunteers.id_numbers import check_character
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "a-long-pass-phrase-9"


def years_ago(years: int, days: int = 40) -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years, day=min(today.day, 28)) - datetime.timedelta(days=days)


def numbered(region: str, born: datetime.date, serial: str) -> str:
    first17 = f"{region}{born:%Y%m%d}{serial}"
    return first17 + check_character(first17)


def fill_the_rest(page, tree, phone: str, *, consent: bool = True) -> None:
    """Mobile number, passwords, home station and consent: the same for every document."""
    page.fill("#id_phone", phone)
    page.fill("#id_password", SECRET)
    page.fill("#id_password2", SECRET)
    page.select_option("#id_center", str(tree["C"].pk))
    page.select_option("#id_institute", str(tree["I1"].pk))
    page.select_option("#id_home_station", str(tree["S1"].pk))
    if consent:
        page.check("#id_consent")


def test_an_adult_registers_with_a_passport_giving_birth_date_and_gender(new_page, tree):
    page = new_page("phone")
    page.goto("/register/")
    # The resident ID card states birth date and gender: nothing more is asked at first.
    expect(page.locator("#holder-facts")).to_be_hidden()
    expect(page.locator("#guardian")).to_be_hidden()
    page.select_option("#id_id_type", "passport")
    expect(page.locator("#holder-facts")).to_be_visible()
    expect(page.locator("#id-number-hint")).to_contain_text("护照号码")
    page.fill("#id_real_name", "李安娜")
    page.fill("#id_id_number", "E12345678")
    born = years_ago(30)
    page.fill("#id_birth_date", born.isoformat())
    page.select_option("#id_gender", "female")
    fill_the_rest(page, tree, "13700005001")
    # An adult: no guardian's section.
    expect(page.locator("#guardian")).to_be_hidden()
    assert has_no_horizontal_scroll(page)
    page.locator("#id_id_type").scroll_into_view_if_needed()
    page.evaluate("window.scrollTo(0, document.querySelector('h1').offsetTop)")
    screenshot(page, "register-passport.png")
    page.click("#register-form button[type=submit]")
    page.wait_for_url("**/me/")
    volunteer = Volunteer.objects.get(real_name="李安娜")
    assert (volunteer.id_type, volunteer.birth_date, volunteer.gender) == ("passport", born, "female")
    assert not volunteer.guardian_name


def test_a_taiwan_resident_registers_with_a_residence_permit_whose_number_gives_birth_and_gender(new_page, tree):
    page = new_page("phone")
    page.goto("/register/")
    page.select_option("#id_id_type", "hmt_residence_permit")
    expect(page.locator("#holder-facts")).to_be_hidden()
    born = years_ago(35)
    page.fill("#id_real_name", "林志明")
    page.fill("#id_id_number", numbered("830000", born, "013"))
    # The page says what it takes from the number (an odd 17th digit: male).
    expect(page.locator("#id-number-facts")).to_have_text(f"由证件号码得出：出生日期 {born.isoformat()}，性别男。")
    expect(page.locator("#holder-facts")).to_be_hidden()
    expect(page.locator("#guardian")).to_be_hidden()
    fill_the_rest(page, tree, "13700005002")
    assert has_no_horizontal_scroll(page)
    page.click("#register-form button[type=submit]")
    page.wait_for_url("**/me/")
    volunteer = Volunteer.objects.get(real_name="林志明")
    assert (volunteer.id_type, volunteer.birth_date, volunteer.gender) == ("hmt_residence_permit", born, "male")


def test_the_guardians_section_appears_for_a_minor_only(new_page, tree):
    page = new_page("phone")
    page.goto("/register/")
    child = years_ago(12)
    page.fill("#id_id_number", numbered("110105", child, "024"))
    expect(page.locator("#guardian")).to_be_visible()
    expect(page.locator("#id-number-facts")).to_contain_text("性别女")
    page.fill("#id_id_number", numbered("110105", years_ago(40), "024"))
    expect(page.locator("#guardian")).to_be_hidden()
    # A document without the birth date: the date typed decides.
    page.select_option("#id_id_type", "taiwan_permit")
    page.fill("#id_id_number", "12345678")
    page.fill("#id_birth_date", child.isoformat())
    expect(page.locator("#guardian")).to_be_visible()
    page.fill("#id_real_name", "陈小雨")
    page.select_option("#id_gender", "female")
    fill_the_rest(page, tree, "13700005003")
    page.fill("#id_guardian_name", "陈大文")
    page.fill("#id_guardian_phone", "13700005004")
    page.select_option("#id_guardian_relation", "parent")
    page.check("#id_guardian_consent")
    assert has_no_horizontal_scroll(page)
    page.click("#register-form button[type=submit]")
    page.wait_for_url("**/me/")
    assert Volunteer.objects.get(real_name="陈小雨").guardian_name == "陈大文"


def test_a_child_too_young_with_a_passport_is_told_so_under_the_birth_date(new_page, tree):
    page = new_page("phone")
    page.goto("/register/")
    page.select_option("#id_id_type", "passport")
    page.fill("#id_real_name", "李小安")
    page.fill("#id_id_number", "E12345678")
    page.fill("#id_birth_date", years_ago(5).isoformat())
    page.select_option("#id_gender", "female")
    fill_the_rest(page, tree, "13700005006")
    page.click("#register-form button[type=submit]")
    # Under the birth date typed, not under the passport number, which states none.
    expect(page.locator("#error-birth_date")).to_contain_text("年满8周岁方可注册")
    expect(page.locator("#id_birth_date")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#error-id_number")).to_have_count(0)
    assert not Volunteer.objects.exists()


def test_a_refused_form_keeps_the_password_which_the_button_shows(new_page, tree):
    page = new_page("phone")
    page.goto("/register/")
    page.fill("#id_real_name", "周九")
    page.fill("#id_id_number", numbered("110105", years_ago(30), "035"))
    fill_the_rest(page, tree, "13700005005", consent=False)
    page.click("#register-form button[type=submit]")
    # Refused at the consent, in Chinese, beside it; everything typed is still there.
    expect(page.locator("#error-consent")).to_contain_text("同意")
    expect(page.locator("#id_password")).to_have_value(SECRET)
    expect(page.locator("#id_password2")).to_have_value(SECRET)
    expect(page.locator("#id_password")).to_have_attribute("type", "password")
    toggle = page.get_by_role("button", name="显示密码")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#id_password")).to_have_attribute("type", "text")
    expect(page.locator("#id_password2")).to_have_attribute("type", "text")
    toggle.click()
    expect(page.locator("#id_password")).to_have_attribute("type", "password")

    # Different passwords are refused at the confirmation.
    page.fill("#id_password2", SECRET + "x")
    page.check("#id_consent")
    page.click("#register-form button[type=submit]")
    expect(page.locator("#error-password2")).to_have_text("两次输入的密码不一致，请输入相同的密码。")
    assert not Volunteer.objects.exists()
    page.fill("#id_password2", SECRET)
    page.click("#register-form button[type=submit]")
    page.wait_for_url("**/me/")

    # The password kept across the refusals is the one that logs in.
    other = new_page("phone")
    other.goto("/login/")
    log_in(other, "13700005005", SECRET)
    other.wait_for_url("**/me/")


def test_opening_a_check_out_code_again_says_when_one_checked_out(new_page, tree):
    now = timezone.now()
    event = make_event(
        tree["S1"],
        title="河道清洁",
        starts_at=now - datetime.timedelta(hours=2),
        ends_at=now - datetime.timedelta(minutes=10),
    )
    volunteer = make_volunteer(tree["S1"], "吴十")
    came, left = event.starts_at + datetime.timedelta(minutes=5), now - datetime.timedelta(minutes=15)
    check_in_by_code(volunteer, make_event_code(event.pk, "in", came), at=came)
    check_in_by_code(volunteer, make_event_code(event.pk, "out", left), at=left)

    page = new_page("phone")
    page.goto(f"/c/{make_event_code(event.pk, 'out', timezone.now())}")
    log_in(page, volunteer.user.phone, PASSWORD)
    expect(page.locator("#outcome")).to_contain_text(f"您已签退（{timezone.localtime(left):%H:%M}）")
    # Still possible on purpose (left, came back): a second, plainer button.
    expect(page.locator("#action-button")).to_have_text("重新签退")
    assert has_no_horizontal_scroll(page)
