"""Races of gifts and of the donations pool, on PostgreSQL; each with its control (tests/test_races.py explains)."""

from decimal import Decimal

import pytest
from django.db import IntegrityError

from points import gifts, shop
from points.models import Gift, Redemption, ShopItem, Transfer, TransferKind
from tests.concurrency import run_together, without_lock
from tests.conftest import client_for, make_manager, make_volunteer
from tests.points.test_gifts_support import balance, credit, generous_rule  # noqa: F401

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("generous_rule")]


def accept_twice_at_once(volunteer, other_volunteer) -> list[int]:
    credit(volunteer, "50")
    gift = gifts.offer_gift(volunteer, other_volunteer, Decimal("20"), relation="子女")
    url = f"/api/v1/me/gifts/{gift.pk}/accept/"
    return run_together([lambda: client_for(other_volunteer.user).post(url).status_code] * 2)


def test_a_gift_accepted_twice_at_once_moves_once(volunteer, other_volunteer):
    assert sorted(accept_twice_at_once(volunteer, other_volunteer)) == [200, 409]
    assert Transfer.objects.filter(kind=TransferKind.GIFT).count() == 1
    assert (balance(volunteer), balance(other_volunteer)) == (Decimal("30.00"), Decimal("20.00"))


def test_control_without_the_gift_lock_it_moves_twice(volunteer, other_volunteer, monkeypatch):
    without_lock(monkeypatch, gifts, "_pending", lambda gift: Gift.objects.get(pk=gift.pk), parties=2)
    accept_twice_at_once(volunteer, other_volunteer)
    assert Transfer.objects.filter(kind=TransferKind.GIFT).count() == 2


def test_two_gifts_that_together_exceed_the_balance_accepted_at_once_one_wins(volunteer, other_volunteer, tree):
    third = make_volunteer(tree["S1"], "周八")
    credit(volunteer, "50")
    offers = [
        (gifts.offer_gift(volunteer, person, Decimal("40"), relation="子女"), person)
        for person in (other_volunteer, third)
    ]
    statuses = run_together(
        [
            lambda g=gift, p=person: client_for(p.user).post(f"/api/v1/me/gifts/{g.pk}/accept/").status_code
            for gift, person in offers
        ]
    )
    assert sorted(statuses) == [200, 409]
    assert balance(volunteer) == Decimal("10.00")


def the_last_item(volunteer, tree, django_user_model) -> tuple[ShopItem, object]:
    """One bag of rice left at S1's shop and 100 points in S1's pool; returns the item and S1's manager."""
    manager = make_manager(django_user_model, tree["S1"], "站管理员")
    item = ShopItem.objects.create(unit=tree["S1"], name="一袋大米", price=Decimal("10.00"))
    shop.receive_stock(item, 1, by=manager)
    credit(volunteer, "100")
    gifts.donate(volunteer, tree["S1"], Decimal("100"))
    return item, manager


def spend_twice(item, manager) -> list:
    residents = ("王奶奶（孤寡老人）", "李爷爷（特困）")
    return run_together([lambda r=r: gifts.spend_pool(item, recipient=r, by=manager) for r in residents])


def test_two_residents_given_the_last_item_at_once_exactly_one_gets_it(volunteer, tree, django_user_model):
    results = spend_twice(*the_last_item(volunteer, tree, django_user_model))
    assert sorted(type(result).__name__ for result in results) == ["PointsError", "Redemption"]
    assert Redemption.objects.count() == 1 and ShopItem.objects.get().stock == 0


def test_control_without_the_item_lock_both_pass_the_stock_check(volunteer, tree, django_user_model, monkeypatch):
    item, manager = the_last_item(volunteer, tree, django_user_model)
    read = lambda item: ShopItem.objects.select_related("unit").get(pk=item.pk)  # noqa: E731
    without_lock(monkeypatch, gifts, "_lock_item", read, parties=2)
    results = spend_twice(item, manager)
    # Neither is refused as out of stock: the database's stock constraint stops the second, as an error.
    assert not any(type(result).__name__ == "PointsError" for result in results)
    assert any(isinstance(result, IntegrityError) for result in results)
