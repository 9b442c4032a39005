"""A manager at the venue, on the pages alone: the kiosk, a walk-in, a personal code."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from events.checkin_codes import make_volunteer_code
from events.models import ServiceRecord, Signup
from events.services import sign_up
from tests.browser.conftest import has_no_horizontal_scroll, log_in
from tests.browser.test_pages import decode_screenshot
from tests.conftest import PASSWORD, make_volunteer
from tests.events.conftest import make_event

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def walk_in_event(tree):
    now = timezone.now()
    return make_event(
        tree["S1"],
        title="敬老院探访",
        starts_at=now - datetime.timedelta(minutes=10),
        ends_at=now + datetime.timedelta(hours=2),
        signup_required=True,
        walk_ins_allowed=True,
        capacity=10,
        risk_notice="请勿单独搀扶老人上下楼。",
    )


def test_the_kiosk_takes_a_walk_in_and_the_counts_follow(
    browser, phone_page, live_server, walk_in_event, station_manager, volunteer
):
    kiosk = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="zh-CN", base_url=live_server.url
    ).new_page()
    kiosk.goto("/login/")
    log_in(kiosk, station_manager.phone, PASSWORD)
    kiosk.wait_for_url("**/workbench/")
    kiosk.click(f"a[href='/events/{walk_in_event.pk}/kiosk/']")
    kiosk.wait_for_selector("#qr svg")
    assert kiosk.locator("#site-nav").count() == 0
    url = decode_screenshot(kiosk.locator("#qr").screenshot())

    phone_page.goto(url)
    log_in(phone_page, volunteer.phone, PASSWORD)
    phone_page.wait_for_url(url)
    expect(phone_page.locator("#risk-notice")).to_contain_text("请勿单独搀扶")
    expect(phone_page.locator("#action-button")).to_have_text("报名并签到")
    phone_page.click("#action-button")
    expect(phone_page.locator("#outcome")).to_contain_text("签到成功")
    assert Signup.objects.get(volunteer=volunteer).status == "confirmed"
    # The counts refresh every few seconds, not only with the next code.
    expect(kiosk.locator("#count-checked-in")).to_have_text("1", timeout=10_000)
    expect(kiosk.locator("#count-signed-up")).to_have_text("1")


def test_the_scan_page_names_the_person_says_repeats_and_offers_a_walk_in(
    phone_page, tree, walk_in_event, station_manager, volunteer
):
    sign_up(walk_in_event, volunteer, at=timezone.now(), risk_acknowledged=True)
    walker = make_volunteer(tree["S2"], "郑十一")
    page = phone_page
    page.goto(f"/events/{walk_in_event.pk}/scan/")
    log_in(page, station_manager.phone, PASSWORD)
    page.wait_for_url(f"**/events/{walk_in_event.pk}/scan/", wait_until="load")

    page.fill("#code", make_volunteer_code(volunteer.pk, timezone.now()))
    page.press("#code", "Enter")
    expect(page.locator("#panel")).to_have_class("panel ok")
    expect(page.locator("#panel-name")).to_have_text("李四")
    checked_in_at = timezone.localtime(ServiceRecord.objects.get(volunteer=volunteer).checked_in_at)

    page.fill("#code", make_volunteer_code(volunteer.pk, timezone.now()))
    page.press("#code", "Enter")
    expect(page.locator("#panel-message")).to_have_text(f"已签到（{checked_in_at:%H:%M}）")
    expect(page.locator("#panel")).to_have_class("panel repeat")

    page.fill("#code", make_volunteer_code(walker.pk, timezone.now()))
    page.press("#code", "Enter")
    expect(page.locator("#panel")).to_have_class("panel refused")
    expect(page.locator("#panel-message")).to_have_text("郑** 未报名本活动。")
    expect(page.locator("#walk-in-risk")).to_contain_text("请勿单独搀扶")
    page.click("#walk-in-button")
    expect(page.locator("#panel")).to_have_class("panel ok")
    expect(page.locator("#panel-name")).to_have_text("郑十一")
    assert ServiceRecord.objects.filter(event=walk_in_event).count() == 2
    assert has_no_horizontal_scroll(page)
