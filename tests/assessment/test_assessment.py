"""The self-assessment (测评自查) on the world of tests/assessment/conftest.py.

The clock is frozen at 2026-10-22 10:00 Asia/Shanghai (fixture ``clock`` of conftest.py).
"""

import csv
import io

import openpyxl
import pytest
from django.test import Client

from reports.assessment import eligibility
from reports.assessment.drilldown import table
from reports.assessment.indicators import SPECS, Assessment, parse_period
from tests.conftest import client_for

EXPECTED = {  # key: (value, numerator, denominator, light) for C in October 2026
    "stations-every-month": ("66.7", "2", "3", "red"),
    "events-per-station": ("1.00", "3", "3", "amber"),
    "documented-events": ("33.3", "1", "3", "red"),
    "registered-volunteers": ("15.0", "3", "20", "green"),
    "party-members-registered": ("25.0", "1", "4", "red"),
    "active-volunteers": ("100.0", "3", "3", "green"),
    "hours-per-volunteer": ("2.33", "7.00", "3", "green"),
    "volunteers-reaching-target": ("33.3", "1", "3", "green"),
    "overdue-records": ("1", "1", None, "amber"),
    "orders-answered": ("50.0", "1", "2", "red"),
    "order-completion": ("50.0", "1", "2", "red"),
    "order-satisfaction": ("4.67", "1", "1", "green"),
    "overdue-orders": ("1", "1", None, "amber"),
    "venues-open": ("50.0", "1", "2", "amber"),  # the dashboard's venue_use bounds, 80 / 50
    "venue-hours": ("1.00", "2.00", "2", "red"),
    "projects-active": ("50.0", "1", "2", "amber"),
    "trainings-held": ("1", "1", None, "green"),
}


def report(client, query: str) -> dict:
    response = client.get(f"/api/v1/reports/assessment/?{query}")
    assert response.status_code == 200, response.content
    return {item["key"]: item for item in response.json()["indicators"]}


def test_each_indicator_counts_the_small_world(admin_user, tree, world):
    figures = report(client_for(admin_user), f"unit={tree['C'].pk}&period=2026-10")
    assert len(figures) >= 15
    got = {key: (f["value"], f["numerator"], f["denominator"], f["light"]) for key, f in figures.items()}
    assert got == EXPECTED
    schemes = {scheme["key"] for item in figures.values() for scheme in item["schemes"]}
    assert len(schemes) >= 2
    assert figures["documented-events"]["target"] == "≥ 90"


def test_without_a_recorded_total_party_members_read_no_data(admin_user, tree, world):
    tree["C"].party_members = None
    tree["C"].save(update_fields=["party_members"])
    item = report(client_for(admin_user), f"unit={tree['C'].pk}&period=2026-10")["party-members-registered"]
    assert (item["value"], item["denominator"], item["light"]) == (None, None, "none")


def test_shared_figures_equal_the_dashboard(center_manager, tree, world):
    client = client_for(center_manager)
    ours = report(client, f"unit={tree['C'].pk}&period=2026-10")
    response = client.get(f"/api/v1/reports/dashboard/?unit={tree['C'].pk}&month=2026-10")
    board = {item["key"]: item for item in response.json()["indicators"]}
    shared = [spec for spec in SPECS if spec.dashboard]
    assert len(shared) >= 7
    for spec in shared:
        theirs = board[spec.dashboard]
        mine = ours[spec.key]
        assert (mine["value"], mine["numerator"], mine["denominator"], mine["light"]) == (
            theirs["value"],
            theirs["numerator"],
            theirs["denominator"],
            theirs["light"],
        ), spec.key


def test_the_year_equals_the_statistics_summary(center_manager, tree, world):
    client = client_for(center_manager)
    ours = report(client, f"unit={tree['C'].pk}&period=2026")
    summary = client.get(f"/api/v1/stats/summary/?unit={tree['C'].pk}&year=2026").json()
    assert ours["hours-per-volunteer"]["numerator"] == summary["total_hours"]
    assert ours["registered-volunteers"]["numerator"] == str(summary["registered_volunteers"])
    assert ours["events-per-station"]["numerator"] == str(summary["events_held"])
    assert ours["volunteers-reaching-target"]["numerator"] == str(summary["volunteers_reaching_target"])


