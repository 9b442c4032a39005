"""The shop's services (points/shop.py): redemptions, limits, codes, returns and the stock register."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from events import card_services, offline_codes
from events.checkin_codes import make_volunteer_code
from points import ledger, shop
from points.errors import PointsError
from points.models import (
    Account,
    AccountKind,
    ExchangeCode,
    Redemption,
    RedemptionStatus,
    ShopItem,
    ShopKeeper,
    StockMovement,
    StockMovementKind,
    Transfer,
    TransferKind,
)
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def give_points(volunteer, amount: str) -> None:
    """Points from the center's issue account, as earning would post them."""
    with transaction.atomic():
        ledger.post(
            TransferKind.AWARD,
            ledger.unit_account(volunteer.home_station, AccountKind.ISSUE),
            ledger.volunteer_account(volunteer),
            Decimal(amount),
            unit=volunteer.home_station,
        )


def balance_of(volunteer) -> Decimal:
    return Account.objects.get(volunteer=volunteer).balance


def make_item(unit, keeper, *, stock: int = 3, price: str = "50.00", name: str = "一袋大米", **fields) -> ShopItem:
    item = ShopItem.objects.create(unit=unit, name=name, price=Decimal(price), donor="爱心粮油店", **fields)
    if stock:
        shop.receive_stock(item, stock, by=keeper)
    item.refresh_from_db()
    return item


def register_adds_up(item: ShopItem) -> bool:
    item.refresh_from_db()
    total = StockMovement.objects.filter(item=item).aggregate(total=Sum("quantity"))["total"] or 0
    return total == item.stock


@pytest.fixture
def rice(tree, station_manager):
    return make_item(tree["S1"], station_manager)


def test_a_redemption_moves_points_to_the_shop_and_takes_the_goods_from_stock(rice, volunteer, station_manager):
    give_points(volunteer, "120")
    redemption = shop.redeem(rice, volunteer, by=station_manager, quantity=2)
    rice.refresh_from_db()
    assert redemption.status == RedemptionStatus.DONE and redemption.points == Decimal("100.00")
    assert balance_of(volunteer) == Decimal("20.00")
    assert ledger.unit_account(rice.unit, AccountKind.SHOP).balance == Decimal("100.00")
    assert rice.stock == 1
    movement = StockMovement.objects.get(redemption=redemption)
    assert (movement.kind, movement.quantity, movement.stock_after) == (StockMovementKind.REDEEMED, -2, 1)
    transfer = Transfer.objects.get(redemption=redemption)
    assert transfer.kind == TransferKind.REDEMPTION and transfer.by == station_manager and transfer.unit == rice.unit
    assert register_adds_up(rice)


def test_more_than_the_stock_is_refused_and_nothing_changes(rice, volunteer, station_manager):
    give_points(volunteer, "500")
    with pytest.raises(PointsError) as refused:
        shop.redeem(rice, volunteer, by=station_manager, quantity=4)
    assert refused.value.code == "out_of_stock" and refused.value.status_code == 409
    rice.refresh_from_db()
    assert rice.stock == 3 and balance_of(volunteer) == Decimal("500.00")
    assert not Redemption.objects.exists()


def test_the_per_person_limit_counts_handed_over_goods_within_the_period(tree, volunteer, station_manager):
    oil = make_item(tree["S1"], station_manager, stock=10, price="10", name="食用油", limit_per_person=2, limit_days=7)
    give_points(volunteer, "100")
    now = timezone.now()
    first = shop.redeem(oil, volunteer, by=station_manager, quantity=2, at=now)
    with pytest.raises(PointsError) as refused:
        shop.redeem(oil, volunteer, by=station_manager, at=now + datetime.timedelta(days=6))
    assert refused.value.code == "limit_reached"
    # Goods given back do not count.
    shop.return_redemption(first, by=station_manager, reason="包装破损")
    shop.redeem(oil, volunteer, by=station_manager, quantity=2, at=now + datetime.timedelta(days=6))
    # A week later the period starts again.
    shop.redeem(oil, volunteer, by=station_manager, at=now + datetime.timedelta(days=13, hours=1))


