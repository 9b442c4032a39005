"""The assessment dashboard on a small world, October 2026, in the tree of tests/conftest.py.

| station (population) | volunteers | October events (documented)   | approved hours                       |
| -------------------- | ---------- | ----------------------------- | ------------------------------------ |
| S1 (10)              | li, liu    | clean-up (yes), lecture (no)  | li 3 + 3 in October, liu 1 in October |
| S2 (50)              | wang       | concert (no)                  | wang 2 in September                  |
| S3 (unknown)         | —          | —                             | —                                    |
| S4 (other center)    | zhao       | far away                      | zhao 4 in October                    |

The center C states its own population, 20.
"""

import csv
import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from events.models import ActivityPhoto, ActivityRecord, Event, EventStatus, Method, RecordStatus, ServiceRecord
from tests.conftest import client_for, make_volunteer

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(day: str, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour), tzinfo=SHANGHAI)


@pytest.fixture
def clock():
    with time_machine.travel(local("2026-10-22", 10), tick=False) as traveller:
        yield traveller


def make_event(unit, day: str, title: str = "活动") -> Event:
    return Event.objects.create(
        unit=unit,
        title=title,
        category="other",
        address="广场",
        starts_at=local(day),
        ends_at=local(day, 12),
        status=EventStatus.FINISHED,
        signup_required=False,
    )


def document(event: Event, photos: int = 3) -> None:
    record = ActivityRecord.objects.create(event=event, summary="清扫街巷，发放宣传册。", people_served=40)
    for n in range(photos):
        ActivityPhoto.objects.create(record=record, image=f"activity-photos/{n}.jpg", thumbnail=f"t/{n}.jpg")


def serve(volunteer, event: Event, hours: str, status: str = RecordStatus.APPROVED) -> ServiceRecord:
    return ServiceRecord.objects.create(
        event=event,
        volunteer=volunteer,
        checked_in_at=event.starts_at,
        checked_out_at=event.starts_at + datetime.timedelta(hours=float(hours)),
        method=Method.EVENT_QR,
        status=status,
        credited_hours=Decimal(hours),
    )


@pytest.fixture
def world(tree, clock, settings):
    settings.ANNUAL_HOURS_TARGET = 5
    for code, population in (("C", 20), ("S1", 10), ("S2", 50)):
        tree[code].population = population
        tree[code].save(update_fields=["population"])
    people = {
        "li": make_volunteer(tree["S1"], "李四"),
        "liu": make_volunteer(tree["S1"], "刘一"),
        "wang": make_volunteer(tree["S2"], "王五"),
        "zhao": make_volunteer(tree["S4"], "赵六"),
    }
    cleanup = make_event(tree["S1"], "2026-10-10", "清洁")
    document(cleanup)
    lecture = make_event(tree["S1"], "2026-10-12", "宣讲")
    document(lecture, photos=2)  # one photo short: not documented
    make_event(tree["S2"], "2026-10-15", "演出")
    september = make_event(tree["S2"], "2026-09-20", "九月")
    far = make_event(tree["S4"], "2026-10-11", "远方")
    serve(people["li"], cleanup, "3.00")
    serve(people["li"], lecture, "3.00")
    serve(people["liu"], cleanup, "1.00")
    serve(people["wang"], september, "2.00")
    serve(people["zhao"], far, "4.00")
    # Records made directly bypass the upkeep: rebuild as after a bulk load.
    call_command("rebuild_rollups", verbosity=0)
    return people


def indicators(client, query: str) -> dict:
    response = client.get(f"/api/v1/reports/dashboard/?{query}")
    assert response.status_code == 200, response.content
    return {item["key"]: item for item in response.json()["indicators"]}


def drilldown(client, key: str, query: str) -> dict:
    response = client.get(f"/api/v1/reports/dashboard/{key}/?{query}")
    assert response.status_code == 200, response.content
    return {row["name"]: row for row in response.json()["results"]}


def figures(item: dict) -> tuple:
    return item["value"], item["numerator"], item["denominator"], item["light"]


