import datetime
import io

import pytest
import zxingcpp
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from events.checkin_codes import make_event_code, make_volunteer_code
from events.models import Method, ServiceRecord
from events.services import record_scan
from tests.browser.conftest import has_no_horizontal_scroll, log_in
from tests.conftest import PASSWORD
from tests.events.conftest import make_event

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def running_event(tree):
    now = timezone.now()
    return make_event(
        tree["S1"], starts_at=now - datetime.timedelta(hours=2), ends_at=now + datetime.timedelta(hours=1)
    )


def decode_screenshot(png: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert results, "no QR code in the screenshot"
    return results[0].text


def test_a_logged_out_volunteer_scans_logs_in_lands_back_and_checks_in(phone_page, running_event, volunteer):
    token = make_event_code(running_event.pk, "in", timezone.now())
    phone_page.goto(f"/c/{token}")
    assert "/login/" in phone_page.url
    log_in(phone_page, volunteer.phone, PASSWORD)
    phone_page.wait_for_url(f"**/c/{token}")
    assert running_event.title in phone_page.content()
    assert has_no_horizontal_scroll(phone_page)
    phone_page.click("#action-button")
    outcome = phone_page.locator("#outcome")
    assert outcome.get_attribute("data-code") == "ok" and "签到成功" in outcome.inner_text()
    assert ServiceRecord.objects.filter(event=running_event, volunteer=volunteer).count() == 1
    phone_page.goto(f"/c/{token}")
    assert "您已签到" in phone_page.locator("#outcome").inner_text()


def test_an_expired_code_says_so_in_chinese(phone_page, running_event, volunteer):
    token = make_event_code(running_event.pk, "in", timezone.now() - datetime.timedelta(minutes=5))
    phone_page.goto(f"/c/{token}")
    log_in(phone_page, volunteer.phone, PASSWORD)
    assert "二维码已过期" in phone_page.locator("#outcome").inner_text()


def test_the_kiosk_code_rotates_and_decodes_to_a_url_that_checks_in(
    browser, phone_page, live_server, settings, running_event, station_manager, volunteer
):
    settings.CHECKIN_CODE_WINDOW_SECONDS = 3
    kiosk = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="zh-CN", base_url=live_server.url
    ).new_page()
    kiosk.goto(f"/events/{running_event.pk}/kiosk/?action=in")
    log_in(kiosk, station_manager.phone, PASSWORD)
    kiosk.wait_for_selector("#qr svg")
    first_url = kiosk.locator("#qr").get_attribute("data-url")
    url = decode_screenshot(kiosk.locator("#qr").screenshot())
    assert url == first_url and url.startswith(f"{live_server.url}/c/")
    expect(kiosk.locator("#qr")).not_to_have_attribute("data-url", first_url, timeout=10_000)
    assert "签到" in kiosk.content()

    # Back to 30-second codes, so the volunteer has time to scan the next one.
    settings.CHECKIN_CODE_WINDOW_SECONDS = 30
    second_url = kiosk.locator("#qr").get_attribute("data-url")
    expect(kiosk.locator("#qr")).not_to_have_attribute("data-url", second_url, timeout=10_000)
    fresh = decode_screenshot(kiosk.locator("#qr").screenshot())
    phone_page.goto("/login/")
    log_in(phone_page, volunteer.phone, PASSWORD)
    phone_page.wait_for_url("**/me/")
    phone_page.goto(fresh)
    phone_page.click("#action-button")
    assert phone_page.locator("#outcome").get_attribute("data-code") == "ok"
    # The counts come with the next code, within one 30-second window.
    expect(kiosk.locator("#count-checked-in")).to_have_text("1", timeout=35_000)


