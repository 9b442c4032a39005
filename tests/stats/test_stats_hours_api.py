from decimal import Decimal

import pytest

from tests.conftest import client_for
from tests.stats.conftest import local, record


def rows(client, query: str) -> list[dict]:
    response = client.get(f"/api/v1/stats/hours/?page_size=200&{query}")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def by(rows: list[dict], key: str) -> dict:
    return {row[key]: (Decimal(row["hours"]), row["records"]) for row in rows}


def test_hours_by_station_follow_the_home_station(admin_client_api, hours):
    assert by(rows(admin_client_api, "group_by=station"), "station") == {
        "S1 单位": (Decimal("6.00"), 3),
        "S2 单位": (Decimal("1.50"), 1),
        "S3 单位": (Decimal("4.00"), 1),
        "S4 单位": (Decimal("5.00"), 1),
    }


def test_hours_by_institute_center_category_and_month(admin_client_api, hours):
    assert by(rows(admin_client_api, "group_by=institute"), "institute") == {
        "I1 单位": (Decimal("7.50"), 4),
        "I2 单位": (Decimal("4.00"), 1),
        "I3 单位": (Decimal("5.00"), 1),
    }
    assert by(rows(admin_client_api, "group_by=center"), "center") == {
        "C 单位": (Decimal("11.50"), 5),
        "C2 单位": (Decimal("5.00"), 1),
    }
    assert by(rows(admin_client_api, "group_by=category"), "category") == {
        "environment": (Decimal("8.50"), 3),
        "culture": (Decimal("3.00"), 1),
        "theory": (Decimal("5.00"), 2),
    }
    assert by(rows(admin_client_api, "group_by=month"), "month") == {
        "2026-03": (Decimal("3.50"), 2),
        "2026-04": (Decimal("13.00"), 4),
    }


def test_volunteer_rows_carry_number_masked_id_station_and_star_level(admin_client_api, hours, settings):
    settings.STAR_THRESHOLDS_HOURS = [5, 10, 20, 40, 80]
    li = hours["li"]
    [row] = [row for row in rows(admin_client_api, "group_by=volunteer") if row["volunteer_id"] == li.pk]
    assert row == {
        "volunteer_id": li.pk,
        "volunteer_number": li.number,
        "volunteer_name": "李四",
        "id_number": li.id_number[:6] + "********" + li.id_number[14:],
        "home_station": "S1 单位",
        "hours": "6.00",
        "records": 3,
        "star_level": 1,
    }


def test_star_level_counts_lifetime_hours_whatever_the_period(admin_client_api, hours, settings):
    settings.STAR_THRESHOLDS_HOURS = [5, 10, 20, 40, 80]
    [row] = rows(
        admin_client_api,
        f"group_by=volunteer&date_from=2026-03-01&date_to=2026-03-31&unit={hours['li'].home_station_id}",
    )
    assert (row["hours"], row["records"], row["star_level"]) == ("2.00", 1, 1)


def test_two_keys_station_and_month(admin_client_api, hours):
    result = {(r["station"], r["month"]): r["hours"] for r in rows(admin_client_api, "group_by=station,month")}
    assert result == {
        ("S1 单位", "2026-03"): "2.00",
        ("S1 单位", "2026-04"): "4.00",
        ("S2 单位", "2026-03"): "1.50",
        ("S3 单位", "2026-04"): "4.00",
        ("S4 单位", "2026-04"): "5.00",
    }


def test_volunteer_and_month_drop_months_outside_the_period(admin_client_api, hours):
    result = rows(admin_client_api, "group_by=volunteer,month&date_from=2026-04-01")
    assert sorted((r["volunteer_name"], r["month"], r["hours"]) for r in result) == [
        ("周七", "2026-04", "4.00"),
        ("李四", "2026-04", "4.00"),
        ("赵六", "2026-04", "5.00"),
    ]


def test_team_rows_count_a_member_of_two_teams_twice(admin_client_api, hours, tree):
    from volunteers.models import Team

    one = Team.objects.create(name="一队", unit=tree["S1"])
    two = Team.objects.create(name="二队", unit=tree["I1"])
    one.members.set([hours["li"], hours["wang"]])
    two.members.set([hours["li"]])
    assert by(rows(admin_client_api, "group_by=team"), "team") == {
        "一队": (Decimal("7.50"), 4),
        "二队": (Decimal("6.00"), 3),
    }
    per_member = {
        (r["team"], r["volunteer_name"]): (r["hours"], r["star_level"])
        for r in rows(admin_client_api, "group_by=team,volunteer")
    }
    assert per_member == {("一队", "李四"): ("6.00", 0), ("一队", "王五"): ("1.50", 0), ("二队", "李四"): ("6.00", 0)}


