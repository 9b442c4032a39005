"""A station manager's week in the admin site, in a desktop browser, without a single API call of their own.

Publish an event, correct one record and approve another, issue and revoke a
certificate, answer a certificate request, run a bulk job and download its ZIP,
and import a 200-row roster with three bad rows.
"""

import datetime
import io
import zipfile

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect

from certificates.models import BulkIssueJob, Certificate, CertificateRequest, JobStatus, RequestStatus
from certificates.services import Coverage, request_certificate
from events.models import EventStatus, Method, RecordStatus, ServiceRecord
from events.services import record_scan
from tests.conftest import PASSWORD, make_volunteer
from tests.events.conftest import make_event
from volunteers.id_numbers import check_character
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db(transaction=True)
SURNAMES, GIVEN = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨", "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超"


@pytest.fixture
def desk(browser, live_server, settings, tmp_path):
    """A desktop browser window on the live server, with tasks run at once and files in a temp folder."""
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN", base_url=live_server.url, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def served(event, volunteer, start: datetime.datetime, end: datetime.datetime) -> ServiceRecord:
    record_scan(volunteer, event, "in", method=Method.EVENT_QR, at=start)
    return record_scan(volunteer, event, "out", method=Method.EVENT_QR, at=end)[0]


def run_action(page, url: str, pk: int, action: str) -> None:
    page.goto(url)
    page.check(f"input[name=_selected_action][value='{pk}']")
    page.select_option("select[name=action]", action)
    page.click("button[name=index]")


def says(page, text: str) -> None:
    """The page (once it has loaded after a click) shows ``text``."""
    expect(page.locator("body")).to_contain_text(text)