def test_a_limit_without_a_period_holds_for_ever(tree, volunteer, station_manager):
    mug = make_item(tree["S1"], station_manager, stock=5, price="5", name="纪念杯", limit_per_person=1)
    give_points(volunteer, "50")
    shop.redeem(mug, volunteer, by=station_manager)
    with pytest.raises(PointsError, match="limit_reached"):
        shop.redeem(mug, volunteer, by=station_manager, at=timezone.now() + datetime.timedelta(days=3000))


def test_a_volunteer_without_enough_points_gets_nothing(rice, volunteer, station_manager):
    give_points(volunteer, "30")
    with pytest.raises(PointsError) as refused:
        shop.redeem(rice, volunteer, by=station_manager)
    assert refused.value.code == "insufficient_points"
    rice.refresh_from_db()
    assert rice.stock == 3 and not Redemption.objects.exists() and register_adds_up(rice)


def test_a_volunteer_with_no_account_yet_has_no_points_to_spend(rice, volunteer, station_manager):
    with pytest.raises(PointsError, match="insufficient_points"):
        shop.redeem(rice, volunteer, by=station_manager)


def test_frozen_points_cannot_be_spent(rice, volunteer, station_manager):
    give_points(volunteer, "100")
    Account.objects.filter(volunteer=volunteer).update(frozen_reason="服务记录有争议")
    with pytest.raises(PointsError, match="account_frozen"):
        shop.redeem(rice, volunteer, by=station_manager)


def test_a_volunteer_redeems_at_their_station_and_the_units_above_only(
    tree, volunteer, other_volunteer, far_volunteer, station_manager, institute_manager, center_manager
):
    rice = make_item(tree["S1"], station_manager)
    towel = make_item(tree["I1"], institute_manager, name="毛巾", price="5")
    soap = make_item(tree["C"], center_manager, name="肥皂", price="5")
    for person in (volunteer, other_volunteer, far_volunteer):
        give_points(person, "100")
    shop.redeem(towel, volunteer, by=institute_manager)
    shop.redeem(soap, volunteer, by=center_manager)
    shop.redeem(towel, other_volunteer, by=institute_manager)
    for item, person in [(rice, other_volunteer), (rice, far_volunteer), (towel, far_volunteer)]:
        with pytest.raises(PointsError, match="foreign_shop"):
            shop.redeem(item, person, by=center_manager if item.unit == tree["C"] else institute_manager)


def test_only_keepers_and_managers_of_the_shop_hand_goods_over(
    rice, tree, volunteer, other_station_manager, institute_manager, django_user_model
):
    give_points(volunteer, "200")
    keeper, other_keeper = make_user(django_user_model, "店员"), make_user(django_user_model, "别站店员")
    ShopKeeper.objects.create(unit=tree["S1"], user=keeper)
    ShopKeeper.objects.create(unit=tree["S2"], user=other_keeper)
    for outsider in (other_station_manager, other_keeper, volunteer.user):
        with pytest.raises(PointsError) as refused:
            shop.redeem(rice, volunteer, by=outsider)
        assert refused.value.code in {"not_shop_keeper", "own_redemption"} and refused.value.status_code == 403
    shop.redeem(rice, volunteer, by=keeper)
    shop.redeem(rice, volunteer, by=institute_manager)
    assert Redemption.objects.count() == 2


def test_a_keeper_cannot_hand_goods_over_to_themself(rice, tree, volunteer):
    give_points(volunteer, "100")
    ShopKeeper.objects.create(unit=tree["S1"], user=volunteer.user)
    with pytest.raises(PointsError, match="own_redemption"):
        shop.redeem(rice, volunteer, by=volunteer.user)


def test_an_item_no_longer_offered_is_refused(rice, volunteer, station_manager):
    give_points(volunteer, "100")
    ShopItem.objects.filter(pk=rice.pk).update(is_active=False)
    with pytest.raises(PointsError, match="item_inactive"):
        shop.redeem(rice, volunteer, by=station_manager)


