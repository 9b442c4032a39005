"""The shop's counter and the volunteer's shop page in the browser, as the red team found them:
a code held up to the camera redeems once, a quantity resets, one tap shows an exchange code."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from events.checkin_codes import make_volunteer_code
from points import shop
from points.models import ExchangeCode, Redemption
from tests.browser.conftest import has_no_horizontal_scroll, log_in
from tests.conftest import PASSWORD
from tests.points.test_shop import give_points, make_item

pytestmark = pytest.mark.django_db(transaction=True)

# A camera that films noise and a barcode reader that reads whatever ``window.shownCode`` holds:
# the volunteer holding their phone up to the counter's camera, for as long as the test says.
FAKE_CAMERA = """
navigator.mediaDevices.getUserMedia = async () => {
  const canvas = document.createElement("canvas");
  canvas.width = 64; canvas.height = 64;
  const context = canvas.getContext("2d");
  setInterval(() => { context.fillStyle = "#" + Math.floor(Math.random() * 0xffffff).toString(16).padStart(6, "0");
                      context.fillRect(0, 0, 64, 64); }, 40);
  return canvas.captureStream(25);
};
window.shownCode = "";
window.BarcodeDetector = class { async detect() { return window.shownCode ? [{rawValue: window.shownCode}] : []; } };
"""


def test_a_code_held_up_to_the_camera_redeems_once_until_the_next_volunteer(
    new_page, tree, institute_manager, volunteer, other_volunteer
):
    rice = make_item(tree["I1"], institute_manager, price="1", stock=10)
    for person in (volunteer, other_volunteer):
        give_points(person, "100")
    counter = new_page("phone")
    counter.add_init_script(FAKE_CAMERA)
    counter.goto(f"/login/?next=/shop/{tree['I1'].pk}/redeem/")
    log_in(counter, institute_manager.phone, PASSWORD)
    counter.wait_for_url(f"**/shop/{tree['I1'].pk}/redeem/")
    counter.click("#camera-button")
    counter.evaluate("code => { window.shownCode = code; }", make_volunteer_code(volunteer.pk, timezone.now()))
    expect(counter.locator("#panel")).to_have_class("panel ok", timeout=5000)
    counter.wait_for_timeout(6500)  # the volunteer still holds the phone up while the rice is handed over
    assert Redemption.objects.filter(item=rice).count() == 1
    counter.evaluate("() => { window.shownCode = ''; }")
    counter.wait_for_timeout(2000)
    counter.evaluate("code => { window.shownCode = code; }", make_volunteer_code(other_volunteer.pk, timezone.now()))
    expect(counter.locator("#panel-name")).to_have_text(other_volunteer.real_name, timeout=5000)
    counter.wait_for_timeout(1000)
    assert [r.volunteer for r in Redemption.objects.filter(item=rice).order_by("id")] == [volunteer, other_volunteer]


def test_a_volunteer_on_a_phone_sees_what_they_can_afford_and_shows_a_code_in_one_tap(
    new_page, tree, station_manager, volunteer
):
    make_item(tree["S1"], station_manager, name="毛巾", price="5")
    make_item(tree["S1"], station_manager, name="一袋大米", price="50")
    give_points(volunteer, "20")
    phone = new_page("phone")
    phone.goto("/login/?next=/shop/")
    log_in(phone, volunteer.phone, PASSWORD)
    phone.wait_for_url("**/shop/")
    expect(phone.locator("li.affordable")).to_have_count(1)
    expect(phone.locator("li.affordable")).to_contain_text("毛巾")
    assert has_no_horizontal_scroll(phone)
    phone.click("text=出示兑换码")
    code = ExchangeCode.objects.get(volunteer=volunteer).code
    expect(phone.locator("#exchange-code")).to_have_text(f"{code[:4]} {code[4:]}")
    box = phone.locator("#exchange-code").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert has_no_horizontal_scroll(phone)


def test_after_a_redemption_the_counter_shows_the_stock_left_and_a_quantity_of_one(
    new_page, tree, station_manager, volunteer
):
    rice = make_item(tree["S1"], station_manager, price="1", stock=3)
    give_points(volunteer, "100")
    counter = new_page("desk")
    counter.goto(f"/login/?next=/shop/{tree['S1'].pk}/redeem/")
    log_in(counter, station_manager.phone, PASSWORD)
    counter.wait_for_url(f"**/shop/{tree['S1'].pk}/redeem/")
    counter.fill("#quantity", "2")
    counter.fill("#code", shop.issue_exchange_code(volunteer, now=timezone.now()).code)
    counter.press("#code", "Enter")  # as a handheld scanner ends
    expect(counter.locator("#panel")).to_have_class("panel ok", timeout=5000)
    expect(counter.locator(f'#item option[value="{rice.pk}"]')).to_contain_text("库存 1")
    expect(counter.locator("#quantity")).to_have_value("1")
    assert Redemption.objects.get().quantity == 2
