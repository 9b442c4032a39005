"""A resident on a phone: reads the menu, registers, orders 上门理发 for her mother with a
photo, follows the order, rates it once served, and finds it on the public board masked.
The station's and the team's steps between are done by the services (their pages are
tested in tests/orders/test_pages_flow.py)."""

import datetime
import io

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from orders import services
from orders.models import Order, OrderState
from tests.browser.conftest import has_no_horizontal_scroll
from tests.conftest import make_manager
from tests.orders.conftest import make_team

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def haircut(tree):
    from orders.models import MenuCategory, MenuItem

    elderly = MenuCategory.objects.create(center=tree["C"], name="助老助残", position=1)
    return MenuItem.objects.create(category=elderly, unit=tree["C"], name="上门理发", event_category="elderly_disabled")


def test_a_resident_orders_on_a_phone_and_rates_the_service(phone_page, tmp_path, tree, haircut, django_user_model):
    page = phone_page
    photo = tmp_path / "head.jpg"
    data = io.BytesIO()
    Image.new("RGB", (80, 60), "white").save(data, format="JPEG")
    photo.write_bytes(data.getvalue())

    # The menu of her station, then a light account.
    page.goto("/orders/menu/")
    page.select_option("#id_station", str(tree["S1"].pk))
    page.click("#station-form button[type=submit]")
    expect(page.locator(f"#order-item-{haircut.pk}")).to_be_visible()
    assert has_no_horizontal_scroll(page)
    page.click("#register-link")
    page.fill("#id_name", "李红")
    page.fill("#id_phone", "13512345678")
    page.fill("#id_password", "a-long-secret-77")
    page.check("#id_consent")
    assert has_no_horizontal_scroll(page)
    page.click("#resident-register-form button[type=submit]")
    page.wait_for_url("**/orders/menu/**")

    # The order form: for her mother, with a photo.
    page.click(f"#order-item-{haircut.pk}")
    page.fill("#id_contact_name", "张桂兰")
    page.select_option("#id_honorific", "ms")
    page.fill("#id_contact_phone", "13612345678")
    page.fill("#id_address", "东门社区3栋2单元101")
    page.fill("#id_description", "母亲行动不便，想在家理发")
    page.fill("#id_preferred_time", "工作日上午")
    page.set_input_files("#id_photo", str(photo))
    assert has_no_horizontal_scroll(page)
    page.click("#order-form button[type=submit]")
    page.wait_for_url("**/orders/*/")
    expect(page.locator("#order-state")).to_have_attribute("data-state", "submitted")
    expect(page.locator("#contact-address")).to_contain_text("3栋")
    assert has_no_horizontal_scroll(page)
    order = Order.objects.get()
    assert order.photo and order.resident.name == "李红"

    # The station and a team serve it (their pages are tested elsewhere).
    station = make_manager(django_user_model, tree["S1"], "东门站长")
    team = make_team(tree["S1"], "理发二队")
    services.review_order(order, by=station, accept=True)
    services.dispatch_order(order, by=station, team=team)
    now = timezone.now()
    appointment = services.Appointment(
        starts_at=now - datetime.timedelta(minutes=10), ends_at=now + datetime.timedelta(minutes=50)
    )
    # Accepted before the agreed start (an agreed start may not lie in the past when agreed).
    services.accept_order(order, appointment, by=team.leader.user, at=now - datetime.timedelta(hours=1))
    services.complete_order(order, by=station, summary="理发完成", people_served=1)

    # She rates it from "my orders".
    page.goto("/orders/mine/")
    expect(page.locator(".order-list [data-state=completed]")).to_be_visible()
    page.click(f'.order-list a[href="/orders/{order.pk}/"]')
    page.check('#rate-form input[name=response][value="5"]')
    page.check('#rate-form input[name=attitude][value="5"]')
    page.check('#rate-form input[name=result][value="4"]')
    page.fill("#id_rate_comment", "师傅很耐心")
    assert has_no_horizontal_scroll(page)
    page.click("#rate-form button[type=submit]")
    expect(page.locator("#rating")).to_contain_text("师傅很耐心")
    expect(page.locator("#order-state")).to_have_attribute("data-state", "rated")
    order.refresh_from_db()
    assert order.state == OrderState.RATED and order.rating.result == 4

    # The public board: her mother as 张女士, no address, no phone.
    page.goto(f"/orders/board/{tree['S1'].pk}/")
    expect(page.locator("#board")).to_contain_text("张女士")
    expect(page.locator("#board")).to_contain_text("上门理发")
    content = page.content()
    assert "张桂兰" not in content and "3栋" not in content and "13612345678" not in content
    assert has_no_horizontal_scroll(page)
