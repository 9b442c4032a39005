"""Does the ledger add up? ``check_ledger`` checks a live database against the ledger's invariants.

Each check is one aggregate query, whatever the number of rows, so ``manage.py
check_points`` can run nightly on a database of millions of entries. Every
difference is reported as one line naming the rows, for a person to look into
(docs/operations.md says what to do); an empty list means the ledger is consistent.

The checks are:

- an account's balance is the sum of its entries, and each entry's ``balance_after``
  is the one before it plus its amount (so the page's running balance is true);
- a transfer has exactly two entries: ``-amount`` on its source, ``+amount`` on its target;
- all entries together sum to zero (nothing is created or lost);
- a shop or pool never holds less than zero; a volunteer's account goes below zero
  only by a reversal: every debit that leaves it negative is a REVERSAL transfer;
- an item's stock is the sum of its stock movements, and equals
  received − redeemed + returned + stocktaking adjustments, where redeemed and
  returned are read from the redemptions themselves (账物相符);
- a redemption was paid once with its points, and a returned one paid back once;
- points earned by service stand only for approved records: an EARN transfer not
  fully reversed belongs to an approved record, and nothing is reversed more than it was;
- points awarded by hand stand only for approved awards of the same amount, and points
  given to a relative only for an accepted gift of the same amount.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Abs, Coalesce, Lag
from django.db.models.lookups import GreaterThanOrEqual

from events.models import RecordStatus
from points.models import (
    Account,
    AccountKind,
    Entry,
    Redemption,
    RedemptionStatus,
    RequestStatus,
    ShopItem,
    StockMovement,
    StockMovementKind,
    Transfer,
    TransferKind,
)

# How many rows of each kind of difference are named; the count is always exact.
SHOWN = 20
ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))
NO_ITEMS = Value(0)
HALF_CENT = Value(Decimal("0.005"), output_field=DecimalField(max_digits=14, decimal_places=3))


def _differ(left: Combinable, right: Combinable) -> Q:
    """``left`` and ``right`` differ by a cent or more.

    Exact on PostgreSQL; SQLite adds decimals as floating point, whose sums may be off
    by far less than a cent, so an equality there would report differences that are not.
    """
    return Q(GreaterThanOrEqual(Abs(left - right), HALF_CENT))


def _pts(value: object) -> str:
    """Two decimals whatever the database returned (SQLite sums may come back as 15 or 15.0)."""
    return f"{Decimal(str(value or 0)).quantize(Decimal('0.01'))}"


def _sum(field: str, **filter_kwargs) -> Coalesce:
    total = Sum(field, filter=Q(**filter_kwargs)) if filter_kwargs else Sum(field)
    return Coalesce(total, ZERO, output_field=DecimalField(max_digits=14, decimal_places=2))


def _report(problems: list[str], what: str, rows: QuerySet, describe: Callable[[tuple], str]) -> None:
    found = list(rows[: SHOWN + 1])
    if not found:
        return
    more = " …" if len(found) > SHOWN else ""
    problems.append(f"{what}: " + "; ".join(describe(row) for row in found[:SHOWN]) + more)


def check_ledger() -> list[str]:
    """Check every invariant of the ledger and the stock register; return the differences found."""
    problems: list[str] = []
    _check_accounts(problems)
    _check_transfers(problems)
    _check_stock(problems)
    _check_causes(problems)
    return problems


def _check_accounts(problems: list[str]) -> None:
    totals = Entry.objects.aggregate(total=_sum("amount"))
    balances = Account.objects.aggregate(total=_sum("balance"))["total"]
    if abs(Decimal(str(totals["total"]))) >= Decimal("0.005"):
        problems.append(f"All entries sum to {_pts(totals['total'])}, not 0.")
    if abs(Decimal(str(balances))) >= Decimal("0.005"):
        problems.append(f"All balances sum to {_pts(balances)}, not 0.")
    _report(
        problems,
        "Balance differs from the sum of the account's entries",
        Account.objects.annotate(total=_sum("entries__amount"))
        .filter(_differ(F("balance"), F("total")))
        .order_by("pk")
        .values_list("pk", "kind", "balance", "total"),
        lambda row: f"account {row[0]} ({row[1]}) balance {_pts(row[2])}, entries {_pts(row[3])}",
    )
    running = Entry.objects.annotate(
        before=Window(Lag("balance_after"), partition_by=[F("account_id")], order_by=F("id").asc())
    )
    _report(
        problems,
        "Entry's balance after differs from the balance before it plus its amount",
        running.filter(_differ(F("balance_after"), Coalesce(F("before"), ZERO) + F("amount"))).values_list(
            "pk", "account_id", "balance_after", "before", "amount"
        ),
        lambda row: f"entry {row[0]} of account {row[1]}: {_pts(row[3])} + {_pts(row[4])} ≠ {_pts(row[2])}",
    )
    _report(
        problems,
        "Shop or pool below zero",
        Account.objects.filter(kind__in=[AccountKind.SHOP, AccountKind.POOL], balance__lt=0)
        .order_by("pk")
        .values_list("pk", "kind", "balance"),
        lambda row: f"account {row[0]} ({row[1]}) {_pts(row[2])}",
    )
    _report(
        problems,
        "Volunteer's balance taken below zero by something other than a reversal",
        Entry.objects.filter(account__kind=AccountKind.VOLUNTEER, amount__lt=0, balance_after__lt=0)
        .exclude(transfer__kind=TransferKind.REVERSAL)
        .order_by("pk")
        .values_list("pk", "account_id", "transfer__kind", "balance_after"),
        lambda row: f"entry {row[0]} of account {row[1]} ({row[2]}) left {_pts(row[3])}",
    )


def _check_transfers(problems: list[str]) -> None:
    transfers = Transfer.objects.annotate(
        sides=Count("entries"),
        total=_sum("entries__amount"),
        out=_sum("entries__amount", entries__account_id=F("source_id")),
        into=_sum("entries__amount", entries__account_id=F("target_id")),
    )
    _report(
        problems,
        "Transfer whose entries are not -amount on its source and +amount on its target",
        transfers.filter(
            ~Q(sides=2) | _differ(F("total"), ZERO) | _differ(F("out"), -F("amount")) | _differ(F("into"), F("amount"))
        )
        .order_by("pk")
        .values_list("pk", "kind", "amount", "sides", "out", "into"),
        lambda row: (
            f"transfer {row[0]} ({row[1]} {_pts(row[2])}): {row[3]} entries, out {_pts(row[4])}, in {_pts(row[5])}"
        ),
    )


def _check_stock(problems: list[str]) -> None:
    def quantities(**filter_kwargs) -> Coalesce:
        return Coalesce(Sum("quantity", filter=Q(**filter_kwargs)), NO_ITEMS)

    register = (
        StockMovement.objects.filter(item=OuterRef("pk"))
        .order_by()
        .values("item")
        .annotate(
            total=Sum("quantity"),
            received=quantities(kind=StockMovementKind.RECEIVED),
            counted=quantities(kind=StockMovementKind.COUNTED),
        )
    )
    handed = Redemption.objects.filter(item=OuterRef("pk")).order_by().values("item")
    items = ShopItem.objects.annotate(
        register=Coalesce(Subquery(register.values("total")), NO_ITEMS),
        received=Coalesce(Subquery(register.values("received")), NO_ITEMS),
        counted=Coalesce(Subquery(register.values("counted")), NO_ITEMS),
        redeemed=Coalesce(Subquery(handed.annotate(n=Sum("quantity")).values("n")), NO_ITEMS),
        returned=Coalesce(
            Subquery(handed.filter(status=RedemptionStatus.RETURNED).annotate(n=Sum("quantity")).values("n")),
            NO_ITEMS,
        ),
    )
    _report(
        problems,
        "Stock differs from the stock register",
        items.exclude(stock=F("register")).order_by("pk").values_list("pk", "name", "stock", "register"),
        lambda row: f"item {row[0]} {row[1]}: stock {row[2]}, register {row[3]}",
    )
    _report(
        problems,
        "Stock differs from received − redeemed + returned + stocktaking",
        items.exclude(stock=F("received") - F("redeemed") + F("returned") + F("counted"))
        .order_by("pk")
        .values_list("pk", "name", "stock", "received", "redeemed", "returned", "counted"),
        lambda row: (
            f"item {row[0]} {row[1]}: stock {row[2]}, received {row[3]} − redeemed {row[4]} "
            f"+ returned {row[5]} + stocktaking {row[6]:+}"
        ),
    )
    paid = Transfer.objects.filter(
        redemption=OuterRef("pk"), kind__in=[TransferKind.REDEMPTION, TransferKind.POOL_SPEND]
    ).order_by()
    paid_back = Transfer.objects.filter(redemption=OuterRef("pk"), kind=TransferKind.RETURN).order_by()
    redemptions = Redemption.objects.annotate(
        paid=Coalesce(Subquery(paid.values("redemption").annotate(s=Sum("amount")).values("s")), ZERO),
        payments=Coalesce(Subquery(paid.values("redemption").annotate(n=Count("pk")).values("n")), NO_ITEMS),
        paid_back=Coalesce(Subquery(paid_back.values("redemption").annotate(s=Sum("amount")).values("s")), ZERO),
    )
    wrong_back = (Q(status=RedemptionStatus.RETURNED) & _differ(F("paid_back"), F("points"))) | (
        Q(status=RedemptionStatus.DONE) & _differ(F("paid_back"), ZERO)
    )
    _report(
        problems,
        "Redemption not paid once with its points, or its return not paid back once",
        redemptions.filter(~Q(payments=1) | _differ(F("paid"), F("points")) | wrong_back)
        .order_by("pk")
        .values_list("pk", "status", "points", "paid", "paid_back"),
        lambda row: (
            f"redemption {row[0]} ({row[1]}) {_pts(row[2])} points: paid {_pts(row[3])}, paid back {_pts(row[4])}"
        ),
    )


def _check_causes(problems: list[str]) -> None:
    earnings = Transfer.objects.filter(kind=TransferKind.EARN).annotate(
        reversed=_sum("reversals__amount", reversals__kind=TransferKind.REVERSAL)
    )
    _report(
        problems,
        "Points stand for a service record that is not approved",
        earnings.exclude(record__status=RecordStatus.APPROVED)
        .filter(GreaterThanOrEqual(F("amount") - F("reversed"), HALF_CENT))
        .order_by("pk")
        .values_list("pk", "record_id", "record__status", "amount", "reversed"),
        lambda row: f"transfer {row[0]} of record {row[1]} ({row[2]}): {_pts(row[3])} earned, {_pts(row[4])} reversed",
    )
    _report(
        problems,
        "Transfer reversed by more than its amount",
        Transfer.objects.annotate(reversed=_sum("reversals__amount"))
        .filter(GreaterThanOrEqual(F("reversed") - F("amount"), HALF_CENT))
        .order_by("pk")
        .values_list("pk", "kind", "amount", "reversed"),
        lambda row: f"transfer {row[0]} ({row[1]} {_pts(row[2])}) reversed {_pts(row[3])}",
    )
    _report(
        problems,
        "Points awarded by hand without an approved award of that amount",
        Transfer.objects.filter(kind__in=[TransferKind.AWARD, TransferKind.REFERRAL])
        .exclude(award__status=RequestStatus.APPROVED, award__amount=F("amount"))
        .order_by("pk")
        .values_list("pk", "award_id", "amount"),
        lambda row: f"transfer {row[0]} (award {row[1]}) {_pts(row[2])}",
    )
    _report(
        problems,
        "Points transferred to a relative without an accepted transfer of that amount",
        Transfer.objects.filter(kind=TransferKind.GIFT)
        .exclude(gift__status=RequestStatus.APPROVED, gift__amount=F("amount"))
        .order_by("pk")
        .values_list("pk", "gift_id", "amount"),
        lambda row: f"transfer {row[0]} (gift {row[1]}) {_pts(row[2])}",
    )