def test_category_filter_and_unit_filter(admin_client_api, hours, tree):
    assert by(rows(admin_client_api, "group_by=center&category=environment"), "center") == {
        "C 单位": (Decimal("3.50"), 2),
        "C2 单位": (Decimal("5.00"), 1),
    }
    assert by(rows(admin_client_api, f"group_by=station&unit={tree['I1'].pk}"), "station") == {
        "S1 单位": (Decimal("6.00"), 3),
        "S2 单位": (Decimal("1.50"), 1),
    }


def test_a_station_manager_sees_only_their_station(station_manager_client, hours):
    # Only li's hours at S1's own event: wang served at S1 but lives at S2; li's other
    # hours were at events S1's manager does not review.
    assert by(rows(station_manager_client, "group_by=station"), "station") == {"S1 单位": (Decimal("2.00"), 1)}
    assert {r["volunteer_name"] for r in rows(station_manager_client, "group_by=volunteer")} == {"李四"}
    assert {r["center"] for r in rows(station_manager_client, "group_by=center")} == {"C 单位"}


def test_a_center_manager_never_sees_the_other_center(center_manager_client, hours):
    assert by(rows(center_manager_client, "group_by=center"), "center") == {"C 单位": (Decimal("11.50"), 5)}


def test_a_unit_outside_the_scope_is_404(station_manager_client, hours, tree):
    response = station_manager_client.get(f"/api/v1/stats/hours/?unit={tree['S2'].pk}")
    assert response.status_code == 404


def test_volunteers_and_strangers_are_refused(volunteer_client, stranger, anon_client):
    assert volunteer_client.get("/api/v1/stats/hours/").status_code == 403
    assert client_for(stranger).get("/api/v1/stats/summary/").status_code == 403
    assert anon_client.get("/api/v1/stats/hours/?format=csv").status_code == 401


@pytest.mark.parametrize(
    "query",
    ["group_by=nothing", "group_by=station,station", "group_by=a,b,c", "date_from=2026-02-01&date_to=2026-01-01"],
)
def test_bad_queries_are_400(admin_client_api, query):
    response = admin_client_api.get(f"/api/v1/stats/hours/?{query}&format=csv")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")


def test_an_unknown_format_is_a_400_like_the_other_reports(admin_client_api):
    response = admin_client_api.get("/api/v1/stats/hours/?format=pdf")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "format" in response.json()


def test_the_last_day_counts_in_shanghai_time(admin_client_api, people, events):
    record(people["li"], events["cleanup"], "1.00", at=local("2026-12-31", 23, 30))
    # 00:10 on 1 January in Shanghai is still 31 December in UTC: it belongs to next year.
    record(people["wang"], events["cleanup"], "2.00", at=local("2027-01-01", 0, 10))
    result = rows(admin_client_api, "group_by=month&date_from=2026-12-01&date_to=2026-12-31")
    assert [(r["month"], r["hours"]) for r in result] == [("2026-12", "1.00")]
    result = rows(admin_client_api, "group_by=month&date_from=2027-01-01&date_to=2027-01-01")
    assert [(r["month"], r["hours"]) for r in result] == [("2027-01", "2.00")]


def test_json_is_paginated(admin_client_api, hours):
    first = admin_client_api.get("/api/v1/stats/hours/?group_by=volunteer&page_size=2").json()
    assert first["count"] == 4 and len(first["results"]) == 2 and first["next"]


@pytest.mark.parametrize(
    "group_by", ["station", "institute", "center", "team", "category", "month", "volunteer", "station,month"]
)
def test_rows_read_as_the_published_row_schema_says(admin_client_api, admin_user, hours, group_by):
    from reports.statistics.views import HoursRowSerializer, build_report

    report, _unit = build_report(admin_user, {"group_by": group_by}, for_file=False)
    expected = HoursRowSerializer(list(report), many=True).data
    got = rows(admin_client_api, f"group_by={group_by}")
    assert got == [dict(row) for row in expected]
    assert all(isinstance(row["hours"], str) and isinstance(row["records"], int) for row in got)
