"""The ledger read back: an account's entries in words, and points figures per unit and month.

Both read the ledger itself (entries and transfers), never a copy kept beside it, so a
statement, a statistic and the ledger cannot disagree (TimeOverflow #701 is a report
computed apart from its transfers).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import RecordStatus
from points.expiry import expiring, expiry_date_of_next
from points.models import ZERO, Account, Entry, Transfer, TransferKind
from points.watch import frozen_reason_text
from stations.models import Level, PracticeUnit
from stations.scoping import is_under, root_units
from volunteers.models import Volunteer

CENT = Decimal("0.01")
ISSUED = (TransferKind.EARN, TransferKind.AWARD, TransferKind.REFERRAL)
REDEEMED = (TransferKind.REDEMPTION, TransferKind.POOL_SPEND)


def points_text(amount: Decimal) -> str:
    """12 for 12.00, 12.5 for 12.50: how people write points (without a sign)."""
    text = f"{abs(amount):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def signed_text(amount: Decimal) -> str:
    """+12, -12.5, 0."""
    return f"{'-' if amount < 0 else '+' if amount > 0 else ''}{points_text(amount)}"


@dataclass(frozen=True)
class StatementRow:
    """One entry of an account as its holder reads it."""

    id: int
    at: datetime.datetime
    kind: str
    words: str
    amount: Decimal
    balance_after: Decimal
    memo: str

    @property
    def amount_text(self) -> str:
        return signed_text(self.amount)

    @property
    def balance_text(self) -> str:
        return signed_text(self.balance_after).lstrip("+")


def entries_of(account: Account) -> QuerySet[Entry]:
    """The account's entries, newest first, with every cause the words name joined in."""
    return (
        Entry.objects.filter(account=account)
        .select_related(
            "transfer__record__event",
            "transfer__reverses__record__event",
            "transfer__redemption__item",
            "transfer__gift__giver",
            "transfer__gift__receiver",
            "transfer__award",
            "transfer__unit",
        )
        .order_by("-created_at", "-id")
    )


def entries_in_words(account: Account, *, limit: int, offset: int = 0) -> list[StatementRow]:
    """A page of the account's entries in words (「参加 社区环境清洁 获得 12 积分」), newest first, in one query."""
    entries = entries_of(account)[offset : offset + limit]
    return [
        StatementRow(
            id=entry.pk,
            at=entry.created_at,
            kind=entry.transfer.kind,
            words=text,
            amount=entry.amount,
            balance_after=entry.balance_after,
            memo=_memo(entry, text),
        )
        for entry in entries
        for text in [words(entry)]
    ]


def _memo(entry: Entry, text: str) -> str:
    """The memo where it adds to the words: an award's reason, a gift's relation or a pool's
    recipient are in the words already, and a gift's relation (the giver's word for the receiver:
    「母亲」) would tell the receiver the opposite of who they are."""
    memo = entry.transfer.memo
    if entry.transfer.kind == TransferKind.GIFT or memo in text:
        return ""
    return memo


class Statement:
    """An account's entries in words as a sequence that Django's and DRF's paginators page:
    one COUNT and one query per page, whatever the number of entries."""

    def __init__(self, account: Account | None) -> None:
        self.account = account

    def count(self) -> int:
        return Entry.objects.filter(account=self.account).count() if self.account is not None else 0

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[StatementRow]:
        if not isinstance(index, slice):
            raise TypeError("Statement pages are slices")
        start = index.start or 0
        if self.account is None:
            return []
        return entries_in_words(self.account, limit=max((index.stop or start) - start, 0), offset=start)