def test_the_centers_indicators_and_their_lights(admin_client_api, tree, world):
    board = indicators(admin_client_api, f"unit={tree['C'].pk}&month=2026-10")
    assert list(board) == [
        "active-stations",
        "documented-events",
        "registered-volunteers",
        "active-volunteers",
        "hours-per-volunteer",
        "volunteers-reaching-target",
        "overdue-records",
        "zero-hour-units",
        "overdue-orders",
        "order-completion",
        "order-satisfaction",
        "venue-use",
    ]
    # S3 held nothing: 2 of 3 stations, below the amber 80 %.
    assert figures(board["active-stations"]) == ("66.7", "2", "3", "red")
    # Only the clean-up has a summary and three photos.
    assert figures(board["documented-events"]) == ("33.3", "1", "3", "red")
    # The center states 20 residents: 3 registered are 15 %, above the 13 % bar.
    assert figures(board["registered-volunteers"]) == ("15.0", "3", "20", "green")
    # li, liu and wang served in the 12 months up to October; zhao is under another center.
    assert figures(board["active-volunteers"]) == ("100.0", "3", "3", "green")
    # 9 hours this year over 3 volunteers, against 10 h a year pro rata on 22 October (8.08).
    assert figures(board["hours-per-volunteer"]) == ("3.00", "9.00", "3", "red")
    # li's 6 hours reach the target of 5.
    assert figures(board["volunteers-reaching-target"]) == ("33.3", "1", "3", "green")
    assert figures(board["overdue-records"]) == ("0", "0", None, "green")
    # S2 (hours only in September) and S3 had no hours in October: shown, not left out.
    assert figures(board["zero-hour-units"]) == ("2", "2", "3", "red")


def test_a_station_is_active_from_the_set_number_of_events_and_only_while_switched_on(
    admin_client_api, tree, world, settings
):
    query = f"unit={tree['C'].pk}&month=2026-10"
    settings.ACTIVE_STATION_MIN_EVENTS = 2
    # Only S1 held two events in October.
    assert figures(indicators(admin_client_api, query)["active-stations"]) == ("33.3", "1", "3", "red")
    tree["S1"].is_active = False
    tree["S1"].save(update_fields=["is_active"])
    board = indicators(admin_client_api, query)
    assert figures(board["active-stations"]) == ("0.0", "0", "2", "red")
    assert board["documented-events"]["denominator"] == "3"  # its events still count as held


def test_an_approval_shows_at_once_without_a_rebuild(admin_client_api, tree, world, admin_user):
    from events.services import approve_record

    concert = Event.objects.get(title="演出")
    pending = serve(world["wang"], concert, "1.50", status=RecordStatus.PENDING)
    query = f"unit={tree['C'].pk}&month=2026-10"
    assert indicators(admin_client_api, query)["zero-hour-units"]["value"] == "2"
    approve_record(pending, by=admin_user)
    board = indicators(admin_client_api, query)
    assert figures(board["zero-hour-units"]) == ("1", "1", "3", "red")
    assert board["hours-per-volunteer"]["numerator"] == "10.50"


def test_drilldowns_list_zero_activity_and_zero_hour_units_flagged(admin_client_api, tree, world):
    query = f"unit={tree['C'].pk}&month=2026-10"
    institutes = drilldown(admin_client_api, "active-stations", query)
    assert set(institutes) == {"I1 单位", "I2 单位"}
    assert (institutes["I1 单位"]["value"], institutes["I1 单位"]["light"]) == ("100.0", "green")
    assert institutes["I2 单位"]["light"] == "red"
    assert institutes["I2 单位"]["zero_activity"] and institutes["I2 单位"]["zero_hours"]

    stations = drilldown(admin_client_api, "zero-hour-units", f"{query}&by=stations")
    assert [(name, row["hours"], row["zero_hours"]) for name, row in stations.items()] == [
        ("S1 单位", "7.00", False),
        ("S2 单位", "0.00", True),
        ("S3 单位", "0.00", True),
    ]
    assert stations["S2 单位"]["zero_activity"] is False and stations["S3 单位"]["zero_activity"] is True

    shares = drilldown(admin_client_api, "registered-volunteers", f"{query}&by=stations")
    assert figures(shares["S1 单位"]) == ("20.0", "2", "10", "green")
    assert figures(shares["S2 单位"]) == ("2.0", "1", "50", "red")
    # No population given: no share, and no light rather than a red one.
    assert figures(shares["S3 单位"]) == (None, "0", None, "none")


def test_drilldown_sorts_by_value_with_missing_values_last(admin_client_api, tree, world):
    response = admin_client_api.get(
        f"/api/v1/reports/dashboard/registered-volunteers/?unit={tree['C'].pk}&month=2026-10&by=stations&ordering=-value"
    )
    assert [row["name"] for row in response.json()["results"]] == ["S1 单位", "S2 单位", "S3 单位"]
    response = admin_client_api.get(
        f"/api/v1/reports/dashboard/registered-volunteers/?unit={tree['C'].pk}&month=2026-10&by=stations"
        "&ordering=value&page_size=1"
    )
    body = response.json()
    assert body["count"] == 3 and [row["name"] for row in body["results"]] == ["S2 单位"]


