"""The ledger's one way to move points: ``post``. Every other module moves points through it.

Callers run inside a transaction (``post`` requires one). Balances change by an UPDATE
of the account rows in id order, which takes their row locks: two movements touching
the same accounts queue behind each other and never deadlock; a guarded debit
(``balance >= amount`` in the same UPDATE) is how the database refuses to spend points
that are not there, even when two requests race (tests/points/test_races.py).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from events.models import ServiceRecord
from points.errors import PointsError
from points.models import SYSTEM_KINDS, Account, AccountKind, Entry, Transfer, TransferKind
from stations.models import PracticeUnit
from volunteers.models import Volunteer

CENT = Decimal("0.01")


def volunteer_account(volunteer: Volunteer) -> Account:
    """The volunteer's account, opened on first use."""
    return _get_or_open(kind=AccountKind.VOLUNTEER, volunteer=volunteer, unit=None)


def unit_account(unit: PracticeUnit, kind: AccountKind) -> Account:
    """A unit's shop or pool account, or a center's system account (issue, reversal, expiry)."""
    if kind in SYSTEM_KINDS:
        unit = center_of(unit)
    return _get_or_open(kind=kind, volunteer=None, unit=unit)


def center_of(unit: PracticeUnit) -> PracticeUnit:
    while unit.parent_id is not None:
        unit = unit.parent  # type: ignore[assignment]
    return unit


def _get_or_open(*, kind: str, volunteer: Volunteer | None, unit: PracticeUnit | None) -> Account:
    lookup: dict[str, object] = {"volunteer": volunteer} if volunteer is not None else {"kind": kind, "unit": unit}
    account = Account.objects.filter(**lookup).first()
    if account is not None:
        return account
    try:
        # A savepoint: a concurrent first use that wins the insert must not break the caller's transaction.
        with transaction.atomic():
            return Account.objects.create(kind=kind, volunteer=volunteer, unit=unit)
    except IntegrityError:
        return Account.objects.get(**lookup)


def post(
    kind: TransferKind,
    source: Account,
    target: Account,
    amount: Decimal,
    *,
    unit: PracticeUnit,
    by=None,
    at: datetime.datetime | None = None,
    guarded: bool | None = None,
    memo: str = "",
    record: ServiceRecord | None = None,
    hours: Decimal | None = None,
    reverses: Transfer | None = None,
    **cause,
) -> Transfer:
    """Move ``amount`` points from ``source`` to ``target`` and write both entries.

    ``guarded`` (by default: unless the source is a system account): refuse (PointsError
    ``insufficient_points``) if the source's balance would go below zero; a reversal
    posts unguarded, since points follow their records even when spent (the debt is
    paid back by later earnings). A frozen volunteer account cannot spend
    (``account_frozen``). Returns the transfer.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("points.ledger.post runs inside the caller's transaction")
    amount = Decimal(amount).quantize(CENT)
    if amount <= 0:
        raise PointsError("invalid_amount")
    if source.pk == target.pk:
        raise PointsError("same_account")
    at = at or timezone.now()
    if guarded is None:
        guarded = source.kind not in SYSTEM_KINDS
    balances = _move(source, target, amount, guarded=guarded)
    transfer = Transfer.objects.create(
        kind=kind,
        source=source,
        target=target,
        amount=amount,
        unit=unit,
        by=by,
        created_at=at,
        memo=memo[:200],
        record=record,
        hours=hours,
        reverses=reverses,
        **cause,
    )
    Entry.objects.bulk_create(
        [
            Entry(transfer=transfer, account=source, amount=-amount, balance_after=balances[source.pk], created_at=at),
            Entry(transfer=transfer, account=target, amount=amount, balance_after=balances[target.pk], created_at=at),
        ]
    )
    source.balance, target.balance = balances[source.pk], balances[target.pk]
    return transfer


def _move(source: Account, target: Account, amount: Decimal, *, guarded: bool) -> dict[int, Decimal]:
    """Change both balances (rows in id order) and return them as they are now."""
    for account in sorted((source, target), key=lambda account: account.pk):
        if account.pk == source.pk:
            rows = Account.objects.filter(pk=source.pk)
            frozen = Account.objects.filter(pk=source.pk).exclude(frozen_reason="")
            if guarded and source.kind == AccountKind.VOLUNTEER and frozen.exists():
                raise PointsError("account_frozen")
            if guarded:
                rows = rows.filter(balance__gte=amount)
            if not rows.update(balance=F("balance") - amount):
                raise PointsError("insufficient_points")
        else:
            Account.objects.filter(pk=target.pk).update(balance=F("balance") + amount)
    return dict(Account.objects.filter(pk__in=[source.pk, target.pk]).values_list("pk", "balance"))
