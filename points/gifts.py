"""Points given to a relative, donated to a unit's pool, and the pool spent for residents in need.

Time banks (南京, 上海 长宁, 时光汇) let volunteers pass points to family and donate them to a
pool that the unit spends on its priority groups (孤寡老人, 困难家庭...). Where the points rules
of the volunteer's home station allow it (``PointsRule.gifts_allowed`` / ``donations_allowed``).

A gift moves nothing until the receiver accepts: the giver's points may have been spent by
then, so the guarded debit at acceptance is what decides (``insufficient_points``). Every
step is kept: the ``Gift`` row with its status and time, and the ``GIFT`` transfer naming it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from accounts.phones import normalize_phone
from points import shop
from points.earning import rule_for
from points.errors import PointsError
from points.ledger import CENT, post, unit_account, volunteer_account
from points.models import (
    MAX_POINTS,
    AccountKind,
    CapKind,
    Gift,
    Redemption,
    RequestStatus,
    ShopItem,
    StockMovementKind,
    Transfer,
    TransferKind,
)
from stations.models import PracticeUnit
from stations.scoping import is_under, manages
from volunteers.models import Volunteer, VolunteerStatus


def gifts_allowed(volunteer: Volunteer) -> bool:
    rule = rule_for(volunteer.home_station)
    return bool(rule and rule.gifts_allowed)


def donations_allowed(volunteer: Volunteer) -> bool:
    rule = rule_for(volunteer.home_station)
    return bool(rule and rule.donations_allowed)


def checked_amount(amount: Decimal) -> Decimal:
    """The amount as points (two decimals), or PointsError ``invalid_amount``."""
    try:
        amount = Decimal(amount)
    except (TypeError, ValueError, ArithmeticError):
        raise PointsError("invalid_amount") from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_POINTS or amount != amount.quantize(CENT):
        raise PointsError("invalid_amount")
    return amount


def _is_open(volunteer: Volunteer) -> bool:
    return volunteer.status == VolunteerStatus.ACTIVE and volunteer.closed_at is None and volunteer.user.is_active


def find_receiver(phone: str) -> Volunteer:
    """The open volunteer account of a mobile number, else ``volunteer_not_found``.

    One answer for a number nobody registered, a manager's number and a closed account:
    the form must not tell a stranger which numbers belong to someone.
    """
    receiver = (
        Volunteer.objects.filter(user__phone=normalize_phone(phone)).select_related("user", "home_station").first()
    )
    if receiver is None or not _is_open(receiver):
        raise PointsError("volunteer_not_found")
    return receiver


def giver_may_offer(giver: Volunteer, amount: Decimal, *, relation: str) -> Decimal:
    """What the giver's side decides of an offer, before anyone is looked up: the amount checked, or PointsError.

    Callers that find the receiver by a mobile number ask this first: a refusal that
    depended on the giver only after the number was found would tell a known number
    from an unknown one (an amount above the balance: "not enough points" against "not found").
    """
    amount = checked_amount(amount)
    if not relation.strip():
        raise PointsError("relation_required")
    if not gifts_allowed(giver):
        raise PointsError("not_allowed")
    account = volunteer_account(giver)
    # Refused now so nobody waits for an offer that cannot succeed; acceptance checks again.
    if account.frozen_reason:
        raise PointsError("account_frozen")
    if account.balance < amount:
        raise PointsError("insufficient_points")
    return amount


@transaction.atomic
def offer_gift(giver: Volunteer, receiver: Volunteer, amount: Decimal, *, relation: str) -> Gift:
    """Offer ``amount`` points to a relative; nothing moves until they accept. Raises PointsError."""
    amount = giver_may_offer(giver, amount, relation=relation)
    if giver.pk == receiver.pk:
        raise PointsError("same_account")
    if not _is_open(receiver):
        raise PointsError("volunteer_not_found")
    return Gift.objects.create(giver=giver, receiver=receiver, relation=relation.strip()[:20], amount=amount)


def _pending(gift: Gift) -> Gift:
    """The gift's row, locked, if still pending; else ``invalid_state``."""
    # The gift's row alone: locking the volunteers' rows too would block the foreign-key checks
    # of their other transfers and redemptions, which hold account locks this one then waits for.
    rows = Gift.objects.select_for_update(of=("self",)).select_related("giver__home_station", "receiver")
    gift = rows.get(pk=gift.pk)
    if gift.status != RequestStatus.PENDING:
        raise PointsError("invalid_state")
    return gift