def test_drilldown_as_csv_opens_in_excel(admin_client_api, tree, world):
    response = admin_client_api.get(
        f"/api/v1/reports/dashboard/active-stations/?unit={tree['I1'].pk}&month=2026-10&format=csv"
    )
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode()
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    assert [row[0] for row in rows[1:]] == ["S1 单位", "S2 单位"]


def test_drilldown_as_xlsx_names_each_unit_and_its_level(admin_client_api, tree, world):
    from openpyxl import load_workbook

    response = admin_client_api.get(
        f"/api/v1/reports/dashboard/documented-events/?unit={tree['I1'].pk}&month=2026-10&by=stations&format=xlsx"
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[1]) for row in rows] == [("S1 单位", "实践站"), ("S2 单位", "实践站")]


def test_a_station_that_held_nothing_is_red_on_its_own_dashboard(tree, world, django_user_model):
    from tests.conftest import make_manager

    manager = make_manager(django_user_model, tree["S3"], "三站站长")
    board = indicators(client_for(manager), "month=2026-10")
    assert figures(board["active-stations"]) == ("0.0", "0", "1", "red")
    assert board["documented-events"]["light"] == "none"
    rows = drilldown(client_for(manager), "active-stations", "month=2026-10")
    assert list(rows) == ["S3 单位"] and rows["S3 单位"]["zero_activity"]


def test_a_station_manager_sees_their_station_only(station_manager_client, tree, world):
    response = station_manager_client.get("/api/v1/reports/dashboard/?month=2026-10")
    assert response.json()["unit"]["id"] == tree["S1"].pk
    board = {item["key"]: item for item in response.json()["indicators"]}
    assert figures(board["registered-volunteers"]) == ("20.0", "2", "10", "green")
    assert board["hours-per-volunteer"]["numerator"] == "7.00"
    for url in (
        f"/api/v1/reports/dashboard/?unit={tree['S2'].pk}",
        f"/api/v1/reports/dashboard/active-stations/?unit={tree['S2'].pk}",
        f"/api/v1/reports/dashboard/?unit={tree['I1'].pk}",
    ):
        assert station_manager_client.get(url).status_code == 404
    assert list(drilldown(station_manager_client, "zero-hour-units", "by=stations&month=2026-10")) == ["S1 单位"]


def test_a_manager_of_two_separate_units_sees_both_as_rows(tree, world, django_user_model):
    from stations.models import UnitManager
    from tests.conftest import make_manager

    manager = make_manager(django_user_model, tree["S2"], "兼任站长")
    UnitManager.objects.create(user=manager, unit=tree["S3"])
    client = client_for(manager)
    response = client.get("/api/v1/reports/dashboard/?month=2026-10")
    assert response.json()["unit"] is None
    board = {item["key"]: item for item in response.json()["indicators"]}
    assert figures(board["active-stations"]) == ("50.0", "1", "2", "red")
    assert figures(board["zero-hour-units"]) == ("2", "2", "2", "red")
    assert list(drilldown(client, "active-stations", "month=2026-10")) == ["S2 单位", "S3 单位"]


