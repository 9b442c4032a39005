"""「保存并发布」 in a desktop browser: a station manager publishes a new event in one step."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from events.models import Event, EventStatus
from tests.browser.test_admin_lists_fit import admin_log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_manager_saves_and_publishes_a_new_event_in_one_step(new_page, tree, station_manager):
    day = timezone.localdate() + datetime.timedelta(days=7)
    page = new_page("desk")
    admin_log_in(page, station_manager)
    page.goto("/admin/events/event/add/")
    page.fill("#id_title", "重阳节敬老院探访")
    page.select_option("#id_category", index=1)
    page.fill("#id_address", "城关镇敬老院")
    page.fill("#id_starts_at_0", f"{day:%Y-%m-%d}")
    page.fill("#id_starts_at_1", "09:00:00")
    page.fill("#id_ends_at_0", f"{day:%Y-%m-%d}")
    page.fill("#id_ends_at_1", "11:00:00")
    button = page.locator("input[name=_save_and_publish]")
    expect(button).to_have_value("保存并发布")
    button.click()
    expect(page.locator(".messagelist")).to_contain_text("已保存并发布")
    event = Event.objects.get(title="重阳节敬老院探访")
    assert event.status == EventStatus.PUBLISHED and event.unit == tree["S1"]
    # A published event's form no longer offers it.
    page.goto(f"/admin/events/event/{event.pk}/change/")
    expect(page.locator("input[name=_save]")).to_have_count(1)
    expect(page.locator("input[name=_save_and_publish]")).to_have_count(0)
