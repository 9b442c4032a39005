"""Workflows of service orders: 点单 → 审单 → 派单 → 接单 → 服务 → 评单.

Every transition is one function here, raising OrderError with a stable code; the
API, the pages, the admin and the commands all call these. Each takes the order's
row lock first, so two people acting on one order at once are handled one after
the other (two teams claiming it: exactly one wins).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from accounts.models import AnyUser, User
from accounts.phones import normalize_phone, validate_mobile
from events.activity import ActivityError, document_event, prepare_activity_photos, store_activity_photos
from events.models import ActivityPhoto, Event, EventStatus, crew_of, event_bounds_errors
from events.photos import PhotoRejected, reencode_photo
from events.services import sign_up
from events.working_days import add_working_days
from orders.addresses import looks_like_home
from orders.models import (
    LEADER_SEES_CONTACT,
    RUNNING,
    ContactView,
    MenuItem,
    Order,
    OrderChange,
    OrderState,
    Rating,
    TeamDecline,
    led_by,
)
from orders.signals import order_changed
from stations.models import Level, PracticeUnit
from stations.scoping import is_under, manages
from volunteers.models import Team, Volunteer, VolunteerStatus

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class OrderError(DomainError):
    messages = {
        "invalid_state": _("The order is not in a state that allows this."),
        "duplicate": _("This mobile number is already registered."),
        "not_allowed": _("You may not do this with this order."),
        "reason_required": _("A reason is required."),
        "not_a_station": _("Orders are placed with a station."),
        "item_not_offered": _("This service is not on the menu of the chosen station."),
        "bad_phone": _("Enter a valid mainland mobile number (11 digits starting with 1)."),
        "team_out_of_reach": _("This team is outside the units you manage."),
        "team_level_not_allowed": _("Teams of this level do not take this service."),
        "team_declined": _("This team has declined the order; dispatch it to another team."),
        "team_has_no_leader": _("This team has no leader to accept or decline orders."),
        "unit_out_of_reach": _("This unit is outside the units you manage."),
        "dispatch_target": _("Dispatch to one team or open the order to the teams of one unit, not both."),
        "already_taken": _("Another team has already taken this order."),
        "bad_schedule": _("The agreed end must be after the start, and a service lasts at most 7 days."),
        "schedule_passed": _("The agreed time has already passed."),
        "no_members": _("The team has no active members to serve."),
        "not_members": _("Only the team's own active members can be signed up."),
        "photo_rejected": _("Upload a photo (JPEG, PNG, WebP or HEIC)."),
        "rating_closed": _("The time for rating this order has passed."),
        "bad_score": _("Give 1 to 5 stars."),
        "rating_window_open": _("The resident may still rate this order."),
        "no_parent_unit": _("The order is already handled by a center."),
        "already_attended": _("Volunteers have already checked in: the time can no longer change."),
        "same_team": _("The order is already dispatched to this team: choose another team to re-dispatch it."),
        "too_early": _(
            "The agreed time is more than 2 hours away: start the service when the team is at the resident's, "
            "or change the agreed time with the resident first."
        ),
        "service_not_started": _(
            "The agreed time has not come yet: press 「Start the service」 when the team is at the resident's, "
            "then report it."
        ),
    }
    status_codes = {
        "invalid_state": 409,
        "duplicate": 409,
        "not_allowed": 403,
        "team_declined": 409,
        "already_taken": 409,
        "rating_closed": 409,
        "rating_window_open": 409,
        "no_parent_unit": 409,
        "same_team": 409,
        "already_attended": 409,
        "too_early": 409,
        "service_not_started": 409,
    }


# Who may do what -----------------------------------------------------------------------


def leads(user: AnyUser, team: Team | None) -> bool:
    return team is not None and team.leader is not None and team.leader.user_id == user.pk


def _require(allowed: bool) -> None:
    if not allowed:
        raise OrderError("not_allowed")


def _may_handle(user: AnyUser, order: Order) -> bool:
    return manages(user, order.handling_unit)


def require_handler(order: Order, user: AnyUser) -> None:
    """Refuse (403) anyone but the managers of the order's handling unit and above."""
    _require(_may_handle(user, order))


def _is_resident(user: AnyUser, order: Order) -> bool:
    return order.resident_id is not None and order.resident_id == user.pk


# The order's lock and its history --------------------------------------------------------


def _locked(order: Order) -> Order:
    """The order's row, locked until the transaction ends (tests/orders: the claim race)."""
    return Order.objects.select_for_update().get(pk=order.pk)


