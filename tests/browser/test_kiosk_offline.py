"""The kiosk in Chromium with the network cut: it keeps showing codes it makes itself, and they check in."""

import datetime
import io
import re

import pytest
import zxingcpp
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from events.models import ServiceRecord
from events.services import check_in_by_code
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD
from tests.events.conftest import make_event

pytestmark = pytest.mark.django_db(transaction=True)


def decode_screenshot(png: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert results, "no QR code in the screenshot"
    return results[0].text


def test_the_offline_kiosk_keeps_showing_codes_that_check_in(
    browser,
    live_server,
    settings,
    tree,
    station_manager,
    volunteer,
):
    settings.SITE_URL = live_server.url
    now = timezone.now()
    hour = datetime.timedelta(hours=1)
    event = make_event(tree["S1"], starts_at=now - hour, ends_at=now + hour)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN", base_url=live_server.url)
    kiosk = context.new_page()
    kiosk.goto(f"/events/{event.pk}/kiosk/?action=in")
    with kiosk.expect_response(f"**/events/{event.pk}/kiosk/key/") as key:
        log_in(kiosk, station_manager.phone, PASSWORD)
    assert key.value.ok
    kiosk.wait_for_selector("#qr svg")
    assert "/c/K1." not in kiosk.locator("#qr").get_attribute("data-url")

    context.set_offline(True)
    kiosk.wait_for_selector("#offline-codes:not([hidden])", timeout=15_000)
    made_here = re.compile(rf"^{re.escape(live_server.url)}/c/K1\.{event.pk}\.in\.\d+\.[\w-]{{43}}$")
    expect(kiosk.locator("#qr")).to_have_attribute("data-url", made_here, timeout=5_000)
    assert kiosk.locator("#offline-retrying").is_hidden()
    url = decode_screenshot(kiosk.locator("#qr").screenshot())
    assert made_here.match(url)
    # A phone with its own mobile data opens it: the server accepts the kiosk's code.
    record, created = check_in_by_code(volunteer, url.rsplit("/c/", 1)[1], at=timezone.now())
    assert created and ServiceRecord.objects.get(pk=record.pk).volunteer == volunteer

    context.set_offline(False)
    kiosk.wait_for_selector("#offline", state="hidden", timeout=15_000)
    expect(kiosk.locator("#qr")).not_to_have_attribute("data-url", re.compile(r"/c/K1\."), timeout=10_000)
    expect(kiosk.locator("#count-checked-in")).to_have_text("1", timeout=10_000)
