"""A volunteer's week on the pages alone: register, sign up after the risk notice, check in
and out, ask for a certificate, and verify one by typing its number and code."""

import datetime

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from certificates.models import CertificateRequest
from certificates.services import accept_request
from events.checkin_codes import make_event_code
from events.models import ServiceRecord
from events.services import approve_record
from tests.browser.conftest import has_no_horizontal_scroll
from tests.conftest import make_id_number
from tests.events.conftest import make_event
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def event_with_risks(tree):
    now = timezone.now()
    return make_event(
        tree["S1"],
        title="河道清洁",
        starts_at=now - datetime.timedelta(minutes=30),
        ends_at=now + datetime.timedelta(hours=2),
        signup_required=True,
        risk_notice="河岸湿滑，请穿防滑鞋。",
    )


def test_a_volunteer_registers_signs_up_checks_in_and_out_and_asks_for_a_certificate(
    phone_page, settings, tmp_path, tree, event_with_risks, admin_user
):
    settings.MEDIA_ROOT = tmp_path
    page = phone_page
    page.goto("/login/")
    page.click("#register-link")
    page.fill("#id_real_name", "吴十")
    page.fill("#id_id_number", make_id_number())
    page.fill("#id_phone", "13700001234")
    page.fill("#id_password", "a-long-pass-phrase")
    page.fill("#id_password2", "a-long-pass-phrase")
    page.select_option("#id_center", str(tree["C"].pk))
    page.select_option("#id_institute", str(tree["I1"].pk))
    page.select_option("#id_home_station", str(tree["S1"].pk))
    page.check("#id_consent")
    assert has_no_horizontal_scroll(page)
    page.click("#register-form button[type=submit]")
    page.wait_for_url("**/me/")
    expect(page.locator(".messages")).to_contain_text("欢迎")
    volunteer = Volunteer.objects.get(real_name="吴十")

    # Sign up: the risk notice comes first.
    page.goto(f"/events/{event_with_risks.pk}/")
    expect(page.locator("#risk-notice")).to_contain_text("河岸湿滑")
    page.check("#risk-acknowledged")
    page.click("#signup-button")
    expect(page.locator(".messages")).to_contain_text("报名成功")

    # Check in by the kiosk's code (its URL is what the camera opens).
    page.goto(f"/c/{make_event_code(event_with_risks.pk, 'in', timezone.now())}")
    page.click("#action-button")
    expect(page.locator("#outcome")).to_contain_text("签到成功")

    # An hour later, check out.
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1), tick=True):
        page.goto(f"/c/{make_event_code(event_with_risks.pk, 'out', timezone.now())}")
        page.click("#action-button")
        expect(page.locator("#outcome")).to_contain_text("签退成功")
    record = ServiceRecord.objects.get(volunteer=volunteer)
    assert record.credited_hours >= 1

    # A manager approves (the admin's job, tested there); the volunteer asks for a certificate.
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1, minutes=5), tick=True):
        approve_record(record, by=admin_user)
    page.goto("/me/")
    expect(page.locator("#attended")).to_contain_text("已通过")
    page.click("#attended button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("申请已提交")
    expect(page.locator("#certificate-requests")).to_contain_text("河道清洁")

    # The station issues it; the volunteer downloads it and anyone can verify it by typing.
    certificate = accept_request(CertificateRequest.objects.get(), by=admin_user).certificate
    page.goto("/me/")
    expect(page.locator("#certificate-list")).to_contain_text(certificate.number)
    page.goto("/verify/")
    page.fill("#verify-number", certificate.number.lower())
    page.fill("#verify-code", certificate.verification_code)
    page.click("#verify-form button[type=submit]")
    expect(page.locator(".verdict")).to_contain_text("有效")
    expect(page.locator("main")).to_contain_text("吴*")
    assert has_no_horizontal_scroll(page)
