"""check_ledger and ``manage.py check_points``: a consistent ledger passes, any tampering is reported."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from events.models import RecordStatus
from points import ledger
from points.checks import check_ledger
from points.models import AccountKind, Entry, Redemption, ShopItem, StockMovement, StockMovementKind, TransferKind


@pytest.fixture
def books(tree, volunteer, served, station_manager):
    """An approved record's 20 points, 5 of them spent on an item of S1's shop, stock kept in its register."""
    served.status = RecordStatus.APPROVED
    served.save(update_fields=["status"])
    account = ledger.volunteer_account(volunteer)
    shop = ledger.unit_account(tree["S1"], AccountKind.SHOP)
    item = ShopItem.objects.create(unit=tree["S1"], name="一袋大米", price=Decimal("5.00"))
    with transaction.atomic():
        ledger.post(
            TransferKind.EARN,
            ledger.unit_account(tree["S1"], AccountKind.ISSUE),
            account,
            Decimal(20),
            unit=tree["S1"],
            record=served,
            hours=Decimal(2),
        )
        StockMovement.objects.create(
            item=item,
            kind=StockMovementKind.RECEIVED,
            quantity=3,
            stock_after=3,
            by=station_manager,
            created_at=served.checked_out_at,
        )
        redemption = Redemption.objects.create(
            item=item, volunteer=volunteer, points=item.price, by=station_manager, created_at=served.checked_out_at
        )
        ledger.post(TransferKind.REDEMPTION, account, shop, item.price, unit=tree["S1"], redemption=redemption)
        StockMovement.objects.create(
            item=item,
            kind=StockMovementKind.REDEEMED,
            quantity=-1,
            stock_after=2,
            redemption=redemption,
            by=station_manager,
            created_at=served.checked_out_at,
        )
        ShopItem.objects.filter(pk=item.pk).update(stock=2)
    return {"account": account, "shop": shop, "item": item, "record": served, "redemption": redemption}


# On PostgreSQL the trigger of migration 0002 refuses these tamperings outright (tests/points/test_ledger_basics.py).
entries_tamperable = pytest.mark.skipif(
    connection.vendor == "postgresql", reason="PostgreSQL refuses to change ledger entries"
)


def raw(sql: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_consistent_ledger_has_no_differences(books):
    assert check_ledger() == []


def test_the_command_says_the_ledger_is_consistent(books, capsys):
    call_command("check_points")

    assert "consistent" in capsys.readouterr().out


def test_a_balance_changed_behind_the_ledgers_back_is_reported_and_the_command_fails(books, capsys):
    # The PostgreSQL trigger guards entries and transfers, not the cached balance: a raw UPDATE can change it.
    raw("UPDATE points_account SET balance = balance + 100 WHERE id = %s", books["account"].pk)

    with pytest.raises(CommandError):
        call_command("check_points")

    out = capsys.readouterr().out
    assert f"account {books['account'].pk} (volunteer) balance 115.00, entries 15.00" in out
    assert "All balances sum to 100.00, not 0." in out


def test_stock_changed_without_a_movement_is_reported(books):
    raw("UPDATE points_shopitem SET stock = 3 WHERE id = %s", books["item"].pk)

    problems = check_ledger()

    assert any(
        "Stock differs from the stock register" in problem and "stock 3, register 2" in problem for problem in problems
    )
    assert any("received 3 − redeemed 1 + returned 0" in problem for problem in problems)


def test_points_still_standing_for_a_rejected_record_are_reported(books):
    raw("UPDATE events_servicerecord SET status = %s WHERE id = %s", RecordStatus.REJECTED, books["record"].pk)

    problems = check_ledger()

    earned = books["record"].points_transfers.get()
    assert problems == [
        f"Points stand for a service record that is not approved: transfer {earned.pk} "
        f"of record {books['record'].pk} (rejected): 20.00 earned, 0.00 reversed"
    ]


@entries_tamperable
def test_a_spending_that_left_a_volunteer_in_debt_is_reported(tree, books):
    entry = Entry.objects.get(account=books["account"], amount__lt=0)
    # Only possible behind post()'s back: an entry written as if the guard had been skipped.
    raw("UPDATE points_entry SET balance_after = -1 WHERE id = %s", entry.pk)

    problems = check_ledger()

    assert any("taken below zero by something other than a reversal" in problem for problem in problems)
    assert any("balance after differs" in problem for problem in problems)


@entries_tamperable
def test_an_entry_missing_from_a_transfer_is_reported(books):
    entry = Entry.objects.filter(account=books["shop"]).get()
    raw("DELETE FROM points_entry WHERE id = %s", entry.pk)

    problems = check_ledger()

    assert any(problem == "All entries sum to -5.00, not 0." for problem in problems)
    assert any("1 entries, out -5.00, in 0.00" in problem for problem in problems)


def test_a_redemption_without_its_payment_is_reported(books, tree, volunteer, station_manager):
    Redemption.objects.create(
        item=books["item"],
        volunteer=volunteer,
        points=Decimal(5),
        by=station_manager,
        created_at=books["redemption"].created_at,
    )

    problems = check_ledger()

    assert any("not paid once with its points" in problem for problem in problems)
    assert any("redeemed 2" in problem for problem in problems)


def test_the_checks_take_the_same_number_of_queries_however_many_rows(books, tree, volunteer):
    with CaptureQueriesContext(connection) as few:
        check_ledger()
    with transaction.atomic():
        for _ in range(30):
            ledger.post(
                TransferKind.EARN,
                ledger.unit_account(tree["S1"], AccountKind.ISSUE),
                books["account"],
                Decimal(1),
                unit=tree["S1"],
                record=books["record"],
            )
    with CaptureQueriesContext(connection) as many:
        check_ledger()

    assert len(few) == len(many) <= 14


def test_points_given_to_a_relative_without_an_accepted_gift_are_reported(books, tree, other_volunteer):
    with transaction.atomic():
        ledger.post(
            TransferKind.GIFT,
            books["account"],
            ledger.volunteer_account(other_volunteer),
            Decimal(5),
            unit=tree["S1"],
        )

    problems = check_ledger()

    assert len(problems) == 1 and problems[0].startswith("Points transferred to a relative without an accepted")
