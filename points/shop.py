"""The love supermarket (爱心超市): redemptions, returns, the stock register and exchange codes.

Stock and points change in one transaction. Every workflow locks the item's row first
(``_lock_item``), then the accounts (``ledger.post`` updates them in id order), so two
keepers handing over the last bag of rice queue behind each other: the second sees a
stock of 0 (tests/points/test_shop_races.py). An item's stock changes only together with
a ``StockMovement``, so the register always adds up to the stock (入库, 出库, 盘点).

Who may do what: a volunteer redeems at the shops of their home station and the units
above it; keepers of a unit's shop and managers of the unit (or a unit above it) hand
goods over, receive and count stock, and take returns.
"""

from __future__ import annotations

import datetime
import re
import secrets
from decimal import Decimal

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import AnyUser, User
from events.checkin_codes import CodeError, read_phone_code
from points import ledger
from points.errors import PointsError
from points.models import (
    MAX_POINTS,
    ZERO,
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
from stations.models import PracticeUnit
from stations.scoping import managed_q, manages
from volunteers.models import Volunteer

MAX_QUANTITY = 1000  # one redemption (the message of ``invalid_quantity``)
MAX_STOCK_QUANTITY = 100_000  # one receipt or count (``stock_quantity``)
EXCHANGE_CODE_MINUTES = 10
EXCHANGE_CODE = re.compile(r"[0-9]{8}")
# Wrong exchange codes one keeper may type in an hour. The scan throttle alone lets a keeper try
# 300 codes a minute against every live code of the platform; a keeper mistypes a few times a day.
EXCHANGE_CODE_MISSES = 20
EXCHANGE_CODE_MISS_SECONDS = 3600


class Method:
    """How a redemption found its volunteer (``Redemption.method``)."""

    PERSONAL_CODE = "personal_code"
    EXCHANGE_CODE = "exchange_code"


METHOD_LABELS = {Method.PERSONAL_CODE: _("personal code scanned"), Method.EXCHANGE_CODE: _("exchange code")}


# Who keeps which shop -------------------------------------------------------------------------


def can_keep_shop(user: AnyUser, unit: PracticeUnit) -> bool:
    """Admins, managers of ``unit`` or of a unit above it, and the unit's shop keepers."""
    if not user.is_authenticated or not user.is_active:
        return False
    return manages(user, unit) or ShopKeeper.objects.filter(unit=unit, user=user).exists()


def kept_q(user: AnyUser, unit_field: str = "unit") -> Q:
    """Rows whose ``unit_field`` is a shop the user keeps (admins: every shop)."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser:
        # Not ``Q()``: an empty Q drops out of an OR, and the caller ORs the volunteer's own rows to it.
        return Q(pk__isnull=False)
    keeping = ShopKeeper.objects.filter(user=user).values("unit")
    return managed_q(user, f"{unit_field}__path") | Q(**{f"{unit_field}__in": keeping})


def shops_kept_by(user: AnyUser) -> QuerySet[PracticeUnit]:
    """Units with items whose shop the user keeps."""
    items = ShopItem.objects.filter(kept_q(user)).values("unit")
    return PracticeUnit.objects.filter(pk__in=items).order_by("path")


def shop_paths(volunteer: Volunteer) -> list[str]:
    """The paths of the volunteer's home station and the units above it: the shops that serve them."""
    parts = volunteer.home_station.path.split("/")[:-1]
    return ["/".join(parts[: depth + 1]) + "/" for depth in range(len(parts))]


def shops_of(volunteer: Volunteer) -> QuerySet[PracticeUnit]:
    return PracticeUnit.objects.filter(path__in=shop_paths(volunteer))


def serves(unit: PracticeUnit, volunteer: Volunteer) -> bool:
    """Whether the shop of ``unit`` serves the volunteer (their station or a unit above it)."""
    return unit.path in shop_paths(volunteer)


# The stock register --------------------------------------------------------------------------


def _lock_item(item: ShopItem) -> ShopItem:
    """The item's row, locked until the transaction ends: the first lock every shop workflow takes."""
    return ShopItem.objects.select_for_update(of=("self",)).select_related("unit").get(pk=item.pk)


def _move_stock(
    item: ShopItem, quantity: int, kind: str, *, by: User, at: datetime.datetime, **fields
) -> StockMovement:
    """Change the (locked) item's stock by ``quantity`` and write the movement that says why."""
    stock_after = item.stock + quantity
    if stock_after < 0:
        raise PointsError("out_of_stock")
    # Relative, so that a caller without the row lock hits the database's check constraint
    # rather than silently writing over another keeper's movement.
    ShopItem.objects.filter(pk=item.pk).update(stock=F("stock") + quantity, updated_at=at)
    item.stock = stock_after
    return StockMovement.objects.create(
        item=item, kind=kind, quantity=quantity, stock_after=stock_after, by=by, created_at=at, **fields
    )


def _check_keeper(user: AnyUser, item: ShopItem) -> None:
    if not can_keep_shop(user, item.unit):
        raise PointsError("not_shop_keeper")


def _stock_quantity(value: object, *, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_STOCK_QUANTITY:
        raise PointsError("stock_quantity")
    return value


@transaction.atomic
def receive_stock(item: ShopItem, quantity: int, *, by: User, donor: str = "", note: str = "") -> StockMovement:
    """Take goods into stock (入库), naming the donor (a business or a person)."""
    quantity = _stock_quantity(quantity, low=1)
    item = _lock_item(item)
    _check_keeper(by, item)
    return _move_stock(
        item,
        quantity,
        StockMovementKind.RECEIVED,
        by=by,
        at=timezone.now(),
        donor=(donor.strip() or item.donor)[:100],
        note=note.strip()[:200],
    )


@transaction.atomic
def count_stock(item: ShopItem, counted: int, *, by: User, note: str = "") -> StockMovement | None:
    """Record a stocktaking (盘点): the difference from the stock as a movement, explained in the note.

    A count that matches the stock changes nothing and returns None.
    """
    counted = _stock_quantity(counted, low=0)
    item = _lock_item(item)
    _check_keeper(by, item)
    difference = counted - item.stock
    if difference == 0:
        return None
    if not note.strip():
        raise PointsError("note_required")
    return _move_stock(item, difference, StockMovementKind.COUNTED, by=by, at=timezone.now(), note=note.strip()[:200])


# Redemptions ---------------------------------------------------------------------------------


def _redeemed_in_period(item: ShopItem, volunteer: Volunteer, at: datetime.datetime) -> int:
    done = Redemption.objects.filter(item=item, volunteer=volunteer, status=RedemptionStatus.DONE)
    if item.limit_days:
        done = done.filter(created_at__gt=at - datetime.timedelta(days=item.limit_days))
    return done.aggregate(total=Sum("quantity"))["total"] or 0


def _redeem_locked(
    item: ShopItem, volunteer: Volunteer, *, by: User, quantity: int, method: str, at: datetime.datetime
) -> Redemption:
    """Hand ``quantity`` of the locked item over to the volunteer: points, stock and register at once."""
    _check_keeper(by, item)
    if volunteer.user_id == by.pk:
        raise PointsError("own_redemption")
    # A closed account, or one an administrator deactivated: a code shown before then no longer buys.
    if volunteer.closed_at is not None or not volunteer.user.is_active:
        raise PointsError("not_volunteer")
    if not serves(item.unit, volunteer):
        raise PointsError("foreign_shop")
    if not item.is_active:
        raise PointsError("item_inactive")
    if item.stock < quantity:
        raise PointsError("out_of_stock")
    if item.limit_per_person and _redeemed_in_period(item, volunteer, at) + quantity > item.limit_per_person:
        raise PointsError("limit_reached")
    points = item.price * quantity
    if points > MAX_POINTS:
        raise PointsError("insufficient_points")
    redemption = Redemption.objects.create(
        item=item, volunteer=volunteer, quantity=quantity, points=points, method=method, by=by, created_at=at
    )
    ledger.post(
        TransferKind.REDEMPTION,
        ledger.volunteer_account(volunteer),
        ledger.unit_account(item.unit, AccountKind.SHOP),
        points,
        unit=item.unit,
        by=by,
        at=at,
        redemption=redemption,
    )
    _move_stock(item, -quantity, StockMovementKind.REDEEMED, by=by, at=at, redemption=redemption)
    return redemption


def _quantity(quantity: object) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise PointsError("invalid_quantity")
    return quantity


@transaction.atomic
def redeem(
    item: ShopItem,
    volunteer: Volunteer,
    *,
    by: User,
    quantity: int = 1,
    method: str = "",
    at: datetime.datetime | None = None,
) -> Redemption:
    """Hand goods over for points, by a keeper of the item's shop. Raises PointsError:
    ``not_shop_keeper``, ``own_redemption``, ``foreign_shop``, ``item_inactive``,
    ``out_of_stock``, ``limit_reached``, ``insufficient_points``, ``account_frozen``."""
    quantity = _quantity(quantity)
    item = _lock_item(item)
    return _redeem_locked(item, volunteer, by=by, quantity=quantity, method=method, at=at or timezone.now())


@transaction.atomic
def redeem_by_personal_code(
    item: ShopItem, token: str, *, by: User, quantity: int = 1, at: datetime.datetime
) -> Redemption:
    """Redeem for the volunteer whose phone shows the rotating personal code (events.checkin_codes);
    a printed card never expires, so a found one would spend its owner's points: refused."""
    try:
        volunteer_id = read_phone_code(token, at)
    except CodeError:
        raise PointsError("code_invalid") from None
    volunteer = Volunteer.objects.select_related("home_station", "user").filter(pk=volunteer_id).first()
    if volunteer is None:
        raise PointsError("code_invalid")
    return redeem(item, volunteer, by=by, quantity=quantity, method=Method.PERSONAL_CODE, at=at)


def issue_exchange_code(volunteer: Volunteer, *, now: datetime.datetime) -> ExchangeCode:
    """A new one-time code of 8 digits for the volunteer, valid for ten minutes; earlier unused ones stop working."""
    with transaction.atomic():
        # Deleted, not expired: a volunteer asking for codes all day (30 a minute pass the throttle)
        # would otherwise leave a row for each. The used ones stay with their redemptions.
        ExchangeCode.objects.filter(volunteer=volunteer, used_at__isnull=True).delete()
        while True:
            code = f"{secrets.randbelow(10**8):08d}"
            # Codes are unique for ever, but an expired one is worthless: its digits may serve again.
            ExchangeCode.objects.filter(code=code, expires_at__lte=now).delete()
            try:
                with transaction.atomic():
                    return ExchangeCode.objects.create(
                        volunteer=volunteer,
                        code=code,
                        expires_at=now + datetime.timedelta(minutes=EXCHANGE_CODE_MINUTES),
                    )
            except IntegrityError:
                continue  # a live code has these digits: draw again


@transaction.atomic
def redeem_by_exchange_code(
    item: ShopItem, code: str, *, by: User, quantity: int = 1, at: datetime.datetime
) -> Redemption:
    """Redeem for the volunteer who showed the one-time ``code``; the code is used up with the redemption.

    ``code_used`` when it was used already, ``code_invalid`` when unknown or expired.
    """
    quantity = _quantity(quantity)
    misses_key = f"points:exchange-code-misses:{by.pk}"
    if (cache.get(misses_key) or 0) >= EXCHANGE_CODE_MISSES:
        raise PointsError("code_attempts")
    code = "".join(code.split())  # shown as "1234 5678"
    if not EXCHANGE_CODE.fullmatch(code):
        raise PointsError("code_invalid")
    item = _lock_item(item)
    # After the item: the shop's lock order. The code's lock makes a second use wait and then see it used.
    row = (
        ExchangeCode.objects.select_for_update(of=("self",))
        .select_related("volunteer__home_station", "volunteer__user")
        .filter(code=code)
        .first()
    )
    if row is not None and row.used_at is not None:
        raise PointsError("code_used")
    if row is None or row.expires_at <= at:
        # Counted outside the transaction (the cache), so the refusal's rollback keeps the count.
        cache.add(misses_key, 0, EXCHANGE_CODE_MISS_SECONDS)
        try:
            cache.incr(misses_key)
        except ValueError:  # expired between add and incr: this miss starts a new hour
            cache.set(misses_key, 1, EXCHANGE_CODE_MISS_SECONDS)
        raise PointsError("code_invalid")
    redemption = _redeem_locked(item, row.volunteer, by=by, quantity=quantity, method=Method.EXCHANGE_CODE, at=at)
    ExchangeCode.objects.filter(pk=row.pk).update(used_at=at)
    return redemption


@transaction.atomic
def return_redemption(redemption: Redemption, *, by: User, reason: str) -> Redemption:
    """Take goods back (退回): the points go back by a reversal of the redemption's transfer and
    the goods back into stock. Only for a redemption still handed over; a reason is required."""
    reason = reason.strip()
    if not reason:
        raise PointsError("reason_required")
    item = _lock_item(redemption.item)
    redemption = Redemption.objects.select_for_update().get(pk=redemption.pk)
    _check_keeper(by, item)
    if redemption.status != RedemptionStatus.DONE:
        raise PointsError("invalid_state")
    at = timezone.now()
    # The redemption's own transfer (REDEMPTION from the volunteer, or the pool's payment for a resident).
    paid = Transfer.objects.select_related("source", "target").get(
        redemption=redemption, kind__in=[TransferKind.REDEMPTION, TransferKind.POOL_SPEND]
    )
    ledger.post(
        TransferKind.RETURN,
        paid.target,
        paid.source,
        paid.amount,
        unit=item.unit,
        by=by,
        at=at,
        reverses=paid,
        redemption=redemption,
        memo=reason[:200],
    )
    _move_stock(
        item, redemption.quantity, StockMovementKind.RETURNED, by=by, at=at, redemption=redemption, note=reason[:200]
    )
    redemption.status, redemption.returned_at, redemption.return_reason = RedemptionStatus.RETURNED, at, reason[:200]
    redemption.save(update_fields=["status", "returned_at", "return_reason"])
    return redemption


def points_of(volunteer: Volunteer) -> Decimal:
    """The volunteer's balance as it stands (zero before their first points)."""
    return Account.objects.filter(volunteer=volunteer).values_list("balance", flat=True).first() or ZERO


def points_frozen(volunteer: Volunteer) -> bool:
    """Whether the volunteer's points are frozen (a disputed record, or a manager's freeze): they buy nothing."""
    return Account.objects.filter(volunteer=volunteer).exclude(frozen_reason="").exists()


def limits_reached(volunteer: Volunteer, items: list[ShopItem], at: datetime.datetime) -> set[int]:
    """The items (by id) of which the volunteer already had as many as the per-person limit allows, in one query."""
    limited = {item.pk: item for item in items if item.limit_per_person}
    if not limited:
        return set()
    had: dict[int, int] = {}
    done = Redemption.objects.filter(item__in=list(limited), volunteer=volunteer, status=RedemptionStatus.DONE)
    for item_id, quantity, created_at in done.values_list("item_id", "quantity", "created_at"):
        days = limited[item_id].limit_days
        if not days or created_at > at - datetime.timedelta(days=days):
            had[item_id] = had.get(item_id, 0) + quantity
    return {pk for pk, item in limited.items() if had.get(pk, 0) >= (item.limit_per_person or 0)}