def test_a_quarter_asks_every_month_of_it(admin_user, tree, world):
    figures = report(client_for(admin_user), f"unit={tree['C'].pk}&period=2026-Q4")
    # Only October has begun; S1 and S2 held events in it.
    assert figures["stations-every-month"]["numerator"] == "2"
    figures = report(client_for(admin_user), f"unit={tree['C'].pk}&period=2026-Q3")
    # July and August without any event: nobody held one every month.
    assert figures["stations-every-month"]["numerator"] == "0"
    assert figures["events-per-station"]["numerator"] == "2"  # the two September events


def test_a_station_manager_cannot_read_another_subtree(station_manager, tree, world):
    client = client_for(station_manager)
    assert client.get(f"/api/v1/reports/assessment/?unit={tree['S2'].pk}&period=2026-10").status_code == 404
    assert client.get(f"/api/v1/reports/assessment/?unit={tree['C'].pk}").status_code == 404
    own = report(client, "period=2026-10")
    assert own["events-per-station"]["numerator"] == "2"  # S1's own events only
    page = Client()
    page.force_login(station_manager)
    assert page.get(f"/reports/assessment/?unit={tree['S2'].pk}").status_code == 404
    assert page.get(f"/reports/assessment/documented-events/?unit={tree['S2'].pk}").status_code == 404


def test_volunteers_and_strangers_are_refused(volunteer, tree, world):
    assert client_for(volunteer.user).get("/api/v1/reports/assessment/").status_code == 403
    assert Client().get("/reports/assessment/").status_code == 302


@pytest.mark.parametrize("period", ["9999", "2026-13", "26-10", "2026-Q5", "abc", "2027-01", "2026-10-01"])
def test_bad_periods_answer_400(admin_user, tree, world, period):
    response = client_for(admin_user).get(f"/api/v1/reports/assessment/?unit={tree['C'].pk}&period={period}")
    assert response.status_code == 400
    assert "period" in response.json()
    page = Client()
    page.force_login(admin_user)
    assert page.get(f"/reports/assessment/?unit={tree['C'].pk}&period={period}").status_code == 400


def test_the_earliest_year_answers_empty(admin_user, tree, world):
    figures = report(client_for(admin_user), f"unit={tree['C'].pk}&period=1900")
    assert figures["events-per-station"]["numerator"] == "0"
    assert figures["registered-volunteers"]["numerator"] == "0"


def test_drilldowns_list_exactly_the_records_counted(admin_user, tree, world):
    result = Assessment(admin_user, tree["C"], parse_period("2026-10"))
    figures = {figure.key: figure for figure in result.compute()}
    events = list(table(result, "documented-events").rows)
    assert {event.title for event in events} == {"清洁", "宣讲", "演出"}
    assert len(events) == figures["documented-events"].denominator
    assert sum(event.documented for event in events) == figures["documented-events"].numerator
    overdue = list(table(result, "overdue-records").rows)
    assert [record.volunteer.real_name for record in overdue] == ["刘一"]
    assert len(list(table(result, "orders-answered").rows)) == figures["orders-answered"].denominator
    bookings = list(table(result, "venue-hours").rows)
    assert [booking.purpose for booking in bookings] == ["读书会"]
    party = list(table(result, "party-members-registered").rows)
    assert len(party) == figures["party-members-registered"].numerator == 1


def test_the_pages_show_the_table_and_a_drilldown_with_masked_names(admin_user, tree, world):
    client = Client()
    client.force_login(admin_user)
    page = client.get(f"/reports/assessment/?unit={tree['C'].pk}&period=2026-10")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/reports/assessment/overdue-records/" in html
    drill = client.get(f"/reports/assessment/overdue-records/?unit={tree['C'].pk}&period=2026-10")
    assert drill.status_code == 200
    text = drill.content.decode()
    assert "刘*" in text and "刘一" not in text
    assert client.get(f"/reports/assessment/no-such/?unit={tree['C'].pk}").status_code == 404


