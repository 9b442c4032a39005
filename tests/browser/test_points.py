"""Points on the pages (issue 23, "Done when"): a volunteer serves, the manager approves, the volunteer
sees the points; the keeper redeems a bag of rice by the volunteer's scanned code and the last bag
cannot go twice; a rejected record takes its points back; points older than the rule's years expire,
and the volunteer's page says so a month before."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from events.checkin_codes import make_event_code, make_volunteer_code
from events.models import Method, RecordStatus, ServiceRecord
from events.services import approve_record, reject_record
from points.expiry import expire_points
from points.models import PointsRule, ShopItem
from points.shop import issue_exchange_code, receive_stock
from tests.browser.conftest import has_no_horizontal_scroll, log_in, screenshot
from tests.conftest import PASSWORD
from tests.events.conftest import make_event

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hailin_rule(tree):
    """50 points an hour, at most one hour counted per activity (海林 counts two), points expire after a year."""
    return PointsRule.objects.create(
        unit=tree["C"], points_per_hour=Decimal(50), activity_hours_cap=Decimal(1), expiry_years=1
    )


@pytest.fixture
def rice(tree, station_manager):
    item = ShopItem.objects.create(unit=tree["S1"], name="一袋大米", price=Decimal(50), donor="东门粮油店")
    receive_stock(item, 1, by=station_manager, donor="东门粮油店")
    return item


def send(counter) -> None:
    """What the counter's script does with a code the camera read or the keeper typed: post it."""
    counter.locator("#typed").evaluate("form => form.requestSubmit()")


