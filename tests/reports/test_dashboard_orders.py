"""Service orders on the assessment dashboard and in the order statistics export.

The tree of tests/conftest.py; orders belong to the resident's station. October 2026:
National Day runs from Thursday 1 to Wednesday 7 October, Saturday 10 October is a
make-up working day.
"""

import csv
import datetime
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.test import Client

from orders import services
from orders.models import MenuCategory, MenuItem, Order, OrderChange, OrderState, Rating
from tests.conftest import client_for, make_manager, make_user, make_volunteer
from volunteers.models import Team

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(day: str, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour), tzinfo=SHANGHAI)


@pytest.fixture
def clock():
    with time_machine.travel(local("2026-10-22", 10), tick=False) as traveller:
        yield traveller


@pytest.fixture
def haircut(tree) -> MenuItem:
    category = MenuCategory.objects.create(center=tree["C"], name="助老助残")
    return MenuItem.objects.create(category=category, unit=tree["C"], name="上门理发")


@pytest.fixture
def resident(django_user_model, db):
    return make_user(django_user_model, "张女士的女儿")


def make_team(station, name: str) -> Team:
    leader = make_volunteer(station, f"{name}队长")
    team = Team.objects.create(name=name, unit=station, leader=leader)
    team.members.set([leader])
    return team


def make_order(item, station, resident, state: str, *, ordered: str, team=None, due_on=None, **times) -> Order:
    """An order as the services would have left it in ``state`` (times given as local days)."""
    moments = {name: local(day, 15) for name, day in times.items()}
    return Order.objects.create(
        item=item,
        resident=resident,
        contact_name="张桂兰",
        contact_phone="13612345678",
        address="东门社区 3 栋",
        station=station,
        handling_unit=station,
        state=state,
        team=team,
        due_on=datetime.date.fromisoformat(due_on) if due_on else None,
        created_at=local(ordered),
        **moments,
    )


def rate(order: Order, day: str, response: int, attitude: int, result: int) -> Rating:
    return Rating.objects.create(
        order=order, response=response, attitude=attitude, result=result, rated_at=local(day, 18)
    )


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


def test_an_order_is_overdue_only_after_national_day_and_its_deadline(tree, haircut, resident, django_user_model):
    """Ordered on Wednesday 30 September 2026 with one working day to review: 1-7 October are
    holidays, so the review is due on Thursday 8 October and overdue from the 9th, not from
    2 October as plain weekdays would have it."""
    manager = make_manager(django_user_model, tree["I1"], "所长")
    client = client_for(manager)
    with time_machine.travel(local("2026-09-30", 16), tick=False) as traveller:
        order = services.place_order(
            item=haircut,
            station=tree["S1"],
            contact_name="张桂兰",
            contact_phone="13612345678",
            address="东门社区 3 栋",
            by=resident,
        )
        assert order.due_on == datetime.date(2026, 10, 8)
        for day, overdue, light in [
            ("2026-10-02", "0", "green"),
            ("2026-10-07", "0", "green"),
            ("2026-10-08", "0", "green"),
            ("2026-10-09", "1", "amber"),
        ]:
            traveller.move_to(local(day, 12))
            board = indicators(client, "month=2026-10")
            assert figures(board["overdue-orders"])[::3] == (overdue, light), day
        # Counted at the resident's station; the sibling is listed with its zero.
        rows = drilldown(client, "overdue-orders", "month=2026-10")
        assert [(name, row["value"], row["light"]) for name, row in rows.items()] == [
            ("S1 单位", "1", "amber"),
            ("S2 单位", "0", "green"),
        ]
        # Reviewed at last: no longer overdue.
        services.review_order(order, by=manager, accept=True)
        assert indicators(client, "month=2026-10")["overdue-orders"]["value"] == "0"


@pytest.fixture
def rated(tree, haircut, resident, clock):
    """S1: two ratings in October (5-5-5 and 3-4-2), one in September, one order closed unrated in
    October, one completed and still awaiting its rating. S2: an order closed unrated, no rating."""
    team = make_team(tree["S1"], "理发队")
    done = {"ordered": "2026-09-10", "team": team, "accepted_at": "2026-09-11", "completed_at": "2026-09-20"}
    happy = make_order(haircut, tree["S1"], resident, OrderState.CLOSED, closed_at="2026-10-06", **done)
    rate(happy, "2026-10-05", 5, 5, 5)
    mixed = make_order(haircut, tree["S1"], resident, OrderState.RATED, **done)
    rate(mixed, "2026-10-15", 3, 4, 2)
    september = make_order(haircut, tree["S1"], resident, OrderState.RATED, **done)
    rate(september, "2026-09-25", 1, 1, 1)
    make_order(haircut, tree["S1"], resident, OrderState.CLOSED, closed_at="2026-10-12", **done)
    make_order(haircut, tree["S1"], resident, OrderState.COMPLETED, **{**done, "completed_at": "2026-10-20"})
    other = make_team(tree["S2"], "西湖队")
    make_order(haircut, tree["S2"], resident, OrderState.CLOSED, closed_at="2026-10-12", **{**done, "team": other})
    return team


