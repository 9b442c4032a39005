"""Residents' service orders (群众点单 → 审单 → 派单 → 接单 → 服务 → 评单).

A center keeps a menu (需求清单) of service items; a resident orders one, the
handling unit reviews and dispatches it to a volunteer team or opens it for the
teams of a subtree to claim; a team accepts (or declines: 志愿服务条例 art. 25 forbids
forcing anyone to serve), serves it as an event, reports, and the resident rates it.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import AnyUser
from events.models import Event, Project, ServiceCategory
from stations.models import Level, PracticeUnit
from stations.scoping import managed_q, scoped, under
from volunteers.models import Team

# A deadline longer than two working months is a typing error, not a plan.
MAX_DEADLINE_WORKING_DAYS = 40


class MenuCategoryQuerySet(models.QuerySet):
    def managed_by(self, user: AnyUser) -> MenuCategoryQuerySet:
        return scoped(self, user, "center__path")


class MenuCategory(models.Model):
    """A heading of a center's menu, e.g. 助老助残."""

    center = models.ForeignKey(
        PracticeUnit,
        verbose_name=_("center"),
        on_delete=models.PROTECT,
        related_name="menu_categories",
        limit_choices_to={"level": Level.CENTER},
    )
    name = models.CharField(_("name"), max_length=50)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = MenuCategoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("menu category")
        verbose_name_plural = _("menu categories")
        ordering = ["center", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["center", "name"], name="unique_menu_category_per_center")]

    def __str__(self) -> str:
        return self.name


def ancestor_paths(unit: PracticeUnit) -> list[str]:
    """The paths of ``unit`` and every unit above it (its path's prefixes)."""
    parts = unit.path.rstrip("/").split("/")
    return ["".join(f"{part}/" for part in parts[: n + 1]) for n in range(len(parts))]


class MenuItemQuerySet(models.QuerySet):
    def offered_at(self, unit: PracticeUnit) -> MenuItemQuerySet:
        """Active items a resident of ``unit`` may order: its center's and any local item of the unit or above it."""
        return self.filter(is_active=True, unit__path__in=ancestor_paths(unit))

    def managed_by(self, user: AnyUser) -> MenuItemQuerySet:
        return scoped(self, user, "unit__path")