def test_check_out_mode_credits_hours(browser, phone_page, live_server, running_event, station_manager, volunteer):
    record_scan(volunteer, running_event, "in", method=Method.EVENT_QR, at=timezone.now() - datetime.timedelta(hours=1))
    kiosk = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="zh-CN", base_url=live_server.url
    ).new_page()
    kiosk.goto(f"/events/{running_event.pk}/kiosk/?action=in")
    log_in(kiosk, station_manager.phone, PASSWORD)
    kiosk.click("text=签退 >> nth=-1")
    kiosk.wait_for_url("**action=out")
    url = decode_screenshot(kiosk.locator("#qr").screenshot())
    phone_page.goto(url)
    log_in(phone_page, volunteer.phone, PASSWORD)
    phone_page.click("#action-button")
    assert "签退成功" in phone_page.locator("#outcome").inner_text()
    assert phone_page.locator("#hours").inner_text() in ("1.00", "0.98", "0.99")


def test_the_kiosk_warns_when_the_connection_drops_and_recovers(
    browser, live_server, settings, running_event, station_manager
):
    settings.CHECKIN_CODE_WINDOW_SECONDS = 2
    context = browser.new_context(locale="zh-CN", base_url=live_server.url)
    kiosk = context.new_page()
    kiosk.goto(f"/events/{running_event.pk}/kiosk/")
    log_in(kiosk, station_manager.phone, PASSWORD)
    kiosk.wait_for_selector("#qr svg")
    context.set_offline(True)
    kiosk.wait_for_selector("#offline:not([hidden])", timeout=10_000)
    context.set_offline(False)
    kiosk.wait_for_selector("#offline[hidden]", state="attached", timeout=15_000)


def test_the_manager_scan_page_checks_in_a_typed_personal_code(phone_page, running_event, station_manager, volunteer):
    phone_page.goto(f"/events/{running_event.pk}/scan/")
    log_in(phone_page, station_manager.phone, PASSWORD)
    # Back on the scan page with its script loaded: only then does Enter go to the API.
    phone_page.wait_for_url(f"**/events/{running_event.pk}/scan/", wait_until="load")
    phone_page.fill("#code", make_volunteer_code(volunteer.pk, timezone.now()))
    phone_page.press("#code", "Enter")
    first = phone_page.locator("#results li").first
    first.wait_for()
    # Checked in at the manager's own event: the manager sees whom they let in.
    assert "签到成功" in first.inner_text() and volunteer.real_name in first.inner_text()
    assert ServiceRecord.objects.get(volunteer=volunteer).method == "volunteer_qr"
    assert has_no_horizontal_scroll(phone_page)


def test_my_page_shows_hours_and_a_personal_code(phone_page, running_event, volunteer):
    phone_page.goto("/me/")
    log_in(phone_page, volunteer.phone, PASSWORD)
    phone_page.wait_for_selector("#my-code svg")
    token = decode_screenshot(phone_page.locator("#my-code").screenshot())
    assert token == phone_page.locator("#my-code").get_attribute("data-token")
    assert "星级" in phone_page.content() and "0.00" in phone_page.locator("#approved-hours").inner_text()


@pytest.mark.parametrize(
    "path",
    [
        "/login/",
        "/register/",
        "/verify/",
        "/events/",
        "/events/{event}/",
        "/workbench/",
        "/events/{event}/kiosk/",
        "/events/{event}/scan/",
        "/events/{event}/signups/",
    ],
)
def test_pages_fit_a_360_pixel_screen(phone_page, running_event, station_manager, path):
    phone_page.goto("/login/")
    if path not in ("/login/", "/register/", "/verify/"):
        log_in(phone_page, station_manager.phone, PASSWORD)
        phone_page.wait_for_url("**/workbench/")
    phone_page.goto(path.format(event=running_event.pk))
    assert has_no_horizontal_scroll(phone_page)
    assert '<html lang="zh-hans"' in phone_page.content()


def test_a_volunteer_signs_up_and_cancels_on_the_event_page(phone_page, running_event, volunteer):
    # The event page is public: log in first, then come back to it.
    phone_page.goto(f"/login/?next=/events/{running_event.pk}/")
    log_in(phone_page, volunteer.phone, PASSWORD)
    phone_page.click("#signup-button")
    assert "报名成功" in phone_page.content()
    phone_page.click("text=取消报名")
    assert "已取消" in phone_page.content()
