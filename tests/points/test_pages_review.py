"""The volunteer's points pages as a reviewer attacked them: the frozen reason in words, the day
points expire, which record a rejection took points from, one tap to the shop and to gifts, odd pages."""

import datetime
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.db import transaction
from django.utils import translation

from events.services import approve_record, reject_record
from points.gifts import accept_gift, offer_gift
from points.ledger import post, unit_account, volunteer_account
from points.models import Account, AccountKind, ShopItem, TransferKind
from points.shop import receive_stock
from points.statement import entries_in_words
from points.watch import DISPUTED
from reports.ledgers.contents import Period, build_ledger
from reports.ledgers.files import write_xlsx
from reports.models import LedgerPeriod
from tests.conftest import client_for, make_volunteer
from tests.points.conftest import SHANGHAI
from tests.points.test_my_points import grant, page_client
from tests.points.test_statement import earn, moment, redeem, reverse_earning, stock_item


@pytest.fixture
def disputed(volunteer):
    grant(volunteer, 2)
    Account.objects.filter(pk=volunteer_account(volunteer).pk).update(frozen_reason=DISPUTED)


def test_a_freeze_for_a_disputed_record_is_explained_in_words_never_as_its_marker(disputed, volunteer):
    points_page = page_client(volunteer.user).get("/me/points/").content.decode()
    me_page = page_client(volunteer.user).get("/me/").content.decode()
    body = client_for(volunteer.user).get("/api/v1/me/points/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    for text in (points_page, me_page, body["frozen_reason"]):
        assert DISPUTED not in text
        assert "有服务记录存在争议" in text
    assert 'id="points-card-frozen"' in me_page


def test_a_freeze_by_a_manager_shows_the_managers_reason(volunteer):
    grant(volunteer, 1)
    Account.objects.filter(pk=volunteer_account(volunteer).pk).update(frozen_reason="核查异常兑换")
    html = page_client(volunteer.user).get("/me/points/").content.decode()
    assert "您的积分暂时不能使用：核查异常兑换" in html


def test_points_expiring_soon_show_the_day_the_first_of_them_go(rule, served, volunteer):
    rule.expiry_years = 1
    rule.save()
    earn(served, "20", datetime.datetime(2025, 12, 20, 10, tzinfo=SHANGHAI))
    points_page = page_client(volunteer.user).get("/me/points/").content.decode()
    me_page = page_client(volunteer.user).get("/me/").content.decode()
    assert "20 积分将在 30 天内过期（最早 2026-12-20），请尽早使用。" in points_page
    assert "20 积分将在 30 天内过期（最早 2026-12-20）" in me_page
    body = client_for(volunteer.user).get("/api/v1/me/points/").json()
    assert (body["expiring"], body["expiring_on"]) == ("20.00", "2026-12-20")


def test_a_rejection_names_the_record_it_took_points_from_and_its_reason(
    rule, served, volunteer, station_manager, institute_manager, settled
):
    with settled():
        approve_record(served, by=station_manager)
    with settled():
        reject_record(served, by=institute_manager, reason="未实际到岗")
    html = page_client(volunteer.user).get("/me/points/").content.decode()
    assert "社区环境清洁 的服务记录被驳回，冲正 20 积分" in html
    assert "未实际到岗" in html


def test_the_me_page_leads_to_the_shop_and_to_gifts_in_one_tap(volunteer):
    html = page_client(volunteer.user).get("/me/").content.decode()
    links = html[html.index('id="points-card-links"') :]
    assert 'href="/shop/"' in links and 'href="/me/points/gifts/"' in links


@pytest.mark.parametrize("number", ["0", "-1", "1000000000", "abc", "1e3", "99999999999999999999999", ""])
def test_odd_page_numbers_never_break_the_points_page_or_its_api(volunteer, number):
    grant(volunteer, 3)
    assert page_client(volunteer.user).get("/me/points/", {"page": number}).status_code == 200
    for size in ("", "1000000", "-1", "abc"):
        answer = client_for(volunteer.user).get("/api/v1/me/points/", {"page": number, "page_size": size})
        assert answer.status_code in (200, 404)


def test_a_center_manager_finds_the_counters_of_the_stations_shops_on_the_workbench(tree, center_manager):
    ShopItem.objects.create(unit=tree["S1"], name="一袋大米", price=Decimal("5"))
    ShopItem.objects.create(unit=tree["S3"], name="理发", price=Decimal("8"))
    ShopItem.objects.create(unit=tree["S4"], name="食用油", price=Decimal("8"))
    html = page_client(center_manager).get("/workbench/").content.decode()
    links = html[html.index('id="points-links"') :]
    assert f"/shop/{tree['S1'].pk}/redeem/" in links and f"/shop/{tree['S3'].pk}/redeem/" in links
    assert f"/shop/{tree['S4'].pk}/redeem/" not in links
    assert f"/shop/{tree['C'].pk}/redeem/" not in links


def test_a_balance_below_zero_names_both_ways_points_are_taken_back(served, volunteer, tree, station_manager):
    earning = earn(served, "50", moment(5, 11))
    redeem(stock_item(tree["S1"], station_manager), volunteer, station_manager, moment(6))
    reverse_earning(earning, moment(7))
    html = page_client(volunteer.user).get("/me/points/").content.decode()
    assert "服务记录被驳回或时长被核减" in html


def test_the_ledgers_shop_sheet_keeps_formulas_in_names_donors_and_notes_as_text(tree, station_manager, tmp_path):
    item = ShopItem.objects.create(unit=tree["S1"], name='=HYPERLINK("http://x","大米")', price=Decimal("5"))
    with time_machine.travel(moment(3), tick=False):
        receive_stock(item, 2, by=station_manager, donor="=1+1", note="@SUM(A1)")
    write_xlsx(build_ledger(tree["S1"], Period(LedgerPeriod.MONTH, 2026, 12)), tmp_path / "ledger.xlsx")
    cells = [
        cell
        for sheet in openpyxl.load_workbook(tmp_path / "ledger.xlsx").worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if isinstance(cell, str)
    ]
    assert "'=1+1" in cells and "'@SUM(A1)" in cells
    assert not [cell for cell in cells if cell[:1] in "=+-@"]


def test_a_gift_and_an_award_read_without_their_relation_or_reason_said_twice(rule, served, volunteer, tree):
    rule.gifts_allowed = True
    rule.save()
    earn(served, "100", moment(4, 11))
    mother = make_volunteer(tree["S1"], "王五")
    accept_gift(offer_gift(volunteer, mother, Decimal("10"), relation="母亲"), by=mother.user)
    with transaction.atomic():
        post(
            TransferKind.AWARD,
            unit_account(tree["S1"], AccountKind.ISSUE),
            volunteer_account(volunteer),
            Decimal("5"),
            unit=tree["S1"],
            memo="社区抗疫",
        )
    with translation.override("zh-hans"):
        given = entries_in_words(volunteer_account(volunteer), limit=2)
        [received] = entries_in_words(volunteer_account(mother), limit=1)
    assert [(row.words, row.memo) for row in given] == [
        ("奖励（社区抗疫） 获得 5 积分", ""),
        ("转赠给 王五（母亲） 10 积分", ""),
    ]
    assert (received.words, received.memo) == ("收到 李四 转赠 10 积分", "")
    html = page_client(mother.user).get("/me/points/").content.decode()
    assert "母亲" not in html
