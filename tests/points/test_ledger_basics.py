"""points.ledger.post, the one way points move: double entry, guarded debits, frozen accounts, append-only rows."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.utils import IntegrityError, InternalError

from points import ledger
from points.errors import PointsError
from points.models import Account, AccountKind, Entry, Transfer, TransferKind


@pytest.fixture
def accounts(tree, volunteer, other_volunteer):
    return {
        "issue": ledger.unit_account(tree["S1"], AccountKind.ISSUE),
        "reversal": ledger.unit_account(tree["S1"], AccountKind.REVERSAL),
        "shop": ledger.unit_account(tree["S1"], AccountKind.SHOP),
        "volunteer": ledger.volunteer_account(volunteer),
        "other": ledger.volunteer_account(other_volunteer),
    }


def post(kind, source, target, amount, unit, **kwargs) -> Transfer:
    with transaction.atomic():
        return ledger.post(kind, source, target, Decimal(amount), unit=unit, **kwargs)


def balance(account: Account) -> Decimal:
    return Account.objects.get(pk=account.pk).balance


def test_a_transfer_writes_two_entries_that_sum_to_zero_and_moves_both_balances(tree, accounts):
    transfer = post(TransferKind.EARN, accounts["issue"], accounts["volunteer"], "12.50", tree["S1"])

    entries = {entry.account_id: entry for entry in transfer.entries.all()}
    assert entries[accounts["volunteer"].pk].amount == Decimal("12.50")
    assert entries[accounts["issue"].pk].amount == Decimal("-12.50")
    assert entries[accounts["volunteer"].pk].balance_after == Decimal("12.50")
    assert balance(accounts["volunteer"]) == Decimal("12.50")
    assert balance(accounts["issue"]) == Decimal("-12.50")


def test_system_accounts_are_one_per_center_whatever_unit_asks(tree, accounts):
    assert ledger.unit_account(tree["S2"], AccountKind.ISSUE) == accounts["issue"]
    assert accounts["issue"].unit == tree["C"]
    assert ledger.unit_account(tree["S2"], AccountKind.SHOP) != accounts["shop"]


def test_a_volunteer_cannot_spend_more_than_the_balance(tree, accounts):
    post(TransferKind.EARN, accounts["issue"], accounts["volunteer"], "10", tree["S1"])

    with pytest.raises(PointsError) as refused:
        post(TransferKind.REDEMPTION, accounts["volunteer"], accounts["shop"], "10.01", tree["S1"])

    assert refused.value.code == "insufficient_points"
    assert balance(accounts["volunteer"]) == Decimal("10.00")
    assert Transfer.objects.filter(kind=TransferKind.REDEMPTION).count() == 0


def test_spending_exactly_the_balance_leaves_zero(tree, accounts):
    post(TransferKind.EARN, accounts["issue"], accounts["volunteer"], "10", tree["S1"])
    post(TransferKind.REDEMPTION, accounts["volunteer"], accounts["shop"], "10", tree["S1"])

    assert balance(accounts["volunteer"]) == 0
    assert balance(accounts["shop"]) == Decimal("10.00")


def test_frozen_points_cannot_be_spent_but_can_still_be_reversed(tree, accounts):
    earned = post(TransferKind.EARN, accounts["issue"], accounts["volunteer"], "10", tree["S1"])
    Account.objects.filter(pk=accounts["volunteer"].pk).update(frozen_reason="disputed record")

    with pytest.raises(PointsError) as refused:
        post(TransferKind.REDEMPTION, accounts["volunteer"], accounts["shop"], "5", tree["S1"])
    post(
        TransferKind.REVERSAL,
        accounts["volunteer"],
        accounts["reversal"],
        "10",
        tree["S1"],
        guarded=False,
        reverses=earned,
    )

    assert refused.value.code == "account_frozen"
    assert balance(accounts["volunteer"]) == 0


def test_a_reversal_of_points_already_spent_leaves_a_debt(tree, accounts):
    earned = post(TransferKind.EARN, accounts["issue"], accounts["volunteer"], "10", tree["S1"])
    post(TransferKind.REDEMPTION, accounts["volunteer"], accounts["shop"], "8", tree["S1"])

    post(
        TransferKind.REVERSAL,
        accounts["volunteer"],
        accounts["reversal"],
        "10",
        tree["S1"],
        guarded=False,
        reverses=earned,
    )

    assert balance(accounts["volunteer"]) == Decimal("-8.00")
    assert earned.reversals.get().amount == Decimal("10.00")


@pytest.mark.parametrize("amount", ["0", "-5", "0.001"])
def test_nothing_and_negative_amounts_are_refused(tree, accounts, amount):
    with pytest.raises(PointsError) as refused:
        post(TransferKind.EARN, accounts["issue"], accounts["volunteer"], amount, tree["S1"])

    assert refused.value.code == "invalid_amount"
    assert not Transfer.objects.exists()


def test_points_cannot_move_to_the_same_account(tree, accounts):
    with pytest.raises(PointsError) as refused:
        post(TransferKind.GIFT, accounts["volunteer"], accounts["volunteer"], "1", tree["S1"])

    assert refused.value.code == "same_account"


@pytest.mark.django_db(transaction=True)
def test_posting_outside_a_transaction_is_a_programming_error(tree, accounts):
    with pytest.raises(RuntimeError):
        ledger.post(TransferKind.EARN, accounts["issue"], accounts["volunteer"], Decimal(1), unit=tree["S1"])


def test_an_entry_is_never_changed_or_deleted_through_the_model(tree, accounts):
    entry = post(TransferKind.EARN, accounts["issue"], accounts["volunteer"], "10", tree["S1"]).entries.first()
    entry.amount = Decimal("1000.00")

    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()

    assert Entry.objects.get(pk=entry.pk).amount in (Decimal("10.00"), Decimal("-10.00"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE points_entry SET amount = 1000",
        "DELETE FROM points_entry",
        "UPDATE points_transfer SET amount = 1000",
        "DELETE FROM points_transfer",
    ],
)
def test_the_database_refuses_to_change_or_delete_ledger_rows_whatever_the_path(tree, accounts, statement):
    post(TransferKind.EARN, accounts["issue"], accounts["volunteer"], "10", tree["S1"])

    with pytest.raises((IntegrityError, InternalError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)

    assert sorted(Entry.objects.values_list("amount", flat=True)) == [Decimal("-10.00"), Decimal("10.00")]
    assert Transfer.objects.get().amount == Decimal("10.00")