def test_satisfaction_is_the_mean_of_this_months_ratings_with_unrated_orders_apart(admin_client_api, tree, rated):
    board = indicators(admin_client_api, f"unit={tree['S1'].pk}&month=2026-10")
    item = board["order-satisfaction"]
    # (15 + 9) stars over 2 ratings × 3 counts = 4.00: amber below 4.5. The September 1-1-1 is not
    # in October; the order closed unrated neither lifts nor lowers the mean, it widens the base.
    assert figures(item) == ("4.00", "2", "3", "amber")
    assert item["scores"] == {"response": "4.00", "attitude": "4.50", "result": "3.50", "satisfied": 1}
    assert indicators(admin_client_api, f"unit={tree['S1'].pk}&month=2026-09")["order-satisfaction"]["value"] == "1.00"

    rows = drilldown(admin_client_api, "order-satisfaction", f"unit={tree['I1'].pk}&month=2026-10")
    assert figures(rows["S1 单位"]) == ("4.00", "2", "3", "amber")
    # Only an unrated order: no mean and a grey light, never a satisfied one.
    assert figures(rows["S2 单位"]) == (None, "0", "1", "none")
    assert rows["S2 单位"]["scores"]["response"] is None
    # Other indicators carry no scores.
    assert drilldown(admin_client_api, "overdue-orders", f"unit={tree['I1'].pk}")["S1 单位"]["scores"] is None


def test_completion_counts_this_months_orders_that_are_finished_or_overdue(admin_client_api, tree, haircut, resident):
    team = make_team(tree["S1"], "理发队")
    served = {"team": team, "accepted_at": "2026-10-13"}
    with time_machine.travel(local("2026-10-22", 10), tick=False):
        make_order(haircut, tree["S1"], resident, OrderState.COMPLETED, ordered="2026-10-12", **served)
        make_order(haircut, tree["S1"], resident, OrderState.RATED, ordered="2026-10-12", **served)
        make_order(haircut, tree["S1"], resident, OrderState.REFUSED, ordered="2026-10-12")
        make_order(haircut, tree["S1"], resident, OrderState.SUBMITTED, ordered="2026-10-12", due_on="2026-10-13")
        # Not counted: still on time, withdrawn by the resident, or ordered in September.
        make_order(
            haircut, tree["S1"], resident, OrderState.ACCEPTED, ordered="2026-10-20", due_on="2026-10-27", **served
        )
        make_order(haircut, tree["S1"], resident, OrderState.CANCELLED, ordered="2026-10-12")
        make_order(haircut, tree["S1"], resident, OrderState.CLOSED, ordered="2026-09-28", **served)
        board = indicators(admin_client_api, f"unit={tree['C'].pk}&month=2026-10")
        assert figures(board["order-completion"]) == ("50.0", "2", "4", "red")
        assert figures(board["overdue-orders"]) == ("1", "1", None, "amber")
        rows = drilldown(admin_client_api, "order-completion", f"unit={tree['C'].pk}&month=2026-10&by=stations")
        assert [(name, row["value"], row["light"]) for name, row in rows.items()] == [
            ("S1 单位", "50.0", "red"),
            ("S2 单位", None, "none"),
            ("S3 单位", None, "none"),
        ]


def test_a_station_manager_does_not_see_a_siblings_orders(station_manager_client, tree, rated):
    board = indicators(station_manager_client, "month=2026-10")
    assert figures(board["order-satisfaction"]) == ("4.00", "2", "3", "amber")
    assert list(drilldown(station_manager_client, "order-satisfaction", "month=2026-10")) == ["S1 单位"]
    report = station_manager_client.get("/api/v1/reports/orders/?date_from=2026-09-01&date_to=2026-10-31")
    assert report.status_code == 200
    body = report.json()
    assert body["unit"]["id"] == tree["S1"].pk and body["total"] == 5
    assert [row["name"] for row in body["satisfaction"]["station"]] == ["S1 单位"]
    for url in (
        f"/api/v1/reports/orders/?unit={tree['S2'].pk}",
        f"/api/v1/reports/orders/?unit={tree['I1'].pk}&format=csv",
        f"/api/v1/reports/dashboard/order-satisfaction/?unit={tree['S2'].pk}",
    ):
        assert station_manager_client.get(url).status_code == 404


def test_volunteers_and_strangers_get_no_order_report(volunteer_client, anon_client, rated):
    assert volunteer_client.get("/api/v1/reports/orders/").status_code == 403
    assert anon_client.get("/api/v1/reports/orders/?format=csv").status_code == 401


@pytest.fixture
def timed(rated, tree):
    """Of the S1 orders, one declined once before it was dispatched again."""
    order = Order.objects.filter(station=tree["S1"], state=OrderState.RATED).first()
    for action in ("dispatch", "decline", "dispatch"):
        OrderChange.objects.create(order=order, action=action, to_state=OrderState.DISPATCHED)
    return rated