@pytest.mark.parametrize("quantity", [0, -1, 1001, True, 1.5, "2"])
def test_a_quantity_outside_one_to_a_thousand_is_refused(rice, volunteer, station_manager, quantity):
    give_points(volunteer, "100")
    with pytest.raises(PointsError, match="invalid_quantity"):
        shop.redeem(rice, volunteer, by=station_manager, quantity=quantity)


def test_an_exchange_code_works_once(rice, volunteer, station_manager):
    give_points(volunteer, "200")
    now = timezone.now()
    code = shop.issue_exchange_code(volunteer, now=now)
    assert len(code.code) == 8 and code.code.isdigit()
    assert code.expires_at == now + datetime.timedelta(minutes=10)
    redemption = shop.redeem_by_exchange_code(rice, code.code, by=station_manager, at=now)
    assert redemption.volunteer == volunteer and redemption.method == shop.Method.EXCHANGE_CODE
    code.refresh_from_db()
    assert code.used_at == now
    with pytest.raises(PointsError) as refused:
        shop.redeem_by_exchange_code(rice, code.code, by=station_manager, at=now)
    assert refused.value.code == "code_used" and refused.value.status_code == 409


def test_an_exchange_code_shown_with_a_space_is_read(rice, volunteer, station_manager):
    give_points(volunteer, "200")
    now = timezone.now()
    code = shop.issue_exchange_code(volunteer, now=now).code
    shop.redeem_by_exchange_code(rice, f" {code[:4]} {code[4:]} ", by=station_manager, at=now)


def test_an_exchange_code_expires_after_ten_minutes(rice, volunteer, station_manager):
    give_points(volunteer, "200")
    now = timezone.now()
    code = shop.issue_exchange_code(volunteer, now=now)
    with pytest.raises(PointsError, match="code_invalid"):
        shop.redeem_by_exchange_code(rice, code.code, by=station_manager, at=now + datetime.timedelta(minutes=10))
    code.refresh_from_db()
    assert code.used_at is None


def test_a_refused_redemption_leaves_the_code_unused(rice, volunteer, station_manager):
    give_points(volunteer, "10")
    now = timezone.now()
    code = shop.issue_exchange_code(volunteer, now=now)
    with pytest.raises(PointsError, match="insufficient_points"):
        shop.redeem_by_exchange_code(rice, code.code, by=station_manager, at=now)
    code.refresh_from_db()
    assert code.used_at is None


def test_a_new_exchange_code_voids_the_earlier_one(rice, volunteer, station_manager):
    give_points(volunteer, "200")
    now = timezone.now()
    first = shop.issue_exchange_code(volunteer, now=now)
    shop.issue_exchange_code(volunteer, now=now + datetime.timedelta(minutes=1))
    with pytest.raises(PointsError, match="code_invalid"):
        shop.redeem_by_exchange_code(rice, first.code, by=station_manager, at=now + datetime.timedelta(minutes=2))


@pytest.mark.parametrize("code", ["", "1234567", "123456789", "abcdefgh", "00000000"])
def test_an_unknown_or_malformed_exchange_code_is_refused(rice, volunteer, station_manager, code):
    with pytest.raises(PointsError, match="code_invalid"):
        shop.redeem_by_exchange_code(rice, code, by=station_manager, at=timezone.now())


def test_an_expired_codes_digits_may_be_drawn_again(volunteer, other_volunteer, monkeypatch):
    now = timezone.now()
    monkeypatch.setattr(shop.secrets, "randbelow", lambda n: 12345678)
    old = shop.issue_exchange_code(volunteer, now=now)
    again = shop.issue_exchange_code(other_volunteer, now=now + datetime.timedelta(minutes=11))
    assert again.code == old.code == "12345678"
    assert ExchangeCode.objects.get(code="12345678").volunteer == other_volunteer


def test_a_scanned_personal_code_names_the_volunteer(rice, volunteer, station_manager):
    give_points(volunteer, "100")
    now = timezone.now()
    redemption = shop.redeem_by_personal_code(rice, make_volunteer_code(volunteer.pk, now), by=station_manager, at=now)
    assert redemption.volunteer == volunteer and redemption.method == shop.Method.PERSONAL_CODE