def due_on(order: Order, state: str, at: datetime.datetime) -> datetime.date | None:
    """The deadline of ``state`` entered at ``at``: the item's working days on China's calendar."""
    days = order.item.days_for(state)
    if days is None:
        return None
    return add_working_days(timezone.localdate(at), days)


def _enter(
    order: Order,
    state: str,
    *,
    action: str,
    by: User | None,
    at: datetime.datetime,
    reason: str = "",
    team: Team | None = None,
    unit: PracticeUnit | None = None,
    fields: Iterable[str] = (),
    keep_due: bool = False,
) -> Order:
    """Move the order to ``state``, start that state's deadline and write the history line.

    With ``keep_due``, the deadline already running stays (a re-dispatch buys no time).
    """
    before = order.state
    order.state, order.state_since = state, at
    if not keep_due:
        order.due_on = due_on(order, state, at)
    order.save(update_fields=["state", "state_since", "due_on", "updated_at", *fields])
    step = OrderChange.objects.create(
        order=order,
        action=action,
        from_state=before,
        to_state=state,
        changed_by=by,
        changed_at=at,
        reason=reason,
        team=team,
        unit=unit,
    )
    order_changed.send(sender=Order, order=order, step=step)
    return order


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise OrderError("reason_required")
    return reason[:200]


# Residents ---------------------------------------------------------------------------------


@transaction.atomic
def register_resident(*, name: str, phone: str, password: str) -> User:
    """A resident's light account: the same phone-and-password login, no volunteer profile.

    Inputs are validated by the caller (serializer). Raises OrderError ``duplicate``.
    """
    try:
        with transaction.atomic():
            return get_user_model().objects.create_user(normalize_phone(phone), password, name=name.strip()[:30])
    except IntegrityError:
        raise OrderError("duplicate") from None


# 点单: ordering ------------------------------------------------------------------------------


def place_order(
    *,
    item: MenuItem,
    station: PracticeUnit,
    contact_name: str,
    contact_phone: str,
    address: str,
    by: User,
    description: str = "",
    honorific: str = "",
    photo=None,
    on_behalf: bool = False,
    at: datetime.datetime | None = None,
) -> Order:
    """A resident orders a service from their station's menu (志愿服务条例 art. 13).

    With ``on_behalf``, a manager of the station enters it for a resident who phoned,
    wrote or visited; the order then has no resident account. A photo is re-encoded
    (EXIF dropped) before it is stored. Raises OrderError.
    """
    at = at or timezone.now()
    if station.level != Level.STATION:
        raise OrderError("not_a_station")
    if on_behalf:
        _require(manages(by, station))
    if not MenuItem.objects.offered_at(station).filter(pk=item.pk).exists():
        raise OrderError("item_not_offered")
    phone = normalize_phone(contact_phone)
    try:
        validate_mobile(phone)
    except ValidationError:
        raise OrderError("bad_phone") from None
    order = Order(
        item=item,
        resident=None if on_behalf else by,
        entered_by=by if on_behalf else None,
        contact_name=contact_name.strip()[:30],
        honorific=honorific,
        contact_phone=phone,
        address=address.strip()[:200],
        station=station,
        handling_unit=station,
        description=description.strip()[:1000],
        state=OrderState.SUBMITTED,
        state_since=at,
        created_at=at,
    )
    # Re-encoded before the transaction: on SQLite a transaction holds the whole database.
    reencoded = None
    if photo is not None:
        try:
            reencoded = reencode_photo(photo)
        except PhotoRejected as error:
            raise OrderError("photo_rejected", str(error)) from None
    with transaction.atomic():
        if reencoded is not None:
            order.photo.save("photo.jpg", reencoded, save=False)
        order.due_on = due_on(order, OrderState.SUBMITTED, at)
        order.save()
        OrderChange.objects.create(
            order=order, action="submit", from_state="", to_state=OrderState.SUBMITTED, changed_by=by, changed_at=at
        )
    return order


@transaction.atomic
def cancel_order(order: Order, *, by: User, reason: str = "", at: datetime.datetime | None = None) -> Order:
    """The resident withdraws the order before a team accepted it.

    An order entered on a resident's behalf is withdrawn by the handling unit's
    managers, who took the resident's call. Raises OrderError.
    """
    order = _locked(order)
    _require(_is_resident(by, order) or (order.resident_id is None and _may_handle(by, order)))
    if order.state not in (OrderState.SUBMITTED, OrderState.REVIEWED, OrderState.DISPATCHED, OrderState.OPEN):
        raise OrderError("invalid_state")
    order.team, order.claim_unit = None, None
    return _enter(
        order,
        OrderState.CANCELLED,
        action="cancel",
        by=by,
        at=at or timezone.now(),
        reason=(reason or "").strip()[:200],
        fields=["team", "claim_unit"],
    )


