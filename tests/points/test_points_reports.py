"""Points in the reports: statistics (API, files, page), the dashboard and the ledger (台账) read the
points ledger, so their figures equal the sums of its entries; every report is scoped."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db.models import Sum
from django.test import Client

from events.services import approve_record, reject_record
from points.models import AccountKind, Entry, ShopItem, TransferKind
from points.shop import receive_stock, redeem, return_redemption
from reports.ledgers.contents import Period, build_ledger
from reports.ledgers.files import ledger_html, write_xlsx
from reports.models import LedgerPeriod
from tests.conftest import client_for
from tests.points.conftest import at, make_event, make_record
from tests.points.test_statement import award, expire

DECEMBER = Period(LedgerPeriod.MONTH, 2026, 12)


@pytest.fixture
def month_of_points(rule, served, volunteer, tree, station_manager, institute_manager, settled):
    """At S1 in December 2026: 2 h approved (20 points), 1 h approved then rejected (10 reversed),
    two bags of rice at 5 points redeemed and one returned, 3 points expired."""
    later = make_event(tree["S1"], title="助老送餐", starts_at=at(11), ends_at=at(12))
    second = make_record(later, volunteer, hours="1.00", start=11, end=12)
    with settled():
        approve_record(served, by=station_manager)
        approve_record(second, by=station_manager)
    with settled():
        reject_record(second, by=institute_manager, reason="未实际到岗")
    item = ShopItem.objects.create(unit=tree["S1"], name="一袋大米", price=Decimal("5"))
    receive_stock(item, 5, by=station_manager, donor="粮油店")
    first = redeem(item, volunteer, by=station_manager)
    redeem(item, volunteer, by=station_manager)
    return_redemption(first, by=station_manager, reason="包装破损")
    expire(volunteer, "3", at(10))
    return item


def ledger_sums(unit) -> dict[str, Decimal]:
    """Sums over the volunteers' entries of the unit's transfers: what the figures must equal."""

    def received(*kinds) -> Decimal:
        entries = Entry.objects.filter(
            account__kind=AccountKind.VOLUNTEER, transfer__kind__in=kinds, transfer__unit=unit
        )
        return entries.aggregate(total=Sum("amount"))["total"] or Decimal(0)

    return {
        "issued": received(TransferKind.EARN, TransferKind.AWARD, TransferKind.REFERRAL, TransferKind.REVERSAL),
        "redeemed": -received(TransferKind.REDEMPTION, TransferKind.RETURN),
        "expired": -received(TransferKind.EXPIRY),
    }


def test_statistics_dashboard_and_ledger_agree_with_the_entries(month_of_points, tree, center_manager):
    expected = ledger_sums(tree["S1"])
    assert expected == {"issued": Decimal("20"), "redeemed": Decimal("5"), "expired": Decimal("3")}

    client = client_for(center_manager)
    rows = client.get("/api/v1/stats/points/?date_from=2026-12-01&date_to=2026-12-31").json()["results"]
    [row] = [row for row in rows if row["unit_id"] == tree["S1"].pk]
    assert row["month"] == "2026-12"
    assert {key: Decimal(row[key]) for key in expected} == expected

    board = client.get(f"/api/v1/reports/dashboard/?unit={tree['S1'].pk}&month=2026-12").json()
    assert {key: Decimal(value) for key, value in board["points"].items()} == expected

    ledger = build_ledger(tree["S1"], DECEMBER)
    [december] = ledger.points
    assert {"issued": december.issued, "redeemed": december.redeemed, "expired": december.expired} == expected


def test_the_ledger_holds_the_shop_register(month_of_points, tree, tmp_path):
    ledger = build_ledger(tree["S1"], DECEMBER)
    assert [(row.kind, row.quantity, row.stock_after, row.party, row.points) for row in ledger.shop.rows] == [
        ("in", 5, 5, "粮油店", None),
        ("out", -1, 4, "李四", Decimal("5")),
        ("out", -1, 3, "李四", Decimal("5")),
        ("return", 1, 4, "李四", Decimal("5")),
    ]
    [item] = ledger.shop.items
    assert (item.received, item.redeemed, item.returned, item.stock_at_end) == (5, 2, 1, 4)
    assert item.stock_at_end == ShopItem.objects.get(pk=month_of_points.pk).stock
    html = ledger_html(ledger)
    assert 'id="shop"' in html and "一袋大米" in html and "粮油店" in html
    target = tmp_path / "ledger.xlsx"
    write_xlsx(ledger, target)
    sheet = openpyxl.load_workbook(target)["积分与爱心超市"]
    cells = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None]
    assert "一袋大米" in cells and "粮油店" in cells


def test_another_units_ledger_has_no_register_of_this_shop(month_of_points, tree):
    ledger = build_ledger(tree["S2"], DECEMBER)
    assert ledger.shop.rows == [] and ledger.shop.items == []
    assert [(month.issued, month.redeemed, month.expired) for month in ledger.points] == [(0, 0, 0)]


def test_a_managers_points_statistics_are_scoped(month_of_points, tree, other_station_manager, station_manager):
    query = "date_from=2026-12-01&date_to=2026-12-31"
    theirs = client_for(other_station_manager).get(f"/api/v1/stats/points/?{query}").json()
    assert theirs["count"] == 0
    assert (
        client_for(other_station_manager).get(f"/api/v1/stats/points/?{query}&unit={tree['S1'].pk}").status_code == 404
    )
    mine = client_for(station_manager).get(f"/api/v1/stats/points/?{query}").json()
    assert [row["unit_id"] for row in mine["results"]] == [tree["S1"].pk]
    board = client_for(other_station_manager).get("/api/v1/reports/dashboard/?month=2026-12").json()
    assert board["points"] == {"issued": "0.00", "redeemed": "0.00", "expired": "0.00"}


def test_volunteers_and_strangers_get_no_points_statistics(month_of_points, volunteer, stranger, anon_client):
    assert client_for(volunteer.user).get("/api/v1/stats/points/").status_code == 403
    assert client_for(stranger).get("/api/v1/stats/points/").status_code == 403
    assert anon_client.get("/api/v1/stats/points/").status_code in (401, 403)


def test_bad_periods_are_refused_with_field_messages(center_manager):
    client = client_for(center_manager)
    backwards = client.get("/api/v1/stats/points/?date_from=2026-12-31&date_to=2026-12-01")
    assert backwards.status_code == 400 and "date_to" in backwards.json()
    assert client.get("/api/v1/stats/points/?date_from=9999-99-99").status_code == 400
    assert client.get("/api/v1/stats/points/?format=pdf").status_code == 400


def test_points_statistics_download_as_csv_and_xlsx(month_of_points, center_manager):
    client = client_for(center_manager)
    query = "date_from=2026-12-01&date_to=2026-12-31"
    csv = b"".join(client.get(f"/api/v1/stats/points/?{query}&format=csv").streaming_content).decode()
    assert csv.startswith("\ufeff单位,月份,发放积分,兑换积分,过期积分")
    assert "S1 单位,2026-12,20.00,5.00,3.00" in csv
    response = client.get(f"/api/v1/stats/points/?{query}&format=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == ("单位", "月份", "发放积分", "兑换积分", "过期积分")
    assert rows[1][:2] == ("S1 单位", "2026-12")


def test_the_statistics_and_dashboard_pages_show_points(month_of_points, tree, institute_manager):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(institute_manager)
    stats = client.get("/admin/statistics/?date_from=2026-12-01&date_to=2026-12-31").content.decode()
    assert 'id="points-totals"' in stats
    assert "发放积分<strong>20</strong>" in stats.replace("\n", "").replace("  ", "")
    assert "S1 单位" in stats and "/api/v1/stats/points/?" in stats
    board = client.get("/admin/dashboard/?month=2026-12").content.decode()
    assert 'id="points-cards"' in board and 'id="points-by-unit"' in board


def test_report_queries_do_not_grow_with_the_movements(month_of_points, tree, center_manager, volunteer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(center_manager)
    url = "/api/v1/stats/points/?date_from=2026-12-01&date_to=2026-12-31"
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for minute in range(5):
        expire(volunteer, "0.01", at(10, minute))
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)


def test_managers_find_the_shop_and_the_points_admin_on_the_workbench(tree, station_manager, volunteer):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(station_manager)
    html = client.get("/workbench/").content.decode()
    assert 'id="points-links"' in html
    assert f"/shop/{tree['S1'].pk}/redeem/" in html
    volunteer_page = Client()
    volunteer_page.force_login(volunteer.user)
    assert volunteer_page.get("/workbench/").status_code == 403


def test_the_ledgers_months_are_shanghai_months(tree, volunteer, station_manager, center_manager):
    early = datetime.datetime(2026, 11, 30, 16, 30, tzinfo=datetime.UTC)  # 00:30 on 1 December in Shanghai
    award(volunteer, "1", "值守", station_manager, center_manager, early)
    [row] = build_ledger(tree["S1"], DECEMBER).points
    assert row.issued == Decimal("1")


def test_an_admin_sees_points_per_center(month_of_points, admin_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(admin_user)
    stats = client.get("/admin/statistics/?date_from=2026-12-01&date_to=2026-12-31").content.decode()
    table = stats[stats.index('id="points-by-unit"') :]
    assert "<td>C 单位</td><td>20</td><td>5</td><td>3</td>" in table
    assert "<td>C2 单位</td><td>0</td><td>0</td><td>0</td>" in table
