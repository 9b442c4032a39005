"""Races at the shop's counter, on PostgreSQL (CI runs them).

Two keepers hand over the last bag of rice at the same moment: exactly one wins. The
control takes the item's row lock away (a plain read, both racers read before either
writes): then both pass the stock check, and only the database's check constraint stops
the second, with a crash instead of a clean 409 — so the lock is what the test measures.
"""

from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.db.models import Sum
from django.utils import timezone
from rest_framework.test import APIClient

from events.checkin_codes import make_volunteer_code
from points import shop
from points.models import Account, AccountKind, Entry, Redemption, ShopItem, StockMovement
from tests.concurrency import run_together, without_lock
from tests.conftest import make_manager, make_volunteer
from tests.points.test_shop import give_points, make_item

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def redeem_call(keeper, item: ShopItem, body: dict):
    def call():
        response = client_of(keeper).post(f"/api/v1/shop-items/{item.pk}/redeem/", body, format="json")
        return response.status_code, response.json().get("code")

    return call


def ledger_consistent() -> bool:
    """Every balance is the sum of its entries, and all entries sum to zero."""
    for account in Account.objects.all():
        total = Entry.objects.filter(account=account).aggregate(total=Sum("amount"))["total"] or Decimal(0)
        if total != account.balance:
            return False
    return (Entry.objects.aggregate(total=Sum("amount"))["total"] or 0) == 0


def register_adds_up(item: ShopItem) -> bool:
    item.refresh_from_db()
    return StockMovement.objects.filter(item=item).aggregate(total=Sum("quantity"))["total"] == item.stock


def last_bag_race(tree, django_user_model, *, before=lambda: None) -> tuple[list, ShopItem, list]:
    first_keeper = make_manager(django_user_model, tree["S1"], "甲")
    second_keeper = make_manager(django_user_model, tree["I1"], "乙")
    rice = make_item(tree["S1"], first_keeper, stock=1)
    buyers = [make_volunteer(tree["S1"], "李四"), make_volunteer(tree["S1"], "王五")]
    for buyer in buyers:
        give_points(buyer, "500")
    before()
    now = timezone.now()
    results = run_together(
        [
            redeem_call(keeper, rice, {"token": make_volunteer_code(buyer.pk, now)})
            for keeper, buyer in zip([first_keeper, second_keeper], buyers, strict=True)
        ]
    )
    return results, rice, buyers


def test_two_redemptions_of_the_last_item_exactly_one_wins(tree, django_user_model):
    results, rice, buyers = last_bag_race(tree, django_user_model)
    assert sorted(results) == [(201, None), (409, "out_of_stock")]
    rice.refresh_from_db()
    assert rice.stock == 0 and Redemption.objects.count() == 1 and register_adds_up(rice)
    balances = sorted(Account.objects.filter(volunteer__in=buyers).values_list("balance", flat=True))
    assert balances == [Decimal("450.00"), Decimal("500.00")]
    assert Account.objects.get(kind=AccountKind.SHOP, unit=rice.unit).balance == Decimal("50.00")
    assert ledger_consistent()


def test_control_without_the_item_lock_both_pass_the_stock_check(tree, django_user_model, monkeypatch):
    def take_the_lock_away() -> None:
        without_lock(
            monkeypatch,
            shop,
            "_lock_item",
            lambda item: ShopItem.objects.select_related("unit").get(pk=item.pk),
            parties=2,
        )

    results, rice, _buyers = last_bag_race(tree, django_user_model, before=take_the_lock_away)
    # Both racers saw one bag in stock and went on to sell it: the first sold it, the second
    # ran into the database's constraint on the stock (a 500, not a clean 409).
    assert (201, None) in results
    assert any(isinstance(result, IntegrityError) for result in results), results
    rice.refresh_from_db()
    assert rice.stock == 0 and Redemption.objects.count() == 1


def test_two_redemptions_racing_for_the_last_points_one_wins(tree, django_user_model):
    first_keeper = make_manager(django_user_model, tree["S1"], "甲")
    second_keeper = make_manager(django_user_model, tree["I1"], "乙")
    rice = make_item(tree["S1"], first_keeper, stock=5, price="50")
    oil = make_item(tree["I1"], second_keeper, stock=5, price="50", name="食用油")
    buyer = make_volunteer(tree["S1"], "李四")
    give_points(buyer, "50")
    token = make_volunteer_code(buyer.pk, timezone.now())
    results = run_together(
        [redeem_call(first_keeper, rice, {"token": token}), redeem_call(second_keeper, oil, {"token": token})]
    )
    assert sorted(results) == [(201, None), (409, "insufficient_points")]
    assert Account.objects.get(volunteer=buyer).balance == Decimal("0.00")
    assert Redemption.objects.count() == 1
    assert sorted([register_adds_up(rice), register_adds_up(oil)]) == [True, True]
    assert sorted([rice.stock, oil.stock]) == [4, 5]
    assert ledger_consistent()


def test_one_exchange_code_shown_at_two_counters_at_once_is_used_once(tree, django_user_model):
    first_keeper = make_manager(django_user_model, tree["S1"], "甲")
    second_keeper = make_manager(django_user_model, tree["I1"], "乙")
    rice = make_item(tree["S1"], first_keeper, stock=5, price="10")
    oil = make_item(tree["I1"], second_keeper, stock=5, price="10", name="食用油")
    buyer = make_volunteer(tree["S1"], "李四")
    give_points(buyer, "100")
    code = shop.issue_exchange_code(buyer, now=timezone.now()).code
    results = run_together(
        [redeem_call(first_keeper, rice, {"code": code}), redeem_call(second_keeper, oil, {"code": code})]
    )
    assert sorted(results) == [(201, None), (409, "code_used")]
    assert Account.objects.get(volunteer=buyer).balance == Decimal("90.00")
    assert ledger_consistent()