# 审单 and 派单: review and dispatch ------------------------------------------------------------


@transaction.atomic
def review_order(
    order: Order, *, by: User, accept: bool, reason: str = "", at: datetime.datetime | None = None
) -> Order:
    """The handling unit accepts the order for dispatch, or refuses it with a reason the resident reads."""
    order = _locked(order)
    _require(_may_handle(by, order))
    if order.state != OrderState.SUBMITTED:
        raise OrderError("invalid_state")
    at = at or timezone.now()
    if accept:
        return _enter(order, OrderState.REVIEWED, action="accept_review", by=by, at=at, reason=(reason or "")[:200])
    return _enter(order, OrderState.REFUSED, action="refuse", by=by, at=at, reason=_reason(reason))


DISPATCHABLE = (OrderState.REVIEWED, OrderState.DISPATCHED, OrderState.OPEN)
# The history's dispatches to a team: the first one, and 改派 to another.
DISPATCH_ACTIONS = ("dispatch", "redispatch")


@transaction.atomic
def dispatch_order(
    order: Order,
    *,
    by: User,
    team: Team | None = None,
    claim_unit: PracticeUnit | None = None,
    at: datetime.datetime | None = None,
) -> Order:
    """Dispatch the order to one team (派单), or open it for the teams within ``claim_unit`` to claim (抢单).

    The dispatcher manages the handling unit (or a unit above it) and reaches the
    team or unit chosen. A team that declined the order is not asked again. A
    dispatched or open order may be dispatched anew (改派, action ``redispatch``) while
    no team has accepted it: the team asked before loses the order, its contact and its
    answer forms at once (they follow ``order.team``), and the deadline of the first
    dispatch keeps running. Raises OrderError.
    """
    if (team is None) == (claim_unit is None):
        raise OrderError("dispatch_target")
    order = _locked(order)
    _require(_may_handle(by, order))
    if order.state not in DISPATCHABLE:
        raise OrderError("invalid_state")
    at = at or timezone.now()
    action = "dispatch" if order.state == OrderState.REVIEWED else "redispatch"
    # 改派 keeps the deadline of the first dispatch: re-dispatching again and again must not
    # hold off the escalation to the unit above (escalate_overdue_orders).
    redispatch = order.state != OrderState.REVIEWED
    if team is not None:
        if order.state == OrderState.DISPATCHED and order.team_id == team.pk:
            raise OrderError("same_team")
        _check_team(order, team)
        if not manages(by, team.unit):
            raise OrderError("team_out_of_reach")
        if team.leader_id is None:
            raise OrderError("team_has_no_leader")
        order.team, order.claim_unit = team, None
        return _enter(
            order,
            OrderState.DISPATCHED,
            action=action,
            by=by,
            at=at,
            team=team,
            fields=["team", "claim_unit"],
            keep_due=redispatch,
        )
    if claim_unit is None or not manages(by, claim_unit):  # None: ruled out by dispatch_target above
        raise OrderError("unit_out_of_reach")
    order.team, order.claim_unit = None, claim_unit
    action = "open" if order.state == OrderState.REVIEWED else "redispatch"
    return _enter(
        order,
        OrderState.OPEN,
        action=action,
        by=by,
        at=at,
        unit=claim_unit,
        fields=["team", "claim_unit"],
        keep_due=redispatch,
    )


def _check_team(order: Order, team: Team) -> None:
    if not order.item.allows(team):
        raise OrderError("team_level_not_allowed")
    if TeamDecline.objects.filter(order=order, team=team).exists():
        raise OrderError("team_declined")


