"""Gifts to relatives (转赠), donations to a pool (捐赠) and the pool spent for residents in need: the services."""

from decimal import Decimal

import pytest

from points import gifts
from points.errors import PointsError
from points.ledger import unit_account, volunteer_account
from points.models import (
    AccountKind,
    CapKind,
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
from points.shop import receive_stock
from points.watch import freeze_account
from tests.conftest import make_manager
from tests.points.test_gifts_support import balance, credit, generous_rule, set_rule  # noqa: F401

pytestmark = pytest.mark.usefixtures("generous_rule")


def code_of(call) -> str:
    with pytest.raises(PointsError) as refused:
        call()
    return refused.value.code


# Gifts --------------------------------------------------------------------------------------------


def test_an_offer_moves_nothing_until_the_receiver_accepts(volunteer, other_volunteer):
    credit(volunteer, "50")
    gift = gifts.offer_gift(volunteer, other_volunteer, Decimal("20"), relation="子女")
    assert (balance(volunteer), balance(other_volunteer)) == (Decimal("50.00"), Decimal("0.00"))
    assert gift.status == RequestStatus.PENDING

    transfer = gifts.accept_gift(gift, by=other_volunteer.user)

    assert (balance(volunteer), balance(other_volunteer)) == (Decimal("30.00"), Decimal("20.00"))
    assert transfer.kind == TransferKind.GIFT and transfer.gift == gift and transfer.by == other_volunteer.user
    assert transfer.unit == volunteer.home_station
    assert sorted(Entry.objects.filter(transfer=transfer).values_list("amount", flat=True)) == [-20, 20]
    gift.refresh_from_db()
    assert gift.status == RequestStatus.APPROVED and gift.decided_at is not None


def test_a_gift_the_giver_can_no_longer_pay_is_refused_at_acceptance_and_stays_open(volunteer, other_volunteer):
    credit(volunteer, "50")
    gift = gifts.offer_gift(volunteer, other_volunteer, Decimal("40"), relation="配偶")
    first = gifts.offer_gift(volunteer, other_volunteer, Decimal("30"), relation="配偶")
    gifts.accept_gift(first, by=other_volunteer.user)

    assert code_of(lambda: gifts.accept_gift(gift, by=other_volunteer.user)) == "insufficient_points"
    gift.refresh_from_db()
    assert gift.status == RequestStatus.PENDING
    assert balance(volunteer) == Decimal("20.00")


def test_an_offer_above_the_balance_is_refused(volunteer, other_volunteer):
    credit(volunteer, "10")
    call = lambda: gifts.offer_gift(volunteer, other_volunteer, Decimal("10.01"), relation="父母")  # noqa: E731
    assert code_of(call) == "insufficient_points"
    assert not Gift.objects.exists()


@pytest.mark.parametrize("amount", ["0", "-5", "NaN", "Infinity", "-Infinity", "10000000000", "1.005", "abc"])
def test_bad_amounts_are_refused(volunteer, other_volunteer, amount):
    credit(volunteer, "50")
    assert code_of(lambda: gifts.offer_gift(volunteer, other_volunteer, amount, relation="父母")) == "invalid_amount"
    assert code_of(lambda: gifts.donate(volunteer, volunteer.home_station, amount)) == "invalid_amount"


def test_gifts_need_a_rule_that_allows_them(volunteer, other_volunteer):
    credit(volunteer, "50")
    set_rule(gifts_allowed=False)
    assert code_of(lambda: gifts.offer_gift(volunteer, other_volunteer, Decimal("5"), relation="父母")) == "not_allowed"


def test_a_center_without_points_rules_allows_no_gifts(far_volunteer, volunteer):
    credit(far_volunteer, "50")
    assert code_of(lambda: gifts.offer_gift(far_volunteer, volunteer, Decimal("5"), relation="父母")) == "not_allowed"


def test_a_rule_withdrawn_after_the_offer_stops_the_acceptance(volunteer, other_volunteer):
    credit(volunteer, "50")
    gift = gifts.offer_gift(volunteer, other_volunteer, Decimal("5"), relation="父母")
    set_rule(gifts_allowed=False)
    assert code_of(lambda: gifts.accept_gift(gift, by=other_volunteer.user)) == "not_allowed"
    assert balance(other_volunteer) == 0


def test_only_the_receiver_answers_and_only_the_giver_withdraws(volunteer, other_volunteer, stranger):
    credit(volunteer, "50")
    gift = gifts.offer_gift(volunteer, other_volunteer, Decimal("5"), relation="父母")
    assert code_of(lambda: gifts.accept_gift(gift, by=volunteer.user)) == "not_receiver"
    assert code_of(lambda: gifts.accept_gift(gift, by=stranger)) == "not_receiver"
    assert code_of(lambda: gifts.decline_gift(gift, by=volunteer.user)) == "not_receiver"
    assert code_of(lambda: gifts.cancel_gift(gift, by=other_volunteer.user)) == "not_giver"
    assert code_of(lambda: gifts.cancel_gift(gift, by=stranger)) == "not_giver"
    assert balance(other_volunteer) == 0


def test_a_declined_or_withdrawn_offer_moves_nothing_and_cannot_be_answered_again(volunteer, other_volunteer):
    credit(volunteer, "50")
    declined = gifts.offer_gift(volunteer, other_volunteer, Decimal("5"), relation="父母")
    withdrawn = gifts.offer_gift(volunteer, other_volunteer, Decimal("6"), relation="父母")

    assert gifts.decline_gift(declined, by=other_volunteer.user).status == RequestStatus.DECLINED
    assert gifts.cancel_gift(withdrawn, by=volunteer.user).status == RequestStatus.CANCELLED

    for gift in (declined, withdrawn):
        assert code_of(lambda g=gift: gifts.accept_gift(g, by=other_volunteer.user)) == "invalid_state"
    assert code_of(lambda: gifts.cancel_gift(declined, by=volunteer.user)) == "invalid_state"
    assert not Transfer.objects.filter(kind=TransferKind.GIFT).exists()
    assert balance(volunteer) == Decimal("50.00")


def test_an_accepted_gift_cannot_be_accepted_twice(volunteer, other_volunteer):
    credit(volunteer, "50")
    gift = gifts.offer_gift(volunteer, other_volunteer, Decimal("5"), relation="父母")
    gifts.accept_gift(gift, by=other_volunteer.user)
    assert code_of(lambda: gifts.accept_gift(gift, by=other_volunteer.user)) == "invalid_state"
    assert code_of(lambda: gifts.cancel_gift(gift, by=volunteer.user)) == "invalid_state"
    assert balance(other_volunteer) == Decimal("5.00")


def test_no_gift_to_oneself_and_a_relation_is_named(volunteer, other_volunteer):
    credit(volunteer, "50")
    assert code_of(lambda: gifts.offer_gift(volunteer, volunteer, Decimal("5"), relation="父母")) == "same_account"
    assert code_of(lambda: gifts.offer_gift(volunteer, other_volunteer, Decimal("5"), relation="  ")) == (
        "relation_required"
    )


def test_the_receiver_is_found_by_mobile_number_with_one_answer_for_everyone_else(
    volunteer, other_volunteer, station_manager
):
    assert gifts.find_receiver(f"+86 {other_volunteer.user.phone}") == other_volunteer
    # A number nobody registered, a manager's (no volunteer), a closed account: the same refusal.
    assert code_of(lambda: gifts.find_receiver("13912345678")) == "volunteer_not_found"
    assert code_of(lambda: gifts.find_receiver(station_manager.phone)) == "volunteer_not_found"
    other_volunteer.closed_at = other_volunteer.created_at
    other_volunteer.save(update_fields=["closed_at"])
    assert code_of(lambda: gifts.find_receiver(other_volunteer.user.phone)) == "volunteer_not_found"


def test_frozen_points_cannot_be_given_or_donated_but_can_be_received(
    volunteer, other_volunteer, station_manager, tree
):
    credit(volunteer, "50")
    credit(other_volunteer, "50")
    offered = gifts.offer_gift(volunteer, other_volunteer, Decimal("5"), relation="父母")
    freeze_account(volunteer_account(volunteer), reason="核查中", by=station_manager)

    assert code_of(lambda: gifts.offer_gift(volunteer, other_volunteer, Decimal("5"), relation="父母")) == (
        "account_frozen"
    )
    assert code_of(lambda: gifts.accept_gift(offered, by=other_volunteer.user)) == "account_frozen"
    assert code_of(lambda: gifts.donate(volunteer, tree["S1"], Decimal("5"))) == "account_frozen"

    gifts.accept_gift(gifts.offer_gift(other_volunteer, volunteer, Decimal("7"), relation="子女"), by=volunteer.user)
    assert balance(volunteer) == Decimal("57.00")


# Donations ----------------------------------------------------------------------------------------


def test_a_volunteer_donates_to_the_pool_of_their_station_or_a_unit_above(volunteer, tree):
    credit(volunteer, "50")
    to_station = gifts.donate(volunteer, tree["S1"], Decimal("10"))
    to_center = gifts.donate(volunteer, tree["C"], Decimal("5.50"))

    assert to_station.kind == TransferKind.DONATION and to_station.target == unit_account(tree["S1"], AccountKind.POOL)
    assert to_station.by == volunteer.user and to_station.unit == tree["S1"]
    assert unit_account(tree["C"], AccountKind.POOL).balance == Decimal("5.50")
    assert to_center.target.kind == AccountKind.POOL
    assert balance(volunteer) == Decimal("34.50")


def test_no_donation_to_another_station_or_center(volunteer, tree):
    credit(volunteer, "50")
    for unit in (tree["S2"], tree["I2"], tree["C2"], tree["S4"]):
        assert code_of(lambda u=unit: gifts.donate(volunteer, u, Decimal("5"))) == "wrong_pool_unit"
    assert balance(volunteer) == Decimal("50.00")


def test_donations_need_a_rule_that_allows_them_and_the_points(volunteer, tree):
    credit(volunteer, "5")
    assert code_of(lambda: gifts.donate(volunteer, tree["S1"], Decimal("6"))) == "insufficient_points"
    set_rule(donations_allowed=False)
    assert code_of(lambda: gifts.donate(volunteer, tree["S1"], Decimal("1"))) == "not_allowed"


# The pool spent for residents in need -------------------------------------------------------------


@pytest.fixture
def rice(tree, station_manager) -> ShopItem:
    item = ShopItem.objects.create(unit=tree["S1"], name="一袋大米", price=Decimal("30.00"))
    receive_stock(item, 3, by=station_manager, donor="粮油店")
    item.refresh_from_db()
    return item


def test_a_manager_gives_an_item_to_a_resident_in_need_paid_from_the_pool(volunteer, tree, station_manager, rice):
    credit(volunteer, "100")
    gifts.donate(volunteer, tree["S1"], Decimal("70"))

    redemption = gifts.spend_pool(rice, recipient="王奶奶（孤寡老人）", by=station_manager, quantity=2)

    assert redemption.volunteer is None and redemption.recipient == "王奶奶（孤寡老人）"
    assert redemption.points == Decimal("60.00") and redemption.quantity == 2
    assert unit_account(tree["S1"], AccountKind.POOL).balance == Decimal("10.00")
    assert unit_account(tree["S1"], AccountKind.SHOP).balance == Decimal("60.00")
    transfer = Transfer.objects.get(redemption=redemption)
    assert transfer.kind == TransferKind.POOL_SPEND and transfer.by == station_manager
    movement = StockMovement.objects.get(redemption=redemption)
    assert movement.kind == StockMovementKind.REDEEMED and movement.quantity == -2 and movement.stock_after == 1
    rice.refresh_from_db()
    assert rice.stock == 1


def test_the_pool_cannot_spend_more_than_it_holds_and_nothing_moves(volunteer, tree, station_manager, rice):
    credit(volunteer, "100")
    gifts.donate(volunteer, tree["S1"], Decimal("29.99"))
    assert code_of(lambda: gifts.spend_pool(rice, recipient="王奶奶", by=station_manager)) == "insufficient_points"
    rice.refresh_from_db()
    assert rice.stock == 3
    assert not Redemption.objects.exists() and not StockMovement.objects.filter(kind="out").exists()


def test_the_pool_cannot_give_what_is_not_in_stock(volunteer, tree, station_manager, rice):
    credit(volunteer, "200")
    gifts.donate(volunteer, tree["S1"], Decimal("200"))
    assert code_of(lambda: gifts.spend_pool(rice, recipient="王奶奶", by=station_manager, quantity=4)) == (
        "out_of_stock"
    )
    for quantity in (0, -1, 1001, True):
        assert code_of(
            lambda q=quantity: gifts.spend_pool(rice, recipient="王奶奶", by=station_manager, quantity=q)
        ) == ("invalid_quantity")


def test_only_a_manager_of_the_items_unit_spends_its_pool_and_names_the_recipient(
    volunteer, tree, station_manager, other_station_manager, django_user_model, rice
):
    credit(volunteer, "100")
    gifts.donate(volunteer, tree["S1"], Decimal("100"))
    far_manager = make_manager(django_user_model, tree["C2"], "外中心管理员")
    for outsider in (other_station_manager, far_manager, volunteer.user):
        assert code_of(lambda u=outsider: gifts.spend_pool(rice, recipient="王奶奶", by=u)) == "not_manager"
    assert code_of(lambda: gifts.spend_pool(rice, recipient=" ", by=station_manager)) == "recipient_required"
    assert unit_account(tree["S1"], AccountKind.POOL).balance == Decimal("100.00")


def test_a_gift_never_lifts_the_receiver_above_a_balance_cap(volunteer, other_volunteer):
    # 南京's time bank stores at most 1,500: points received count as points earned.
    set_rule(cap=Decimal("1500"), cap_kind=CapKind.BALANCE)
    credit(volunteer, "100")
    credit(other_volunteer, "1450")
    gift = gifts.offer_gift(volunteer, other_volunteer, Decimal("60"), relation="母亲")
    with pytest.raises(PointsError) as refused:
        gifts.accept_gift(gift, by=other_volunteer.user)
    assert refused.value.code == "cap_reached"
    assert volunteer_account(volunteer).balance == Decimal("100.00")
    assert volunteer_account(other_volunteer).balance == Decimal("1450.00")
    fitting = gifts.offer_gift(volunteer, other_volunteer, Decimal("50"), relation="母亲")
    gifts.accept_gift(fitting, by=other_volunteer.user)
    assert volunteer_account(other_volunteer).balance == Decimal("1500.00")