def test_a_forged_or_old_personal_code_is_refused(rice, volunteer, station_manager):
    give_points(volunteer, "100")
    now = timezone.now()
    old = make_volunteer_code(volunteer.pk, now - datetime.timedelta(minutes=10))
    for token in ["not-a-code", old, make_volunteer_code(999_999, now)]:
        with pytest.raises(PointsError, match="code_invalid"):
            shop.redeem_by_personal_code(rice, token, by=station_manager, at=now)


def test_a_return_gives_back_the_points_and_the_goods(rice, volunteer, station_manager):
    give_points(volunteer, "100")
    redemption = shop.redeem(rice, volunteer, by=station_manager)
    with pytest.raises(PointsError, match="reason_required"):
        shop.return_redemption(redemption, by=station_manager, reason="  ")
    returned = shop.return_redemption(redemption, by=station_manager, reason="米已受潮")
    rice.refresh_from_db()
    assert returned.status == RedemptionStatus.RETURNED and returned.return_reason == "米已受潮"
    assert balance_of(volunteer) == Decimal("100.00") and rice.stock == 3
    back = Transfer.objects.get(kind=TransferKind.RETURN)
    assert back.reverses == Transfer.objects.get(kind=TransferKind.REDEMPTION) and back.redemption == redemption
    assert StockMovement.objects.get(kind=StockMovementKind.RETURNED).quantity == 1
    with pytest.raises(PointsError) as again:
        shop.return_redemption(redemption, by=station_manager, reason="再退一次")
    assert again.value.code == "invalid_state"
    assert register_adds_up(rice)


def test_only_the_shops_keepers_take_goods_back(rice, volunteer, station_manager, other_station_manager):
    give_points(volunteer, "100")
    redemption = shop.redeem(rice, volunteer, by=station_manager)
    with pytest.raises(PointsError, match="not_shop_keeper"):
        shop.return_redemption(redemption, by=other_station_manager, reason="x")


def test_the_stock_register_adds_up_to_the_stock_after_a_sequence(rice, volunteer, station_manager):
    give_points(volunteer, "1000")
    shop.receive_stock(rice, 10, by=station_manager, donor="某超市", note="春节捐赠")
    shop.redeem(rice, volunteer, by=station_manager, quantity=2)
    last = shop.redeem(rice, volunteer, by=station_manager)
    shop.return_redemption(last, by=station_manager, reason="换货")
    assert shop.count_stock(rice, 11, by=station_manager) is None  # 3 + 10 - 2 - 1 + 1: the count matches
    with pytest.raises(PointsError, match="note_required"):
        shop.count_stock(rice, 9, by=station_manager)
    counted = shop.count_stock(rice, 9, by=station_manager, note="两袋破损")
    assert (counted.kind, counted.quantity, counted.stock_after) == (StockMovementKind.COUNTED, -2, 9)
    assert register_adds_up(rice)
    kinds = list(StockMovement.objects.filter(item=rice).order_by("id").values_list("kind", flat=True))
    assert kinds == ["in", "in", "out", "out", "return", "count"]
    assert StockMovement.objects.filter(donor="某超市").count() == 1


@pytest.mark.parametrize("quantity", [0, -3, 100_001, True])
def test_receiving_refuses_quantities_out_of_range(rice, station_manager, quantity):
    with pytest.raises(PointsError, match="stock_quantity"):
        shop.receive_stock(rice, quantity, by=station_manager)


def test_only_the_shops_keepers_receive_and_count_stock(rice, other_station_manager, stranger):
    for outsider in (other_station_manager, stranger):
        with pytest.raises(PointsError, match="not_shop_keeper"):
            shop.receive_stock(rice, 1, by=outsider)
        with pytest.raises(PointsError, match="not_shop_keeper"):
            shop.count_stock(rice, 0, by=outsider, note="x")
    rice.refresh_from_db()
    assert rice.stock == 3


def test_a_printed_card_spends_no_points(rice, volunteer, station_manager):
    give_points(volunteer, "100")
    card = card_services.issue_card(volunteer, station_manager)
    with pytest.raises(PointsError, match="code_invalid"):
        shop.redeem_by_personal_code(rice, offline_codes.card_code(card), by=station_manager, at=timezone.now())