def _lock_event_and_attendees(event_id: int) -> Event:
    """The order's event locked, with the rows of everyone who could scan at it: before moving its window.

    A scan locks the volunteer's row, not the event's (events.services.record_scan), and
    reads the event once it holds it. Locking the rows of the team's crew and of anyone
    signed up makes a scan and a move of the window one after the other: the scan either
    comes first (its record is there to see) or reads the moved window. Volunteers before
    the event, in the order a walk-in check-in takes them (events.services._walk_in).
    """
    event = Event.objects.get(pk=event_id)
    crew = crew_of(event.team_id).values("pk") if event.team_id else Volunteer.objects.none().values("pk")
    list(
        Volunteer.objects.select_for_update()
        .filter(Q(pk__in=crew) | Q(pk__in=event.signups.values("volunteer")))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return Event.objects.select_for_update().get(pk=event_id)


# 接单: a team accepts, claims or declines -------------------------------------------------------


@dataclass(frozen=True)
class Appointment:
    """When and where the team meets to serve, as agreed with the resident.

    ``place`` is what volunteers read on the event: a meeting point, never the
    resident's home address (志愿服务条例 art. 21); the leader has that.
    """

    starts_at: datetime.datetime
    ends_at: datetime.datetime
    place: str = ""
    # The team's members who will serve (default: every active member).
    members: tuple[Volunteer, ...] | None = None


@transaction.atomic
def accept_order(order: Order, appointment: Appointment, *, by: User, at: datetime.datetime | None = None) -> Order:
    """The leader of the team the order was dispatched to accepts it (接单).

    Accepting creates the event of the team's unit for the agreed time and place,
    published, with the serving members signed up, so they check in with the event's
    QR code and their hours are credited as at any event. Raises OrderError.
    """
    order = _locked(order)
    team = _check_dispatched_to(order, by)
    return _take(order, team, appointment, action="accept", by=by, at=at or timezone.now())


def _check_dispatched_to(order: Order, by: User) -> Team:
    """The order waits for an answer from a team ``by`` leads; returns that team.

    A leader whose team was asked before learns that the order moved on (409), not
    that they may not act on it (403).
    """
    if order.state == OrderState.DISPATCHED and order.team is not None and leads(by, order.team):
        return order.team
    if order.history.filter(action__in=DISPATCH_ACTIONS, team__leader__user=by).exists():
        raise OrderError("invalid_state")
    raise OrderError("not_allowed")


@transaction.atomic
def claim_order(
    order: Order, team: Team, appointment: Appointment, *, by: User, at: datetime.datetime | None = None
) -> Order:
    """The leader of a team within the order's claim unit takes an open order (抢单).

    The order row is locked: of two teams claiming at once, exactly one wins and the
    other is told ``already_taken``. Raises OrderError.
    """
    order = _locked(order)
    _require(leads(by, team))
    if order.state != OrderState.OPEN:
        raise OrderError(
            "already_taken" if order.state in (OrderState.ACCEPTED, OrderState.IN_SERVICE) else "invalid_state"
        )
    if order.claim_unit is None or not is_under(team.unit, order.claim_unit):
        raise OrderError("team_out_of_reach")
    _check_team(order, team)
    return _take(order, team, appointment, action="claim", by=by, at=at or timezone.now())


# An agreed start this far in the past is a slip of the clock or of typing, not an agreement made
# now; further back, the service would be reportable at once without 开始服务 (_completable_event).
START_SLACK = datetime.timedelta(minutes=10)


def _check_appointment(appointment: Appointment, at: datetime.datetime) -> None:
    """Refuse a time that is malformed, or whose start (not only its end) has already passed."""
    if event_bounds_errors(appointment.starts_at, appointment.ends_at):
        raise OrderError("bad_schedule")
    if appointment.ends_at <= at or appointment.starts_at < at - START_SLACK:
        raise OrderError("schedule_passed")


def _take(order: Order, team: Team, appointment: Appointment, *, action: str, by: User, at: datetime.datetime) -> Order:
    _check_appointment(appointment, at)
    members = _serving_members(team, appointment.members)
    leader = team.leader
    event = Event.objects.create(
        unit=team.unit,
        title=order.item.name,
        description=str(_("Service order %(number)s for %(resident)s"))
        % {"number": order.pk, "resident": order.masked_name},
        category=order.item.event_category,
        recipients=order.masked_name,
        address=(appointment.place or "").strip()[:200]
        or str(_("%(station)s (home service)")) % {"station": order.station.name},
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        # The serving members fill every place; the team's other members may join the waitlist.
        capacity=len(members),
        signup_required=True,
        approval_required=True,
        lead_name=leader.real_name if leader else "",
        status=EventStatus.PUBLISHED,
        # The visit to a resident's home is the team's own event: neither listed nor open to
        # anyone else, seen besides only by the managers of the team's unit and the order's
        # station (whose managers, and those above, handle the order).
        team=team,
        served_unit=order.station,
        created_by=by,
    )
    if leader is not None:
        # The leader runs the check-in at the door and reports the service as its activity record.
        event.leaders.add(leader.user)
    for member in members:
        sign_up(event, member, at=at)
    order.team, order.claim_unit, order.event = team, None, event
    order.starts_at, order.ends_at, order.place = appointment.starts_at, appointment.ends_at, event.address
    order.accepted_at = at
    return _enter(
        order,
        OrderState.ACCEPTED,
        action=action,
        by=by,
        at=at,
        team=team,
        fields=["team", "claim_unit", "event", "starts_at", "ends_at", "place", "accepted_at"],
    )


@transaction.atomic
def reschedule_order(order: Order, appointment: Appointment, *, by: User, at: datetime.datetime | None = None) -> Order:
    """The serving team's leader (or a handler) changes the agreed time and place before the service.

    A team that claimed an open order reads the resident's phone only then, so it agrees
    the time after taking the order; any team may have to move a visit the resident asks
    to move. The order's event moves with it, its sign-ups kept; once a volunteer has
    checked in, the time stands. Raises OrderError.
    """
    order = _locked(order)
    _require(_may_serve(by, order))
    if order.state != OrderState.ACCEPTED or order.event_id is None:
        raise OrderError("invalid_state")
    at = at or timezone.now()
    _check_appointment(appointment, at)
    event = _lock_event_and_attendees(order.event_id)
    if event.records.exists():
        raise OrderError("already_attended")
    place = (appointment.place or "").strip()[:200] or event.address
    event.starts_at, event.ends_at, event.address = appointment.starts_at, appointment.ends_at, place
    event.save(update_fields=["starts_at", "ends_at", "address", "updated_at"])
    order.starts_at, order.ends_at, order.place = appointment.starts_at, appointment.ends_at, place
    order.save(update_fields=["starts_at", "ends_at", "place", "updated_at"])
    start, end = timezone.localtime(appointment.starts_at), timezone.localtime(appointment.ends_at)
    # Not _enter: the state and its deadline stay (moving the visit does not buy more time).
    step = OrderChange.objects.create(
        order=order,
        action="reschedule",
        from_state=order.state,
        to_state=order.state,
        changed_by=by,
        changed_at=at,
        reason=f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}",
        team=order.team,
    )
    order_changed.send(sender=Order, order=order, step=step)
    return order


