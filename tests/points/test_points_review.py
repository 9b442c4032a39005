"""What a second look at earning, awards, expiry, gifts and the ledger admin found, kept as tests."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from events.models import ServiceCategory
from events.services import approve_record
from points import earning, gifts, ledger
from points.awards import approve_award, propose_award
from points.errors import PointsError
from points.expiry import expire_points
from points.models import (
    MAX_POINTS,
    AccountKind,
    AwardRequest,
    CategoryRate,
    EventCoefficient,
    Gift,
    PointsDue,
    PointsRule,
    RequestStatus,
    Transfer,
    TransferKind,
)
from tests.conftest import PASSWORD, client_for
from tests.points.conftest import SHANGHAI
from tests.points.test_gifts_support import balance, credit, generous_rule  # noqa: F401
from volunteers.services import close_account

pytestmark = pytest.mark.django_db

GIFTS = "/api/v1/me/gifts/"
RULE_FIELDS = {
    "points_per_hour": "12.00",
    "leader_coefficient": "1.00",
    "cap_kind": "balance",
    "rates-TOTAL_FORMS": "0",
    "rates-INITIAL_FORMS": "0",
    "rates-MIN_NUM_FORMS": "0",
    "rates-MAX_NUM_FORMS": "1000",
}


def earned_points(record) -> Decimal:
    """What stands of the record's earnings (credits not reversed)."""
    reversed_ = Transfer.objects.filter(kind=TransferKind.REVERSAL).values("reverses")
    standing = Transfer.objects.filter(record=record, kind=TransferKind.EARN).exclude(pk__in=reversed_)
    return sum((transfer.amount for transfer in standing), Decimal("0.00"))


# Rules with absurd figures -------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["points_per_hour", "rates-0-points_per_hour"])
def test_a_rule_of_more_than_ten_thousand_points_an_hour_is_refused_with_a_message(client, rule, center_manager, field):
    client.force_login(center_manager)
    data = {**RULE_FIELDS, "rates-TOTAL_FORMS": "1", "rates-0-category": "health", "rates-0-points_per_hour": "20"}
    data[field] = "99999999"
    response = client.post(f"/admin/points/pointsrule/{rule.pk}/change/", data)
    assert response.status_code == 200
    assert "10000" in response.content.decode()
    rule.refresh_from_db()
    assert rule.points_per_hour == Decimal("10.00") and not rule.rates.exists()


def test_a_rule_of_ten_thousand_points_an_hour_is_still_taken(client, rule, center_manager):
    client.force_login(center_manager)
    response = client.post(f"/admin/points/pointsrule/{rule.pk}/change/", {**RULE_FIELDS, "points_per_hour": "10000"})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.points_per_hour == Decimal("10000.00")


def test_a_rule_saved_with_absurd_figures_credits_at_most_what_one_transfer_holds(
    rule, served, station_manager, settled
):
    # Saved past the form (a shell, an old row): 10^10 points an hour × 2 hours × a coefficient of 10.
    PointsRule.objects.filter(pk=rule.pk).update(points_per_hour=MAX_POINTS)
    EventCoefficient.objects.create(event=served.event, coefficient=Decimal("10"), reason="高空作业")
    with settled():
        approve_record(served, by=station_manager)
    assert earned_points(served) == MAX_POINTS
    assert not PointsDue.objects.exists()


# An event changed after its records were approved ------------------------------------------------------


@pytest.fixture
def approved(rule, served, station_manager, settled):
    """The served record approved: 20 points at the center's 10 an hour."""
    CategoryRate.objects.create(rule=rule, category=ServiceCategory.HEALTH, points_per_hour=Decimal("30"))
    with settled():
        approve_record(served, by=station_manager)
    assert earned_points(served) == Decimal("20.00")
    return served


