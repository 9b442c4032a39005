"""Every rule of a points scheme, as a volunteer's balance shows it."""

from decimal import Decimal

import pytest
from django.db import transaction

from events.models import ServiceCategory
from events.services import approve_record, reject_record
from points import ledger
from points.earning import points_for, rule_for, settle
from points.models import AccountKind, CapKind, CategoryRate, EventCoefficient, PointsRule, Transfer, TransferKind
from tests.points.conftest import at, make_event, make_record

pytestmark = pytest.mark.django_db


def balance(volunteer) -> Decimal:
    return ledger.volunteer_account(volunteer).balance


def approve(record, manager, settled) -> Transfer | None:
    with settled():
        approve_record(record, by=manager)
    return Transfer.objects.filter(record=record, kind=TransferKind.EARN).order_by("-pk").first()


def test_an_activity_cap_counts_at_most_its_hours(rule, event, volunteer, station_manager, settled):
    rule.activity_hours_cap = Decimal("2.00")  # 海林: at most 2 hours of one activity
    rule.save()
    long_event = make_event(event.unit, title="长时间服务", starts_at=at(12), ends_at=at(17))
    earn = approve(make_record(long_event, volunteer, hours="5.00", start=12, end=17), station_manager, settled)
    assert (earn.hours, earn.amount) == (Decimal("2.00"), Decimal("20.00"))
    assert earn.memo == "每次活动最多计 2.00 小时"


def test_a_day_cap_counts_the_other_records_of_the_same_day(rule, event, volunteer, station_manager, settled):
    rule.day_hours_cap = Decimal("3.00")
    rule.save()
    approve(make_record(event, volunteer), station_manager, settled)
    afternoon = make_event(event.unit, title="下午服务", starts_at=at(14), ends_at=at(16))
    earn = approve(make_record(afternoon, volunteer, start=14, end=16), station_manager, settled)
    assert (earn.hours, earn.amount) == (Decimal("1.00"), Decimal("10.00"))
    assert balance(volunteer) == Decimal("30.00")


def test_a_day_cap_frees_the_hours_of_a_rejected_record(
    rule, event, volunteer, station_manager, institute_manager, settled
):
    rule.day_hours_cap = Decimal("2.00")
    rule.save()
    morning = make_record(event, volunteer)
    approve(morning, station_manager, settled)
    with settled():
        reject_record(morning, by=institute_manager, reason="重复")
    afternoon = make_event(event.unit, title="下午服务", starts_at=at(14), ends_at=at(16))
    earn = approve(make_record(afternoon, volunteer, start=14, end=16), station_manager, settled)
    assert earn.hours == Decimal("2.00")


def test_hours_a_rejected_record_gives_back_go_to_the_capped_record_of_that_day(
    rule, event, volunteer, station_manager, institute_manager, settled
):
    rule.day_hours_cap = Decimal("3.00")
    rule.save()
    morning = make_record(event, volunteer)
    approve(morning, station_manager, settled)
    afternoon = make_event(event.unit, title="下午服务", starts_at=at(14), ends_at=at(16))
    capped = approve(make_record(afternoon, volunteer, start=14, end=16), station_manager, settled)
    assert capped.hours == Decimal("1.00")
    with settled():
        reject_record(morning, by=institute_manager, reason="重复")
    # The afternoon's two hours now fit under the day's three: as if the morning had never counted.
    assert balance(volunteer) == Decimal("20.00")


def test_a_category_rate_replaces_the_rule_rate(rule, event, volunteer, station_manager, settled):
    CategoryRate.objects.create(rule=rule, category=ServiceCategory.ENVIRONMENT, points_per_hour=Decimal("15"))
    CategoryRate.objects.create(rule=rule, category=ServiceCategory.HEALTH, points_per_hour=Decimal("99"))
    earn = approve(make_record(event, volunteer), station_manager, settled)
    assert earn.amount == Decimal("30.00")


def test_an_event_coefficient_multiplies_the_points(rule, event, volunteer, station_manager, settled):
    EventCoefficient.objects.create(event=event, coefficient=Decimal("1.5"), reason="高温户外")
    earn = approve(make_record(event, volunteer), station_manager, settled)
    assert earn.amount == Decimal("30.00")


def test_an_event_leader_earns_the_leader_coefficient(rule, event, volunteer, station_manager, settled):
    rule.leader_coefficient = Decimal("1.2")
    rule.save()
    event.leaders.add(volunteer.user)
    EventCoefficient.objects.create(event=event, coefficient=Decimal("1.5"), reason="高温户外")
    earn = approve(make_record(event, volunteer), station_manager, settled)
    assert earn.amount == Decimal("36.00")


def test_points_round_half_up_to_the_cent(rule, event, volunteer):
    rule.points_per_hour = Decimal("3.33")
    rule.save()
    EventCoefficient.objects.create(event=event, coefficient=Decimal("1.05"), reason="技能")
    record = make_record(event, volunteer, hours="1.50")
    # 1.5 × 3.33 × 1.05 = 5.244750
    assert points_for(record)[0] == Decimal("5.24")
    rule.points_per_hour = Decimal("3.00")
    rule.save()
    EventCoefficient.objects.filter(event=event).update(coefficient=Decimal("1.01"))
    record.credited_hours = Decimal("0.50")
    # 0.5 × 3 × 1.01 = 1.515
    assert points_for(record)[0] == Decimal("1.52")


def test_a_balance_cap_credits_only_up_to_the_cap(rule, event, volunteer, station_manager, settled, tree):
    rule.cap, rule.cap_kind = Decimal("25"), CapKind.BALANCE
    rule.save()
    approve(make_record(event, volunteer), station_manager, settled)
    afternoon = make_event(event.unit, title="下午服务", starts_at=at(14), ends_at=at(16))
    earn = approve(make_record(afternoon, volunteer, start=14, end=16), station_manager, settled)
    assert earn.amount == Decimal("5.00") and "25" in earn.memo
    assert balance(volunteer) == Decimal("25.00")


