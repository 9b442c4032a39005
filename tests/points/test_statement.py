"""An account's entries in words and the points figures per unit and month, read from the ledger."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import translation

from events.models import RecordStatus
from points.ledger import post, unit_account, volunteer_account
from points.models import (
    AccountKind,
    AwardRequest,
    Entry,
    Gift,
    Redemption,
    RequestStatus,
    ShopItem,
    StockMovement,
    StockMovementKind,
    Transfer,
    TransferKind,
)
from points.statement import entries_in_words, points_by_unit_month, points_text
from tests.conftest import make_volunteer
from tests.points.conftest import DAY, SHANGHAI, at, make_event, make_record


def moment(day: int, hour: int = 12, month: int = 12) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, tzinfo=SHANGHAI)


# Moving points the way the services do, straight through the ledger ------------------------


def earn(record, amount: str, when: datetime.datetime) -> Transfer:
    with transaction.atomic():
        unit = record.event.unit
        return post(
            TransferKind.EARN,
            unit_account(unit, AccountKind.ISSUE),
            volunteer_account(record.volunteer),
            Decimal(amount),
            unit=unit,
            at=when,
            record=record,
            hours=record.credited_hours,
        )


def reverse_earning(earning: Transfer, when: datetime.datetime) -> Transfer:
    with transaction.atomic():
        record = earning.record
        record.status = RecordStatus.REJECTED
        record.save(update_fields=["status"])
        return post(
            TransferKind.REVERSAL,
            earning.target,
            unit_account(earning.unit, AccountKind.REVERSAL),
            earning.amount,
            unit=earning.unit,
            at=when,
            guarded=False,
            record=record,
            reverses=earning,
        )


def stock_item(unit, by, name: str = "一袋大米", price: str = "50", quantity: int = 3) -> ShopItem:
    item = ShopItem.objects.create(unit=unit, name=name, price=Decimal(price))
    ShopItem.objects.filter(pk=item.pk).update(stock=quantity)
    StockMovement.objects.create(
        item=item,
        kind=StockMovementKind.RECEIVED,
        quantity=quantity,
        stock_after=quantity,
        donor="粮油店",
        by=by,
        created_at=moment(1, 9),
    )
    item.refresh_from_db()
    return item


def redeem(item: ShopItem, volunteer, by, when: datetime.datetime) -> Redemption:
    with transaction.atomic():
        redemption = Redemption.objects.create(
            item=item, volunteer=volunteer, points=item.price, by=by, created_at=when, method="scan"
        )
        post(
            TransferKind.REDEMPTION,
            volunteer_account(volunteer),
            unit_account(item.unit, AccountKind.SHOP),
            item.price,
            unit=item.unit,
            by=by,
            at=when,
            redemption=redemption,
        )
        item.stock -= 1
        ShopItem.objects.filter(pk=item.pk).update(stock=item.stock)
        StockMovement.objects.create(
            item=item,
            kind=StockMovementKind.REDEEMED,
            quantity=-1,
            stock_after=item.stock,
            redemption=redemption,
            by=by,
            created_at=when,
        )
    return redemption


def give_back(redemption: Redemption, by, when: datetime.datetime) -> Transfer:
    with transaction.atomic():
        item = redemption.item
        transfer = post(
            TransferKind.RETURN,
            unit_account(item.unit, AccountKind.SHOP),
            volunteer_account(redemption.volunteer),
            redemption.points,
            unit=item.unit,
            by=by,
            at=when,
            redemption=redemption,
        )
        item.refresh_from_db()
        ShopItem.objects.filter(pk=item.pk).update(stock=item.stock + 1)
        StockMovement.objects.create(
            item=item,
            kind=StockMovementKind.RETURNED,
            quantity=1,
            stock_after=item.stock + 1,
            redemption=redemption,
            by=by,
            created_at=when,
        )
        return transfer


def expire(volunteer, amount: str, when: datetime.datetime) -> Transfer:
    with transaction.atomic():
        return post(
            TransferKind.EXPIRY,
            volunteer_account(volunteer),
            unit_account(volunteer.home_station, AccountKind.EXPIRY),
            Decimal(amount),
            unit=volunteer.home_station,
            at=when,
        )


def give(giver, receiver, amount: str, relation: str, when: datetime.datetime) -> Transfer:
    with transaction.atomic():
        gift = Gift.objects.create(
            giver=giver, receiver=receiver, relation=relation, amount=Decimal(amount), status=RequestStatus.APPROVED
        )
        return post(
            TransferKind.GIFT,
            volunteer_account(giver),
            volunteer_account(receiver),
            Decimal(amount),
            unit=giver.home_station,
            at=when,
            gift=gift,
        )


def award(volunteer, amount: str, reason: str, proposer, approver, when: datetime.datetime) -> Transfer:
    with transaction.atomic():
        request = AwardRequest.objects.create(
            volunteer=volunteer,
            unit=volunteer.home_station,
            amount=Decimal(amount),
            reason=reason,
            proposed_by=proposer,
            decided_by=approver,
            status=RequestStatus.APPROVED,
        )
        return post(
            TransferKind.AWARD,
            unit_account(volunteer.home_station, AccountKind.ISSUE),
            volunteer_account(volunteer),
            Decimal(amount),
            unit=volunteer.home_station,
            by=approver,
            at=when,
            award=request,
        )


# Entries in words ------------------------------------------------------------------------------


def test_points_read_as_people_write_them():
    assert points_text(Decimal("12.00")) == "12"
    assert points_text(Decimal("12.50")) == "12.5"
    assert points_text(Decimal("-0.25")) == "0.25"
    assert points_text(Decimal("100")) == "100"


@pytest.fixture
def history(served, volunteer, tree, station_manager, center_manager):
    """Earned 20 and 12 (the 12 later rejected), redeemed a bag of rice for 50 after an award of 50,
    returned nothing, gave 10 to the mother, 5 expired."""
    later = make_event(tree["S1"], starts_at=at(11), ends_at=at(12))
    second = make_record(later, volunteer, hours="1.00", start=11, end=12)
    first_earning = earn(served, "20", moment(5, 11))
    rejected = earn(second, "12", moment(5, 12))
    award(volunteer, "50", "社区抗疫", station_manager, center_manager, moment(6))
    item = stock_item(tree["S1"], station_manager)
    redeem(item, volunteer, station_manager, moment(7))
    reverse_earning(rejected, moment(8))
    mother = make_volunteer(tree["S1"], "王五")
    give(volunteer, mother, "10", "母亲", moment(9))
    expire(volunteer, "5", moment(10))
    return {"first": first_earning, "mother": mother, "item": item}


def test_each_entry_says_in_chinese_what_happened(history, volunteer):
    account = volunteer_account(volunteer)
    with translation.override("zh-hans"):
        rows = entries_in_words(account, limit=50, offset=0)
    assert [row.words for row in rows] == [
        "积分过期 5 积分",
        "转赠给 王五（母亲） 10 积分",
        "社区环境清洁 的服务记录被驳回，冲正 12 积分",
        "兑换 一袋大米 使用 50 积分",
        "奖励（社区抗疫） 获得 50 积分",
        "参加 社区环境清洁 获得 12 积分",
        "参加 社区环境清洁 获得 20 积分",
    ]
    assert [row.amount for row in rows] == [Decimal(n) for n in ("-5", "-10", "-12", "-50", "50", "12", "20")]
    assert [row.balance_after for row in rows] == [Decimal(n) for n in ("5", "10", "20", "32", "82", "32", "20")]


def test_the_receiver_of_a_gift_reads_who_gave_it(history, volunteer):
    with translation.override("zh-hans"):
        [row] = entries_in_words(volunteer_account(history["mother"]), limit=10, offset=0)
    assert row.words == "收到 李四 转赠 10 积分"
    assert row.amount == Decimal("10")


def test_a_return_gives_the_points_back_in_words(history, volunteer, station_manager):
    redemption = Redemption.objects.get(volunteer=volunteer)
    give_back(redemption, station_manager, moment(11))
    with translation.override("zh-hans"):
        newest = entries_in_words(volunteer_account(volunteer), limit=1, offset=0)[0]
    assert newest.words == "退还 一袋大米 退回 50 积分"
    assert newest.balance_after == Decimal("55")


def test_a_page_of_words_is_read_in_one_query_whatever_its_causes(history, volunteer, django_assert_num_queries):
    account = volunteer_account(volunteer)
    with django_assert_num_queries(1):
        rows = entries_in_words(account, limit=3, offset=2)
        [row.words for row in rows]
    assert len(rows) == 3


# Figures per unit and month ---------------------------------------------------------------------


def test_figures_per_unit_and_month_equal_the_sums_of_the_ledger_entries(history, volunteer, tree, station_manager):
    redemption = Redemption.objects.get(volunteer=volunteer)
    give_back(redemption, station_manager, moment(11))
    # A movement in the next month and one at another center count apart.
    earn(
        make_record(history["first"].record.event, make_volunteer(tree["S2"], "孙七"), start=13, end=14),
        "3",
        moment(2, month=1).replace(year=2027),
    )
    rows = points_by_unit_month(tree["C"], DAY.replace(day=1), datetime.date(2027, 1, 31))
    by_key = {(row.unit_id, row.month): row for row in rows}
    december = by_key[(tree["S1"].pk, datetime.date(2026, 12, 1))]
    # Issued: 20 + 12 + 50 − 12 reversed; redeemed: 50 − 50 returned; expired 5.
    assert (december.issued, december.redeemed, december.expired) == (Decimal("70"), Decimal("0"), Decimal("5"))
    assert by_key[(tree["S1"].pk, datetime.date(2027, 1, 1))].issued == Decimal("3")

    def volunteers_received(kinds) -> Decimal:
        entries = Entry.objects.filter(
            account__kind=AccountKind.VOLUNTEER,
            transfer__kind__in=kinds,
            transfer__unit=tree["S1"],
            created_at__lt=moment(1, 0, month=1).replace(year=2027),
        )
        return entries.aggregate(total=Sum("amount"))["total"] or Decimal(0)

    issued = volunteers_received([TransferKind.EARN, TransferKind.AWARD, TransferKind.REFERRAL, TransferKind.REVERSAL])
    spent = -volunteers_received([TransferKind.REDEMPTION, TransferKind.RETURN])
    lapsed = -volunteers_received([TransferKind.EXPIRY])
    assert (december.issued, december.redeemed, december.expired) == (issued, spent, lapsed)


def test_figures_leave_out_units_outside_the_subtree_and_days_outside_the_period(history, tree):
    assert points_by_unit_month(tree["C2"], DAY.replace(day=1), DAY.replace(day=31)) == []
    assert points_by_unit_month(tree["I2"], DAY.replace(day=1), DAY.replace(day=31)) == []
    before = points_by_unit_month(tree["S1"], DAY.replace(day=1), DAY.replace(day=6))
    assert [(row.issued, row.redeemed, row.expired) for row in before] == [(Decimal("82"), Decimal("0"), Decimal("0"))]


def test_months_follow_shanghai_time(volunteer, tree, station_manager, center_manager):
    # 2027-01-01 00:30 in Shanghai is still 2026-12-31 16:30 UTC: January here, whatever the server's zone.
    award(
        volunteer,
        "7",
        "跨年值守",
        station_manager,
        center_manager,
        datetime.datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI),
    )
    [row] = points_by_unit_month(tree["S1"], datetime.date(2026, 12, 1), datetime.date(2027, 1, 31))
    assert row.month == datetime.date(2027, 1, 1)
    assert points_by_unit_month(tree["S1"], datetime.date(2026, 12, 1), datetime.date(2026, 12, 31)) == []