def words(entry: Entry) -> str:
    """What an entry means to the account's holder, built from the transfer's cause."""
    transfer = entry.transfer
    points = points_text(entry.amount)
    kind = transfer.kind
    incoming = entry.amount > 0
    if kind == TransferKind.EARN:
        event = transfer.record.event.title if transfer.record is not None else ""
        return _("Took part in %(event)s: earned %(points)s points") % {"event": event, "points": points}
    if kind == TransferKind.REVERSAL:
        record = transfer.record or (transfer.reverses.record if transfer.reverses is not None else None)
        if record is not None and record.status == RecordStatus.REJECTED:
            # Named, so the volunteer knows which of their records it was.
            return _("Service record of %(event)s rejected: %(points)s points reversed") % {
                "event": record.event.title,
                "points": points,
            }
        if record is not None:
            return _("Service record of %(event)s corrected: %(points)s points reversed") % {
                "event": record.event.title,
                "points": points,
            }
        return _("Reversed: %(points)s points") % {"points": points}
    if kind == TransferKind.AWARD:
        reason = transfer.award.reason if transfer.award is not None else transfer.memo
        return _("Awarded for %(reason)s: %(points)s points") % {"reason": reason, "points": points}
    if kind == TransferKind.REFERRAL:
        return _("Referral reward: %(points)s points") % {"points": points}
    if kind in (TransferKind.REDEMPTION, TransferKind.POOL_SPEND, TransferKind.RETURN):
        redemption = transfer.redemption
        item = redemption.item.name if redemption is not None else ""
        if redemption is not None and redemption.quantity > 1:
            item = f"{item} ×{redemption.quantity}"
        if kind == TransferKind.RETURN:
            return _("Returned %(item)s: %(points)s points back") % {"item": item, "points": points}
        if kind == TransferKind.POOL_SPEND:
            recipient = redemption.recipient if redemption is not None else ""
            return _("%(item)s for %(recipient)s from the donations pool: %(points)s points") % {
                "item": item,
                "recipient": recipient,
                "points": points,
            }
        if incoming:
            return _("%(item)s redeemed at the shop: %(points)s points") % {"item": item, "points": points}
        return _("Redeemed %(item)s: used %(points)s points") % {"item": item, "points": points}
    if kind == TransferKind.GIFT:
        gift = transfer.gift
        if incoming:
            giver = gift.giver.real_name if gift is not None else ""
            return _("Received from %(name)s: %(points)s points") % {"name": giver, "points": points}
        if gift is None:
            return _("Transferred to a relative: %(points)s points") % {"points": points}
        return _("Transferred to %(name)s (%(relation)s): %(points)s points") % {
            "name": gift.receiver.real_name,
            "relation": gift.relation,
            "points": points,
        }
    if kind == TransferKind.DONATION:
        if incoming:
            return _("Donation received: %(points)s points") % {"points": points}
        return _("Donated to the donations pool of %(unit)s: %(points)s points") % {
            "unit": transfer.unit.name,
            "points": points,
        }
    if kind == TransferKind.EXPIRY:
        return _("Points expired: %(points)s points") % {"points": points}
    return f"{transfer.get_kind_display()} {points}"


# Figures per unit and month ---------------------------------------------------------------


@dataclass(frozen=True)
class PointsFigures:
    """Points of one unit in one month: issued net of reversals, redeemed net of returns, expired."""

    unit_id: int
    unit_name: str
    unit_path: str
    month: datetime.date
    issued: Decimal
    redeemed: Decimal
    expired: Decimal


def _bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    zone = timezone.get_default_timezone()
    return (
        datetime.datetime.combine(start, datetime.time.min, tzinfo=zone),
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone),
    )


def _sum(kinds: Iterable[str]) -> Sum:
    return Sum("amount", filter=Q(kind__in=list(kinds)), default=ZERO)


def points_by_unit_month(
    units: PracticeUnit | QuerySet[PracticeUnit], start: datetime.date, end: datetime.date
) -> list[PointsFigures]:
    """Points issued, redeemed and expired per unit and month (Asia/Shanghai) from ``start`` to ``end``
    (both days included), summed from the transfers in one query.

    ``units`` is a unit (its whole subtree) or a queryset of units. A transfer counts in its
    own ``unit``: the event's for points earned, the shop's for redemptions, the volunteer's
    home station for expiry. Reversals are taken off what was issued, returns off what was
    redeemed, in the month they happen. Units and months without any movement are left out.
    """
    if isinstance(units, PracticeUnit):
        units = PracticeUnit.objects.subtree_of(units)
    since, until = _bounds(start, end)
    rows = (
        Transfer.objects.filter(unit__in=units.values("pk"), created_at__gte=since, created_at__lt=until)
        .annotate(month=TruncMonth("created_at", tzinfo=timezone.get_default_timezone()))
        .values("unit_id", "unit__name", "unit__path", "month")
        .annotate(
            earned=_sum(ISSUED),
            reversed=_sum([TransferKind.REVERSAL]),
            spent=_sum(REDEEMED),
            returned=_sum([TransferKind.RETURN]),
            lapsed=_sum([TransferKind.EXPIRY]),
        )
        .order_by("unit__path", "month")
    )
    return [
        PointsFigures(
            unit_id=row["unit_id"],
            unit_name=row["unit__name"],
            unit_path=row["unit__path"],
            month=_month(row["month"]),
            # SQLite hands sums back unscaled (20 for 20.00).
            issued=(Decimal(row["earned"]) - Decimal(row["reversed"])).quantize(CENT),
            redeemed=(Decimal(row["spent"]) - Decimal(row["returned"])).quantize(CENT),
            expired=Decimal(row["lapsed"]).quantize(CENT),
        )
        for row in rows
    ]