def test_a_balance_cap_leaves_room_once_points_are_spent(rule, event, volunteer, station_manager, settled, tree):
    rule.cap, rule.cap_kind = Decimal("25"), CapKind.BALANCE
    rule.save()
    approve(make_record(event, volunteer), station_manager, settled)
    with transaction.atomic():
        shop = ledger.unit_account(tree["S1"], AccountKind.SHOP)
        ledger.post(TransferKind.REDEMPTION, ledger.volunteer_account(volunteer), shop, 20, unit=tree["S1"])
    afternoon = make_event(event.unit, title="下午服务", starts_at=at(14), ends_at=at(16))
    earn = approve(make_record(afternoon, volunteer, start=14, end=16), station_manager, settled)
    assert earn.amount == Decimal("20.00") and earn.memo == ""


def test_a_lifetime_cap_counts_points_ever_earned_even_when_spent(
    rule, event, volunteer, station_manager, settled, tree
):
    rule.cap, rule.cap_kind = Decimal("25"), CapKind.LIFETIME  # 南京: 1,500 in a lifetime
    rule.save()
    approve(make_record(event, volunteer), station_manager, settled)
    with transaction.atomic():
        shop = ledger.unit_account(tree["S1"], AccountKind.SHOP)
        ledger.post(TransferKind.REDEMPTION, ledger.volunteer_account(volunteer), shop, 20, unit=tree["S1"])
    afternoon = make_event(event.unit, title="下午服务", starts_at=at(14), ends_at=at(16))
    earn = approve(make_record(afternoon, volunteer, start=14, end=16), station_manager, settled)
    assert earn.amount == Decimal("5.00") and "25" in earn.memo
    evening = make_event(event.unit, title="晚间服务", starts_at=at(18), ends_at=at(20))
    assert approve(make_record(evening, volunteer, start=18, end=20), station_manager, settled) is None


def test_a_capped_record_settled_again_keeps_its_points(rule, event, volunteer, station_manager, settled):
    rule.cap = Decimal("15")
    rule.save()
    record = make_record(event, volunteer)
    approve(record, station_manager, settled)
    settle([record.pk])
    assert Transfer.objects.filter(record=record).count() == 1
    assert balance(volunteer) == Decimal("15.00")


def test_a_unit_rule_applies_where_the_center_allows_overrides(tree, event, volunteer, station_manager, settled):
    PointsRule.objects.create(unit=tree["C"], points_per_hour=Decimal("10"), units_may_override=True)
    PointsRule.objects.create(unit=tree["I1"], points_per_hour=Decimal("7"))
    assert rule_for(tree["S1"]).unit == tree["I1"]
    assert rule_for(tree["S3"]).unit == tree["C"]
    earn = approve(make_record(event, volunteer), station_manager, settled)
    assert earn.amount == Decimal("14.00")


def test_a_unit_rule_is_ignored_where_the_center_does_not_allow_it(tree, event, volunteer, station_manager, settled):
    PointsRule.objects.create(unit=tree["C"], points_per_hour=Decimal("10"))
    PointsRule.objects.create(unit=tree["S1"], points_per_hour=Decimal("50"))
    assert rule_for(tree["S1"]).unit == tree["C"]
    earn = approve(make_record(event, volunteer), station_manager, settled)
    assert earn.amount == Decimal("20.00")


def test_a_center_without_a_rule_gives_no_points_even_if_a_station_has_one(
    tree, event, volunteer, station_manager, settled
):
    PointsRule.objects.create(unit=tree["S1"], points_per_hour=Decimal("50"))
    assert rule_for(tree["S1"]) is None
    assert approve(make_record(event, volunteer), station_manager, settled) is None


# Two real schemes, as the README configures them --------------------------------------------------


def test_the_hailin_scheme_counts_at_most_two_hours_of_an_activity(tree, event, volunteer, station_manager, settled):
    # 海林: 1小时等于1积分 (art. 3), 每次志愿活动最长为2小时 (art. 7), 推荐一位志愿者注册积分为2分 (art. 9).
    PointsRule.objects.create(
        unit=tree["C"], points_per_hour=Decimal("1"), activity_hours_cap=Decimal("2"), referral_points=Decimal("2")
    )
    long_event = make_event(event.unit, title="社区义诊", starts_at=at(8), ends_at=at(13))
    earn = approve(make_record(long_event, volunteer, hours="5.00", start=8, end=13), station_manager, settled)
    assert (earn.hours, earn.amount) == (Decimal("2.00"), Decimal("2.00"))


def test_the_nanjing_time_bank_stores_at_most_1500_points(tree, event, volunteer, station_manager, settled):
    # 南京 养老服务时间银行: an hour is a point, 暂定1500小时为存储上限 (a cap on the balance);
    # points may go to relatives or be donated to make room.
    PointsRule.objects.create(
        unit=tree["C"],
        points_per_hour=Decimal("1"),
        cap=Decimal("1500"),
        cap_kind=CapKind.BALANCE,
        gifts_allowed=True,
        donations_allowed=True,
    )
    with transaction.atomic():
        ledger.post(
            TransferKind.AWARD,
            ledger.unit_account(tree["C"], AccountKind.ISSUE),
            ledger.volunteer_account(volunteer),
            Decimal("1499"),
            unit=tree["C"],
        )
    earn = approve(make_record(event, volunteer), station_manager, settled)
    assert earn.amount == Decimal("1.00") and earn.memo == "积分余额上限 1500.00：1.00 积分未计入"
    assert balance(volunteer) == Decimal("1500.00")
