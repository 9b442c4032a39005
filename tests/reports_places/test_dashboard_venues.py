"""The dashboard's venue-use indicator: venues used in the month, booked hours, a drill-down that flags
units without venue use, and a query count that does not grow with venues or bookings.

Dates are fixed in November 2026; the ``places`` fixture freezes the clock at 5 December 2026.
"""

import csv
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from stations.models import Level
from tests.conftest import client_for, make_unit
from tests.reports_places.conftest import book, local, make_event
from tests.venues.conftest import make_venue

NOVEMBER = "month=2026-11"


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


def indicator(client, query: str) -> dict:
    response = client.get(f"/api/v1/reports/dashboard/?{query}")
    assert response.status_code == 200, response.content
    return next(item for item in response.json()["indicators"] if item["key"] == "venue-use")


def drilldown(client, query: str) -> dict:
    response = client.get(f"/api/v1/reports/dashboard/venue-use/?{query}")
    assert response.status_code == 200, response.content
    return {row["name"]: row for row in response.json()["results"]}


def figures(item: dict) -> tuple:
    return item["value"], item["numerator"], item["denominator"], item["light"]


def test_the_centers_venue_use_counts_venues_used_and_booked_hours(admin_client_api, tree, places):
    item = indicator(admin_client_api, f"unit={tree['C'].pk}&{NOVEMBER}")
    # Hall and reading room used, the court not: 2 of 3, amber from 50 % to green at 80 %.
    assert figures(item) == ("66.7", "2", "3", "amber")
    # 1.5 + 2 + 1 hours at the hall and 2 at the reading room; the other center's booking is not here.
    assert item["venues"] == {"venues": 3, "used": 2, "bookings": 4, "hours": "6.50", "unused": False}


def test_the_drilldown_flags_units_without_venue_use(admin_client_api, tree, places):
    institutes = drilldown(admin_client_api, f"unit={tree['C'].pk}&{NOVEMBER}")
    assert list(institutes) == ["I1 单位", "I2 单位"]
    assert figures(institutes["I1 单位"]) == ("66.7", "2", "3", "amber")
    # I2 lists no venue: no share, no light, and flagged as without venue use.
    assert figures(institutes["I2 单位"]) == (None, "0", "0", "none")
    assert institutes["I2 单位"]["venues"]["unused"] is True
    assert institutes["I1 单位"]["venues"]["unused"] is False

    stations = drilldown(admin_client_api, f"unit={tree['C'].pk}&{NOVEMBER}&by=stations")
    assert {
        name: (row["value"], row["venues"]["hours"], row["venues"]["unused"]) for name, row in stations.items()
    } == {
        "S1 单位": ("50.0", "4.50", False),
        "S2 单位": ("100.0", "2.00", False),
        "S3 单位": (None, "0.00", True),
    }


def test_an_event_held_at_a_venue_uses_it_without_a_booking(admin_client_api, tree, places):
    make_event(tree["S1"], "2026-11-25", "球场友谊赛", venue=places["venues"]["court"])
    item = indicator(admin_client_api, f"unit={tree['C'].pk}&{NOVEMBER}")
    assert figures(item) == ("100.0", "3", "3", "green")
    assert item["venues"]["bookings"] == 4  # booked hours stay those of bookings


def test_pending_refused_and_cancelled_bookings_are_no_use_and_a_switched_off_venue_is_not_counted(
    admin_client_api, tree, places
):
    room = places["venues"]["room"]
    room.bookings.update(status="cancelled")
    book(places["venues"]["court"], places["resident"], local("2026-11-26"), 1, status="pending")
    item = indicator(admin_client_api, f"unit={tree['I1'].pk}&{NOVEMBER}")
    assert figures(item) == ("33.3", "1", "3", "red")
    room.is_active = False
    room.save(update_fields=["is_active"])
    item = indicator(admin_client_api, f"unit={tree['I1'].pk}&{NOVEMBER}")
    assert figures(item)[1:3] == ("1", "2")


def test_a_month_is_counted_from_its_first_shanghai_midnight(admin_client_api, tree, places):
    # October holds only the booking at 23:00 on 31 October; December (so far) the one at 00:00 on 1 December.
    october = indicator(admin_client_api, f"unit={tree['S1'].pk}&month=2026-10")
    december = indicator(admin_client_api, f"unit={tree['S1'].pk}&month=2026-12")
    assert (october["venues"]["bookings"], october["venues"]["hours"]) == (1, "0.50")
    assert (december["venues"]["bookings"], december["venues"]["hours"]) == (1, "1.00")


def test_the_threshold_comes_from_the_settings_when_they_name_it(admin_client_api, tree, places, settings):
    settings.DASHBOARD_THRESHOLDS = {**settings.DASHBOARD_THRESHOLDS, "venue_use": {"green": 60, "amber": 30}}
    assert indicator(admin_client_api, f"unit={tree['C'].pk}&{NOVEMBER}")["light"] == "green"


def test_the_drilldown_as_csv_has_the_venue_columns(admin_client_api, tree, places):
    response = admin_client_api.get(f"/api/v1/reports/dashboard/venue-use/?unit={tree['C'].pk}&{NOVEMBER}&format=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows[0]) == 15
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["I1 单位"][10:14] == ["3", "2", "4", "6.50"]
    assert by_name["I2 单位"][10:13] == ["0", "0", "0"]
    assert (by_name["I1 单位"][14], by_name["I2 单位"][14]) == (zh("No"), zh("Yes"))


@pytest.mark.parametrize("rows_by", ["", "&by=stations"])
def test_queries_do_not_grow_with_venues_bookings_or_units(center_manager, tree, places, rows_by):
    def queries() -> tuple[int, int]:
        client = client_for(type(center_manager).objects.get(pk=center_manager.pk))
        with CaptureQueriesContext(connection) as board:
            assert client.get(f"/api/v1/reports/dashboard/?{NOVEMBER}").status_code == 200
        with CaptureQueriesContext(connection) as rows:
            assert client.get(f"/api/v1/reports/dashboard/venue-use/?{NOVEMBER}{rows_by}").status_code == 200
        return len(board), len(rows)

    small = queries()
    for n in range(4):
        station = make_unit(f"N{n}", Level.STATION, tree["I2"])
        for m in range(3):
            venue = make_venue(station, name=f"新阵地{m}")
            book(venue, places["resident"], local(f"2026-11-{m + 2:02d}", 10), 1)
            make_event(station, f"2026-11-{m + 10:02d}", "活动", venue=venue)
    big = queries()
    assert big == small
    assert indicator(client_for(center_manager), NOVEMBER)["venues"]["venues"] == 3 + 12


def test_the_admin_page_shows_the_venue_card_and_flags_units_without_use(tree, places, admin_user):
    client = Client()
    client.force_login(admin_user)
    response = client.get(f"/admin/dashboard/?unit={tree['C'].pk}&{NOVEMBER}&indicator=venue-use&by=stations")
    assert response.status_code == 200
    page = response.content.decode()
    table = page[page.index('<table class="dash-table">') :]
    table = table[: table.index("</table>")]
    s3 = table[table.index("S3 单位") :]
    s3 = s3[: s3.index("</tr>")]
    s1 = table[table.index("S1 单位") :]
    s1 = s1[: s1.index("</tr>")]
    flag = zh("no venue use")
    assert flag in s3 and flag not in s1
    # The card: 2 of the center's 3 venues used.
    assert zh("Venues in use") in page
    assert zh("%(used)s of %(venues)s venues used") % {"used": 2, "venues": 3} in page