@transaction.atomic
def accept_gift(gift: Gift, *, by: User) -> Transfer:
    """The receiver accepts: the points move from the giver now, if the giver still has them. Raises PointsError."""
    gift = _pending(gift)
    if gift.receiver.user_id != by.pk:
        raise PointsError("not_receiver")
    # The rule may have changed since the offer.
    if not gifts_allowed(gift.giver):
        raise PointsError("not_allowed")
    now = timezone.now()
    transfer = post(
        TransferKind.GIFT,
        volunteer_account(gift.giver),
        volunteer_account(gift.receiver),
        gift.amount,
        unit=gift.giver.home_station,
        by=by,
        at=now,
        guarded=True,
        memo=gift.relation,
        gift=gift,
    )
    # A balance cap (南京's 1,500) holds for points received as for points earned. Checked after the
    # UPDATE, which holds the receiver's row: two gifts accepted at once cannot both slip under it.
    rule = rule_for(gift.receiver.home_station)
    receiving = transfer.target
    if rule is not None and rule.cap is not None and rule.cap_kind == CapKind.BALANCE and receiving.balance > rule.cap:
        raise PointsError("cap_reached")
    gift.status, gift.decided_at = RequestStatus.APPROVED, now
    gift.save(update_fields=["status", "decided_at"])
    return transfer


@transaction.atomic
def decline_gift(gift: Gift, *, by: User) -> Gift:
    """The receiver declines a pending offer. Raises PointsError."""
    gift = _pending(gift)
    if gift.receiver.user_id != by.pk:
        raise PointsError("not_receiver")
    gift.status, gift.decided_at = RequestStatus.DECLINED, timezone.now()
    gift.save(update_fields=["status", "decided_at"])
    return gift


@transaction.atomic
def cancel_gift(gift: Gift, *, by: User) -> Gift:
    """The giver withdraws a pending offer. Raises PointsError."""
    gift = _pending(gift)
    if gift.giver.user_id != by.pk:
        raise PointsError("not_giver")
    gift.status, gift.decided_at = RequestStatus.CANCELLED, timezone.now()
    gift.save(update_fields=["status", "decided_at"])
    return gift


def withdraw_on_closing(sender, *, volunteer: Volunteer | None, at: datetime.datetime, **kwargs) -> None:
    """``account_closing``: the volunteer's pending gifts, offered or received, are withdrawn.

    Nobody answers for a closed account any more: an offer to it would wait for ever, and
    one from it would move points out of an account that can no longer be used or asked.
    """
    if volunteer is None:
        return
    pending = Gift.objects.filter(Q(giver=volunteer) | Q(receiver=volunteer), status=RequestStatus.PENDING)
    pending.update(status=RequestStatus.CANCELLED, decided_at=at)


def donation_units(volunteer: Volunteer) -> list[PracticeUnit]:
    """The units whose pool the volunteer may donate to: the home station and the units above it."""
    units = []
    unit: PracticeUnit | None = volunteer.home_station
    while unit is not None:
        units.append(unit)
        unit = unit.parent
    return units


@transaction.atomic
def donate(volunteer: Volunteer, unit: PracticeUnit, amount: Decimal) -> Transfer:
    """Give points to the donations pool (公益池) of the home station or a unit above it. Raises PointsError."""
    amount = checked_amount(amount)
    if not is_under(volunteer.home_station, unit):
        raise PointsError("wrong_pool_unit")
    if not donations_allowed(volunteer):
        raise PointsError("not_allowed")
    return post(
        TransferKind.DONATION,
        volunteer_account(volunteer),
        unit_account(unit, AccountKind.POOL),
        amount,
        unit=unit,
        by=volunteer.user,
        guarded=True,
    )


def _lock_item(item: ShopItem) -> ShopItem:
    """The item's row alone, locked first as the shop locks it; not its unit's row, which every
    transfer counted in the unit checks as its foreign key (a lock there deadlocks with donations)."""
    return ShopItem.objects.select_for_update(of=("self",)).select_related("unit").get(pk=item.pk)


@transaction.atomic
def spend_pool(item: ShopItem, *, recipient: str, by: User, quantity: int = 1) -> Redemption:
    """A manager of the item's unit hands it to a resident in need, paid from that unit's pool.

    ``recipient`` names the person and their priority group (南京: 低保, 特困, 孤寡老人...).
    The item row is locked before the accounts, and the stock moves, exactly as the shop's
    redemptions do (``points.shop``), so the two never wait on each other in opposite order
    and the stock register counts both alike. Raises PointsError.
    """
    recipient = recipient.strip()
    if not recipient:
        raise PointsError("recipient_required")
    quantity = shop._quantity(quantity)
    item = _lock_item(item)
    if not manages(by, item.unit):
        raise PointsError("not_manager")
    if not item.is_active:
        raise PointsError("item_inactive")
    if item.stock < quantity:
        raise PointsError("out_of_stock")
    points = item.price * quantity
    if points > MAX_POINTS:
        raise PointsError("insufficient_points")
    now = timezone.now()
    redemption = Redemption.objects.create(
        item=item, volunteer=None, recipient=recipient[:60], quantity=quantity, points=points, by=by, created_at=now
    )
    post(
        TransferKind.POOL_SPEND,
        unit_account(item.unit, AccountKind.POOL),
        unit_account(item.unit, AccountKind.SHOP),
        points,
        unit=item.unit,
        by=by,
        at=now,
        guarded=True,
        memo=recipient,
        redemption=redemption,
    )
    shop._move_stock(item, -quantity, StockMovementKind.REDEEMED, by=by, at=now, redemption=redemption)
    return redemption