def test_the_pdf_names_the_unit(admin_user, tree, world):
    client = Client()
    client.force_login(admin_user)
    response = client.get(f"/reports/assessment/download/?unit={tree['C'].pk}&period=2026-10&format=pdf")
    assert response.status_code == 200
    body = response.content
    assert body.startswith(b"%PDF")
    pypdf = pytest.importorskip("pypdf")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(body)).pages)
    assert tree["C"].name in text


def test_the_workbook_has_the_rows_and_the_drilldowns(admin_user, tree, world):
    client = Client()
    client.force_login(admin_user)
    response = client.get(f"/reports/assessment/download/?unit={tree['C'].pk}&period=2026-10&format=xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    first = book.worksheets[0]
    rows = list(first.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(SPECS)
    assert rows[2][1:4] == ("33.3", "1", "3")
    assert len(book.worksheets) == len(SPECS) + 1
    assert client.get(f"/reports/assessment/download/?unit={tree['C'].pk}&format=doc").status_code == 400


def test_four_hundred_eligibility_shows_its_evidence(admin_user, tree, world, monkeypatch):
    client = Client()
    client.force_login(admin_user)
    page = client.get(f"/reports/assessment/eligibility/?unit={tree['C'].pk}&period=2026-10")
    assert page.status_code == 200
    assert "邻里守望" in page.content.decode()
    result = Assessment(admin_user, tree["C"], parse_period("2026-10"))
    listed = {(c.category, c.name): c for c in eligibility.candidates(result)}
    project = listed[("project", "邻里守望")]
    assert [criterion.value for criterion in project.criteria] == [4, 1, 2]
    assert not project.eligible  # 2 volunteers, 20 asked
    monkeypatch.setattr(eligibility, "MIN_VOLUNTEERS", 2)
    listed = {(c.category, c.name): c for c in eligibility.candidates(result)}
    assert listed[("project", "邻里守望")].eligible
    assert not listed[("project", "书香")].eligible  # no events, not 3 years
    assert not listed[("organisation", tree["S1"].name)].eligible  # created today
    response = client.get(f"/reports/assessment/eligibility/?unit={tree['C'].pk}&period=2026-10&format=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    names = [row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert "邻里守望" in names and tree["S1"].name in names


def test_every_drilldown_page_lists_its_rows(center_manager, tree, world):
    client = Client()
    client.force_login(center_manager)
    result = Assessment(center_manager, tree["C"], parse_period("2026-10"))
    result.compute()
    for spec in SPECS:
        response = client.get(f"/reports/assessment/{spec.key}/?unit={tree['C'].pk}&period=2026-10")
        assert response.status_code == 200, spec.key
        html = response.content.decode()
        listing = html[html.index('id="records"') : html.index("</table>", html.index('id="records"'))]
        rows = list(table(result, spec.key).rows)
        assert listing.count("<tr>") == 1 + max(len(rows), 1), spec.key  # the header, then a row each (or "none")
    units = client.get(f"/reports/assessment/registered-volunteers/?unit={tree['C'].pk}&period=2026-10")
    assert tree["I1"].name in units.content.decode()


def test_figures_add_up_to_the_dashboards_export(center_manager, tree, world):
    """The dashboard's drill-down CSV (its export) per institute sums to our figures for the center."""
    client = client_for(center_manager)
    ours = report(client, f"unit={tree['C'].pk}&period=2026-10")
    for key in ("documented-events", "registered-volunteers", "order-completion"):
        response = client.get(f"/api/v1/reports/dashboard/{key}/?unit={tree['C'].pk}&month=2026-10&format=csv")
        lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
        numerators = [int(line[3] or 0) for line in lines[1:]]
        assert str(sum(numerators)) == ours[key]["numerator"], key
