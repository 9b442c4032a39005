"""Review fixes of the self-assessment: one threshold setting for it and the dashboard, period strings
in ASCII digits only, drill-down rows without a query each, user text in the workbook never a formula.

The clock is frozen at 2026-10-22 10:00 Asia/Shanghai (fixture ``clock`` of conftest.py, used by ``world``).
"""

import io

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from events.models import Event, Project
from reports.assessment.drilldown import table
from reports.assessment.indicators import SHARED_THRESHOLDS, SPECS, Assessment, parse_period
from tests.assessment.conftest import local
from tests.conftest import client_for
from venues.models import Booking, BookingStatus, Venue


def lights(client, path: str) -> dict:
    response = client.get(path)
    assert response.status_code == 200, response.content
    return {item["key"]: item for item in response.json()["indicators"]}


def test_one_dashboard_setting_moves_both_lights(center_manager, tree, world, settings):
    """Bounds chosen so that the assessment's own numbers (or a judgement not pro rata) would differ."""
    settings.DASHBOARD_THRESHOLDS = {
        **settings.DASHBOARD_THRESHOLDS,
        "documented_events": {"green": 30, "amber": 20},  # 33.3 % documented: green, red on the old 90 / 60
        # 33.3 % reaching the target on 22 October: green only when judged pro rata to the day (41 × 295/365 = 33.1).
        "volunteers_reaching_target": {"green": 41, "amber": 10},
        "venue_use": {"green": 50, "amber": 20},  # 1 of 2 venues used
        "overdue_orders": {"green": 1, "amber": 2},  # 1 overdue order
    }
    client = client_for(center_manager)
    ours = lights(client, f"/api/v1/reports/assessment/?unit={tree['C'].pk}&period=2026-10")
    board = lights(client, f"/api/v1/reports/dashboard/?unit={tree['C'].pk}&month=2026-10")
    assert ours["documented-events"]["light"] == board["documented-events"]["light"] == "green"
    assert ours["volunteers-reaching-target"]["light"] == board["volunteers-reaching-target"]["light"] == "green"
    assert ours["overdue-orders"]["light"] == board["overdue-orders"]["light"] == "green"
    assert ours["venues-open"]["light"] == board["venue-use"]["light"] == "green"
    for spec in SPECS:
        if spec.dashboard:
            assert ours[spec.key]["light"] == board[spec.dashboard]["light"], spec.key


def test_every_shared_target_reads_the_dashboard_setting(admin_user, tree, world, settings):
    settings.DASHBOARD_THRESHOLDS = {
        name: {"green": 24, "amber": 12} for name in {name for name, _divisor in SHARED_THRESHOLDS.values()}
    }
    result = Assessment(admin_user, tree["C"], parse_period("2026-10"))
    figures = {figure.key: figure for figure in result.compute()}
    for key, (_name, divisor) in SHARED_THRESHOLDS.items():
        expected = {1: "24", 12: "2"}[divisor]  # hours a year: 24 / 12 a month
        if key == "volunteers-reaching-target":
            expected = "19.4"  # pro rata to 22 October: 24 × 295 / 365
        assert figures[key].target.split(" ")[1] == expected, key


def test_assessment_targets_still_override(admin_user, tree, world, settings):
    settings.ASSESSMENT_TARGETS = {"documented-events": {"green": 20, "amber": 10}}
    result = Assessment(admin_user, tree["C"], parse_period("2026-10"))
    figures = {figure.key: figure for figure in result.compute()}
    assert (figures["documented-events"].target, figures["documented-events"].light) == ("≥ 20", "green")


@pytest.mark.parametrize("period", ["２０２６", "٢٠٢٦-١٠", "2026-１０", "0000", "2026-00", "2026-Q0", "2026" * 500])
def test_periods_in_other_digits_or_out_of_range_answer_400(admin_user, tree, world, period):
    response = client_for(admin_user).get("/api/v1/reports/assessment/", {"unit": tree["C"].pk, "period": period})
    assert response.status_code == 400
    assert "period" in response.json()
    page = Client()
    page.force_login(admin_user)
    for path in ("/reports/assessment/", "/reports/assessment/venue-hours/", "/reports/assessment/download/"):
        assert page.get(path, {"unit": tree["C"].pk, "period": period}).status_code == 400, path


def test_a_station_manager_cannot_read_its_institute(station_manager, tree, world):
    page = Client()
    page.force_login(station_manager)
    query = {"unit": tree["I1"].pk, "period": "2026-10"}
    assert client_for(station_manager).get("/api/v1/reports/assessment/", query).status_code == 404
    for path in (
        "/reports/assessment/",
        "/reports/assessment/venue-hours/",
        "/reports/assessment/eligibility/",
        "/reports/assessment/download/",
    ):
        assert page.get(path, query).status_code == 404, path


def test_booking_rows_need_no_query_each(admin_user, tree, world):
    room = Venue.objects.get(name="东门农家书屋")
    booker = Booking.objects.filter(venue=room).first().booker
    for day in range(1, 9):
        Booking.objects.create(
            venue=room,
            booker=booker,
            purpose=f"第{day}次",
            starts_at=local(f"2026-10-{day:02d}", 14),
            ends_at=local(f"2026-10-{day:02d}", 15),
            status=BookingStatus.APPROVED,
        )
    result = Assessment(admin_user, tree["C"], parse_period("2026-10"))
    figure = {figure.key: figure for figure in result.compute()}["venue-hours"]
    drill = table(result, "venue-hours")
    rows = list(drill.rows)
    with CaptureQueriesContext(connection) as queries:
        cells = [drill.cells(row) for row in rows]
    assert len(queries) == 0
    assert sum(line[4] for line in cells) == figure.numerator


