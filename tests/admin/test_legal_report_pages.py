"""The national-system export and the annual report (办法 art. 18) as admin forms: scope, errors, file names.

The clock is frozen at noon of 2026-12-05, the tests' event day, by tests/admin/conftest.py's autouse
``after_the_event``: the fixed dates below are that day's and its year's.
"""

import datetime
import io
from urllib.parse import unquote

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from events.models import RecordStatus
from tests.admin.conftest import page
from tests.records_law.conftest import attended, past_event

NATIONAL, ANNUAL = reverse("admin-national-export"), reverse("admin-annual-report")


def utf8_name(response) -> str:
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="') and "; filename*=UTF-8''" in disposition
    ascii_name = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert ascii_name.isascii() and ascii_name.endswith(".xlsx")
    return unquote(disposition.split("''", 1)[1])


def workbook_rows(response) -> list[tuple]:
    return list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))


def test_a_manager_downloads_the_annual_report_of_their_unit(client, station_manager, tree, volunteer):
    attended(past_event(tree["S1"], datetime.date(2025, 6, 3)), volunteer, status=RecordStatus.APPROVED)
    client.force_login(station_manager)
    form = page(client.get(ANNUAL))
    assert f'<option value="{tree["S1"].pk}" selected>' in form and tree["S2"].name not in form
    response = client.get(ANNUAL, {"unit": tree["S1"].pk, "year": 2025, "download": "1"})
    assert response.status_code == 200
    assert utf8_name(response) == "2025年度志愿服务记录与证明情况报告_S1 单位.xlsx"
    rows = workbook_rows(response)
    assert rows[0][0] == "月份" and rows[6][2] == 1  # June: one approved record


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"year": "1850"}, "选择一个有效的选项"),
        ({"year": "abc"}, "选择一个有效的选项"),
        ({"unit": "S2"}, "选择一个有效的选项"),  # another station: not among the choices
        ({"unit": "999999"}, "选择一个有效的选项"),
        ({"unit": "x' OR 1=1"}, "选择一个有效的选项"),
    ],
)
def test_a_wrong_choice_is_answered_in_the_form_in_chinese(client, station_manager, tree, query, message):
    client.force_login(station_manager)
    params = {"unit": tree["S1"].pk, "year": 2025, "download": "1", **query}
    if params["unit"] == "S2":
        params["unit"] = tree["S2"].pk
    response = client.get(ANNUAL, params)
    assert response.status_code == 400 and "Content-Disposition" not in response
    assert message in page(response) and "errorlist" in page(response)


def test_the_link_from_the_statistics_page_preselects_the_unit_without_complaining(client, center_manager, tree):
    client.force_login(center_manager)
    statistics = page(client.get(reverse("admin-statistics"), {"unit": tree["I1"].pk}))
    assert f'href="{ANNUAL}?unit={tree["I1"].pk}"' in statistics and NATIONAL not in statistics
    form = client.get(ANNUAL, {"unit": tree["I1"].pk})
    assert form.status_code == 200 and "errorlist" not in page(form)
    assert f'<option value="{tree["I1"].pk}" selected>' in page(form)


def test_the_national_export_is_for_admins_only(client, station_manager, admin_user, tree, volunteer):
    client.force_login(station_manager)
    assert client.get(NATIONAL).status_code == 403
    assert client.get(NATIONAL, {"unit": tree["S1"].pk, "kind": "volunteers", "download": "1"}).status_code == 403
    client.force_login(admin_user)
    assert NATIONAL in page(client.get(reverse("admin-statistics")))
    response = client.get(NATIONAL, {"unit": tree["S1"].pk, "kind": "volunteers", "download": "1"})
    assert utf8_name(response) == "全国志愿服务信息系统导入_志愿者_S1 单位.xlsx"
    rows = workbook_rows(response)
    assert rows[0][0] == "姓名" and rows[1][2] == volunteer.id_number


def test_a_period_ending_before_it_starts_is_refused_at_its_field(client, admin_user, tree):
    client.force_login(admin_user)
    query = {"unit": tree["S1"].pk, "kind": "records", "date_from": "2026-03-01", "date_to": "2026-02-01"}
    response = client.get(NATIONAL, {**query, "download": "1"})
    assert response.status_code == 400 and "截止日期不能早于起始日期" in page(response)
    response = client.get(NATIONAL, {**query, "date_to": "99999-01-01", "download": "1"})
    assert response.status_code == 400 and "errorlist" in page(response)
    records = client.get(NATIONAL, {**query, "date_to": "2026-12-31", "download": "1"})
    assert utf8_name(records) == "全国志愿服务信息系统导入_服务记录_S1 单位.xlsx"


def test_volunteers_and_strangers_are_kept_out(client, volunteer):
    client.force_login(volunteer.user)
    for url in (NATIONAL, ANNUAL):
        assert client.get(url).status_code in (302, 403)
