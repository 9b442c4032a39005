"""Points expire after the rule's years (hours never do), first in, first out.

What a volunteer spent, gave or lost to an earlier expiry used up their oldest points
first; what is left of the points credited before the cutoff expires. A reversed credit
and its reversal cancel out: they neither expire nor use up older points; so do a
redemption and the return of its goods. The volunteer's
page shows ``expiring`` for the 30 days before a run takes the points.
"""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal
from typing import cast

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Sum, Window
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext

from points import ledger
from points.earning import rule_for
from points.models import ZERO, Account, AccountKind, Entry, PointsRule, Transfer, TransferKind
from volunteers.models import Volunteer

logger = logging.getLogger(__name__)


def years_before(moment: datetime.datetime, years: int) -> datetime.datetime:
    """The same Shanghai wall-clock moment ``years`` earlier (29 February becomes the 28th)."""
    local = timezone.localtime(moment)
    try:
        return local.replace(year=local.year - years)
    except ValueError:
        return local.replace(year=local.year - years, day=28)


# A reversal takes back a credit; a return (退回) gives back a redemption's points, whole.
UNDOING = (TransferKind.REVERSAL, TransferKind.RETURN)


def _cancelled_out() -> Q:
    """Entries of transfers undone (a credit reversed, a redemption returned), and of what undid them.

    Returned goods leave the points as they were: had the return counted as a new credit,
    redeeming old points and returning the goods would renew them for another term.
    """
    undone = Transfer.objects.filter(reverses=OuterRef("transfer_id"), kind__in=UNDOING)
    return Q(Exists(undone)) | Q(transfer__kind__in=UNDOING, transfer__reverses__isnull=False)


def _entries(account: Account):
    return Entry.objects.filter(account=account).exclude(_cancelled_out())


def _expired_by(account: Account, cutoff: datetime.datetime) -> Decimal:
    totals = _entries(account).aggregate(
        old=Coalesce(Sum("amount", filter=Q(amount__gt=0, created_at__lt=cutoff)), ZERO),
        used=Coalesce(Sum("amount", filter=Q(amount__lt=0)), ZERO),
    )
    return max(ZERO, min(account.balance, totals["old"] + totals["used"]))


def _expiry_years(volunteer: Volunteer) -> int | None:
    rule = rule_for(volunteer.home_station)
    return rule.expiry_years if rule is not None else None


def expiring(volunteer: Volunteer, *, now: datetime.datetime, within_days: int = 30) -> Decimal:
    """Points of the volunteer that expire within ``within_days`` of ``now`` (0: what a run takes now)."""
    years = _expiry_years(volunteer)
    if years is None:
        return ZERO
    account = ledger.volunteer_account(volunteer)
    if account.balance <= 0:
        return ZERO
    return _expired_by(account, years_before(now + datetime.timedelta(days=within_days), years))


def expiry_date_of_next(volunteer: Volunteer, *, now: datetime.datetime) -> datetime.date | None:
    """The Shanghai date the volunteer's oldest unspent points expire, or None (none left, or no expiry)."""
    years = _expiry_years(volunteer)
    if years is None:
        return None
    account = ledger.volunteer_account(volunteer)
    if account.balance <= 0:
        return None
    used = -(_entries(account).filter(amount__lt=0).aggregate(used=Coalesce(Sum("amount"), ZERO))["used"])
    # The first credit that the debits, oldest first, have not used up.
    credits = _entries(account).filter(amount__gt=0)
    running = Window(Sum("amount"), order_by=["created_at", "id"])
    oldest = (
        credits.annotate(running=running).filter(running__gt=used).order_by("created_at", "id").values("created_at")
    )
    first = oldest.first()
    if first is None:
        return None
    expires = years_before(first["created_at"], -years)
    return timezone.localdate(max(expires, now))


def expire_points(*, now: datetime.datetime, dry_run: bool = False) -> dict[str, int | Decimal]:
    """Take the points older than their rule's years from every volunteer (EXPIRY, to the center's expiry account).

    The rule is that of the volunteer's home station, whose figures count the expiry:
    wherever points were earned, they are kept where the volunteer belongs. Each volunteer
    in a transaction of their own, under the lock of their account. ``dry_run`` counts
    without moving. Safe to run from cron as often as you like: what expired is gone, so
    a second run finds nothing.
    """
    if not PointsRule.objects.filter(expiry_years__isnull=False).exists():
        return {"volunteers": 0, "points": ZERO}
    # Read first, then move each: the moves change the rows a cursor would still be reading.
    accounts = list(
        Account.objects.filter(kind=AccountKind.VOLUNTEER, balance__gt=0)
        .select_related("volunteer__home_station")
        .order_by("pk")
    )
    years_at: dict[int, int | None] = {}
    volunteers, total = 0, ZERO
    for account in accounts:
        volunteer = cast(Volunteer, account.volunteer)  # a volunteer account's owner, by constraint
        station = volunteer.home_station
        if station.pk not in years_at:
            years_at[station.pk] = _expiry_years(volunteer)
        years = years_at[station.pk]
        if years is None:
            continue
        with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
            locked = Account.objects.select_for_update().get(pk=account.pk)
            amount = _expired_by(locked, years_before(now, years))
            if amount <= 0:
                continue
            volunteers, total = volunteers + 1, total + amount
            if dry_run:
                continue
            # Unguarded: expiry takes only points the account holds, frozen or not.
            ledger.post(
                TransferKind.EXPIRY,
                locked,
                ledger.unit_account(station, AccountKind.EXPIRY),
                amount,
                unit=station,
                at=now,
                guarded=False,
                memo=gettext("Points older than %(years)s years expired") % {"years": years},
            )
    return {"volunteers": volunteers, "points": total}
