"""The admin's lists a manager works in fit a 1366 px screen: no sideways scrolling of the table."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from certificates.services import Coverage, issue_certificate
from events.models import Method, RecordStatus, ServiceRecord
from events.services import sign_up
from tests.conftest import PASSWORD, make_volunteer
from tests.events.conftest import make_event

pytestmark = pytest.mark.django_db(transaction=True)

LONG_TITLE = "新时代文明实践站“邻里守望·温暖同行”关爱空巢老人上门走访志愿服务活动（第三季）"
# The table against the box that holds it: wider means a scrollbar under the list.
FITS = (
    "(() => { const table = document.querySelector('#result_list');"
    " return [table.scrollWidth, table.parentElement.clientWidth]; })()"
)


@pytest.fixture
def busy_station(tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    tree["S1"].name = "城关镇东门社区新时代文明实践站"
    tree["S1"].save(update_fields=["name"])
    now = timezone.now()
    # Mornings, whatever the hour the suite runs: an evening event that runs past midnight
    # shows both dates in its time column, a wider list than the one measured here.
    morning = timezone.localtime(now).replace(hour=9, minute=0, second=0, microsecond=0)
    start = morning - datetime.timedelta(days=2)
    event = make_event(
        tree["S1"],
        title=LONG_TITLE,
        address="东门社区党群服务中心二楼多功能厅",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        signup_required=False,
        capacity=120,
    )
    upcoming = make_event(
        tree["S1"],
        title=LONG_TITLE,
        starts_at=morning + datetime.timedelta(days=3),
        ends_at=morning + datetime.timedelta(days=3, hours=2),
    )
    statuses = [RecordStatus.PENDING, RecordStatus.APPROVED, RecordStatus.REJECTED, RecordStatus.PENDING]
    for n, status in enumerate(statuses):
        volunteer = make_volunteer(tree["S1"], "欧阳晓明轩" if n % 2 else "司马相如")
        ServiceRecord.objects.create(
            event=event,
            volunteer=volunteer,
            checked_in_at=start,
            checked_out_at=None if n == 3 else start + datetime.timedelta(hours=2, minutes=45),
            method=Method.MANUAL if n == 1 else Method.EVENT_QR,
            status=status,
            flag="missing_checkout" if n == 3 else "",
            credited_hours=Decimal("0.00" if n == 3 else "2.75"),
            reject_reason="未到岗" if status == RecordStatus.REJECTED else "",
        )
        sign_up(upcoming, volunteer, at=now)
    return event


def admin_log_in(page, user) -> None:
    page.goto("/admin/login/")
    page.fill("#id_username", user.phone)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url("**/admin/")


def widths(page, url: str) -> tuple[int, int]:
    page.goto(url)
    return tuple(page.evaluate(FITS))


def test_the_lists_a_manager_works_in_fit_1366_pixels(new_page, tree, station_manager, busy_station):
    records = ServiceRecord.objects.filter(event=busy_station)
    year = timezone.localdate().year
    approved = records.filter(status=RecordStatus.APPROVED).first()
    issue_certificate(
        approved.volunteer,
        tree["S1"],
        Coverage(period_start=datetime.date(year - 1, 1, 1), period_end=datetime.date(year, 12, 31)),
        by=station_manager,
    )
    page = new_page("desk")
    admin_log_in(page, station_manager)
    for url in (
        "/admin/events/servicerecord/",
        "/admin/events/event/",
        "/admin/events/signup/",
        "/admin/certificates/certificate/",
    ):
        table, box = widths(page, url)
        assert table <= box, f"{url}: the list is {table} px wide in a box of {box} px"
    page.goto("/admin/events/servicerecord/")
    text = page.locator("#result_list").inner_text()
    # Status, hours and flags are all in view.
    assert "待审核" in text and "2.75" in text and "未签退" in text