def test_an_event_moved_to_another_category_after_approval_pays_that_category_rate(approved, settled):
    event = approved.event
    event.category = ServiceCategory.HEALTH
    with settled():
        event.save()
    assert earned_points(approved) == Decimal("60.00")
    assert balance(approved.volunteer) == Decimal("60.00")


def test_an_event_moved_to_a_center_without_points_takes_them_back_where_they_were_issued(approved, settled, tree):
    event = approved.event
    event.unit = tree["S4"]
    with settled():
        event.save()
    assert earned_points(approved) == 0 and balance(approved.volunteer) == 0
    reversal = Transfer.objects.get(kind=TransferKind.REVERSAL)
    # Center C issued the points: C's books take them back, not C2's.
    assert reversal.unit == tree["S1"]
    assert reversal.target == ledger.unit_account(tree["C"], AccountKind.REVERSAL)


def test_an_event_saved_without_changing_its_unit_or_category_leaves_the_points(approved, settled):
    event = approved.event
    event.title = "社区环境清洁（第二期）"
    with settled():
        event.save()
    assert Transfer.objects.filter(kind=TransferKind.REVERSAL).count() == 0


def test_a_volunteer_named_leader_after_approval_earns_the_leader_coefficient(approved, rule, settled):
    PointsRule.objects.filter(pk=rule.pk).update(leader_coefficient=Decimal("1.5"))
    with settled():
        approved.event.leaders.add(approved.volunteer.user)
    assert earned_points(approved) == Decimal("30.00")
    with settled():
        approved.event.leaders.remove(approved.volunteer.user)
    assert earned_points(approved) == Decimal("20.00")


# Gifts: a mobile number is not told known or unknown ------------------------------------------------------


def test_an_offer_above_the_balance_is_refused_alike_for_a_known_and_an_unknown_number(
    volunteer,
    other_volunteer,
    generous_rule,  # noqa: F811
):
    credit(volunteer, "10")
    client = client_for(volunteer.user)
    known = client.post(GIFTS, {"phone": other_volunteer.user.phone, "amount": "50", "relation": "子女"}, format="json")
    unknown = client.post(GIFTS, {"phone": "13912345670", "amount": "50", "relation": "子女"}, format="json")
    assert known.status_code == unknown.status_code == 409
    assert known.json() == unknown.json()
    assert not Gift.objects.exists()


def test_the_gift_page_refuses_an_offer_above_the_balance_alike_for_known_and_unknown_numbers(
    client,
    volunteer,
    other_volunteer,
    generous_rule,  # noqa: F811
):
    credit(volunteer, "10")
    client.force_login(volunteer.user)

    def said(phone: str) -> str:
        data = {"do": "offer", "phone": phone, "amount": "50", "relation": "子女"}
        return client.post("/me/points/gifts/", data, follow=True).content.decode()

    known, unknown = said(other_volunteer.user.phone), said("13912345670")
    assert "积分不足" in known and "积分不足" in unknown
    assert not Gift.objects.exists()


# Expiry: returned goods leave the points as old as they were --------------------------------------------


def moment(year: int, month: int, day: int) -> datetime.datetime:
    return datetime.datetime(year, month, day, 12, 0, tzinfo=SHANGHAI)


def test_points_given_back_for_returned_goods_expire_when_they_would_have(rule, volunteer, tree):
    PointsRule.objects.filter(pk=rule.pk).update(expiry_years=2)
    station = tree["S1"]
    account, shop = ledger.volunteer_account(volunteer), ledger.unit_account(station, AccountKind.SHOP)
    with transaction.atomic():
        ledger.post(
            TransferKind.EARN,
            ledger.unit_account(station, AccountKind.ISSUE),
            account,
            Decimal("20"),
            unit=station,
            at=moment(2026, 12, 5),
        )
        paid = ledger.post(TransferKind.REDEMPTION, account, shop, Decimal("20"), unit=station, at=moment(2027, 3, 1))
        ledger.post(
            TransferKind.RETURN, shop, account, Decimal("20"), unit=station, at=moment(2028, 6, 1), reverses=paid
        )
    # Redeeming two-year-old points and returning the goods must not renew them for two more years.
    assert expire_points(now=moment(2028, 12, 6)) == {"volunteers": 1, "points": Decimal("20.00")}
    assert balance(volunteer) == 0


