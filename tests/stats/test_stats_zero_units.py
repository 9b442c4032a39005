"""Units with no approved hours are shown with 0, not left out, in every format and on the page."""

import io
from decimal import Decimal

import openpyxl
import pytest

from stations.models import Level
from tests.conftest import make_unit, make_volunteer
from tests.stats.test_stats_files import body, csv_rows
from tests.stats.test_stats_hours_api import by, rows
from volunteers.models import Team


@pytest.fixture
def idle(tree, hours):
    """Beside the known hours: a station and an institute with nobody serving, a volunteer and a team idle."""
    s5 = make_unit("S5", Level.STATION, tree["I2"])
    i4 = make_unit("I4", Level.INSTITUTE, tree["C"])
    s6 = make_unit("S6", Level.STATION, i4)
    resting = make_volunteer(tree["S1"], "闲人")
    busy = Team.objects.create(name="一队", unit=tree["S1"])
    busy.members.set([hours["li"]])
    quiet = Team.objects.create(name="静队", unit=tree["S1"])
    quiet.members.set([resting])
    Team.objects.create(name="空队", unit=tree["C"])
    return {"S5": s5, "I4": i4, "S6": s6}


ZERO = (Decimal("0"), 0)


def test_idle_stations_institutes_and_teams_have_a_zero_row(admin_client_api, idle):
    stations = by(rows(admin_client_api, "group_by=station"), "station")
    assert stations["S5 单位"] == stations["S6 单位"] == ZERO
    assert stations["S1 单位"] == (Decimal("6.00"), 3)
    institutes = by(rows(admin_client_api, "group_by=institute"), "institute")
    assert institutes["I4 单位"] == ZERO and institutes["I2 单位"] == (Decimal("4.00"), 1)
    assert by(rows(admin_client_api, "group_by=team"), "team") == {
        "一队": (Decimal("6.00"), 3),
        "静队": ZERO,
        "空队": ZERO,
    }


def test_an_idle_unit_has_one_empty_row_beside_a_second_key_and_a_busy_one_none(admin_client_api, idle):
    result = [(r["station"], r["month"], r["hours"]) for r in rows(admin_client_api, "group_by=station,month")]
    assert ("S5 单位", None, "0.00") in result
    # S1 has an idle volunteer too, which must not add an empty row to its months.
    assert [row for row in result if row[0] == "S1 单位"] == [
        ("S1 单位", "2026-03", "2.00"),
        ("S1 单位", "2026-04", "4.00"),
    ]
    categories = rows(admin_client_api, "group_by=institute,category")
    assert [(r["category"], r["hours"]) for r in categories if r["institute"] == "I4 单位"] == [(None, "0.00")]


def test_only_idle_units_in_the_callers_scope_appear(center_manager_client, station_manager_client, idle):
    stations = by(rows(center_manager_client, "group_by=station"), "station")
    assert stations.keys() == {"S1 单位", "S2 单位", "S3 单位", "S5 单位", "S6 单位"}
    assert by(rows(station_manager_client, "group_by=team"), "team") == {"一队": (Decimal("2.00"), 1), "静队": ZERO}


def test_files_carry_the_zero_rows(admin_client_api, idle):
    _header, *lines = csv_rows(admin_client_api.get("/api/v1/stats/hours/?group_by=station&format=csv"))
    assert ["S5 单位", "I2 单位", "0.00", "0"] in lines
    response = admin_client_api.get("/api/v1/stats/hours/?group_by=institute&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(body(response))).active
    assert ("I4 单位", "C 单位", 0, 0) in list(sheet.iter_rows(min_row=2, values_only=True))


def test_the_page_charts_idle_units_with_a_round_scale_and_value_labels(client, center_manager, idle):
    client.force_login(center_manager)
    page = client.get(f"/admin/statistics/?unit={idle['I4'].pk}&date_from=2026-01-01&date_to=2026-12-31")
    html = page.content.decode()
    assert page.status_code == 200 and "S6 单位" in html
    assert page.context["child_chart"]["bars"][0]["value"] == 0


def test_one_or_two_bars_stay_narrow_on_a_round_scale():
    from reports.statistics.views import CHART_WIDTH, bar_chart

    chart = bar_chart([("S1 单位", Decimal("6.00"))])
    [bar] = chart["bars"]
    assert bar["width"] < CHART_WIDTH / 10
    assert [line["value"] for line in chart["grid"]] == [0, 2, 4, 6, 8]
    small = bar_chart([("2026-03", Decimal("0.50")), ("2026-04", Decimal("0"))])
    assert [line["value"] for line in small["grid"]] == [
        0,
        Decimal("0.2"),
        Decimal("0.4"),
        Decimal("0.6"),
        Decimal("0.8"),
    ]
    assert small["bars"][1]["height"] == 0
