"""Dates outside 1900-01-01..2100-12-31 in the statistics: 400 with a field message, never a 500."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from reports.statistics.hours import StatsError, hours_report

OUT_OF_RANGE = ["9999-12-31", "0001-01-01", "1899-12-31", "2101-01-01"]
DATE_MESSAGE = "请输入 1900-01-01 至 2100-12-31 之间的日期。"


@pytest.mark.parametrize("file_format", ["json", "csv", "xlsx"])
@pytest.mark.parametrize("field", ["date_from", "date_to"])
@pytest.mark.parametrize("day", OUT_OF_RANGE)
def test_the_hours_api_answers_a_date_out_of_range_with_a_field_message(
    admin_client_api, hours, field, day, file_format
):
    response = admin_client_api.get("/api/v1/stats/hours/", {field: day, "format": file_format})
    assert response.status_code == 400
    assert response.json() == {field: [DATE_MESSAGE]}


def test_the_first_and_last_allowed_days_are_accepted(admin_client_api, hours):
    response = admin_client_api.get("/api/v1/stats/hours/", {"date_from": "1900-01-01", "date_to": "2100-12-31"})
    assert response.status_code == 200
    assert sum(float(row["hours"]) for row in response.json()["results"]) == 16.5


def test_the_summary_refuses_a_year_out_of_range(admin_client_api, hours):
    response = admin_client_api.get("/api/v1/stats/summary/", {"year": "9999"})
    assert response.status_code == 400 and "year" in response.json()


def test_the_statistics_page_shows_the_message_and_the_default_year(client, admin_user, hours):
    client.force_login(admin_user)
    response = client.get("/admin/statistics/?date_to=9999-12-31")
    assert response.status_code == 400
    page = response.content.decode()
    assert DATE_MESSAGE in page and "<svg" in page


def test_the_export_command_refuses_a_date_out_of_range(tmp_path, hours):
    with pytest.raises(CommandError, match="1900-01-01"):
        call_command("export_hours", str(tmp_path / "out.csv"), "--date-to", "9999-12-31", stdout=io.StringIO())
    assert not (tmp_path / "out.csv").exists()


def test_the_report_itself_refuses_a_date_no_caller_checked(admin_user, hours):
    with pytest.raises(StatsError) as refused:
        hours_report(admin_user, ("station",), date_to=datetime.date(9999, 12, 31))
    assert refused.value.code == "date_out_of_range"