def test_queries_do_not_grow_with_units_events_or_volunteers(center_manager, tree, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from stations.models import Level
    from tests.conftest import make_unit

    def queries() -> int:
        client = client_for(type(center_manager).objects.get(pk=center_manager.pk))
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/reports/dashboard/?month=2026-10").status_code == 200
        return len(captured)

    before = queries()
    for n in range(5):
        station = make_unit(f"N{n}", Level.STATION, tree["I2"])
        make_event(station, "2026-10-05")
        make_volunteer(station, "新人")
    assert queries() == before


def test_volunteers_and_strangers_are_refused(volunteer_client, anon_client, world):
    assert volunteer_client.get("/api/v1/reports/dashboard/").status_code == 403
    assert anon_client.get("/api/v1/reports/dashboard/").status_code == 401
    assert anon_client.get("/api/v1/reports/dashboard/active-stations/").status_code == 401


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("month=2026-13", "month"),
        ("month=2026-1", "month"),
        ("month=october", "month"),
        ("month=2026-11", "month"),  # after the current month
        ("month=0001-01", "month"),
        ("unit=abc", "unit"),
        ("unit=0", "unit"),
        ("unit=99999999999999", "unit"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(center_manager_client, world, query, field):
    response = center_manager_client.get(f"/api/v1/reports/dashboard/?{query}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert field in response.json()
    drill = center_manager_client.get(f"/api/v1/reports/dashboard/active-stations/?{query}&ordering=size")
    assert drill.status_code == 400 and {field, "ordering"} <= set(drill.json())


def test_bad_unit_is_answered_in_chinese(center_manager_client, world):
    response = center_manager_client.get("/api/v1/reports/dashboard/?unit=abc", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.json()["unit"] == ["请填写合法的整数值。"]


def test_an_unknown_indicator_is_not_found(center_manager_client, world):
    assert center_manager_client.get("/api/v1/reports/dashboard/happiness/").status_code == 404


def test_records_wait_ten_working_days_not_counting_national_day(tree, django_user_model, settings):
    """An activity ending Tuesday 29 September 2026: 1-7 October are holidays, so ten working days
    run out on Monday 19 October, not on Tuesday 13 October as plain weekdays would have it."""
    from tests.conftest import make_manager

    manager = make_manager(django_user_model, tree["I1"], "所站长")
    with time_machine.travel(local("2026-09-29", 8), tick=False) as traveller:
        volunteer = make_volunteer(tree["S1"], "李四")
        event = Event.objects.create(
            unit=tree["S1"],
            title="国庆前",
            category="other",
            address="广场",
            starts_at=local("2026-09-29", 9),
            ends_at=local("2026-09-29", 18),
            status=EventStatus.FINISHED,
            signup_required=False,
        )
        serve(volunteer, event, "8.00", status=RecordStatus.PENDING)
        client = client_for(manager)
        for day, overdue, light in [
            ("2026-10-14", "0", "green"),
            ("2026-10-19", "0", "green"),
            ("2026-10-20", "1", "amber"),
        ]:
            traveller.move_to(local(day, 12))
            board = indicators(client, "month=2026-10")
            assert (board["overdue-records"]["value"], board["overdue-records"]["light"]) == (overdue, light), day
        # The record is counted at the organising station.
        rows = drilldown(client, "overdue-records", "month=2026-10")
        assert (rows["S1 单位"]["value"], rows["S2 单位"]["value"]) == ("1", "0")
        # September, judged at its last day, had nothing overdue yet.
        assert indicators(client, "month=2026-09")["overdue-records"]["value"] == "0"


def test_the_admin_page_shows_cards_chart_and_flags(tree, world, station_manager, admin_user):
    client = Client()
    client.force_login(admin_user)
    response = client.get(f"/admin/dashboard/?unit={tree['C'].pk}&month=2026-10&indicator=zero-hour-units&by=stations")
    assert response.status_code == 200
    page = response.content.decode()
    chart = page[page.index('<svg class="dash-chart"') :]
    chart = chart[: chart.index("</svg>")]
    assert "S3 单位" in chart and "S4 单位" not in chart
    # One bar per station, all of the same thickness, a zero drawn as a stub.
    assert chart.count('class="bar"') == 3
    assert chart.count('height="16"') == 3

    client.force_login(station_manager)
    response = client.get("/admin/dashboard/?month=2026-10")
    assert response.status_code == 200
    page = response.content.decode()
    assert "S1 单位" in page and "S2 单位" not in page
    assert f'<option value="{tree["S1"].pk}" selected>' in page
    assert client.get(f"/admin/dashboard/?unit={tree['S2'].pk}").status_code == 404
    bad = client.get("/admin/dashboard/?month=2026-99")
    assert bad.status_code == 400 and 'class="errorlist"' in bad.content.decode()


def test_the_admin_page_is_for_managers(client, world):
    volunteer = world["li"].user
    client.force_login(volunteer)
    response = client.get("/admin/dashboard/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_center_manager_sees_an_institute_as_its_row_on_the_centers_dashboard(center_manager, tree, world):
    # Below their own unit the reach is still the events inside the center, as on the center's rows:
    # wang's hours at the center's own event count for the institute too.
    serve(world["wang"], make_event(tree["C"], "2026-10-05", "中心活动"), "2.00")
    call_command("rebuild_rollups", verbosity=0)
    client = client_for(center_manager)
    institute = indicators(client, f"unit={tree['I1'].pk}&month=2026-10")
    rows = drilldown(client, "hours-per-volunteer", "month=2026-10")
    assert institute["hours-per-volunteer"]["numerator"] == rows["I1 单位"]["numerator"] != "0.00"
    rows = drilldown(client, "active-volunteers", "month=2026-10")
    assert figures(institute["active-volunteers"])[:3] == (
        rows["I1 单位"]["value"],
        rows["I1 单位"]["numerator"],
        rows["I1 单位"]["denominator"],
    )