PLACE_WARNINGS = {
    "place_looks_like_home": _(
        "The meeting place looks like the resident's home address. Volunteers read it on the event: "
        "name a meeting point instead unless the resident agreed."
    ),
}


def meeting_place_warnings(order: Order) -> dict[str, StrOrPromise]:
    """What the leader should check about the agreed meeting place, by code: a warning, never a refusal.

    The place is what the team's volunteers read; the home address stays with the
    leader (志愿服务条例 art. 21).
    """
    if order.place and looks_like_home(order.place, order.address):
        return {"place_looks_like_home": PLACE_WARNINGS["place_looks_like_home"]}
    return {}


def _serving_members(team: Team, chosen: Iterable[Volunteer] | None) -> list[Volunteer]:
    active = Volunteer.objects.filter(status=VolunteerStatus.ACTIVE, closed_at__isnull=True)
    found = active.filter(pk__in=team.members.values("pk"))
    if team.leader_id is not None:
        found = found | active.filter(pk=team.leader_id)
    crew = list(found.distinct().order_by("pk"))
    if chosen is not None:
        wanted = {volunteer.pk for volunteer in chosen}
        if not wanted <= {volunteer.pk for volunteer in crew}:
            raise OrderError("not_members")
        crew = [volunteer for volunteer in crew if volunteer.pk in wanted]
    if not crew:
        raise OrderError("no_members")
    return crew


@transaction.atomic
def decline_order(order: Order, *, by: User, reason: str, at: datetime.datetime | None = None) -> Order:
    """The team's leader declines with a reason; the order returns to the dispatcher.

    志愿服务条例 art. 25: nobody may force a volunteer to serve, so a team may always say
    no, and is not asked again for this order. Raises OrderError.
    """
    reason = _reason(reason)
    order = _locked(order)
    team = _check_dispatched_to(order, by)
    at = at or timezone.now()
    TeamDecline.objects.create(order=order, team=team, reason=reason, declined_by=by, declined_at=at)
    order.team = None
    return _enter(order, OrderState.REVIEWED, action="decline", by=by, at=at, reason=reason, team=team, fields=["team"])


