"""The legal record in the admin site, at a desk, without an API call (issue 21, items 2, 3 and 15).

A station manager records a training for an event's attendees, an award and an
evaluation; an admin downloads the national-system export and a manager the annual
report from the statistics page; the skills picker speaks Chinese. With SCREENSHOTS=1
the training form and the annual report form are saved for the README.
"""

import datetime
import io
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from events.models import Evaluation, RecordStatus
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD, make_volunteer
from tests.events.conftest import make_event
from tests.records_law.conftest import attended
from volunteers.models import Award, Skill, Training

pytestmark = pytest.mark.django_db(transaction=True)


def admin_log_in(page, phone: str) -> None:
    page.goto("/admin/")
    page.fill("#id_username", phone)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url("**/admin/")


def search_and_pick(page, field_id: str, term: str, option_text: str) -> None:
    """Type into an admin search box (select2) and click the row found."""
    page.click(f"#{field_id} + .select2-container")
    page.fill(".select2-container--open .select2-search__field", term)
    # The row must match the term: the rows shown before typing may still be there.
    page.click(f".select2-results__option:has-text('{term}'):has-text('{option_text}')")


@pytest.fixture
def served_event(tree, volunteer):
    """Yesterday's event at the manager's station: 李四 approved, 钱七 (another station) pending, 孙八 rejected."""
    start = (timezone.now() - datetime.timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    event = make_event(tree["S1"], title="急救知识讲座", starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    attended(event, volunteer, status=RecordStatus.APPROVED)
    attended(event, make_volunteer(tree["S2"], "钱七"))
    attended(event, make_volunteer(tree["S1"], "孙八"), status=RecordStatus.REJECTED)
    return event


def test_a_manager_records_a_training_an_award_and_an_evaluation(
    new_page, tree, station_manager, volunteer, served_event
):
    extra = make_volunteer(tree["S1"], "周九")
    page = new_page("desk")
    page.set_default_timeout(15_000)
    admin_log_in(page, station_manager.phone)

    # A training for the event's attendees: choose the event, its attendees come ticked.
    page.click("#content-main a[href='/admin/volunteers/training/']")
    page.click(".object-tools a.addlink")
    search_and_pick(page, "id_event", "急救", "急救知识讲座")
    with page.expect_navigation():
        page.click("#load-attendees")  # the page again from the form, not through an address
    assert "event=" not in page.url
    attendees = page.locator("input[name=event_attendees]")
    expect(attendees).to_have_count(2)
    for index in range(2):
        expect(attendees.nth(index)).to_be_checked()
    expect(page.locator(".field-event_attendees")).to_contain_text("李四")
    expect(page.locator(".field-event_attendees")).not_to_contain_text("孙八")
    expect(page.locator("#id_name")).to_have_value("急救知识讲座")
    search_and_pick(page, "id_volunteers", "周九", "周九")
    page.fill("#id_content", "心肺复苏与止血包扎")
    page.fill("#id_organiser", "区红十字会")
    screenshot(page, "training-form.png")
    page.press("#id_organiser", "Enter")  # Enter saves, as on every admin form
    expect(page.locator("ul.messagelist")).to_contain_text("急救知识讲座")
    training = Training.objects.get()
    assert {v.real_name for v in training.attendees.all()} == {"李四", "钱七", "周九"}
    assert training.created_by == station_manager and extra in training.attendees.all()

    # A correction: the hours were wrong; the history keeps who changed what.
    page.click("#result_list tr:has-text('急救知识讲座') th a")
    page.fill("#id_hours", "1.50")
    page.click("input[name=_save]")
    page.click("#result_list tr:has-text('急救知识讲座') th a")
    page.click("a.historylink")
    expect(page.locator("#change-history")).to_contain_text("「2.00」→「1.50」")

    # An award for 李四.
    page.goto("/admin/")
    page.click("#content-main a[href='/admin/volunteers/award/']")
    page.click(".object-tools a.addlink")
    search_and_pick(page, "id_volunteer", "李四", "李四")
    page.fill("#id_name", "优秀志愿者")
    page.fill("#id_awarded_on", timezone.localdate().isoformat())
    page.fill("#id_awarding_body", "区文明办")
    page.select_option("#id_level", "county")
    page.click("input[name=_save]")
    expect(page.locator("ul.messagelist")).to_contain_text("优秀志愿者")
    assert Award.objects.get().volunteer == volunteer

    # An evaluation of 李四's approved record.
    page.goto("/admin/")
    page.click("#content-main a[href='/admin/events/evaluation/']")
    page.click(".object-tools a.addlink")
    search_and_pick(page, "id_record", "李四", "急救知识讲座")
    page.select_option("#id_grade", "5")
    page.fill("#id_comment", "讲解认真，协助有序")
    page.click("input[name=_save]")
    expect(page.locator("ul.messagelist")).to_be_visible()
    evaluation = Evaluation.objects.get()
    assert evaluation.volunteer == volunteer and evaluation.grade == 5 and evaluation.created_by == station_manager

    # The skills picker on a volunteer's page is Chinese throughout.
    Skill.objects.create(name="急救")
    page.goto(f"/admin/volunteers/volunteer/{volunteer.pk}/change/")
    picker = page.locator(".selector")
    expect(picker).to_contain_text("可用 技能")
    expect(picker.locator(".selector-available .helptext, .selector-available p").first).to_contain_text("技能")
    assert "Choose" not in picker.inner_text() and "Remove" not in picker.inner_text()
    assert "selecting them" not in page.content()


def test_an_admin_downloads_the_national_export_and_a_manager_the_annual_report(
    new_page, tree, admin_user, station_manager, volunteer, served_event
):
    desk = new_page("desk")
    desk.set_default_timeout(15_000)
    admin_log_in(desk, admin_user.phone)
    desk.goto("/admin/statistics/")
    desk.click("#national-export-link")
    desk.select_option("#id_unit", str(tree["S1"].pk))
    # A period ending before it starts is answered at the field, in Chinese.
    desk.check("input[name=kind][value=records]")
    desk.fill("#id_date_from", "2026-03-01")
    desk.fill("#id_date_to", "2026-02-01")
    desk.click("#download")
    expect(desk.locator(".field-date_to .errorlist")).to_contain_text("不能早于")
    desk.fill("#id_date_from", "")
    desk.fill("#id_date_to", "")
    desk.check("input[name=kind][value=volunteers]")
    with desk.expect_download() as download:
        desk.click("#download")
    assert download.value.suggested_filename == "全国志愿服务信息系统导入_志愿者_S1 单位.xlsx"
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "姓名" and any(row[0] == "李四" and row[2] == volunteer.id_number for row in rows[1:])

    manager = new_page("desk")
    manager.set_default_timeout(15_000)
    admin_log_in(manager, station_manager.phone)
    manager.goto("/admin/statistics/")
    expect(manager.locator("#national-export-link")).to_have_count(0)  # full ID numbers: admins only
    manager.click("#annual-report-link")
    # The year the event was held (yesterday): a test run on New Year's Day reports the year before.
    year = timezone.localtime(served_event.starts_at).year
    manager.select_option("#id_year", str(year))
    screenshot(manager, "annual-report-form.png")
    with manager.expect_download() as download:
        manager.click("#download")
    assert download.value.suggested_filename == f"{year}年度志愿服务记录与证明情况报告_S1 单位.xlsx"
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "月份" and len(rows) == 1 + 12 + 2
    assert rows[13][0] == "全年合计" and rows[13][2] >= 1  # 李四's approved record