class MenuItem(models.Model):
    """A service residents may order. The center's items are for everyone below it; a
    station (or institute) may add local items for its own residents."""

    category = models.ForeignKey(
        MenuCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="items"
    )
    unit = models.ForeignKey(
        PracticeUnit,
        verbose_name=_("offered by"),
        on_delete=models.PROTECT,
        related_name="menu_items",
        help_text=_("The center for the whole menu, or a station for a local item."),
    )
    name = models.CharField(_("name"), max_length=50)
    description = models.TextField(_("description"), max_length=1000, blank=True)
    event_category = models.CharField(
        _("service category"), max_length=20, choices=ServiceCategory.choices, default=ServiceCategory.OTHER
    )
    # Which teams may take it, by the level of their unit.
    center_teams = models.BooleanField(_("center teams may take it"), default=True)
    institute_teams = models.BooleanField(_("institute teams may take it"), default=True)
    station_teams = models.BooleanField(_("station teams may take it"), default=True)
    review_days = models.PositiveSmallIntegerField(
        _("review within (working days)"), default=1, validators=[MaxValueValidator(MAX_DEADLINE_WORKING_DAYS)]
    )
    dispatch_days = models.PositiveSmallIntegerField(
        _("dispatch within (working days)"), default=1, validators=[MaxValueValidator(MAX_DEADLINE_WORKING_DAYS)]
    )
    accept_days = models.PositiveSmallIntegerField(
        _("acceptance within (working days)"), default=2, validators=[MaxValueValidator(MAX_DEADLINE_WORKING_DAYS)]
    )
    complete_days = models.PositiveSmallIntegerField(
        _("completion within (working days)"), default=5, validators=[MaxValueValidator(MAX_DEADLINE_WORKING_DAYS)]
    )
    is_active = models.BooleanField(_("offered"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = MenuItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["category__position", "category_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="unique_menu_item_per_unit"),
            models.CheckConstraint(
                condition=Q(center_teams=True) | Q(institute_teams=True) | Q(station_teams=True),
                name="menu_item_some_level_takes_it",
            ),
            models.CheckConstraint(
                condition=Q(review_days__lte=MAX_DEADLINE_WORKING_DAYS)
                & Q(dispatch_days__lte=MAX_DEADLINE_WORKING_DAYS)
                & Q(accept_days__lte=MAX_DEADLINE_WORKING_DAYS)
                & Q(complete_days__lte=MAX_DEADLINE_WORKING_DAYS),
                name="menu_item_deadlines_bounded",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def levels(self) -> list[str]:
        taken = [(self.center_teams, Level.CENTER), (self.institute_teams, Level.INSTITUTE)]
        taken.append((self.station_teams, Level.STATION))
        return [level for allowed, level in taken if allowed]

    def allows(self, team: Team) -> bool:
        """Whether ``team`` may take orders of this item, by its unit's level."""
        return team.unit.level in self.levels

    def days_for(self, state: str) -> int | None:
        """Working days allowed in ``state`` (None: no deadline runs there)."""
        field = DEADLINE_FIELD.get(state)
        return getattr(self, field) if field else None


class Honorific(models.TextChoices):
    MS = "ms", "女士"
    MR = "mr", "先生"


class OrderState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted, awaiting review")
    REFUSED = "refused", _("Not accepted by the unit")
    REVIEWED = "reviewed", _("Reviewed, awaiting dispatch")
    DISPATCHED = "dispatched", _("Dispatched to a team")
    OPEN = "open", _("Open for teams to claim")
    ACCEPTED = "accepted", _("Accepted by a team")
    IN_SERVICE = "in_service", _("In service")
    COMPLETED = "completed", _("Completed, awaiting rating")
    RATED = "rated", _("Rated")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


# The deadline that runs in each state, from the item's defaults.
DEADLINE_FIELD: dict[str, str] = {
    OrderState.SUBMITTED: "review_days",
    OrderState.REVIEWED: "dispatch_days",
    OrderState.DISPATCHED: "accept_days",
    OrderState.OPEN: "accept_days",
    OrderState.ACCEPTED: "complete_days",
    OrderState.IN_SERVICE: "complete_days",
}
RUNNING = tuple(DEADLINE_FIELD)
# From acceptance on, a team serves the order.
SERVED = (OrderState.ACCEPTED, OrderState.IN_SERVICE, OrderState.COMPLETED, OrderState.RATED, OrderState.CLOSED)
# The leader of the team the order is dispatched to sees the resident's contact, to agree a
# time before answering (issue 21: the resident is told so at registration and on the order
# form, and only one team is asked at a time); the accepting team's leader keeps it while the
# service is still to be done. Each view is logged (ContactView), and the resident reads the
# log on the order's page. Open orders (抢单) are offered to every team of a unit: their
# leaders see the contact only once their team has claimed it.
LEADER_SEES_CONTACT = (OrderState.DISPATCHED, OrderState.ACCEPTED, OrderState.IN_SERVICE)
# The resident reaches the team through its leader's own number from acceptance until the
# rating, or until the rating window closes unrated (leader_phone_visible_to): a masked number
# cannot be called, and a call-through needs a telephony contract a county does not have. The
# leader gives the number in that role (issue 21).
RESIDENT_SEES_LEADER = (OrderState.ACCEPTED, OrderState.IN_SERVICE, OrderState.COMPLETED)


def order_photo_name(order: Order, filename: str) -> str:
    """A random stored name: the photo is personal and is served only by the permission-checked download."""
    return f"orders/{timezone.now():%Y/%m}/{secrets.token_urlsafe(24)}.jpg"


def led_by(user: AnyUser) -> Q:
    """Teams the user leads, as a filter on orders' ``team``."""
    return Q(team__leader__user=user) if user.is_authenticated else Q(pk__in=[])


class OrderQuerySet(models.QuerySet):
    def visible_to(self, user: AnyUser) -> OrderQuerySet:
        """Admins all; managers the orders handled, placed or served in their subtree;
        residents their own; team leaders those offered to or taken by their teams."""
        if not user.is_authenticated:
            return self.none()
        reach = managed_q(user, "handling_unit__path") | managed_q(user, "station__path")
        reach |= managed_q(user, "team__unit__path")
        own = Q(resident=user) | led_by(user) | Q(pk__in=self.claimable_by(user).values("pk"))
        return scoped(self, user, "handling_unit__path", own=reach | own)

    def managed_by(self, user: AnyUser) -> OrderQuerySet:
        """Orders a user may review, dispatch and close: managers of the handling unit and above."""
        return scoped(self, user, "handling_unit__path")

    def claimable_by(self, user: AnyUser) -> OrderQuerySet:
        """Open orders a team the user leads may claim: within the order's claim subtree, at a level the item allows."""
        if not user.is_authenticated:
            return self.none()
        teams = Team.objects.filter(under(OuterRef("claim_unit__path"), "unit__path"), leader__user=user)
        return self.filter(state=OrderState.OPEN).filter(
            (Q(item__center_teams=True) & Exists(teams.filter(unit__level=Level.CENTER)))
            | (Q(item__institute_teams=True) & Exists(teams.filter(unit__level=Level.INSTITUTE)))
            | (Q(item__station_teams=True) & Exists(teams.filter(unit__level=Level.STATION)))
        )

    def offered_to_leader(self, user: AnyUser) -> OrderQuerySet:
        """A team leader's inbox: waiting for their teams' answer or service, and open orders they may claim."""
        mine = self.filter(led_by(user), state__in=(OrderState.DISPATCHED, OrderState.ACCEPTED, OrderState.IN_SERVICE))
        return self.filter(Q(pk__in=mine.values("pk")) | Q(pk__in=self.claimable_by(user).values("pk")))

    def overdue(self, today: datetime.date | None = None) -> OrderQuerySet:
        """Orders whose current state's deadline (in working days) has passed."""
        today = today or timezone.localdate()
        return self.filter(state__in=RUNNING, due_on__lt=today)

    def with_contact_visibility(self, user: AnyUser) -> OrderQuerySet:
        """Annotate ``contact_visible`` (see ``contact_visible_to``), with what the order's pages show."""
        visible = Order.objects.contact_visible_to(user).filter(pk=OuterRef("pk"))
        return self.annotate(contact_visible=Exists(visible)).select_related(
            "item", "station", "handling_unit", "team", "rating"
        )

    def leader_phone_visible_to(self, user: AnyUser, now: datetime.datetime | None = None) -> OrderQuerySet:
        """Orders whose team leader's phone the user reads, from acceptance until rated or until the
        rating window closes: the resident's own; for an order entered on a resident's behalf
        (no resident account), the managers who speak for that resident (the one who entered it,
        the handling unit's), who pass the number on or call the team themselves."""
        if not user.is_authenticated:
            return self.none()
        now = now or timezone.now()
        window = datetime.timedelta(days=settings.ORDER_RATING_WINDOW_DAYS)
        for_resident = Q(resident=user) | Q(resident__isnull=True, entered_by=user)
        for_resident |= Q(resident__isnull=True, pk__in=Order.objects.managed_by(user).values("pk"))
        # As pages._rating_open: once completed, the number stays while the resident may still rate.
        rating_closed = Q(state=OrderState.COMPLETED) & (
            Q(completed_at__isnull=True) | Q(completed_at__lt=now - window)
        )
        return self.filter(for_resident, state__in=RESIDENT_SEES_LEADER, team__leader__isnull=False).exclude(
            rating_closed
        )

    def contact_visible_to(self, user: AnyUser) -> OrderQuerySet:
        """Orders whose resident's phone and address the user may read (志愿服务条例 art. 21):
        the resident, whoever entered it, the dispatching unit's own managers and the leader
        of the team it is dispatched to or accepted by, until the service is done."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        dispatching = Q(handling_unit__manager_roles__user=user)
        leader = led_by(user) & Q(state__in=LEADER_SEES_CONTACT)
        return self.filter(Q(resident=user) | Q(entered_by=user) | dispatching | leader).distinct()


class Order(models.Model):
    """A resident's request for a service from the menu."""

    item = models.ForeignKey(MenuItem, verbose_name=_("service item"), on_delete=models.PROTECT, related_name="orders")
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_orders",
        help_text=_("Empty when a manager entered the order on a resident's behalf."),
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    contact_name = models.CharField(_("contact name"), max_length=30)
    honorific = models.CharField(
        _("form of address"),
        max_length=6,
        choices=Honorific.choices,
        blank=True,
        help_text=_("Shown with the surname on the public board, e.g. 张女士."),
    )
    contact_phone = models.CharField(_("contact phone"), max_length=11)
    address = models.CharField(_("address"), max_length=200)
    station = models.ForeignKey(
        PracticeUnit,
        verbose_name=_("station"),
        on_delete=models.PROTECT,
        related_name="service_orders",
        limit_choices_to={"level": Level.STATION},
        help_text=_("Where the resident lives: the area shown on the public board."),
    )
    description = models.TextField(_("description"), max_length=1000, blank=True)
    photo = models.FileField(_("photo"), upload_to=order_photo_name, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=OrderState.choices, default=OrderState.SUBMITTED)
    handling_unit = models.ForeignKey(
        PracticeUnit, verbose_name=_("handling unit"), on_delete=models.PROTECT, related_name="handled_orders"
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_orders",
        help_text=_("The team it is dispatched to, or the team that accepted it."),
    )
    claim_unit = models.ForeignKey(
        PracticeUnit,
        verbose_name=_("open for claiming within"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    starts_at = models.DateTimeField(_("agreed start"), null=True, blank=True)
    ends_at = models.DateTimeField(_("agreed end"), null=True, blank=True)
    place = models.CharField(
        _("agreed meeting place"),
        max_length=200,
        blank=True,
        help_text=_("Shown on the event volunteers see: never the resident's home address."),
    )
    event = models.OneToOneField(
        Event,
        verbose_name=_("event"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_order",
    )
    state_since = models.DateTimeField(_("in this state since"), default=timezone.now)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalations"), default=0)
    escalated_at = models.DateTimeField(_("last escalated at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    project = models.ForeignKey(
        Project,
        verbose_name=_("brand project"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    created_at = models.DateTimeField(_("ordered at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("service order")
        verbose_name_plural = _("service orders")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "due_on"], name="order_state_due_idx"),
            models.Index(fields=["handling_unit", "state"], name="order_unit_state_idx"),
            models.Index(fields=["station", "state"], name="order_station_state_idx"),
            # The dashboard's month of orders: those placed, and those closed unrated, in it.
            models.Index(fields=["created_at"], name="order_created_idx"),
            models.Index(fields=["state", "closed_at"], name="order_state_closed_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(resident__isnull=False) | Q(entered_by__isnull=False), name="order_has_an_author"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(starts_at__isnull=False, ends_at__gt=models.F("starts_at")),
                name="order_service_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=[OrderState.DISPATCHED, *SERVED]) | Q(team__isnull=False),
                name="order_dispatched_or_served_has_team",
            ),
            models.CheckConstraint(
                condition=~Q(state=OrderState.OPEN) | Q(claim_unit__isnull=False), name="order_open_has_claim_unit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.name} · {self.masked_name}"

    @property
    def masked_name(self) -> str:
        return masked_resident(self.contact_name, self.honorific)

    @property
    def is_overdue(self) -> bool:
        return self.state in RUNNING and self.due_on is not None and self.due_on < timezone.localdate()

    @property
    def is_unrated(self) -> bool:
        """Closed without a rating: counts as unrated, never as satisfied."""
        return self.state == OrderState.CLOSED and not hasattr(self, "rating")


def masked_resident(name: str, honorific: str = "") -> str:
    """The surname and a form of address, as on notice boards: 张桂兰 (ms) → 张女士; without one 张**."""
    name = name.strip()
    if not name:
        return "**"
    if honorific in Honorific.values:
        return name[0] + Honorific(honorific).label
    for title in ("女士", "先生", "阿姨", "大爷", "奶奶", "爷爷"):
        if name.endswith(title) and len(name) > len(title):
            return name[0] + title
    return name[0] + "*" * max(1, len(name) - 1)


class OrderChange(models.Model):
    """One step of an order, kept for ever: who, when, from which state to which, why."""

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="history")
    action = models.CharField(_("action"), max_length=20)
    from_state = models.CharField(_("from state"), max_length=12, choices=OrderState.choices, blank=True)
    to_state = models.CharField(_("to state"), max_length=12, choices=OrderState.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        PracticeUnit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("order change")
        verbose_name_plural = _("order history")
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} · {self.action} · {self.changed_at:%Y-%m-%d %H:%M}"


class TeamDecline(models.Model):
    """A team said no, with its reason (志愿服务条例 art. 25: a team is never forced to serve)."""

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="declines")
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="order_declines")
    reason = models.CharField(_("reason"), max_length=200)
    declined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("declined by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    declined_at = models.DateTimeField(_("declined at"), default=timezone.now)

    class Meta:
        verbose_name = _("team decline")
        verbose_name_plural = _("team declines")
        ordering = ["declined_at", "id"]
        constraints = [models.UniqueConstraint(fields=["order", "team"], name="one_decline_per_team_per_order")]

    def __str__(self) -> str:
        return f"{self.team} · {self.order_id}"


SCORE = [MinValueValidator(1), MaxValueValidator(5)]


class RatingQuerySet(models.QuerySet):
    def visible_to(self, user: AnyUser) -> RatingQuerySet:
        return self.filter(order__in=Order.objects.visible_to(user).values("pk"))


class Rating(models.Model):
    """The resident's rating (评单) of a completed order: 1-5 stars on three counts."""

    order = models.OneToOneField(Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="rating")
    response = models.PositiveSmallIntegerField(_("response"), validators=SCORE)
    attitude = models.PositiveSmallIntegerField(_("attitude"), validators=SCORE)
    result = models.PositiveSmallIntegerField(_("result"), validators=SCORE)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("rated by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    rated_at = models.DateTimeField(_("rated at"), default=timezone.now)

    objects = RatingQuerySet.as_manager()

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-rated_at", "-id"]
        indexes = [models.Index(fields=["rated_at"], name="rating_rated_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(response__gte=1, response__lte=5)
                & Q(attitude__gte=1, attitude__lte=5)
                & Q(result__gte=1, result__lte=5),
                name="rating_scores_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} · {self.score}"

    @property
    def score(self) -> float:
        return round((self.response + self.attitude + self.result) / 3, 2)


class ContactViewQuerySet(models.QuerySet):
    def visible_to(self, user: AnyUser) -> ContactViewQuerySet:
        """The resident reads who read their contact; so do those who handle the order."""
        return self.filter(order__in=Order.objects.filter(Q(resident=user) | Q(pk__in=Order.objects.managed_by(user))))


class ContactView(models.Model):
    """A team leader read a resident's phone and address (志愿服务条例 art. 21, PIPL art. 5-6):
    who, when, for which team, where (page, API, photo, admin site), and in which state of the order."""

    class Via(models.TextChoices):
        PAGE = "page", _("order page")
        API = "api", _("API")
        PHOTO = "photo", _("order photo")
        ADMIN = "admin", _("admin site")

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="contact_views")
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("viewed by"), on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("order state"), max_length=12, choices=OrderState.choices)
    via = models.CharField(_("via"), max_length=5, choices=Via.choices, default=Via.PAGE)
    viewed_at = models.DateTimeField(_("viewed at"), default=timezone.now)

    objects = ContactViewQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact view")
        verbose_name_plural = _("contact views")
        ordering = ["-viewed_at", "-id"]
        indexes = [models.Index(fields=["order", "viewed_at"], name="order_contact_view_idx")]

    def __str__(self) -> str:
        return f"{self.order_id} · {self.viewer_id} · {self.viewed_at:%Y-%m-%d %H:%M}"