def roster(rows: list[list], header: list) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_station_managers_week_in_the_admin(desk, tree, station_manager, tmp_path):
    now = timezone.now()
    start = (now - datetime.timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    served_event = make_event(
        tree["S1"], title="周末环境清洁", starts_at=start, ends_at=start + datetime.timedelta(hours=3)
    )
    first, second, third = (make_volunteer(tree["S1"], name) for name in ("陈一", "林二", "黄三"))
    to_correct = served(served_event, first, start, start + datetime.timedelta(hours=1))
    to_approve = served(served_event, second, start, start + datetime.timedelta(hours=2))
    ServiceRecord.objects.filter(pk=served(served_event, third, start, start + datetime.timedelta(hours=3)).pk).update(
        status=RecordStatus.APPROVED
    )
    year = Coverage(period_start=datetime.date(now.year, 1, 1), period_end=datetime.date(now.year, 12, 31))
    asked = request_certificate(third, tree["S1"], year, purpose="升学")
    draft = make_event(
        tree["S1"],
        title="重阳敬老",
        status=EventStatus.DRAFT,
        starts_at=now + datetime.timedelta(days=3),
        ends_at=now + datetime.timedelta(days=3, hours=2),
    )

    # Monday: log in to the admin and publish the week's event.
    desk.goto("/admin/")
    desk.fill("#id_username", station_manager.phone)
    desk.fill("#id_password", PASSWORD)
    desk.click("input[type=submit], button[type=submit]")
    desk.wait_for_url("**/admin/")
    run_action(desk, "/admin/events/event/", draft.pk, "publish_selected")
    says(desk, "已发布 1 个活动")
    draft.refresh_from_db()
    assert draft.status == EventStatus.PUBLISHED

    # Tuesday: correct a forgotten check-out with a reason, approve another record.
    desk.goto(f"/admin/events/servicerecord/{to_correct.pk}/change/")
    desk.click("text=更正时间")
    local_end = timezone.localtime(start + datetime.timedelta(hours=3))
    desk.fill("#id_checked_out_at", f"{local_end:%Y-%m-%dT%H:%M}")
    desk.fill("#id_reason", "忘记签退，组织者核实")
    desk.click("input[type=submit]")
    says(desk, "时间已更正")
    to_correct.refresh_from_db()
    assert to_correct.checked_out_at == start + datetime.timedelta(hours=3) and to_correct.credited_hours == 3
    says(desk, "忘记签退，组织者核实")
    desk.goto(f"/admin/events/servicerecord/{to_approve.pk}/change/")
    desk.click("ul.object-tools >> text=审核通过")
    desk.click("input[type=submit]")
    says(desk, "记录已审核通过")
    to_approve.refresh_from_db()
    assert to_approve.status == RecordStatus.APPROVED and to_approve.reviewed_by == station_manager

    # Wednesday: issue a certificate to a volunteer, then revoke it with a reason.
    run_action(desk, "/admin/volunteers/volunteer/", second.pk, "issue_to_volunteers")
    desk.select_option("#id_unit", str(tree["S1"].pk))
    desk.fill("#id_period_start", f"{now.year}-01-01")
    desk.fill("#id_period_end", f"{now.year}-12-31")
    desk.click("input[type=submit]")
    says(desk, "已出具 1 份证明")
    certificate = Certificate.objects.get(volunteer=second)
    desk.goto(f"/admin/certificates/certificate/{certificate.pk}/change/")
    desk.click("ul.object-tools >> text=撤销")
    desk.fill("#id_reason", "时段填写有误")
    desk.click("input[type=submit]")
    says(desk, "证明已撤销")
    certificate.refresh_from_db()
    assert certificate.is_revoked and certificate.revoke_reason == "时段填写有误"

    # Thursday: answer a volunteer's request for a certificate.
    desk.goto(f"/admin/certificates/certificaterequest/{asked.pk}/change/")
    desk.click("ul.object-tools >> text=出具证明")
    desk.click("input[type=submit]")
    says(desk, "已出具 1 份证明")
    asked.refresh_from_db()
    assert asked.status == RequestStatus.ISSUED

    # Friday: the year's certificates in bulk, and the ZIP for the archive.
    desk.goto("/admin/certificates/bulkissuejob/add/")
    desk.select_option("#id_unit", str(tree["S1"].pk))
    desk.click("input[type=submit]")
    desk.wait_for_selector(".job-progress[data-status=finished]")
    job = BulkIssueJob.objects.get()
    assert job.status == JobStatus.FINISHED and job.total >= 2
    with desk.expect_download() as download:
        desk.click("text=下载 ZIP 压缩包")
    archive = zipfile.ZipFile(download.value.path())
    assert archive.namelist() and all(name.endswith(".pdf") for name in archive.namelist())

    # And the roster of a new volunteer team: 200 rows, three of them wrong.
    desk.goto("/admin/volunteers/volunteer/")
    desk.click("text=从 Excel 导入")
    with desk.expect_download() as template:
        desk.click("#roster-template")
    template_book = load_workbook(io.BytesIO(template.value.path().read_bytes()))
    header = [cell.value for cell in template_book.worksheets[0][1]]
    rows = []
    for n in range(200):
        birth = datetime.date(1975, 1, 1) + datetime.timedelta(days=n * 13)
        first17 = f"330782{birth:%Y%m%d}{n:03d}"
        rows.append(
            [
                SURNAMES[n % 16] + GIVEN[n % 19] + GIVEN[(n // 19) % 19],
                first17 + check_character(first17),
                f"1355{n:07d}",
                tree["S1"].name,
            ]
        )
    rows[10][1] = rows[10][1][:17] + ("0" if rows[10][1][17] != "0" else "1")  # wrong check digit
    rows[20][2] = rows[19][2]  # the same phone twice
    rows[30][3] = "不存在的村"  # unknown station
    path = tmp_path / "名册.xlsx"
    path.write_bytes(roster(rows, header))
    desk.set_input_files("#id_file", str(path))
    desk.check("#id_consent")
    desk.click("input[type=submit]")
    assert "200 行中的 197 行将被导入" in desk.locator("#preview-title").inner_text()
    assert desk.locator("tr.roster-error").count() == 3
    assert not Volunteer.objects.filter(user__phone__startswith="1355").exists()
    desk.click("input[name=confirm]")
    says(desk, "已导入 197 名志愿者")
    assert Volunteer.objects.filter(user__phone__startswith="1355").count() == 197
    assert CertificateRequest.objects.count() == 1
