"""Points by hand: one manager proposes with a reason, another approves; caps apply."""

from decimal import Decimal

import pytest

from points import ledger
from points.awards import approve_award, decline_award, propose_award
from points.errors import PointsError
from points.models import AccountKind, CapKind, RequestStatus, TransferKind
from stations.models import UnitManager
from tests.conftest import make_manager

pytestmark = pytest.mark.django_db


def balance(volunteer) -> Decimal:
    return ledger.volunteer_account(volunteer).balance


def refused(code: str, call, *args, **kwargs) -> None:
    with pytest.raises(PointsError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code


def test_an_award_moves_points_only_once_another_manager_approves(rule, volunteer, station_manager, institute_manager):
    award = propose_award(volunteer, Decimal("8"), "抗洪抢险表现突出", by=station_manager, unit=volunteer.home_station)
    assert balance(volunteer) == Decimal("0.00")
    transfer = approve_award(award, by=institute_manager)
    award.refresh_from_db()
    assert (transfer.kind, transfer.amount, transfer.award, transfer.by) == (
        TransferKind.AWARD,
        Decimal("8.00"),
        award,
        institute_manager,
    )
    assert transfer.source.kind == AccountKind.ISSUE and transfer.memo == "抗洪抢险表现突出"
    assert (award.status, award.decided_by) == (RequestStatus.APPROVED, institute_manager)
    assert balance(volunteer) == Decimal("8.00")


def test_the_proposer_cannot_approve_their_own_award(rule, volunteer, station_manager):
    award = propose_award(volunteer, Decimal("8"), "表现突出", by=station_manager, unit=volunteer.home_station)
    refused("self_review", approve_award, award, by=station_manager)
    assert balance(volunteer) == Decimal("0.00")


def test_an_award_needs_a_reason(rule, volunteer, station_manager):
    refused(
        "reason_required", propose_award, volunteer, Decimal("8"), "  ", by=station_manager, unit=volunteer.home_station
    )


@pytest.mark.parametrize("amount", ["0", "-5", "NaN", "Infinity", "1.005", "10000000000", "abc"])
def test_an_award_refuses_amounts_out_of_bounds(rule, volunteer, station_manager, amount):
    refused(
        "invalid_amount", propose_award, volunteer, amount, "表现突出", by=station_manager, unit=volunteer.home_station
    )


def test_only_a_manager_of_the_volunteers_station_or_above_proposes(
    rule, tree, volunteer, other_volunteer, station_manager, other_station_manager, stranger
):
    refused(
        "not_manager", propose_award, volunteer, Decimal("5"), "表现突出", by=other_station_manager, unit=tree["S1"]
    )
    refused("not_manager", propose_award, volunteer, Decimal("5"), "表现突出", by=stranger, unit=tree["S1"])
    refused(
        "not_their_unit", propose_award, other_volunteer, Decimal("5"), "表现突出", by=station_manager, unit=tree["S1"]
    )


def test_only_another_manager_of_the_unit_approves(rule, tree, volunteer, station_manager, other_station_manager):
    award = propose_award(volunteer, Decimal("5"), "表现突出", by=station_manager, unit=tree["S1"])
    refused("not_manager", approve_award, award, by=other_station_manager)


def test_a_referral_defaults_to_the_rule_referral_points(rule, volunteer, station_manager, institute_manager):
    rule.referral_points = Decimal("3")
    rule.save()
    award = propose_award(
        volunteer, None, "推荐王五注册", by=station_manager, unit=volunteer.home_station, is_referral=True
    )
    assert award.amount == Decimal("3.00")
    assert approve_award(award, by=institute_manager).kind == TransferKind.REFERRAL


def test_a_unit_without_points_rules_cannot_award(volunteer, station_manager):
    refused(
        "not_allowed",
        propose_award,
        volunteer,
        Decimal("5"),
        "表现突出",
        by=station_manager,
        unit=volunteer.home_station,
    )


def test_an_award_above_the_cap_is_refused_saying_what_still_fits(rule, volunteer, station_manager, institute_manager):
    rule.cap, rule.cap_kind = Decimal("10"), CapKind.LIFETIME
    rule.save()
    first = propose_award(volunteer, Decimal("8"), "表现突出", by=station_manager, unit=volunteer.home_station)
    approve_award(first, by=institute_manager)
    second = propose_award(volunteer, Decimal("8"), "再次表现突出", by=station_manager, unit=volunteer.home_station)
    with pytest.raises(PointsError) as caught:
        approve_award(second, by=institute_manager)
    assert caught.value.code == "cap_reached" and "2.00" in caught.value.detail
    decline_award(second, by=institute_manager, reason="超过上限")
    third = propose_award(volunteer, Decimal("2"), "按上限补足", by=station_manager, unit=volunteer.home_station)
    assert approve_award(third, by=institute_manager).amount == Decimal("2.00")
    fourth = propose_award(volunteer, Decimal("1"), "第四次", by=station_manager, unit=volunteer.home_station)
    refused("cap_reached", approve_award, fourth, by=institute_manager)
    assert balance(volunteer) == Decimal("10.00")


def test_a_declined_award_moves_nothing_and_cannot_be_approved_later(
    rule, volunteer, station_manager, institute_manager, center_manager
):
    award = propose_award(volunteer, Decimal("8"), "表现突出", by=station_manager, unit=volunteer.home_station)
    refused("reason_required", decline_award, award, by=institute_manager, reason="")
    decline_award(award, by=institute_manager, reason="证明材料不足")
    award.refresh_from_db()
    assert (award.status, award.decided_by) == (RequestStatus.DECLINED, institute_manager)
    refused("invalid_state", approve_award, award, by=center_manager)
    assert balance(volunteer) == Decimal("0.00")


def test_the_proposer_may_withdraw_an_award(rule, volunteer, station_manager):
    award = propose_award(volunteer, Decimal("8"), "表现突出", by=station_manager, unit=volunteer.home_station)
    decline_award(award, by=station_manager, reason="填错了")
    award.refresh_from_db()
    assert award.status == RequestStatus.CANCELLED


def test_an_award_is_approved_once(rule, volunteer, station_manager, institute_manager, django_user_model, tree):
    award = propose_award(volunteer, Decimal("8"), "表现突出", by=station_manager, unit=volunteer.home_station)
    approve_award(award, by=institute_manager)
    second_reviewer = make_manager(django_user_model, tree["S1"], "第二位站管理员")
    refused("invalid_state", approve_award, award, by=second_reviewer)
    assert balance(volunteer) == Decimal("8.00")


def test_a_manager_who_volunteers_neither_proposes_nor_approves_points_for_themself(
    rule, tree, volunteer, station_manager
):
    UnitManager.objects.create(user=volunteer.user, unit=tree["S1"])
    refused("self_review", propose_award, volunteer, Decimal("5"), "表现突出", by=volunteer.user, unit=tree["S1"])
    award = propose_award(volunteer, Decimal("5"), "表现突出", by=station_manager, unit=tree["S1"])
    refused("self_review", approve_award, award, by=volunteer.user)
    assert balance(volunteer) == Decimal("0.00")
