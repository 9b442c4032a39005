"""Pages of service orders (点单 → 审单 → 派单 → 接单 → 服务 → 评单), phone first.

Residents register lightly, read their station's menu, order, follow, cancel and
rate; managers list the orders of their units, review, dispatch and enter orders
for residents who phoned; team leaders answer what is offered to their teams,
claim open orders and report completion; anyone reads a unit's public board.
Every step calls ``orders.services``; rows outside the viewer's reach are 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Avg, Count, F, QuerySet
from django.forms.models import ModelChoiceIterator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import AnyUser, User
from accounts.phones import mask_phone
from accounts.throttles import ScopedThrottle
from events.activity import ActivityError
from events.models import ActivityPhoto, ActivityRecord, Event, Signup, SignupStatus
from events.photos import UPLOADS_THROTTLED, photo_uploads_allowed
from orders import services
from orders.forms import (
    MAX_COMPLETION_PHOTOS,
    AppointmentForm,
    CancelForm,
    ClaimForm,
    CompletionForm,
    DeclineForm,
    DispatchForm,
    MenuStationForm,
    OnBehalfOrderForm,
    OrderForm,
    RatingForm,
    ReviewForm,
)
from orders.models import (
    LEADER_SEES_CONTACT,
    RUNNING,
    SERVED,
    ContactView,
    MenuItem,
    Order,
    OrderChange,
    OrderState,
    masked_resident,
)
from orders.serializers import ResidentRegistrationSerializer
from orders.statistics import DONE, order_statistics
from stations.models import Level, PracticeUnit
from stations.scoping import is_manager, manages
from volunteers.models import Team

if TYPE_CHECKING:
    from events.pages import AuthenticatedRequest

ORDERS_PER_PAGE = 20
SESSION_STATION = "orders_station"
CANCELLABLE = (OrderState.SUBMITTED, OrderState.REVIEWED, OrderState.DISPATCHED, OrderState.OPEN)

# How each step reads in the order's history.
ACTION_LABELS = {
    "submit": gettext_lazy("Ordered"),
    "accept_review": gettext_lazy("Accepted for dispatch"),
    "refuse": gettext_lazy("Not accepted"),
    "dispatch": gettext_lazy("Dispatched to a team"),
    "redispatch": gettext_lazy("Re-dispatched"),
    "reschedule": gettext_lazy("Time changed"),
    "open": gettext_lazy("Opened for teams to claim"),
    "decline": gettext_lazy("Declined by the team"),
    "accept": gettext_lazy("Accepted by the team"),
    "claim": gettext_lazy("Claimed by the team"),
    "start": gettext_lazy("Service started"),
    "complete": gettext_lazy("Service completed"),
    "rate": gettext_lazy("Rated"),
    "close": gettext_lazy("Closed"),
    "close_unrated": gettext_lazy("Closed without a rating"),
    "cancel": gettext_lazy("Cancelled"),
    "escalate": gettext_lazy("Overdue: handed to the unit above"),
}
SATISFACTION_GROUPS = {
    "team": gettext_lazy("Satisfaction by team"),
    "station": gettext_lazy("Satisfaction by station"),
    "item": gettext_lazy("Satisfaction by service"),
    "month": gettext_lazy("Satisfaction by month"),
}
# The badge colour of each state (classes of site.css).
STATE_BADGES: dict[str, str] = {
    OrderState.SUBMITTED: "pending",
    OrderState.REVIEWED: "pending",
    OrderState.DISPATCHED: "pending",
    OrderState.OPEN: "open",
    OrderState.ACCEPTED: "running",
    OrderState.IN_SERVICE: "running",
    OrderState.COMPLETED: "approved",
    OrderState.RATED: "approved",
    OrderState.CLOSED: "approved",
    OrderState.REFUSED: "rejected",
    OrderState.CANCELLED: "cancelled",
}


def order_nav(user: AnyUser) -> dict:
    """The order pages' own links, each only for who may open it."""
    if not user.is_authenticated:
        return {"resident": False, "leader": False, "manager": False}
    return {
        "resident": Order.objects.filter(resident=user).exists(),
        "leader": Team.objects.filter(leader__user=user).exists(),
        "manager": is_manager(user),
    }


