"""The points ledger (积分), its rules and the love supermarket (爱心超市).

Double entry: every movement is a ``Transfer`` between two accounts, written as two
``Entry`` rows whose amounts sum to zero. Entries are never changed or deleted (on
PostgreSQL a trigger refuses it, migration 0002); a correction is a reversal. An
account's ``balance`` is the sum of its entries, kept in the transaction that adds them.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from events.models import Event, ServiceCategory, ServiceRecord
from stations.models import PracticeUnit
from volunteers.models import Volunteer

# Points are kept to two decimals (hours are): 1.5 h × 10 points per hour × 1.2 = 18.00.
MAX_POINTS = Decimal("9999999999.99")
ZERO = Decimal("0.00")


def points_field(verbose_name, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


# Accounts -----------------------------------------------------------------------------


class AccountKind(models.TextChoices):
    VOLUNTEER = "volunteer", _("volunteer")
    SHOP = "shop", _("shop")
    POOL = "pool", _("donations pool")
    # System accounts, one of each per center: where points come from and go to.
    ISSUE = "issue", _("points issued")
    REVERSAL = "reversal", _("points reversed")
    EXPIRY = "expiry", _("points expired")


# Kinds whose balance may go below zero: the system accounts are the other side of every
# volunteer's credit; a volunteer's account only by a reversal of points already spent
# (a debt that later credits pay back), never by spending (points.ledger.post guards it).
SYSTEM_KINDS = (AccountKind.ISSUE, AccountKind.REVERSAL, AccountKind.EXPIRY)


class Account(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=AccountKind.choices)
    volunteer = models.OneToOneField(
        Volunteer,
        verbose_name=_("volunteer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_account",
    )
    unit = models.ForeignKey(
        PracticeUnit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_accounts",
    )
    balance = points_field(_("balance"), default=ZERO)
    # Spending is refused while a service record of the volunteer is disputed, or a manager froze it.
    frozen_reason = models.CharField(_("frozen because"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=AccountKind.VOLUNTEER, volunteer__isnull=False, unit__isnull=True)
                | Q(~Q(kind=AccountKind.VOLUNTEER), volunteer__isnull=True, unit__isnull=False),
                name="points_account_owner_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["kind", "unit"], condition=Q(unit__isnull=False), name="points_one_account_per_unit_and_kind"
            ),
            # Shops and pools only ever hold what was moved into them.
            models.CheckConstraint(
                condition=Q(kind__in=[AccountKind.VOLUNTEER, *SYSTEM_KINDS]) | Q(balance__gte=0),
                name="points_shop_and_pool_not_negative",
            ),
        ]

    def __str__(self) -> str:
        owner = self.volunteer.real_name if self.volunteer is not None else str(self.unit)
        return f"{owner} · {self.get_kind_display()}"


class TransferKind(models.TextChoices):
    EARN = "earn", _("earned by service")
    REVERSAL = "reversal", _("reversed")
    AWARD = "award", _("awarded")
    REFERRAL = "referral", _("referral")
    REDEMPTION = "redemption", _("redeemed")
    RETURN = "return", _("returned")
    GIFT = "gift", _("transferred to a relative")
    DONATION = "donation", _("donated")
    POOL_SPEND = "pool_spend", _("spent from the donations pool")
    EXPIRY = "expiry", _("expired")


class Transfer(models.Model):
    """One movement of points from one account to another, with its cause and who did it."""

    kind = models.CharField(_("kind"), max_length=12, choices=TransferKind.choices)
    source = models.ForeignKey(Account, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(Account, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+")
    amount = points_field(_("points"))
    # The unit whose figures the movement counts in: the event's unit for points earned,
    # the shop's for redemptions, the volunteer's home station for expiry and gifts.
    unit = models.ForeignKey(PracticeUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    # The cause (at most one of these is set, by kind).
    record = models.ForeignKey(
        ServiceRecord,
        verbose_name=_("service record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_transfers",
    )
    # The hours the earning counted, after the rule's caps (EARN only).
    hours = models.DecimalField(_("hours counted"), max_digits=6, decimal_places=2, null=True, blank=True)
    redemption = models.ForeignKey(
        "Redemption", verbose_name=_("redemption"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    award = models.ForeignKey(
        "AwardRequest", verbose_name=_("award"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    gift = models.ForeignKey(
        "Gift", verbose_name=_("transfer"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reverses = models.ForeignKey(
        "self", verbose_name=_("reverses"), null=True, blank=True, on_delete=models.PROTECT, related_name="reversals"
    )
    # In words, for the volunteer's page: 「参加 社区环境清洁 获得 12 积分」 is built from the
    # cause; the memo says what the cause does not (a manager's reason, a cap applied).
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty for the platform's own jobs (earning follows approvals, expiry)."),
    )
    created_at = models.DateTimeField(_("time"), db_index=True)

    class Meta:
        verbose_name = _("points transfer")
        verbose_name_plural = _("points transfers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="points_transfer_positive"),
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="points_transfer_two_accounts"),
        ]
        indexes = [
            models.Index(fields=["record", "kind"], name="points_transfer_record_idx"),
            models.Index(fields=["unit", "kind", "created_at"], name="points_transfer_unit_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class Entry(models.Model):
    """One side of a transfer: append-only; a transfer's two entries sum to zero."""

    transfer = models.ForeignKey(Transfer, verbose_name=_("transfer"), on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="entries")
    amount = points_field(_("points"))
    # The account's balance after this entry: the volunteer's page shows it without summing.
    balance_after = points_field(_("balance after"))
    created_at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="points_entry_not_zero"),
            models.UniqueConstraint(fields=["transfer", "account"], name="points_one_entry_per_side"),
        ]
        indexes = [models.Index(fields=["account", "created_at"], name="points_entry_account_time_idx")]

    def __str__(self) -> str:
        return f"{self.account} {self.amount:+}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValidationError(_("Points entries are never changed: post a reversal."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Points entries are never deleted: post a reversal."))