# 服务: service and its report ------------------------------------------------------------------


def _may_serve(user: AnyUser, order: Order) -> bool:
    return leads(user, order.team) or _may_handle(user, order)


# The leader presses 开始服务 at the resident's door. Arriving up to two hours early happens
# (the resident asked the team to come as soon as it could, the previous visit ended early);
# earlier than that, the visit is not the one agreed: the leader changes the agreed time with
# the resident first (reschedule_order), which the resident sees in the history.
MAX_EARLY_START = datetime.timedelta(hours=2)


@transaction.atomic
def start_service(order: Order, *, by: User, at: datetime.datetime | None = None) -> Order:
    """The team is at the resident's: the order is in service. Raises OrderError.

    Starting before the agreed time moves the order's event to now, its booked length
    kept: the service really begins then, so it can be reported as soon as it is done (an
    activity record is refused before its event starts), the volunteers can check in, and
    their hours, the overlap of their attendance with the event's schedule (travel
    excluded, 志愿服务记录与证明出具办法), count from the real start, never from before it,
    and never for longer than the service booked. Starting late moves nothing: the hours
    count from each volunteer's check-in. The order keeps the time agreed with the resident.
    """
    order = _locked(order)
    _require(_may_serve(by, order))
    if order.state != OrderState.ACCEPTED:
        raise OrderError("invalid_state")
    at = at or timezone.now()
    event = _lock_event_and_attendees(order.event_id) if order.event_id else None
    if event is not None and at < event.starts_at:
        if event.starts_at - at > MAX_EARLY_START:
            raise OrderError("too_early")
        event.starts_at, event.ends_at = at, at + (event.ends_at - event.starts_at)
        event.save(update_fields=["starts_at", "ends_at", "updated_at"])
    return _enter(order, OrderState.IN_SERVICE, action="start", by=by, at=at)


def complete_order(
    order: Order,
    *,
    by: User,
    summary: str,
    people_served: int | None = None,
    photos: Iterable = (),
    at: datetime.datetime | None = None,
) -> Order:
    """The leader reports the service done: the report is the event's activity record (活动纪实).

    The summary, people served and photos go to ``events.activity``, so the order's
    report and the station's ledger are one record. Raises OrderError (or the
    activity record's ActivityError for a refused photo).
    """
    if not (summary or "").strip():
        raise OrderError("reason_required", str(_("Describe what was done.")))
    photos = list(photos)
    prepared = []
    at = at or timezone.now()
    if photos:
        # The cheap checks, then the photos decoded before any lock: on SQLite a transaction
        # holds the whole database, on PostgreSQL the order's and the record's rows.
        event = _completable_event(Order.objects.select_related("event").get(pk=order.pk), by, at=at)
        prepared = prepare_activity_photos(event, photos, by=by)
    with transaction.atomic():
        order = _locked(order)
        event = _completable_event(order, by, at=at)
        # Locked (with its attendees) before its activity record, as start_service and
        # reschedule_order lock it after the order: its end moves below.
        event = _lock_event_and_attendees(event.pk)
        document_event(event, summary=summary.strip(), people_served=people_served, by=by)
        if prepared:
            store_activity_photos(event, prepared, by=by)
        _end_event_at(event, at)
        order.completed_at = at
        return _enter(order, OrderState.COMPLETED, action="complete", by=by, at=at, fields=["completed_at"])


def _end_event_at(event: Event, at: datetime.datetime) -> None:
    """The service is reported done at ``at``: its event (locked) ends then, if it was booked to end later.

    Nobody checks in after the report (a check-in closes at the event's end), and hours,
    the overlap of attendance with the event's schedule, count up to the report and never
    past it: a volunteer who scans out later is credited until ``at``; one who never scans
    out is closed with zero hours and flagged for the unit once the check-out window after
    ``at`` has passed (events.services.close_stale_records), as at any event.
    """
    # An event ends after it starts (a report filed the very minute the service started).
    end = max(min(event.ends_at, at), event.starts_at + datetime.timedelta(minutes=1))
    if end != event.ends_at:
        event.ends_at = end
        event.save(update_fields=["ends_at", "updated_at"])