def served_earlier(tree, volunteer, title: str, days_ago: int) -> ServiceRecord:
    """A two-hour service of some days ago, checked out and waiting for approval."""
    start = timezone.now().replace(microsecond=0) - datetime.timedelta(days=days_ago)
    event = make_event(tree["S1"], title=title, starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    return ServiceRecord.objects.create(
        event=event,
        volunteer=volunteer,
        checked_in_at=event.starts_at,
        checked_out_at=event.ends_at,
        method=Method.EVENT_QR,
        status=RecordStatus.PENDING,
        credited_hours=Decimal("2.00"),
    )


def test_points_follow_service_buy_rice_at_the_station_go_back_with_a_rejection_and_expire(
    new_page, tree, volunteer, station_manager, hailin_rule, rice
):
    def points_page():
        """The volunteer's phone, logged in anew (a session does not outlive the months below)."""
        page = new_page("phone")
        page.goto("/login/?next=/me/points/")
        log_in(page, volunteer.user.phone, PASSWORD)
        page.wait_for_url("**/me/points/")
        return page

    phone = points_page()
    expect(phone.locator("#points-balance")).to_have_text("0")

    # The volunteer serves: checks in and out with the event's codes, an hour and five minutes.
    now = timezone.now()
    event = make_event(
        tree["S1"],
        title="河道清洁",
        starts_at=now - datetime.timedelta(minutes=30),
        ends_at=now + datetime.timedelta(hours=2),
    )
    phone.goto(f"/c/{make_event_code(event.pk, 'in', timezone.now())}")
    phone.click("#action-button")
    expect(phone.locator("#outcome")).to_contain_text("签到成功")
    later = timezone.now() + datetime.timedelta(hours=1, minutes=5)
    with time_machine.travel(later, tick=True):
        phone.goto(f"/c/{make_event_code(event.pk, 'out', timezone.now())}")
        phone.click("#action-button")
        expect(phone.locator("#outcome")).to_contain_text("签退成功")
        record = ServiceRecord.objects.get(volunteer=volunteer, event=event)
        other = served_earlier(tree, volunteer, "敬老院探访", days_ago=3)
        disputed = served_earlier(tree, volunteer, "社区义诊", days_ago=5)

        # The manager approves (the admin's job, tested there): the points follow once it commits.
        for each in (record, other, disputed):
            approve_record(each, by=station_manager)
        phone.goto("/me/points/")
        expect(phone.locator("#points-balance")).to_have_text("150")
        expect(phone.locator("#points-entries")).to_contain_text("参加 河道清洁 获得 50 积分")
        expect(phone.locator("#points-entries")).to_contain_text("参加 敬老院探访 获得 50 积分")
        assert has_no_horizontal_scroll(phone)
        screenshot(phone, "my-points")

        # At the station's counter the keeper picks the rice and scans the volunteer's personal code:
        # the page's script posts what the camera read, as it posts a typed code.
        desk = new_page("desk")
        desk.goto(f"/login/?next=/shop/{tree['S1'].pk}/redeem/")
        log_in(desk, station_manager.phone, PASSWORD)
        desk.wait_for_url(f"**/shop/{tree['S1'].pk}/redeem/")
        desk.select_option("#item", str(rice.pk))
        desk.fill("#code", make_volunteer_code(volunteer.pk, timezone.now()))
        send(desk)
        expect(desk.locator("#panel")).to_have_class("panel ok")
        expect(desk.locator("#panel-name")).to_have_text(volunteer.real_name)
        expect(desk.locator("#panel-message")).to_contain_text("库存剩 0")
        screenshot(desk, "shop-redeem")

        # The volunteer still has points, but the last bag is gone: a second redemption is refused.
        phone.goto("/shop/")
        phone.click("form.show-code button[type=submit]")
        code = phone.locator("#exchange-code").inner_text()
        desk.fill("#code", code)
        send(desk)
        expect(desk.locator("#panel")).to_have_class("panel refused")
        expect(desk.locator("#panel-message")).to_contain_text("该商品已无库存")
        assert ShopItem.objects.get(pk=rice.pk).stock == 0

        phone.goto("/me/points/")
        expect(phone.locator("#points-balance")).to_have_text("100")
        expect(phone.locator("#points-entries")).to_contain_text("兑换 一袋大米 使用 50 积分")

        # A record found wrong is rejected: its points go back, and the page says why.
        reject_record(disputed, by=station_manager, reason="当天未到岗")
        phone.reload()
        expect(phone.locator("#points-balance")).to_have_text("50")
        expect(phone.locator("#points-entries")).to_contain_text("服务记录被驳回，冲正 50 积分")
        approved_at = timezone.now()

    # Eleven months and a bit later the page warns that the remaining 50 points expire within 30 days.
    with time_machine.travel(approved_at + datetime.timedelta(days=355), tick=True):
        phone = points_page()
        expect(phone.locator("#points-expiring")).to_contain_text("50 积分将在 30 天内过期")

    # A year and a day after they were credited, the nightly run takes them.
    with time_machine.travel(approved_at + datetime.timedelta(days=366), tick=True):
        outcome = expire_points(now=timezone.now())
        assert outcome == {"volunteers": 1, "points": Decimal("50.00")}
        phone = points_page()
        expect(phone.locator("#points-balance")).to_have_text("0")
        expect(phone.locator("#points-entries")).to_contain_text("积分过期")
        expect(phone.locator("#points-expiring")).to_contain_text("30 天内没有将过期的积分")


def test_a_keeper_types_an_exchange_code_and_presses_enter(
    new_page, tree, volunteer, station_manager, hailin_rule, rice
):
    served = served_earlier(tree, volunteer, "敬老院探访", days_ago=3)
    approve_record(served, by=station_manager)
    code = issue_exchange_code(volunteer, now=timezone.now())
    desk = new_page("desk")
    desk.goto(f"/login/?next=/shop/{tree['S1'].pk}/redeem/")
    log_in(desk, station_manager.phone, PASSWORD)
    desk.wait_for_url(f"**/shop/{tree['S1'].pk}/redeem/")

    desk.fill("#code", code.code)
    desk.press("#code", "Enter")

    expect(desk.locator("#panel")).to_have_class("panel ok", timeout=3000)
