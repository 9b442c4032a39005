"""An admin appoints a station manager on the admin's page; the new manager logs in, lands on
the workbench, follows its link into the admin and publishes an event in one step; removing
the appointment locks them out again. Only pages, no API call, on desk-sized windows."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from events.models import Event, EventStatus
from stations.models import UnitManager
from tests.browser.conftest import has_no_horizontal_scroll, log_in, screenshot
from tests.conftest import PASSWORD, make_volunteer

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_appoints_a_station_manager_who_then_publishes_an_event(new_page, tree, admin_user, station_manager):
    newcomer = make_volunteer(tree["S2"], "周明")  # a volunteer of the station, not yet managing anything
    starts = timezone.localtime(timezone.now() + datetime.timedelta(days=2)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )

    # The admin finds the station on the appointment page and appoints its new manager.
    admin = new_page("desk")
    admin.goto("/login/")
    log_in(admin, admin_user.phone, PASSWORD)
    admin.wait_for_url("**/workbench/")
    admin.click("#appoint-managers")
    expect(admin.locator("h1")).to_have_text("任免管理员")
    expect(admin.locator("#user-tools")).to_contain_text("欢迎，管理员")
    expect(admin.locator(f"#unit-{tree['S1'].pk}")).to_contain_text("站管理员（")
    assert has_no_horizontal_scroll(admin)
    screenshot(admin, "appoint-managers")
    admin.fill("#id_q", "S2")
    admin.click("#unit-search input[type=submit]")
    row = admin.locator(f"#unit-{tree['S2'].pk}")
    expect(row).to_contain_text("尚无管理员")
    row.locator("a.button").click()
    expect(admin.locator("h1")).to_have_text("S2 单位的管理员")
    admin.fill("#id_phone", "13512345678")  # nobody registered has it
    admin.click("input[name=appoint]")
    expect(admin.locator(".errorlist")).to_contain_text("手机号")
    admin.fill("#id_phone", newcomer.phone)
    admin.click("input[name=appoint]")
    expect(admin.locator(".messagelist")).to_contain_text("可用其手机号登录管理后台")
    expect(admin.locator("#current-managers")).to_contain_text("周明")
    assert UnitManager.objects.filter(unit=tree["S2"], user=newcomer.user).exists()

    # The new manager logs in, lands on the workbench and publishes an event from the admin in one step.
    manager = new_page("desk")
    manager.goto("/login/")
    log_in(manager, newcomer.phone, PASSWORD)
    manager.wait_for_url("**/workbench/")
    manager.locator("a", has_text="发布新活动").first.click()
    expect(manager.locator("#user-tools")).to_contain_text("欢迎，周明")
    expect(manager.locator("#id_unit")).to_have_value(str(tree["S2"].pk))
    manager.fill("#id_title", "社区义诊")
    manager.select_option("#id_category", index=1)
    manager.fill("#id_address", "社区服务中心")
    manager.fill("#id_starts_at_0", f"{starts:%Y-%m-%d}")
    manager.fill("#id_starts_at_1", "09:00:00")
    manager.fill("#id_ends_at_0", f"{starts:%Y-%m-%d}")
    manager.fill("#id_ends_at_1", "11:00:00")
    manager.click("input[name=_save_and_publish]")
    expect(manager.locator(".messagelist")).to_contain_text("社区义诊")
    event = Event.objects.get(title="社区义诊")
    assert event.status == EventStatus.PUBLISHED and event.unit == tree["S2"]
    manager.goto("/events/")
    expect(manager.locator("body")).to_contain_text("社区义诊")

    # The admin removes the appointment after a confirmation: the manager is out of the admin.
    admin.locator("#current-managers tr", has_text="周明").locator("a.deletelink").click()
    expect(admin.locator("#content-main")).to_contain_text("最后一项任命")
    admin.click("#confirm-remove")
    expect(admin.locator(".messagelist")).to_contain_text("已不再担任")
    expect(admin.locator("#current-managers")).not_to_contain_text("周明")
    manager.goto("/admin/")
    expect(manager.locator("body")).to_contain_text("登录")
    assert "/admin/login/" in manager.url
    assert manager.goto("/workbench/").status == 403