def add_report_photos(order: Order, photos: Iterable, *, by: User) -> tuple[list[ActivityPhoto], list[str]]:
    """Put the photos of a completion report on the event's activity record now, each on its own.

    A browser cannot fill a file input again, so a report refused for its text (or for
    one bad photo) must not lose the photos chosen with it: they are kept on the
    record, which is the report (the leader may delete them from the record page),
    while the order stays in service until the report is accepted. Returns the photos
    stored and the messages of the refused ones (naming their files). Raises
    OrderError, or ActivityError when no photo may be added (too many on the record).
    """
    uploads = list(photos)
    if not uploads:
        return [], []
    # Decoded before any lock, as complete_order does.
    event = _completable_event(Order.objects.select_related("event").get(pk=order.pk), by)
    prepared, refused = [], []
    for upload in uploads:
        try:
            prepared.extend(prepare_activity_photos(event, [upload], by=by))
        except ActivityError as error:
            if error.code != "bad_photo":
                raise
            refused.append(str(error.detail))
    return (store_activity_photos(event, prepared, by=by) if prepared else []), refused


def _completable_event(order: Order, by: User, *, at: datetime.datetime | None = None) -> Event:
    """The event whose record a completion report fills, if ``by`` may report ``order`` done at ``at``."""
    _require(_may_serve(by, order))
    if order.state not in (OrderState.ACCEPTED, OrderState.IN_SERVICE) or order.event is None:
        # Every accepted order has its event (_take).
        raise OrderError("invalid_state")
    if order.event.starts_at > (at or timezone.now()):
        # Not the activity record's "event not started": the leader starts the service (start_service).
        raise OrderError("service_not_started")
    return order.event


# Who read a resident's contact -------------------------------------------------------------------


def note_contact_views(
    orders: Iterable[Order], viewer: AnyUser, *, via: str = ContactView.Via.PAGE, at: datetime.datetime | None = None
) -> list[ContactView]:
    """Log each time a team leader is shown a resident's phone and address (ContactView): on the
    order's page, its photo, the API or the admin site (``via``).

    ``orders`` are those just shown, annotated by ``with_contact_visibility``; only those
    whose contact ``viewer`` reads as the leader of the team the order is dispatched to
    or served by count (the resident, the person who entered it and the dispatching
    managers read their own work). One query, one insert.
    """
    shown = [order.pk for order in orders if getattr(order, "contact_visible", False)]
    if not shown or not viewer.is_authenticated:
        return []
    led = Order.objects.filter(led_by(viewer), pk__in=shown, state__in=LEADER_SEES_CONTACT)
    at = at or timezone.now()
    rows = [
        ContactView(order_id=pk, viewer_id=viewer.pk, team_id=team_id, state=state, via=via, viewed_at=at)
        for pk, team_id, state in led.values_list("pk", "team_id", "state")
    ]
    return ContactView.objects.bulk_create(rows)


# 评单: rating and closing --------------------------------------------------------------------


def rating_closes_at(order: Order) -> datetime.datetime | None:
    if order.completed_at is None:
        return None
    return order.completed_at + datetime.timedelta(days=settings.ORDER_RATING_WINDOW_DAYS)


@transaction.atomic
def rate_order(
    order: Order,
    *,
    by: User,
    response: int,
    attitude: int,
    result: int,
    comment: str = "",
    at: datetime.datetime | None = None,
) -> Rating:
    """The resident rates the completed service, 1-5 stars on response, attitude and result.

    Within ``ORDER_RATING_WINDOW_DAYS`` of completion. For an order entered on a
    resident's behalf, the handling unit's manager records the answer of the return
    call (回访); the history says who. Raises OrderError.
    """
    order = _locked(order)
    _require(_is_resident(by, order) or (order.resident_id is None and _may_handle(by, order)))
    if order.state != OrderState.COMPLETED:
        raise OrderError("invalid_state")
    at = at or timezone.now()
    closes_at = rating_closes_at(order)
    if closes_at is None or at > closes_at:
        raise OrderError("rating_closed")
    if not all(1 <= int(score) <= 5 for score in (response, attitude, result)):
        raise OrderError("bad_score")
    rating = Rating.objects.create(
        order=order,
        response=response,
        attitude=attitude,
        result=result,
        comment=(comment or "").strip()[:500],
        rated_by=by,
        rated_at=at,
    )
    _enter(order, OrderState.RATED, action="rate", by=by, at=at)
    return rating