def test_user_text_in_the_workbook_is_never_a_formula(admin_user, tree, world):
    Venue.objects.filter(name="东门农家书屋").update(name='=HYPERLINK("http://x","书屋")')
    Booking.objects.filter(purpose="读书会").update(purpose="+cmd|' /C calc'!A0")
    Event.objects.filter(title="清洁").update(title="@SUM(1+1)")
    Project.objects.filter(name="邻里守望").update(name="-2+3")
    client = Client()
    client.force_login(admin_user)
    texts = []
    for path, extra in (
        ("/reports/assessment/download/", "format=xlsx"),
        ("/reports/assessment/eligibility/", "format=xlsx"),
    ):
        response = client.get(f"{path}?unit={tree['C'].pk}&period=2026-10&{extra}")
        assert response.status_code == 200
        book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        texts += [value for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for value in row]
    strings = [value for value in texts if isinstance(value, str)]
    assert not [value for value in strings if value[:1] in "=+-@"]
    for shown in ("'=HYPERLINK", "'+cmd", "'@SUM", "'-2+3"):
        assert any(value.startswith(shown) for value in strings), shown


def test_venue_figures_equal_the_dashboard_and_the_ledger_at_a_months_end(center_manager, tree, world):
    """A booking from 30 September 22:00 to 1 October 02:00 belongs, whole, to September (as the dashboard and
    the ledger count it); a venue of a station switched off no longer counts."""
    room = Venue.objects.get(name="东门农家书屋")
    booker = Booking.objects.filter(venue=room).first().booker
    Booking.objects.create(
        venue=room,
        booker=booker,
        purpose="跨月",
        starts_at=local("2026-09-30", 22),
        ends_at=local("2026-10-01", 2),
        status=BookingStatus.APPROVED,
    )
    closed = tree["S3"]
    Venue.objects.create(unit=closed, name="关停站的活动室", kind="hall", capacity=10)
    closed.is_active = False
    closed.save(update_fields=["is_active"])
    client = client_for(center_manager)
    for month, hours in (("2026-10", "2.00"), ("2026-09", "4.00")):
        ours = lights(client, f"/api/v1/reports/assessment/?unit={tree['C'].pk}&period={month}")
        board = lights(client, f"/api/v1/reports/dashboard/?unit={tree['C'].pk}&month={month}")
        mine, theirs = ours["venues-open"], board["venue-use"]
        assert (mine["value"], mine["numerator"], mine["denominator"], mine["light"]) == (
            theirs["value"],
            theirs["numerator"],
            theirs["denominator"],
            theirs["light"],
        ), month
        assert mine["denominator"] == "2"  # the reading room and the hall, not the closed station's room
        assert ours["venue-hours"]["numerator"] == hours, month
    september = Assessment(center_manager, tree["C"], parse_period("2026-09"))
    september.compute()
    assert [booking.purpose for booking in table(september, "venue-hours").rows] == ["跨月"]


@pytest.mark.parametrize("period", ["2026-10", "2026-09", "2026-Q3", "2026-Q4", "2026"])
@pytest.mark.parametrize("code", ["C", "I1", "S1"])
def test_unit_rows_equal_each_units_own_rollup_reading(center_manager, tree, world, period, code):
    """The units drill-down reads every child unit in two statements; each row equals that unit read alone."""
    from decimal import Decimal

    from reports.rollups import reading

    result = Assessment(center_manager, tree[code], parse_period(period))
    with CaptureQueriesContext(connection) as queries:
        rows = list(table(result, "registered-volunteers").rows)
    assert len(queries) <= 3  # the child units, then the rollups (twice)
    assert rows
    for row in rows:
        unit = row["unit"]
        reach = reading.Reach(unit, result.reach.events_in)
        hours = reading.totals(reach, result.period.start, result.period.last_month).hours or 0
        assert row["registered"] == reading.registered(unit, until_year=result.period.last_month.year).volunteers
        assert row["active"] == (reading.volunteer_counts(reach, since=result.active_since()).active or 0)
        assert row["hours"] == Decimal(str(hours)).quantize(Decimal("0.01")), (unit.name, period)
    if code == "C" and period == "2026-10":
        assert sum(row["hours"] for row in rows) == Decimal("7.00")
        assert sum(row["registered"] for row in rows) == 3


def test_stations_every_month_follows_the_dashboards_active_station(center_manager, tree, world, settings):
    """With two events asked of a station a month, only S1 (the clean-up and the lecture) counts, here and there."""
    settings.ACTIVE_STATION_MIN_EVENTS = 2
    client = client_for(center_manager)
    ours = lights(client, f"/api/v1/reports/assessment/?unit={tree['C'].pk}&period=2026-10")
    board = lights(client, f"/api/v1/reports/dashboard/?unit={tree['C'].pk}&month=2026-10")
    mine, theirs = ours["stations-every-month"], board["active-stations"]
    assert (mine["value"], mine["numerator"], mine["denominator"]) == ("33.3", "1", "3")
    assert (mine["value"], mine["numerator"], mine["denominator"], mine["light"]) == (
        theirs["value"],
        theirs["numerator"],
        theirs["denominator"],
        theirs["light"],
    )
