"""The whole order flow from the phones of a resident and two team leaders and the desk of
the station's manager (issue 21, items 5-7), with no API call: the resident orders; the
manager reviews, dispatches to team A, then re-dispatches (改派) to team B, and team A no
longer sees the order; team B's leader reads the resident's phone to agree a time,
accepts with it, starts the service before the agreed time and reports it, one report
refused for a broken photo keeping the good one and the text; the resident sees who is
coming and how to call them, then the report, and rates it.

Times are built from now (the agreed start an hour ahead): nothing depends on the day.
"""

import datetime
import io
import os
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from orders.models import ContactView, MenuCategory, MenuItem, Order, OrderState
from tests.browser.conftest import has_no_horizontal_scroll, log_in
from tests.conftest import PASSWORD, make_manager, make_user
from tests.orders.conftest import make_team

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MOTHER_PHONE = "13612345678"


def screenshot(page, name: str) -> None:
    if os.environ.get("SCREENSHOTS") == "1":
        page.screenshot(path=str(SCREENSHOTS / name))


def jpeg(path: Path, colour: str) -> str:
    data = io.BytesIO()
    Image.new("RGB", (120, 90), colour).save(data, format="JPEG")
    path.write_bytes(data.getvalue())
    return str(path)


def local_input(moment: datetime.datetime) -> str:
    """What a datetime-local input holds: the site's local time, to the minute."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def logged_in(new_page, size: str, user, next_url: str):
    page = new_page(size)
    page.goto(f"/login/?next={next_url}")
    log_in(page, user.phone, PASSWORD)
    page.wait_for_url(f"**{next_url}")
    return page


def test_an_order_from_the_phones_of_its_people_and_the_managers_desk(new_page, tree, django_user_model, tmp_path):
    elderly = MenuCategory.objects.create(center=tree["C"], name="助老助残", position=1)
    haircut = MenuItem.objects.create(
        category=elderly, unit=tree["C"], name="上门理发", event_category="elderly_disabled"
    )
    manager = make_manager(django_user_model, tree["S1"], "东门站长")
    team_a, team_b = make_team(tree["S1"], "理发一队"), make_team(tree["S1"], "理发二队", 3)
    for volunteer, name in zip(team_b.members.order_by("pk"), ("王建国", "刘芳", "陈晨"), strict=True):
        volunteer.real_name = name
        volunteer.save(update_fields=["real_name"])
    team_b.refresh_from_db()
    resident = make_user(django_user_model, "李红")

    # The resident orders from her station's menu: the button says 点单.
    mine = logged_in(new_page, "phone", resident, "/orders/menu/")
    mine.select_option("#id_station", str(tree["S1"].pk))
    mine.click("#station-form button[type=submit]")
    expect(mine.locator(f"#order-item-{haircut.pk}")).to_have_text("点单")
    mine.click(f"#order-item-{haircut.pk}")
    mine.fill("#id_contact_name", "张桂兰")
    mine.select_option("#id_honorific", "ms")
    mine.fill("#id_contact_phone", MOTHER_PHONE)
    mine.fill("#id_address", "东门社区3栋2单元101")
    mine.fill("#id_preferred_time", "工作日上午")
    mine.click("#order-form button[type=submit]")
    mine.wait_for_url("**/orders/*/")
    expect(mine.locator("#order-state")).to_have_attribute("data-state", "submitted")
    order = Order.objects.get()
    order_url = f"/orders/{order.pk}/"
    # Nothing for volunteers on her pages: no check-in hints, no "my page".
    expect(mine.locator("#site-nav")).not_to_contain_text("签到")
    expect(mine.locator("body")).not_to_contain_text("签到")

    # The manager reviews and dispatches it to team A from the desk.
    desk = logged_in(new_page, "desk", manager, "/orders/manage/")
    desk.click(f'.order-list a[href="{order_url}"]')
    desk.check("#id_review_decision_0")
    desk.click("#review-form button[type=submit]")
    desk.select_option("#id_dispatch_team", str(team_a.pk))
    desk.click("#dispatch-form button[type=submit]")
    expect(desk.locator("#order-state")).to_have_attribute("data-state", "dispatched")
    expect(desk.locator("#order-team")).to_have_text("理发一队")
    # Dispatched: no dispatch form offered again, 改派 instead.
    expect(desk.locator("#dispatch-form")).to_be_hidden()
    expect(desk.locator("#redispatch-button")).to_have_text("改派")

    # Team A's leader has it in the inbox; then the manager re-dispatches it to team B.
    leader_a = logged_in(new_page, "phone", team_a.leader.user, "/orders/team/")
    expect(leader_a.locator(f'.order-list a[href="{order_url}"]')).to_be_visible()
    desk.click("#redispatch-button")
    desk.select_option("#id_dispatch_team", str(team_b.pk))
    desk.click("#dispatch-form button[type=submit]")
    expect(desk.locator("#order-team")).to_have_text("理发二队")
    expect(desk.locator("#history")).to_contain_text("已改派")
    assert has_no_horizontal_scroll(desk)
    leader_a.reload()
    expect(leader_a.locator(f'.order-list a[href="{order_url}"]')).to_have_count(0)
    response = leader_a.goto(order_url)
    assert response is not None and response.status == 404

    # Team B's leader reads the resident's phone to agree a time (logged), and accepts with it.
    leader = logged_in(new_page, "phone", team_b.leader.user, "/orders/team/")
    expect(leader.locator("main")).not_to_contain_text(MOTHER_PHONE)
    expect(leader.locator("main")).not_to_contain_text("136****5678")
    leader.click(f'.order-list a[href="{order_url}"]')
    expect(leader.locator("#contact-phone a")).to_have_attribute("href", f"tel:{MOTHER_PHONE}")
    expect(leader.locator("#agree-time")).to_be_visible()
    assert ContactView.objects.filter(order=order, viewer=team_b.leader.user).exists()
    screenshot(leader, "order-leader.png")
    starts = timezone.now() + datetime.timedelta(hours=1)
    leader.fill("#id_accept_starts_at", local_input(starts))
    leader.fill("#id_accept_ends_at", local_input(starts + datetime.timedelta(hours=1)))
    leader.fill("#id_accept_place", "东门社区服务站门口")
    assert has_no_horizontal_scroll(leader)
    leader.click("#accept-form button[type=submit]")
    expect(leader.locator("#order-state")).to_have_attribute("data-state", "accepted")
    # The resident calls back: half an hour later suits her better. The leader moves the time.
    starts += datetime.timedelta(minutes=30)
    leader.click("#reschedule-button")
    leader.fill("#id_reschedule_starts_at", local_input(starts))
    leader.fill("#id_reschedule_ends_at", local_input(starts + datetime.timedelta(hours=1)))
    leader.click("#reschedule-form button[type=submit]")
    expect(leader.locator("#history")).to_contain_text("改时间")

    # The resident sees who is coming, when, and the leader's number to call.
    mine.reload()
    expect(mine.locator("#crew")).to_contain_text("理发二队")
    expect(mine.locator("#crew-leader")).to_have_text(team_b.leader.real_name)
    expect(mine.locator("#crew-phone a")).to_have_attribute("href", f"tel:{team_b.leader.user.phone}")
    expect(mine.locator("#crew-when")).to_contain_text(timezone.localtime(starts).strftime("%H:%M"))
    expect(mine.locator("#event")).to_have_count(0)
    expect(mine.locator("body")).not_to_contain_text("签到")
    assert has_no_horizontal_scroll(mine)

    # At the door, before the agreed time: the leader starts the service and reports it at once.
    leader.click("#start-button")
    expect(leader.locator("#order-state")).to_have_attribute("data-state", "in_service")
    leader.fill("#id_complete_summary", "为张阿姨理发，剪短并清理碎发")
    leader.fill("#id_complete_people_served", "1")
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a photo")
    leader.set_input_files("#id_complete_photos", [jpeg(tmp_path / "before.jpg", "#7fa7d1"), str(broken)])
    leader.click("#complete-form button[type=submit]")
    # Refused for the broken file: the good photo is kept, the text stays.
    expect(leader.locator("#complete-form")).to_contain_text("broken.jpg")
    expect(leader.locator("#kept-photos img")).to_have_count(1)
    expect(leader.locator("#id_complete_summary")).to_have_value("为张阿姨理发，剪短并清理碎发")
    expect(leader.locator("#id_complete_people_served")).to_have_value("1")
    expect(leader.locator("#order-state")).to_have_attribute("data-state", "in_service")
    leader.set_input_files("#id_complete_photos", jpeg(tmp_path / "after.jpg", "#d1a07f"))
    assert has_no_horizontal_scroll(leader)
    leader.click("#complete-form button[type=submit]")
    expect(leader.locator("#order-state")).to_have_attribute("data-state", "completed")

    # The resident reads the report, with both photos, above the rating form, and rates.
    mine.reload()
    expect(mine.locator("#report")).to_contain_text("剪短并清理碎发")
    expect(mine.locator("#report .report-photos img")).to_have_count(2)
    assert mine.evaluate(
        "document.querySelector('#report').compareDocumentPosition(document.querySelector('#rate-form')) & 4"
    )
    mine.evaluate("document.querySelector('#crew').scrollIntoView()")
    screenshot(mine, "order-resident.png")
    assert has_no_horizontal_scroll(mine)
    mine.check('#rate-form input[name=response][value="5"]')
    mine.check('#rate-form input[name=attitude][value="5"]')
    mine.check('#rate-form input[name=result][value="5"]')
    mine.click("#rate-form button[type=submit]")
    expect(mine.locator("#order-state")).to_have_attribute("data-state", "rated")
    expect(mine.locator("#report")).to_be_visible()
    order.refresh_from_db()
    assert order.state == OrderState.RATED and order.team == team_b
    actions = list(order.history.values_list("action", flat=True))
    assert actions == [
        "submit",
        "accept_review",
        "dispatch",
        "redispatch",
        "accept",
        "reschedule",
        "start",
        "complete",
        "rate",
    ]