def test_the_order_report_as_csv_opens_in_excel(center_manager_client, tree, timed):
    response = center_manager_client.get(
        f"/api/v1/reports/orders/?unit={tree['I1'].pk}&date_from=2026-09-01&date_to=2026-10-31&format=csv",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "2026-09-01_2026-10-31.csv" in response["Content-Disposition"]
    content = b"".join(response.streaming_content).decode()
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    assert rows[0] == ["Table", "Entry", "Figure", "Value"]
    cells = {(table, entry, figure): value for table, entry, figure, value in rows[1:]}
    assert cells[("Overview", "Unit", "Value")] == "I1 单位"
    assert cells[("Overview", "Orders", "Value")] == "6"
    # Accepted a day after ordering (10 Sept 09:00 → 11 Sept 15:00), completed ten days on.
    assert cells[("Overview", "Median hours from order to acceptance", "Value")] == "30.0"
    assert cells[("Overview", "Median hours from order to completion", "Value")] == "246.0"
    # Served to the end: all 6; one decline of two dispatches.
    assert cells[("Overview", "Completion rate (%)", "Value")] == "100.0"
    assert cells[("Overview", "Decline rate (%)", "Value")] == "50.0"
    assert cells[("By service item", "上门理发", "Orders")] == "6"
    assert cells[("Satisfaction by Team", "理发队", "Rated")] == "3"
    assert cells[("Satisfaction by Team", "理发队", "Closed unrated")] == "1"
    # S2's team has only an unrated order: no mean, not a satisfied one.
    assert cells[("Satisfaction by Team", "西湖队", "Mean stars")] == ""
    assert cells[("Satisfaction by Team", "西湖队", "Satisfied (%)")] == ""


def test_the_order_report_as_xlsx_has_a_sheet_per_table(admin_client_api, tree, timed):
    response = admin_client_api.get(
        f"/api/v1/reports/orders/?unit={tree['C'].pk}&date_from=2026-09-01&date_to=2026-10-31&format=xlsx",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames[:3] == ["Overview", "By state", "By service item"]
    states = {row[0]: row[1] for row in book["By state"].iter_rows(min_row=2, values_only=True)}
    assert (states["Rated"], states["Closed"], states["Completed, awaiting rating"]) == (2, 3, 1)
    teams = list(book["Satisfaction by Team"].iter_rows(values_only=True))
    assert teams[0][:4] == ("Team", "Completed", "Rated", "Closed unrated")
    # The 5-5-5, 3-4-2 and 1-1-1 ratings: (15 + 9 + 3) / 9 = 3 stars; one of three satisfied.
    assert teams[1][0] == "理发队" and teams[1][7:] == (3, 33.3)


def test_the_order_report_in_json_follows_the_period(admin_client_api, tree, rated):
    body = admin_client_api.get(f"/api/v1/reports/orders/?unit={tree['C'].pk}&date_from=2026-10-01").json()
    assert body["total"] == 0 and body["date_to"] == datetime.date.today().isoformat()
    body = admin_client_api.get("/api/v1/reports/orders/?date_from=2026-09-10&date_to=2026-09-10").json()
    assert body["unit"] is None and body["total"] == 6 and body["completion_rate"] == 1.0


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("date_from=2026-13-01", "date_from", "日期格式错误。请从这些格式中选择：YYYY-MM-DD。"),
        ("date_from=0001-01-01", "date_from", "请输入 1900-01-01 至 2100-12-31 之间的日期。"),
        ("date_from=2026-10-02&date_to=2026-10-01", "date_to", "结束日期不能早于开始日期。"),
        ("unit=abc", "unit", "请填写合法的整数值。"),
        ("unit=99999999999999", "unit", None),
        ("format=pdf", "format", "“pdf” 不是合法选项。"),
    ],
)
def test_bad_input_is_a_400_in_chinese(center_manager_client, rated, query, field, message):
    response = center_manager_client.get(f"/api/v1/reports/orders/?{query}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    if message:
        assert response.json()[field] == [message]
    else:
        assert field in response.json()


def test_the_admin_page_shows_the_order_cards_and_the_report_form(tree, rated, admin_user):
    client = Client()
    client.force_login(admin_user)
    response = client.get(
        f"/admin/dashboard/?unit={tree['S1'].pk}&month=2026-10&indicator=order-satisfaction",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "4.00 ★" in page and "2 rated of 3 settled" in page
    assert "response 4.00, attitude 4.50, result 3.50" in page
    assert 'action="/api/v1/reports/orders/"' in page
    assert f'name="unit" value="{tree["S1"].pk}"' in page
    assert 'name="date_from" id="orders_from" value="2026-10-01"' in page
    assert 'name="date_to" id="orders_to" value="2026-10-22"' in page