@transaction.atomic
def close_order(order: Order, *, by: User | None = None, at: datetime.datetime | None = None) -> Order:
    """Close (办结) a rated order, or a completed one whose rating window has passed.

    An order closed without a rating stays unrated: it never counts as satisfied.
    ``by`` is None when the cron command closes it. Raises OrderError.
    """
    order = _locked(order)
    if by is not None:
        _require(_may_handle(by, order))
    at = at or timezone.now()
    if order.state == OrderState.COMPLETED:
        closes_at = rating_closes_at(order)
        if closes_at is not None and at <= closes_at:
            raise OrderError("rating_window_open")
        action = "close_unrated"
    elif order.state == OrderState.RATED:
        action = "close"
    else:
        raise OrderError("invalid_state")
    order.closed_at = at
    return _enter(order, OrderState.CLOSED, action=action, by=by, at=at, fields=["closed_at"])


def close_finished_orders(*, now: datetime.datetime | None = None, dry_run: bool = False) -> list[Order]:
    """Close every rated order and every completed one past its rating window (for cron)."""
    now = now or timezone.now()
    window = datetime.timedelta(days=settings.ORDER_RATING_WINDOW_DAYS)
    due = Order.objects.filter(state=OrderState.RATED) | Order.objects.filter(
        state=OrderState.COMPLETED, completed_at__lt=now - window
    )
    orders = list(due.order_by("pk"))
    if not dry_run:
        orders = [close_order(order, at=now) for order in orders]
    return orders


# Deadlines and escalation --------------------------------------------------------------------


@dataclass(frozen=True)
class Escalation:
    order: Order
    from_unit: PracticeUnit
    to_unit: PracticeUnit | None


def escalate_overdue_orders(*, now: datetime.datetime | None = None, dry_run: bool = False) -> list[Escalation]:
    """Hand every overdue order up to its handling unit's parent, whose managers then act on it.

    The state's deadline starts again at the parent, so running this again the same
    day escalates nothing twice. An order overdue at a center has nowhere to go: it
    is reported (``to_unit`` None) and stays. Safe to run from cron as often as you like.
    """
    now = now or timezone.now()
    done = []
    overdue = Order.objects.overdue(timezone.localdate(now)).select_related("handling_unit__parent").order_by("pk")
    for order in overdue:
        parent = order.handling_unit.parent
        done.append(Escalation(order=order, from_unit=order.handling_unit, to_unit=parent))
        if parent is not None and not dry_run:
            escalate_order(order, at=now)
    return done


@transaction.atomic
def escalate_order(order: Order, *, at: datetime.datetime) -> Order:
    """Hand one overdue order to the parent of its handling unit. Raises OrderError."""
    order = _locked(order)
    if order.state not in RUNNING or order.due_on is None or order.due_on >= timezone.localdate(at):
        raise OrderError("invalid_state")
    parent = order.handling_unit.parent
    if parent is None:
        raise OrderError("no_parent_unit")
    before = order.handling_unit
    order.handling_unit, order.escalation_level, order.escalated_at = parent, order.escalation_level + 1, at
    order.save(update_fields=["handling_unit", "escalation_level", "escalated_at"])
    reason = str(_("Overdue at %(unit)s")) % {"unit": before.name}
    return _enter(
        order,
        order.state,
        action="escalate",
        by=None,
        at=at,
        reason=reason[:200],
        unit=parent,
        fields=["handling_unit"],
    )


# A team's new leader --------------------------------------------------------------------------


def hand_over_running_orders(team: Team, old_leader_id: int | None) -> None:
    """The events of the team's accepted and running orders follow its leader: the old one stops
    running them (check-in, scan, the completion report), the new one starts."""
    old = Volunteer.objects.filter(pk=old_leader_id).select_related("user").first() if old_leader_id else None
    new = team.leader
    events = Event.objects.filter(
        service_order__team=team, service_order__state__in=(OrderState.ACCEPTED, OrderState.IN_SERVICE)
    )
    for event in events.select_for_update():
        if old is not None:
            event.leaders.remove(old.user)
        if new is not None:
            event.leaders.add(new.user)
        event.lead_name = new.real_name if new is not None else ""
        event.save(update_fields=["lead_name"])


def before_team_saved(sender, instance: Team, raw: bool = False, update_fields=None, **kwargs) -> None:
    if raw or instance._state.adding or (update_fields is not None and "leader" not in update_fields):
        return
    instance.__dict__["_old_leader_id"] = (
        Team.objects.filter(pk=instance.pk).values_list("leader_id", flat=True).first()
    )


def team_saved(sender, instance: Team, created: bool, raw: bool = False, **kwargs) -> None:
    old = instance.__dict__.pop("_old_leader_id", None)
    if raw or created or old == instance.leader_id:
        return
    with transaction.atomic(savepoint=False):
        hand_over_running_orders(instance, old)