def _month(value: datetime.date | datetime.datetime) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date().replace(day=1) if timezone.is_aware(value) else value.date()
    return value


def points_totals(figures: Iterable[PointsFigures]) -> dict[str, Decimal]:
    """The sums of ``issued``, ``redeemed`` and ``expired`` over rows of ``points_by_unit_month``."""
    totals = {"issued": ZERO, "redeemed": ZERO, "expired": ZERO}
    for row in figures:
        totals["issued"] += row.issued
        totals["redeemed"] += row.redeemed
        totals["expired"] += row.expired
    return totals


# The figures rolled up for reports ------------------------------------------------------------


@dataclass(frozen=True)
class PointsLine:
    """Figures summed under a label: a month, a unit and what lies below it."""

    label: str
    issued: Decimal
    redeemed: Decimal
    expired: Decimal


def scope_units(user, unit: PracticeUnit | None) -> QuerySet[PracticeUnit]:
    """The unit's subtree, or everything the user manages."""
    if unit is not None:
        return PracticeUnit.objects.subtree_of(unit)
    return PracticeUnit.objects.managed_by(user)


def by_child(user, root: PracticeUnit | None, rows: list[PointsFigures]) -> list[PointsLine]:
    """The rows summed per unit one level below ``root`` (or per unit the user manages), zeros shown;
    the root's own movements (its shop, its events) on a line of their own."""
    if root is None:
        children = list(PracticeUnit.objects.filter(level=Level.CENTER)) if user.is_superuser else root_units(user)
    else:
        children = list(PracticeUnit.objects.filter(parent=root).order_by("path"))
    units = PracticeUnit.objects.in_bulk({row.unit_id for row in rows})
    totals: dict[int, list[PointsFigures]] = {child.pk: [] for child in children}
    own: list[PointsFigures] = []
    for row in rows:
        child = next((child for child in children if is_under(units[row.unit_id], child)), None)
        (totals[child.pk] if child is not None else own).append(row)
    lines = [PointsLine(child.name, **points_totals(totals[child.pk])) for child in children]
    if root is not None and own:
        lines.insert(0, PointsLine(_("%(unit)s itself") % {"unit": root.name}, **points_totals(own)))
    return lines


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return month, following - datetime.timedelta(days=1)


# A volunteer's points at a glance ---------------------------------------------------------

EXPIRING_DAYS = 30


@dataclass(frozen=True)
class Summary:
    """What the volunteer's page and the /me/ card show above the entries."""

    account: Account | None
    balance: Decimal
    expiring: Decimal
    frozen_reason: str
    expiring_on: datetime.date | None = None

    @property
    def in_debt(self) -> bool:
        return self.balance < 0

    @property
    def balance_text(self) -> str:
        return signed_text(self.balance).lstrip("+")

    @property
    def expiring_text(self) -> str:
        return points_text(self.expiring)


def summary_of(volunteer: Volunteer, *, now: datetime.datetime) -> Summary:
    """The balance, the points expiring within 30 days and the day the first of them go, and why
    spending is frozen in words (never the watch's marker); an account not opened yet reads as zero."""
    account = Account.objects.filter(volunteer=volunteer).first()
    if account is None:
        return Summary(account=None, balance=ZERO, expiring=ZERO, frozen_reason="")
    soon = expiring(volunteer, now=now, within_days=EXPIRING_DAYS)
    return Summary(
        account=account,
        balance=account.balance,
        expiring=soon,
        frozen_reason=frozen_reason_text(account),
        expiring_on=expiry_date_of_next(volunteer, now=now) if soon > 0 else None,
    )
