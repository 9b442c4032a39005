"""The national-system export and the annual report (issue 14 item 7)."""

import datetime
import io

from openpyxl import load_workbook

from certificates.services import Coverage, issue_certificate
from tests.conftest import client_for
from volunteers.models import Award, Training

from .conftest import approved, event_on

NATIONAL = "/api/v1/reports/national-export/"
ANNUAL = "/api/v1/reports/annual/"


def sheet_rows(response) -> list[list]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def test_admins_export_volunteers_with_full_numbers_and_the_national_number(tree, volunteer, admin_user):
    volunteer.national_number = "V330100000123"
    volunteer.save()
    rows = sheet_rows(client_for(admin_user).get(f"{NATIONAL}?unit={tree['C'].pk}&kind=volunteers"))
    assert rows[0][:3] == ["姓名", "证件类型", "证件号码"] and "志愿者编号（全国系统）" in rows[0]
    assert rows[1][0] == volunteer.real_name and rows[1][2] == volunteer.id_number
    assert rows[1][1] == "居民身份证" and "V330100000123" in rows[1]


def test_admins_export_approved_records_with_hours(tree, volunteer, admin_user):
    approved(event_on(tree["S1"], 1, "社区环境清洁"), volunteer, "2.00")
    approved(event_on(tree["S4"], 2, "远方活动"), volunteer, "4.00")  # another center's event
    rows = sheet_rows(client_for(admin_user).get(f"{NATIONAL}?unit={tree['C'].pk}&kind=records"))
    header = rows[0]
    assert header[header.index("活动名称")] and header[-3:] == ["服务时长（小时）", "记录单位", "审核时间"]
    assert len(rows) == 2
    assert rows[1][header.index("活动名称")] == "社区环境清洁" and rows[1][header.index("服务时长（小时）")] == 2


def test_managers_may_not_export_full_numbers(tree, station_manager, center_manager, volunteer_client):
    for client in (client_for(station_manager), client_for(center_manager), volunteer_client):
        assert client.get(f"{NATIONAL}?unit={tree['S1'].pk}").status_code == 403


def test_a_bad_export_query_is_a_400_in_chinese(tree, admin_user):
    response = client_for(admin_user).get(
        f"{NATIONAL}?unit={tree['C'].pk}&kind=records&date_from=2026-05-01&date_to=2026-04-01",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400 and response.json()["date_to"] == ["截止日期不能早于起始日期。"]


def test_the_annual_report_counts_per_month(tree, volunteer, other_volunteer, station_manager, admin_user):
    # event_on(day) is that many days before 2026-12-05 09:00 (the tests' event day).
    approved(event_on(tree["S1"], 1), volunteer, "2.00")
    approved(event_on(tree["S1"], 2, "理论宣讲"), other_volunteer, "1.50")
    approved(event_on(tree["S1"], 3, "零时长"), volunteer, "0.00")
    approved(event_on(tree["S4"], 4, "远方活动"), volunteer, "4.00")
    training = Training.objects.create(
        unit=tree["S1"], name="急救培训", content="心肺复苏", hours="2.00", organiser="红十字会", held_on="2026-03-10"
    )
    training.attendees.add(volunteer, other_volunteer)
    Award.objects.create(
        volunteer=volunteer, name="优秀志愿者", awarded_on="2026-05-01", awarding_body="区文明办", level="county"
    )
    issue_certificate(
        volunteer,
        tree["S1"],
        Coverage(period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 12, 31)),
        by=admin_user,
    )
    response = client_for(station_manager).get(f"{ANNUAL}?unit={tree['S1'].pk}&year=2026")
    assert response.status_code == 200
    rows = sheet_rows(response)
    assert rows[0] == [
        "月份",
        "新注册志愿者",
        "服务记录",
        "参与服务的志愿者",
        "服务时长（小时）",
        "培训场次",
        "参加培训人次",
        "表彰数",
        "出具证明数",
    ]
    by_month = {row[0]: row for row in rows[1:13]}
    december, march, may = by_month["2026-12"], by_month["2026-03"], by_month["2026-05"]
    assert december[2:5] == [2, 2, 3.5]  # the zero-hour record and the other center's are not counted
    assert march[5:7] == [1, 2] and may[7] == 1 and december[8] == 1
    total = rows[13]
    assert total[0] == "全年合计" and total[2] == 2 and total[4] == 3.5


def test_the_annual_report_is_scoped(tree, station_manager, other_station_manager, volunteer_client):
    assert client_for(other_station_manager).get(f"{ANNUAL}?unit={tree['S1'].pk}").status_code == 404
    assert client_for(station_manager).get(f"{ANNUAL}?unit={tree['S4'].pk}").status_code == 404
    assert volunteer_client.get(f"{ANNUAL}?unit={tree['S1'].pk}").status_code == 403


def test_a_bad_year_is_a_400(tree, station_manager):
    response = client_for(station_manager).get(f"{ANNUAL}?unit={tree['S1'].pk}&year=99999")
    assert response.status_code == 400 and "year" in response.json()
