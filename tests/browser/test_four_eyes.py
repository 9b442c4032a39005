"""Four eyes in the admin, in a desktop browser, without an API call: whoever corrects a record is told
who approves it; the approver sees the times and hours; a one-manager station's record goes to its institute.

Also the certificate form as a manager fills it in. Screenshots for the README with SCREENSHOTS=1.
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from certificates.models import Certificate
from events.models import Method, RecordStatus, ServiceRecord
from events.services import approve_record, record_scan
from tests.browser.conftest import screenshot
from tests.browser.test_admin_lists_fit import admin_log_in
from tests.conftest import make_manager, make_volunteer
from tests.events.conftest import make_event

pytestmark = pytest.mark.django_db(transaction=True)


def says(page, text: str) -> None:
    expect(page.locator("body")).to_contain_text(text)


@pytest.fixture
def yesterday() -> datetime.datetime:
    return (timezone.now() - datetime.timedelta(days=1)).replace(minute=0, second=0, microsecond=0)


def served(unit, volunteer, start: datetime.datetime, *, title: str) -> ServiceRecord:
    event = make_event(unit, title=title, starts_at=start, ends_at=start + datetime.timedelta(hours=3))
    record_scan(volunteer, event, "in", method=Method.EVENT_QR, at=start)
    return record_scan(volunteer, event, "out", method=Method.EVENT_QR, at=start + datetime.timedelta(hours=1))[0]


def correct_checkout(page, record: ServiceRecord, local_end: datetime.datetime, reason: str) -> None:
    page.goto(f"/admin/events/servicerecord/{record.pk}/change/")
    page.click("ul.object-tools >> text=更正时间")
    page.fill("#id_checked_out_at", f"{local_end:%Y-%m-%dT%H:%M}")
    page.fill("#id_reason", reason)
    page.click("input[type=submit]")
    says(page, "时间已更正")


def test_the_corrector_is_told_who_approves_and_the_other_manager_approves(
    new_page, django_user_model, tree, station_manager, yesterday
):
    colleague = make_manager(django_user_model, tree["S1"], "周敏")
    volunteer = make_volunteer(tree["S1"], "陈一")
    record = served(tree["S1"], volunteer, yesterday, title="周末环境清洁")
    end = timezone.localtime(yesterday + datetime.timedelta(hours=2, minutes=30))

    corrector = new_page("desk")
    admin_log_in(corrector, station_manager)
    correct_checkout(corrector, record, end, "忘记签退，组织者核实")
    # 审核通过 is not offered to the corrector; the page says who approves instead.
    tools = corrector.locator("ul.object-tools")
    expect(tools.locator("a[href$='/approve/']")).to_have_count(0)
    expect(tools.locator("a.workflow-disabled")).to_have_text("审核通过")
    notice = corrector.locator("#workflow-notice")
    expect(notice).to_contain_text("您更正过这条记录的时间，不能审核")
    expect(notice).to_contain_text("周敏")

    approver = new_page("desk")
    admin_log_in(approver, colleague)
    approver.goto(f"/admin/events/servicerecord/{record.pk}/change/")
    approver.click("ul.object-tools >> text=审核通过")
    facts = approver.locator("#workflow-facts")
    start = timezone.localtime(yesterday)
    expect(facts).to_contain_text(f"{start:%Y-%m-%d %H:%M}")
    expect(facts).to_contain_text(f"{end:%Y-%m-%d %H:%M}")
    expect(facts).to_contain_text("2.50 小时")
    expect(facts).to_contain_text("忘记签退，组织者核实")
    screenshot(approver, "approve-record.png")
    approver.click("input[type=submit]")
    says(approver, "记录已审核通过")
    record.refresh_from_db()
    assert record.status == RecordStatus.APPROVED and record.reviewed_by == colleague


def test_a_one_manager_stations_correction_is_approved_by_its_institute(
    new_page, tree, other_station_manager, institute_manager, yesterday
):
    volunteer = make_volunteer(tree["S2"], "林二")
    record = served(tree["S2"], volunteer, yesterday, title="敬老院陪护")
    end = timezone.localtime(yesterday + datetime.timedelta(hours=3))

    corrector = new_page("desk")
    admin_log_in(corrector, other_station_manager)
    correct_checkout(corrector, record, end, "签退机故障")
    expect(corrector.locator("ul.object-tools a[href$='/approve/']")).to_have_count(0)
    expect(corrector.locator("#workflow-notice")).to_contain_text(
        "本站只有您一位管理员，此记录将由上级实践所（I1 单位）审核：所管理员。"
    )

    institute = new_page("desk")
    admin_log_in(institute, institute_manager)
    institute.goto(f"/admin/events/servicerecord/{record.pk}/change/")
    institute.click("ul.object-tools >> text=审核通过")
    says(institute, "S2 单位没有其他可以审核的管理员，因此由您审核。")
    expect(institute.locator("#workflow-facts")).to_contain_text("3.00 小时")
    institute.click("input[type=submit]")
    says(institute, "记录已审核通过")
    record.refresh_from_db()
    assert record.status == RecordStatus.APPROVED and record.reviewed_by == institute_manager


def test_the_certificate_form_offers_what_the_volunteer_served_and_links_to_the_result(
    new_page, django_user_model, tree, station_manager, yesterday, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    reviewer = make_manager(django_user_model, tree["I1"], "审核人")
    first, second = make_volunteer(tree["S1"], "黄三"), make_volunteer(tree["S1"], "吴四")
    mine = served(tree["S1"], first, yesterday, title="助老送餐")
    theirs = served(tree["S1"], second, yesterday - datetime.timedelta(days=1), title="垃圾分类宣传")
    for record in (mine, theirs):
        approve_record(record, by=reviewer)

    page = new_page("desk")
    admin_log_in(page, station_manager)
    page.goto("/admin/certificates/certificate/add/")
    page.select_option("#id_volunteer", str(first.pk))
    page.wait_for_url(f"**/add/?volunteer={first.pk}")
    # The only possible unit is chosen; only the events this volunteer served at are offered.
    assert page.locator("#id_unit").input_value() == str(tree["S1"].pk)
    events = page.locator("#id_event option").all_inner_texts()
    assert any("助老送餐" in text for text in events) and not any("垃圾分类宣传" in text for text in events)
    page.select_option("#id_event", str(mine.event_id))
    screenshot(page, "certificate-form.png")
    page.click("input[type=submit]")
    certificate = Certificate.objects.get()
    says(page, f"证明 {certificate.number} 已出具")
    expect(page.locator(f".messagelist a[href='/api/v1/certificates/{certificate.pk}/pdf/']")).to_have_text("下载 PDF")
    page.click(".messagelist >> text=查看证明")
    page.wait_for_url(f"**/admin/certificates/certificate/{certificate.pk}/change/")
