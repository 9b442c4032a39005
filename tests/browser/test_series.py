"""A station manager creates a weekly series in the admin, without writing a rule, and sees its occurrences."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from events.models import EventSeries
from tests.browser.test_admin_lists_fit import admin_log_in

pytestmark = pytest.mark.django_db(transaction=True)

CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def test_a_manager_creates_a_weekly_series_and_sees_its_occurrences(new_page, tree, station_manager):
    first = timezone.localdate() + datetime.timedelta(days=3)
    page = new_page("desk")
    admin_log_in(page, station_manager)
    page.goto("/admin/events/eventseries/add/")
    page.select_option("#id_unit", str(tree["S1"].pk))
    page.fill("#id_title", "每周助老探访")
    page.select_option("#id_category", "elderly_disabled")
    page.fill("#id_address", "东门社区养老驿站")
    page.fill("#id_starts_on", f"{first:%Y-%m-%d}")
    page.fill("#id_start_time", "09:00")
    page.fill("#id_duration_minutes", "120")
    page.select_option("#id_frequency", "weekly")
    page.check(f"input[name=weekdays][value={CODES[first.weekday()]}]")
    page.locator("input[name=_continue]").click()
    series = EventSeries.objects.get(title="每周助老探访")
    assert series.rule == f"FREQ=WEEKLY;BYDAY={CODES[first.weekday()]}"
    made = series.occurrences.count()
    assert made >= 7
    # The change page previews what comes next and lists the events made, each a link.
    expect(page.locator(".series-preview").first).to_contain_text(f"{first:%Y-%m-%d}")
    occurrences = page.locator(".series-occurrences li a")
    expect(occurrences).to_have_count(made)
    occurrences.first.click()
    expect(page.locator("#id_title")).to_have_value("每周助老探访")