class PointsDue(models.Model):
    """A record whose points must be brought in line with its hours, written in the approval's own transaction.

    One INSERT is all an approval or rejection pays; the points move in their own
    transaction right after it commits (points.earning.settle), and ``settle_points``
    from cron catches any left by a crash between the two.
    """

    record = models.OneToOneField(
        ServiceRecord, verbose_name=_("service record"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("points to settle")
        verbose_name_plural = _("points to settle")

    def __str__(self) -> str:
        return str(self.record_id)


# Rules ---------------------------------------------------------------------------------


class CapKind(models.TextChoices):
    BALANCE = "balance", _("balance")
    LIFETIME = "lifetime", _("lifetime earnings")


class PointsRule(models.Model):
    """How a center (or a unit below it, where the center allows) turns approved hours into points."""

    unit = models.OneToOneField(
        PracticeUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="points_rule"
    )
    points_per_hour = points_field(
        _("points per hour"),
        default=Decimal("1.00"),
        validators=[MinValueValidator(0)],
        help_text=_("For service categories without a rate of their own."),
    )
    leader_coefficient = models.DecimalField(
        _("coefficient for event leaders"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(10)],
    )
    activity_hours_cap = models.DecimalField(
        _("hours counted per activity at most"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.25"))],
    )
    day_hours_cap = models.DecimalField(
        _("hours counted per day at most"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(24)],
    )
    cap = points_field(_("points cap"), null=True, blank=True, validators=[MinValueValidator(1)])
    cap_kind = models.CharField(_("cap applies to"), max_length=10, choices=CapKind.choices, default=CapKind.BALANCE)
    expiry_years = models.PositiveSmallIntegerField(
        _("points expire after (years)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("Empty: points never expire. Hours never expire."),
    )
    referral_points = points_field(_("points for a referral"), null=True, blank=True, validators=[MinValueValidator(0)])
    gifts_allowed = models.BooleanField(_("points may be transferred to relatives"), default=False)
    donations_allowed = models.BooleanField(_("points may be donated"), default=False)
    units_may_override = models.BooleanField(
        _("units below may set their own rules"),
        default=False,
        help_text=_("Only a center's rule: institutes and stations below it may then set their own."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")

    def __str__(self) -> str:
        return str(self.unit)


class CategoryRate(models.Model):
    rule = models.ForeignKey(PointsRule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="rates")
    category = models.CharField(_("service category"), max_length=20, choices=ServiceCategory.choices)
    points_per_hour = points_field(_("points per hour"), validators=[MinValueValidator(0)])

    class Meta:
        verbose_name = _("points per hour of a category")
        verbose_name_plural = _("points per hour by category")
        constraints = [models.UniqueConstraint(fields=["rule", "category"], name="points_one_rate_per_category")]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.points_per_hour}"


class EventCoefficient(models.Model):
    """An event's difficulty, skill or risk coefficient (DB3205/T 1001-2020 scores hours × rate × coefficient)."""

    event = models.OneToOneField(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="points_coefficient"
    )
    coefficient = models.DecimalField(
        _("coefficient"),
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(10)],
    )
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        verbose_name = _("points coefficient of an event")
        verbose_name_plural = _("points coefficients of events")

    def __str__(self) -> str:
        return f"{self.event} ×{self.coefficient}"


# Awards by hand (four eyes) ----------------------------------------------------------------


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    APPROVED = "approved", _("approved")
    DECLINED = "declined", _("declined")
    CANCELLED = "cancelled", _("cancelled")


class AwardRequest(models.Model):
    """Points given by hand (a referral, a special effort): one person proposes with a reason, another approves."""

    volunteer = models.ForeignKey(Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(PracticeUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    amount = points_field(_("points"), validators=[MinValueValidator(Decimal("0.01"))])
    reason = models.CharField(_("reason"), max_length=200)
    is_referral = models.BooleanField(_("referral"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("points award")
        verbose_name_plural = _("points awards")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="points_award_positive"),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("proposed_by")),
                name="points_award_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer.real_name} +{self.amount}"


# Transfers to relatives and donations -------------------------------------------------------


class Gift(models.Model):
    """Points a volunteer gives to a relative's account; the receiver confirms before they move."""

    giver = models.ForeignKey(Volunteer, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+")
    receiver = models.ForeignKey(Volunteer, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+")
    relation = models.CharField(_("relation"), max_length=20)
    amount = points_field(_("points"), validators=[MinValueValidator(Decimal("0.01"))])
    status = models.CharField(_("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("points transfer to a relative")
        verbose_name_plural = _("points transfers to relatives")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="points_gift_positive"),
            models.CheckConstraint(condition=~Q(giver=models.F("receiver")), name="points_gift_two_people"),
        ]

    def __str__(self) -> str:
        return f"{self.giver.real_name} → {self.receiver.real_name} {self.amount}"


# The shop (爱心超市) ---------------------------------------------------------------------------


class ItemKind(models.TextChoices):
    GOODS = "goods", _("goods")
    SERVICE = "service", _("service")


class ShopItem(models.Model):
    unit = models.ForeignKey(
        PracticeUnit, verbose_name=_("shop of"), on_delete=models.PROTECT, related_name="shop_items"
    )
    name = models.CharField(_("name"), max_length=60)
    description = models.CharField(_("description"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=ItemKind.choices, default=ItemKind.GOODS)
    price = points_field(_("price in points"), validators=[MinValueValidator(Decimal("0.01"))])
    # Changed only with a stock movement (入库, 出库, 盘点), in the same transaction.
    stock = models.PositiveIntegerField(_("in stock"), default=0, editable=False)
    donor = models.CharField(_("donor"), max_length=100, blank=True, help_text=_("A business or a person."))
    photo = models.ImageField(_("photo"), upload_to="shop/", blank=True)
    limit_per_person = models.PositiveSmallIntegerField(
        _("at most per person"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    limit_days = models.PositiveSmallIntegerField(
        _("within days"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3660)],
        help_text=_("The period of the per-person limit; empty: ever."),
    )
    is_active = models.BooleanField(_("offered"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("shop item")
        verbose_name_plural = _("shop items")
        ordering = ["unit", "price", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="points_item_price_positive"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="points_item_stock_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class RedemptionStatus(models.TextChoices):
    DONE = "done", _("handed over")
    RETURNED = "returned", _("returned")


class Redemption(models.Model):
    item = models.ForeignKey(ShopItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="redemptions")
    # Empty for goods given to a resident in need from the donations pool.
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient = models.CharField(_("given to"), max_length=60, blank=True)
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1, validators=[MinValueValidator(1)])
    points = points_field(_("points"))
    status = models.CharField(
        _("status"), max_length=10, choices=RedemptionStatus.choices, default=RedemptionStatus.DONE
    )
    method = models.CharField(_("how"), max_length=20, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("handed over by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("time"))
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_reason = models.CharField(_("reason for return"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="points_redemption_quantity"),
            models.CheckConstraint(
                condition=Q(volunteer__isnull=False) | ~Q(recipient=""), name="points_redemption_has_receiver"
            ),
        ]
        indexes = [models.Index(fields=["volunteer", "item", "created_at"], name="points_redemption_limit_idx")]

    def __str__(self) -> str:
        return f"{self.item} ×{self.quantity}"


class StockMovementKind(models.TextChoices):
    RECEIVED = "in", _("received (入库)")
    REDEEMED = "out", _("redeemed (出库)")
    RETURNED = "return", _("returned")
    COUNTED = "count", _("stocktaking (盘点)")


class StockMovement(models.Model):
    """The stock register: an item's stock is always the sum of its movements."""

    item = models.ForeignKey(ShopItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("kind"), max_length=10, choices=StockMovementKind.choices)
    quantity = models.IntegerField(_("quantity"))
    stock_after = models.PositiveIntegerField(_("stock after"))
    redemption = models.ForeignKey(
        Redemption, verbose_name=_("redemption"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    donor = models.CharField(_("donor"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock register")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(quantity=0), name="points_movement_not_zero")]

    def __str__(self) -> str:
        return f"{self.item} {self.quantity:+}"


class ShopKeeper(models.Model):
    """Someone who hands over goods at a unit's shop without managing the unit."""

    unit = models.ForeignKey(PracticeUnit, verbose_name=_("shop of"), on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="shop_keeping"
    )

    class Meta:
        verbose_name = _("shop keeper")
        verbose_name_plural = _("shop keepers")
        constraints = [models.UniqueConstraint(fields=["unit", "user"], name="points_one_keeper_per_shop")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.user}"


class ExchangeCode(models.Model):
    """A one-time code a volunteer shows at the shop instead of having the personal code scanned."""

    volunteer = models.ForeignKey(Volunteer, verbose_name=_("volunteer"), on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("code"), max_length=12, unique=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("exchange code")
        verbose_name_plural = _("exchange codes")

    def __str__(self) -> str:
        return self.code


# Fraud watch ------------------------------------------------------------------------------------


class AlertKind(models.TextChoices):
    FAST_EARNING = "fast_earning", _("many points in a short time")
    SHOP_RUSH = "shop_rush", _("many redemptions at one shop")
    CIRCLE = "circle", _("transfers that circle back")


class Alert(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=AlertKind.choices)
    unit = models.ForeignKey(PracticeUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    detail = models.CharField(_("detail"), max_length=300)
    created_at = models.DateTimeField(_("raised at"))
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution = models.CharField(_("resolution"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("points alert")
        verbose_name_plural = _("points alerts")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.get_kind_display()
