"""The county's list of brand projects (/api/v1/reports/projects/): one row per project led in the
subtree with what it did, as JSON, CSV and XLSX, for managers of that subtree only.

Dates are fixed in 2026; the ``places`` fixture freezes the clock at 5 December 2026.
"""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import load_workbook

from events.models import Evaluation, Project
from events.projects import project_summary
from tests.conftest import client_for

PROJECTS = "/api/v1/reports/projects/"


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


def body(response) -> bytes:
    assert response.status_code == 200, getattr(response, "content", b"")[:300]
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def graded(places):
    """An evaluation of 4 stars of one of the November records of 邻里守望."""
    record = places["people"][0].service_records.get(event__title="守望巡访")
    Evaluation.objects.create(
        volunteer=record.volunteer,
        unit=record.event.unit,
        record=record,
        evaluated_on=datetime.date(2026, 11, 9),
        grade=4,
    )
    return record


def test_the_centers_list_has_a_row_per_project_with_its_figures(center_manager_client, tree, places, graded):
    response = center_manager_client.get(f"{PROJECTS}?unit={tree['C'].pk}")
    rows = {row["name"]: row for row in response.json()["results"]}
    assert list(rows) == ["邻里守望", "夏日课堂"]
    watch = rows["邻里守望"]
    # Its whole life: the October and the November events.
    assert (watch["events"], watch["hours"], watch["volunteers"], watch["people_served"]) == (2, "7.00", 2, 30)
    assert (watch["mean_rating"], watch["ratings"], watch["teams"]) == ("4.00", 1, ["东门守望队"])
    assert watch["lead_unit"]["name"] == "S1 单位" and watch["ends_on"] is None
    assert rows["夏日课堂"]["mean_rating"] is None


def test_days_given_list_the_projects_running_then_with_their_figures_then(center_manager_client, tree, places):
    rows = center_manager_client.get(f"{PROJECTS}?unit={tree['C'].pk}&date_from=2026-11-01&date_to=2026-11-30")
    results = rows.json()["results"]
    assert [row["name"] for row in results] == ["邻里守望"]
    summary = project_summary(
        places["projects"]["watch"], start=datetime.date(2026, 11, 1), end=datetime.date(2026, 11, 30)
    )
    assert (
        (results[0]["events"], Decimal(results[0]["hours"]))
        == (summary.events_held, summary.service_hours)
        == (
            1,
            Decimal("4.00"),
        )
    )


def test_the_csv_holds_the_rows(center_manager_client, tree, places, graded):
    response = center_manager_client.get(f"{PROJECTS}?unit={tree['C'].pk}&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))
    assert rows[0][:3] == [zh("Project"), zh("Lead unit"), zh("Project period")]
    assert rows[1] == [
        "邻里守望",
        "S1 单位",
        f"2026-09-01 — {zh('ongoing')}",
        "东门守望队",
        "2",
        "7.00",
        "2",
        "30",
        "4.00",
    ]
    assert rows[2][:3] == ["夏日课堂", "S2 单位", "2026-06-01 — 2026-08-31"]
    assert rows[2][8] == "" and len(rows) == 3


def test_the_xlsx_opens_and_holds_the_rows(center_manager_client, tree, places):
    response = center_manager_client.get(f"{PROJECTS}?unit={tree['I1'].pk}&format=xlsx")
    book = load_workbook(io.BytesIO(body(response)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert [row[:2] for row in rows[1:]] == [("邻里守望", "S1 单位"), ("夏日课堂", "S2 单位")]
    assert rows[1][4:8] == (2, 7, 2, 30)


def test_a_station_manager_gets_their_own_projects_and_no_one_elses(station_manager_client, tree, places):
    own = station_manager_client.get(f"{PROJECTS}?unit={tree['S1'].pk}")
    assert [row["name"] for row in own.json()["results"]] == ["邻里守望"]
    # Without a unit: their whole reach.
    assert [row["name"] for row in station_manager_client.get(PROJECTS).json()["results"]] == ["邻里守望"]
    assert station_manager_client.get(f"{PROJECTS}?unit={tree['S2'].pk}").status_code == 404
    assert station_manager_client.get(f"{PROJECTS}?unit={tree['S4'].pk}&format=csv").status_code == 404


def test_an_admin_without_a_unit_gets_every_center(admin_client_api, places):
    names = [row["name"] for row in admin_client_api.get(PROJECTS).json()["results"]]
    assert sorted(names) == sorted(Project.objects.values_list("name", flat=True)) and "远方项目" in names


def test_volunteers_and_anonymous_callers_are_refused(volunteer_client, anon_client, tree, places):
    assert anon_client.get(f"{PROJECTS}?unit={tree['S1'].pk}").status_code == 401
    assert anon_client.get(f"{PROJECTS}?format=csv").status_code == 401
    assert volunteer_client.get(f"{PROJECTS}?unit={tree['S1'].pk}").status_code == 403


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("format=pdf", "format"),
        ("unit=abc", "unit"),
        ("date_from=2026-13-01", "date_from"),
        ("date_from=2026-11-30&date_to=2026-11-01", "date_to"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(center_manager_client, places, query, field):
    response = center_manager_client.get(f"{PROJECTS}?{query}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_the_json_page_costs_the_same_queries_per_project(center_manager, tree, places):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(center_manager)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{PROJECTS}?unit={tree['C'].pk}").status_code == 200
        return len(captured)

    queries()  # the first request also reads the caller's units
    two = queries()
    Project.objects.create(lead_unit=tree["S3"], name="书香溢彩", starts_on=datetime.date(2026, 3, 1))
    three = queries()
    Project.objects.create(lead_unit=tree["S2"], name="银龄课堂", starts_on=datetime.date(2026, 4, 1))
    four = queries()
    # The rows are read together; each project's summary is its own few queries.
    assert four - three == three - two