# Gifts of a closed account ----------------------------------------------------------------------------------


@pytest.mark.parametrize("closing", ["giver", "receiver"])
def test_closing_an_account_withdraws_its_pending_gifts(volunteer, other_volunteer, generous_rule, closing):  # noqa: F811
    credit(volunteer, "50")
    gift = gifts.offer_gift(volunteer, other_volunteer, Decimal("20"), relation="子女")
    closed = volunteer if closing == "giver" else other_volunteer
    close_account(closed.user, password=PASSWORD)
    gift.refresh_from_db()
    assert gift.status == RequestStatus.CANCELLED
    with pytest.raises(PointsError) as refused:
        gifts.accept_gift(gift, by=other_volunteer.user)
    assert refused.value.code == "invalid_state"
    assert balance(volunteer) == Decimal("50.00") and balance(other_volunteer) == 0


# Awards ------------------------------------------------------------------------------------------------------


def test_an_award_is_not_approved_once_the_volunteer_moved_out_of_its_unit(
    rule, volunteer, station_manager, center_manager, tree
):
    award = propose_award(volunteer, Decimal("30"), "社区抗疫", by=station_manager, unit=tree["S1"])
    volunteer.home_station = tree["S4"]
    volunteer.save(update_fields=["home_station"])
    with pytest.raises(PointsError) as refused:
        approve_award(award, by=center_manager)
    assert refused.value.code == "not_their_unit"
    assert not Transfer.objects.exists()


def test_a_superuser_who_is_the_volunteer_does_not_approve_their_own_award(rule, volunteer, station_manager, tree):
    volunteer.user.is_superuser = volunteer.user.is_staff = True
    volunteer.user.save(update_fields=["is_superuser", "is_staff"])
    award = propose_award(volunteer, Decimal("30"), "社区抗疫", by=station_manager, unit=tree["S1"])
    with pytest.raises(PointsError) as refused:
        approve_award(award, by=volunteer.user)
    assert refused.value.code == "self_review"


@pytest.mark.parametrize("amount", ["1.001", "NaN", "Infinity", "-5", "0", "10000000000", "1e12"])
def test_the_award_form_refuses_a_bad_amount_with_a_message(client, rule, station_manager, volunteer, amount):
    client.force_login(station_manager)
    data = {"volunteer": volunteer.pk, "unit": volunteer.home_station_id, "amount": amount, "reason": "社区抗疫"}
    response = client.post("/admin/points/awardrequest/add/", data)
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not AwardRequest.objects.exists()


def test_settle_points_fails_loudly_when_a_record_cannot_be_settled(
    rule, served, station_manager, settled, monkeypatch
):
    def broken(record):
        raise RuntimeError("database went away")

    monkeypatch.setattr(earning, "points_for", broken)
    with settled():
        approve_record(served, by=station_manager)
    with pytest.raises(CommandError, match="0 of 1 records; 1 failed"):
        call_command("settle_points")
    assert PointsDue.objects.filter(record=served).exists()


# Rules -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("unit", ["S2", "C2", "S4", "C", "I1"])
def test_a_station_manager_sets_no_rule_for_a_unit_not_theirs_by_a_crafted_post(
    client, rule, station_manager, tree, unit
):
    PointsRule.objects.filter(pk=rule.pk).update(units_may_override=True)
    client.force_login(station_manager)
    response = client.post("/admin/points/pointsrule/add/", {**RULE_FIELDS, "unit": tree[unit].pk})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert list(PointsRule.objects.values_list("unit__code", flat=True)) == ["C"]