def _render(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    context.setdefault("order_nav", order_nav(request.user))
    match = request.resolver_match
    context.setdefault("current", match.url_name.removeprefix("orders-") if match and match.url_name else "")
    return render(request, template, context, status=status)


def _page_of(request: HttpRequest, rows: QuerySet) -> tuple:
    page = Paginator(rows, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _decorate(order: Order, *, listed: bool = False) -> Order:
    """Set what the templates show of the order: in lists, the resident's name always masked.

    A list is not a read of the contact: only the order's page shows the full name (and the
    phone and address), and logs a team leader's read of it (services.note_contact_views).
    """
    visible = getattr(order, "contact_visible", False) and not listed
    order.badge = STATE_BADGES.get(order.state, "")  # type: ignore[attr-defined]  # for the templates
    order.shown_name = order.contact_name if visible else order.masked_name  # type: ignore[attr-defined]
    order.shown_phone = order.contact_phone if visible else mask_phone(order.contact_phone)  # type: ignore[attr-defined]
    return order


def _stations() -> QuerySet[PracticeUnit]:
    return PracticeUnit.objects.filter(level=Level.STATION, is_active=True).select_related("parent").order_by("path")


def _station_or_none(value) -> PracticeUnit | None:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return _stations().filter(pk=pk).first()


# Residents -------------------------------------------------------------------------------------


@sensitive_post_parameters("password")
@sensitive_variables()
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """A resident's light account (name, mobile number, password): the API's serializer and service."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    if request.user.is_authenticated and request.method == "GET":
        return redirect(next_url or "orders-menu")
    context = {"values": request.POST, "errors": {}, "next": next_url}
    status = 200
    if request.method == "POST":
        serializer = ResidentRegistrationSerializer(data=request.POST)
        if not ScopedThrottle("register").allow_request(request, None):
            context["refused"], status = _("Too many registrations from your network: try again later."), 429
        elif serializer.is_valid():
            data = serializer.validated_data
            try:
                user = services.register_resident(name=data["name"], phone=data["phone"], password=data["password"])
            except services.OrderError as error:
                context["refused"], status = error.detail, error.status_code
            else:
                login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
                messages.success(request, _("Welcome! You can now order services."))
                return redirect(next_url or "orders-menu")
        else:
            context["errors"] = {name: [str(e) for e in errors] for name, errors in serializer.errors.items()}
            status = 400
    return _render(request, "orders/register.html", context, status)


@require_GET
def menu(request: HttpRequest) -> HttpResponse:
    """The menu (需求清单) of the resident's station, by category; open without login."""
    station = _station_or_none(request.GET.get("station") or request.session.get(SESSION_STATION))
    if station is not None:
        request.session[SESSION_STATION] = station.pk
    form = MenuStationForm(initial={"station": station}, stations=_stations())
    categories: dict = {}
    if station is not None:
        items = MenuItem.objects.offered_at(station).select_related("category")
        for item in items.order_by("category__position", "category_id", "name", "id"):
            categories.setdefault(item.category, []).append(item)
    return _render(request, "orders/menu.html", {"form": form, "station": station, "categories": categories})


@login_required
@require_http_methods(["GET", "POST"])
def new_order(request: AuthenticatedRequest) -> HttpResponse:
    """The order form: service, for whom, address, phone, preferred time, a photo."""
    station = _station_or_none(request.POST.get("station") or request.GET.get("station"))
    if station is None:
        messages.info(request, _("First choose where you live."))
        return redirect("orders-menu")
    items = MenuItem.objects.offered_at(station).select_related("category")
    if request.method == "GET":
        initial = {"item": request.GET.get("item"), "contact_phone": request.user.phone}
        form = OrderForm(initial=initial, items=items)
        return _render(request, "orders/order_form.html", {"form": form, "station": station})
    form = OrderForm(request.POST, request.FILES, items=items)
    if not photo_uploads_allowed(request):
        messages.error(request, UPLOADS_THROTTLED)
        return _render(request, "orders/order_form.html", {"form": form, "station": station}, 429)
    if form.is_valid():
        try:
            order = _place(form, station=station, by=request.user, on_behalf=False)
        except services.OrderError as error:
            form.add_error(_field_of(error), error.detail)
        else:
            messages.success(request, _("Your order is sent to %(unit)s.") % {"unit": station.name})
            return redirect("orders-detail", pk=order.pk)
    return _render(request, "orders/order_form.html", {"form": form, "station": station}, 400)


def _place(form: OrderForm, *, station: PracticeUnit, by: User, on_behalf: bool) -> Order:
    data = form.cleaned_data
    return services.place_order(
        item=data["item"],
        station=station,
        contact_name=data["contact_name"],
        honorific=data.get("honorific", ""),
        contact_phone=data["contact_phone"],
        address=data["address"],
        description=form.description_with_time(),
        photo=data.get("photo"),
        on_behalf=on_behalf,
        by=by,
    )


ERROR_FIELDS = {
    "bad_phone": "contact_phone",
    "photo_rejected": "photo",
    "item_not_offered": "item",
    "bad_schedule": "ends_at",
    "schedule_passed": "starts_at",
    "reason_required": "reason",
    "bad_score": "response",
}


def _field_of(error: services.OrderError) -> str | None:
    return ERROR_FIELDS.get(error.code)


@login_required
@require_GET
def my_orders(request: AuthenticatedRequest) -> HttpResponse:
    """The resident's orders, newest first, with their state."""
    orders = (
        Order.objects.filter(resident=request.user).with_contact_visibility(request.user).order_by("-created_at", "-id")
    )
    page, query = _page_of(request, orders)
    for order in page:
        _decorate(order, listed=True)
    return _render(request, "orders/my_orders.html", {"page": page, "orders": page.object_list, "query": query})


# One order: its state, history and the forms its viewer may use -----------------------------------


def _visible_order(request: HttpRequest, pk: int) -> Order:
    orders = Order.objects.visible_to(request.user).with_contact_visibility(request.user)
    related = ("claim_unit", "event", "entered_by", "resident", "team__leader__user")
    return get_object_or_404(orders.select_related(*related), pk=pk)


def _dispatch_teams(order: Order, user: AnyUser) -> QuerySet[Team]:
    declined = order.declines.values("team")
    teams = Team.objects.managed_by(user).filter(leader__isnull=False, unit__level__in=order.item.levels)
    return teams.exclude(pk__in=declined).select_related("unit").order_by("unit__path", "name")


def _claim_teams(order: Order, user: User) -> QuerySet[Team]:
    if order.state != OrderState.OPEN or order.claim_unit is None:
        return Team.objects.none()
    teams = Team.objects.filter(
        leader__user=user,
        unit__in=PracticeUnit.objects.subtree_of(order.claim_unit),
        unit__level__in=order.item.levels,
    )
    return teams.exclude(pk__in=order.declines.values("team")).select_related("unit").order_by("name")


def _rating_open(order: Order) -> bool:
    closes = services.rating_closes_at(order)
    return order.state == OrderState.COMPLETED and closes is not None and timezone.now() <= closes


def _abilities(order: Order, user: User) -> dict:
    """What the viewer may do with the order now: the forms the page shows."""
    handler = manages(user, order.handling_unit)
    leader = services.leads(user, order.team)
    speaks_for_resident = order.resident_id == user.pk or (order.resident_id is None and handler)
    window_over = order.state == OrderState.COMPLETED and not _rating_open(order)
    now = timezone.now()
    return {
        "handler": handler,
        "leader": leader,
        "cancel": speaks_for_resident and order.state in CANCELLABLE,
        "review": handler and order.state == OrderState.SUBMITTED,
        "dispatch": handler and order.state in services.DISPATCHABLE,
        # Once dispatched (or opened), the form is offered folded, as 改派: to another team or unit.
        "redispatch": handler and order.state in (OrderState.DISPATCHED, OrderState.OPEN),
        "answer": leader and order.state == OrderState.DISPATCHED,
        "claim": _claim_teams(order, user).exists(),
        "start": (leader or handler) and order.state == OrderState.ACCEPTED,
        "reschedule": (leader or handler) and order.state == OrderState.ACCEPTED,
        # Reported once under way: started (start_service moved the event's start), or past the agreed start.
        "complete": (leader or handler)
        and (
            order.state == OrderState.IN_SERVICE
            or (order.state == OrderState.ACCEPTED and order.event is not None and order.event.starts_at <= now)
        ),
        "rate": speaks_for_resident and _rating_open(order),
        "close": handler and (order.state == OrderState.RATED or window_over),
    }


def _history(order: Order) -> list[OrderChange]:
    changes = list(order.history.select_related("changed_by", "team", "unit"))
    for change in changes:
        change.label = ACTION_LABELS.get(change.action, change.action)  # type: ignore[attr-defined]
    return changes


# From then on, the resident and whoever sees the order read the completion report.
REPORTED = (OrderState.COMPLETED, OrderState.RATED, OrderState.CLOSED)


def _crew(order: Order, user: AnyUser) -> dict | None:
    """Who comes to the resident's: the team, its leader with a phone to call, the volunteers signed up.

    The resident reaches the team through its leader's own number, shown unmasked once the
    team has accepted (a masked number cannot be called, and a call-through service needs a
    telephony contract a county does not have): the leader gives it in that role, as the
    team's contact for the orders it takes (``Order.objects.leader_phone_visible_to``: also
    the managers who speak for a resident without an account). Others who see the order
    read it masked; the other volunteers' names stay masked.
    """
    if order.state not in SERVED or order.team is None:
        return None
    leader = order.team.leader
    volunteers = []
    if order.event_id:
        signups = Signup.objects.filter(event_id=order.event_id, status=SignupStatus.CONFIRMED)
        if leader is not None:
            signups = signups.exclude(volunteer=leader)
        names = signups.order_by("pk").values_list("volunteer__real_name", flat=True)
        volunteers = [masked_resident(name) for name in names]
    phone = leader.user.phone if leader else ""
    callable_ = bool(phone) and (
        leader.user_id == user.pk  # type: ignore[union-attr]  # phone is empty without a leader
        or Order.objects.leader_phone_visible_to(user).filter(pk=order.pk).exists()
    )
    return {
        "team": order.team,
        "leader_name": leader.real_name if leader else "",
        "leader_phone": phone if callable_ else mask_phone(phone),
        "callable": callable_,
        "volunteers": volunteers,
        # Whom to call to move the visit: only while it is still to come or under way.
        "call_to_change": callable_ and order.state in (OrderState.ACCEPTED, OrderState.IN_SERVICE),
        "started_at": order.history.filter(action="start").values_list("changed_at", flat=True).last(),
    }


def _report(order: Order, user: AnyUser, can: dict) -> dict | None:
    """The completion report (the event's activity record): for everyone who sees the order once it
    is reported, and for those who report it while it is being written (its photos already kept)."""
    if order.event_id is None or not (order.state in REPORTED or can["complete"]):
        return None
    record = ActivityRecord.objects.filter(event_id=order.event_id).first()
    if record is None:
        return {"summary": "", "people_served": None, "photos": []}
    return {"summary": record.summary, "people_served": record.people_served, "photos": list(record.photos.all())}


def _detail(
    request: AuthenticatedRequest, order: Order, forms_given: dict | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    if order.contact_visible:  # type: ignore[attr-defined]  # with_contact_visibility()
        services.note_contact_views([order], user)
    can = _abilities(order, user)
    given = forms_given or {}
    rating = getattr(order, "rating", None)
    context: dict[str, Any] = {
        "order": _decorate(order),
        "running": RUNNING,
        "can": can,
        "history": _history(order),
        "declines": order.declines.select_related("team"),
        "rating": rating,
        "rating_stars": {name: "★" * getattr(rating, name) for name in ("response", "attitude", "result")}
        if rating
        else {},
        "rating_closes_at": services.rating_closes_at(order),
        "max_photos": MAX_COMPLETION_PHOTOS,
        "reported": REPORTED,
        "crew": _crew(order, user),
        "report": _report(order, user, can),
        "leader_asked": can["leader"] and order.state == OrderState.DISPATCHED,
    }
    if order.resident_id == user.pk or can["handler"]:
        views = ContactView.objects.filter(order=order).select_related("viewer", "team")
        context["contact_views"] = list(views[:50])
    if can["cancel"]:
        context["cancel_form"] = given.get("cancel") or CancelForm()
    if can["review"]:
        context["review_form"] = given.get("review") or ReviewForm(initial={"decision": "accept"})
    if can["dispatch"]:
        context["dispatch_form"] = given.get("dispatch") or _dispatch_form(order, user)
    if can["answer"]:
        context["accept_form"] = given.get("accept") or AppointmentForm()
        context["decline_form"] = given.get("decline") or DeclineForm()
    if can["claim"]:
        context["claim_form"] = given.get("claim") or ClaimForm(teams=_claim_teams(order, user))
    if can["reschedule"]:
        context["reschedule_form"] = given.get("reschedule") or AppointmentForm(
            initial={
                "starts_at": timezone.localtime(order.starts_at) if order.starts_at else None,
                "ends_at": timezone.localtime(order.ends_at) if order.ends_at else None,
                "place": order.place,
            }
        )
    if can["complete"]:
        context["complete_form"] = given.get("complete") or CompletionForm()
    if can["rate"]:
        context["rate_form"] = given.get("rate") or RatingForm()
    for key, form in given.items():
        if f"{key}_form" not in context:
            # The step is no longer offered (the order moved on): say why above the page.
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
    for key, form in context.items():
        if key.endswith("_form"):
            # Several forms on one page: their fields' ids must not collide (two "reason" fields).
            form.auto_id = f"id_{key.removesuffix('_form')}_%s"
    if order.event_id:
        context["event_visible"] = Event.objects.visible_to(user).filter(pk=order.event_id).exists()
        context["event_tools"] = Event.objects.run_by(user).filter(pk=order.event_id).exists()
    if order.contact_visible and order.state in LEADER_SEES_CONTACT:  # type: ignore[attr-defined]  # with_contact_visibility()
        # Those who read the address check the meeting place against it until the service is done.
        context["place_warnings"] = list(services.meeting_place_warnings(order).items())
    return _render(request, "orders/order_detail.html", context, status)


def _dispatch_form(order: Order, user: AnyUser, data=None) -> DispatchForm:
    return DispatchForm(data, teams=_dispatch_teams(order, user), units=PracticeUnit.objects.managed_by(user))


@login_required
@require_GET
def order_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """One order: state, contact as far as the viewer may read it, the history, and the viewer's steps."""
    return _detail(request, _visible_order(request, pk))


@login_required
@require_GET
def order_photo(request: HttpRequest, pk: int) -> FileResponse:
    """The resident's photo: it may show their home, so only those who may read the address get it."""
    order = _visible_order(request, pk)
    if not order.photo or not order.contact_visible:  # type: ignore[attr-defined]  # with_contact_visibility()
        raise Http404
    services.note_contact_views([order], request.user, via=ContactView.Via.PHOTO)
    response = FileResponse(order.photo.open("rb"), content_type="image/jpeg")
    # A photo of a resident's home, each read logged: no cache, shared or the browser's, keeps a copy.
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def report_photo(request: AuthenticatedRequest, pk: int, photo_pk: int) -> FileResponse:
    """A photo of the completion report (the event's activity record), for whom the order page shows it."""
    order = _visible_order(request, pk)
    if order.event_id is None or _report(order, request.user, _abilities(order, request.user)) is None:
        raise Http404
    photo = get_object_or_404(ActivityPhoto.objects.filter(record__event_id=order.event_id), pk=photo_pk)
    file = photo.thumbnail if request.GET.get("size") == "thumb" else photo.image
    try:
        handle = file.open("rb")
    except (OSError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    # Photos of a resident's home: no shared cache keeps a copy.
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _step(
    request: AuthenticatedRequest,
    pk: int,
    key: str,
    make_form: Callable[[Order], forms.Form],
    perform: Callable[[Order, dict], str],
) -> HttpResponse:
    """Validate the posted form, call the service, then show the order again (or the form's errors)."""
    order = _visible_order(request, pk)
    form = make_form(order)
    if form.is_valid():
        try:
            done = perform(order, form.cleaned_data)
        except (services.OrderError, ActivityError) as error:
            field = _field_of(error) if isinstance(error, services.OrderError) else None
            form.add_error(field if field in form.fields else None, error.detail)
            return _detail(request, _visible_order(request, pk), {key: form}, status=error.status_code)
        messages.success(request, done)
        return redirect("orders-detail", pk=order.pk)
    return _detail(request, order, {key: form}, status=400)


@login_required
@require_POST
def cancel(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    def perform(order: Order, data: dict) -> str:
        services.cancel_order(order, by=request.user, reason=data["reason"])
        return _("The order is cancelled.")

    return _step(request, pk, "cancel", lambda order: CancelForm(request.POST), perform)


@login_required
@require_POST
def review(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    def perform(order: Order, data: dict) -> str:
        accept = data["decision"] == "accept"
        services.review_order(order, by=request.user, accept=accept, reason=data["reason"])
        return _("Accepted: now dispatch it.") if accept else _("The order is not accepted; the resident is told why.")

    return _step(request, pk, "review", lambda order: ReviewForm(request.POST), perform)


@login_required
@require_POST
def dispatch(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    def make_form(order: Order) -> DispatchForm:
        # Before the form: its teams and units are those of a handler's reach.
        if not manages(request.user, order.handling_unit):
            raise PermissionDenied
        return _dispatch_form(order, request.user, request.POST)

    def perform(order: Order, data: dict) -> str:
        services.dispatch_order(order, by=request.user, team=data["team"], claim_unit=data["claim_unit"])
        if data["team"] is not None:
            return _("Dispatched to %(team)s.") % {"team": data["team"].name}
        return _("Open for the teams of %(unit)s to claim.") % {"unit": data["claim_unit"].name}

    return _step(request, pk, "dispatch", make_form, perform)


def _appointment(data: dict) -> services.Appointment:
    return services.Appointment(starts_at=data["starts_at"], ends_at=data["ends_at"], place=data.get("place", ""))


@login_required
@require_POST
def accept(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    def perform(order: Order, data: dict) -> str:
        services.accept_order(order, _appointment(data), by=request.user)
        return _("Accepted: the event is created and the team's members are signed up.")

    return _step(request, pk, "accept", lambda order: AppointmentForm(request.POST), perform)


@login_required
@require_POST
def reschedule(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    def perform(order: Order, data: dict) -> str:
        services.reschedule_order(order, _appointment(data), by=request.user)
        return _("The agreed time is changed; the event moves with it.")

    return _step(request, pk, "reschedule", lambda order: AppointmentForm(request.POST), perform)


@login_required
@require_POST
def decline(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    def perform(order: Order, data: dict) -> str:
        services.decline_order(order, by=request.user, reason=data["reason"])
        return _("Declined: the order returns to the dispatching unit.")

    return _step(request, pk, "decline", lambda order: DeclineForm(request.POST), perform)


@login_required
@require_POST
def claim(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    def perform(order: Order, data: dict) -> str:
        services.claim_order(order, data["team"], _appointment(data), by=request.user)
        return _("Claimed: the event is created and the team's members are signed up.")

    return _step(
        request, pk, "claim", lambda order: ClaimForm(request.POST, teams=_claim_teams(order, request.user)), perform
    )


@login_required
@require_POST
def start(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    def perform(order: Order, data: dict) -> str:
        services.start_service(order, by=request.user)
        return _("The service is under way: report it here once it is done.")

    return _step(request, pk, "start", lambda order: forms.Form(request.POST), perform)


@login_required
@require_POST
def complete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    if not photo_uploads_allowed(request):
        messages.error(request, UPLOADS_THROTTLED)
        return _detail(request, _visible_order(request, pk), status=429)
    photos = request.FILES.getlist("photos")

    def make_form(order: Order) -> CompletionForm:
        form = CompletionForm(request.POST)
        if len(photos) > MAX_COMPLETION_PHOTOS:
            form.add_error(None, _("At most %(n)d photos at a time.") % {"n": MAX_COMPLETION_PHOTOS})
            return form
        if photos:
            # Kept before the text is checked: a browser cannot fill the file input again, so a
            # refused report must not lose them (services.add_report_photos).
            try:
                kept, refused = services.add_report_photos(order, photos, by=request.user)
            except (services.OrderError, ActivityError) as error:
                form.add_error(None, error.detail)
                return form
            for message in refused:
                form.add_error(None, message)
            if refused and kept:
                form.add_error(
                    None, _("The other %(n)d photos are kept with the report: send it again.") % {"n": len(kept)}
                )
        return form

    def perform(order: Order, data: dict) -> str:
        services.complete_order(order, by=request.user, summary=data["summary"], people_served=data["people_served"])
        return _("The service is reported complete; the resident is asked to rate it.")

    return _step(request, pk, "complete", make_form, perform)


@login_required
@require_POST
def rate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    def perform(order: Order, data: dict) -> str:
        services.rate_order(order, by=request.user, **data)
        return _("Thank you for your rating.")

    return _step(request, pk, "rate", lambda order: RatingForm(request.POST), perform)


@login_required
@require_POST
def close(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    def perform(order: Order, data: dict) -> str:
        services.close_order(order, by=request.user)
        return _("The order is closed.")

    return _step(request, pk, "close", lambda order: forms.Form(request.POST), perform)


# Team leaders --------------------------------------------------------------------------------


@login_required
@require_GET
def team_inbox(request: AuthenticatedRequest) -> HttpResponse:
    """Orders offered to the teams I lead, open ones my teams may claim, and those they serve."""
    if not Team.objects.filter(leader__user=request.user).exists():
        raise Http404
    orders = list(
        Order.objects.offered_to_leader(request.user)
        .with_contact_visibility(request.user)
        .order_by("due_on", "created_at", "id")
    )
    groups: dict[str, list[Order]] = {"answer": [], "claim": [], "serving": [], "done": []}
    for order in orders:
        _decorate(order, listed=True)
        if order.state == OrderState.DISPATCHED:
            groups["answer"].append(order)
        elif order.state == OrderState.OPEN:
            groups["claim"].append(order)
        elif order.state in (OrderState.ACCEPTED, OrderState.IN_SERVICE):
            groups["serving"].append(order)
        else:
            groups["done"].append(order)
    groups["done"] = groups["done"][-ORDERS_PER_PAGE:][::-1]
    return _render(request, "orders/team_inbox.html", {"groups": groups})


# Managers ------------------------------------------------------------------------------------


class ManagerFilterForm(forms.Form):
    state = forms.ChoiceField(label=gettext_lazy("State"), required=False)
    item = forms.ModelChoiceField(
        label=gettext_lazy("Service"), queryset=MenuItem.objects.none(), required=False, empty_label=None
    )
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)

    def __init__(self, *args, items=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["state"]).choices = [("", _("All")), *OrderState.choices]
        item = cast(forms.ModelChoiceField, self.fields["item"])
        item.queryset = items if items is not None else MenuItem.objects.none()
        item.choices = [("", _("All")), *list(cast(ModelChoiceIterator, item.choices))]  # no choices set yet


def _require_manager(request: HttpRequest) -> None:
    if not is_manager(request.user):
        raise Http404


@login_required
@require_GET
def manage(request: HttpRequest) -> HttpResponse:
    """The orders of the manager's units, with filters on state, overdue and service."""
    _require_manager(request)
    orders = Order.objects.visible_to(request.user)
    items = MenuItem.objects.filter(pk__in=orders.values("item")).order_by("name")
    form = ManagerFilterForm(request.GET or None, items=items)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["state"]:
            orders = orders.filter(state=data["state"])
        if data["item"] is not None:
            orders = orders.filter(item=data["item"])
        if data["overdue"]:
            orders = orders.overdue()
    counts = dict(
        Order.objects.visible_to(request.user)
        .order_by()
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    overdue = Order.objects.visible_to(request.user).overdue().count()
    orders = orders.with_contact_visibility(request.user).order_by("due_on", "-created_at", "-id")
    page, query = _page_of(request, orders)
    for order in page:
        _decorate(order, listed=True)
    waiting = {
        "review": counts.get(OrderState.SUBMITTED, 0),
        "dispatch": counts.get(OrderState.REVIEWED, 0),
        "overdue": overdue,
    }
    context = {"form": form, "page": page, "orders": page.object_list, "query": query, "waiting": waiting}
    return _render(request, "orders/manage.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def manage_new(request: AuthenticatedRequest) -> HttpResponse:
    """A manager enters an order for a resident who phoned, wrote or visited."""
    _require_manager(request)
    stations = PracticeUnit.objects.managed_by(request.user).filter(level=Level.STATION, is_active=True)
    stations = stations.select_related("parent").order_by("path")
    if request.method == "GET":
        form = OnBehalfOrderForm(stations=stations)
        return _render(request, "orders/manage_new.html", {"form": form})
    form = OnBehalfOrderForm(request.POST, request.FILES, stations=stations)
    if not photo_uploads_allowed(request):
        messages.error(request, UPLOADS_THROTTLED)
        return _render(request, "orders/manage_new.html", {"form": form}, 429)
    if form.is_valid():
        try:
            order = _place(form, station=form.cleaned_data["station"], by=request.user, on_behalf=True)
        except services.OrderError as error:
            form.add_error(_field_of(error), error.detail)
        else:
            messages.success(request, _("The order is entered."))
            return redirect("orders-detail", pk=order.pk)
    return _render(request, "orders/manage_new.html", {"form": form}, 400)


@login_required
@require_GET
def manage_statistics(request: HttpRequest) -> HttpResponse:
    """How fast and how well the orders of the manager's units were served."""
    _require_manager(request)
    units = PracticeUnit.objects.managed_by(request.user).order_by("path")
    unit = None
    if request.GET.get("unit"):
        try:
            unit = units.filter(pk=int(request.GET["unit"])).first()
        except ValueError:
            unit = None
        if unit is None:
            raise Http404
    orders = Order.objects.visible_to(request.user)
    if unit is not None:
        orders = orders.filter(station__in=PracticeUnit.objects.subtree_of(unit))
    figures = order_statistics(orders)
    satisfaction = [(SATISFACTION_GROUPS[group], rows) for group, rows in figures["satisfaction"].items()]
    context = {"figures": figures, "satisfaction": satisfaction, "unit": unit, "units": units[:500]}
    return _render(request, "orders/statistics.html", context)


# The public board (公示) ----------------------------------------------------------------------


@require_GET
def board(request: HttpRequest, unit_pk: int) -> HttpResponse:
    """Completed orders of a unit's subtree, for everyone: the resident masked, no address, no phone."""
    unit = get_object_or_404(PracticeUnit, pk=unit_pk, is_active=True)
    orders = Order.objects.filter(state__in=DONE, station__in=PracticeUnit.objects.subtree_of(unit))
    summary = orders.aggregate(
        completed=Count("pk"),
        rated=Count("rating"),
        average=Avg((F("rating__response") + F("rating__attitude") + F("rating__result")) / 3.0),
    )
    rows = orders.select_related("item", "station", "team", "rating").order_by("-completed_at", "-id")
    page, query = _page_of(request, rows)
    return _render(
        request,
        "orders/board.html",
        {"unit": unit, "page": page, "orders": page.object_list, "query": query, "summary": summary},
    )
