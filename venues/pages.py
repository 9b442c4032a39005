"""The venue pages, for people who never open the API: the public list and a venue's page
with its free and taken times, booking from a phone, "my bookings" with cancel, and the
manager's list of bookings waiting for a decision. Every step goes through ``venues.services``,
so a page refuses exactly what the API refuses."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from stations.admin import safe_pk
from stations.models import PracticeUnit
from stations.scoping import is_manager, under
from venues import services
from venues.errors import VenueError
from venues.forms import BookingForm, DayForm, RefuseForm
from venues.models import Booking, BookingStatus, Venue, VenueKind
from venues.views import availability, booking_allowed, public_venues

PER_PAGE = 20
SLOT_MINUTES = 30


def _render(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    return render(request, template, {**context, "is_manager": is_manager(request.user)})


def _slots(venue: Venue, day_info: dict) -> list[dict]:
    """The day's opening hours cut in half hours, each free or taken."""
    if not day_info["open"]:
        return []
    day = day_info["date"]
    moment = timezone.make_aware(datetime.datetime.combine(day, venue.opens_at))
    closes = timezone.make_aware(datetime.datetime.combine(day, venue.closes_at))
    step = datetime.timedelta(minutes=SLOT_MINUTES)
    slots = []
    while moment < closes:
        end = min(moment + step, closes)
        holders = [slot for slot in day_info["taken"] if slot["starts_at"] < end and slot["ends_at"] > moment]
        slots.append(
            {
                "starts_at": moment,
                "ends_at": end,
                "taken": bool(holders),
                "pending": any(slot["status"] == BookingStatus.PENDING for slot in holders),
            }
        )
        moment = end
    return slots


@require_http_methods(["GET", "HEAD"])
def venue_list(request: HttpRequest) -> HttpResponse:
    venues = Venue.objects.bookable().select_related("unit").prefetch_related("photos")
    unit = None
    unit_id = safe_pk(request.GET.get("unit"))
    if unit_id is not None:
        unit = PracticeUnit.objects.filter(pk=unit_id).first()
        if unit is not None:
            venues = venues.filter(under(unit, "unit__path"))
    kind = request.GET.get("kind", "")
    if kind in VenueKind.values:
        venues = venues.filter(kind=kind)
    page = Paginator(venues.order_by("unit__path", "name", "pk"), PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "unit": unit, "kind": kind, "kinds": VenueKind.choices}
    return _render(request, "venues/venue_list.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def venue_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    venue = get_object_or_404(
        public_venues(user).select_related("unit").prefetch_related("photos"),
        pk=pk,
    )
    today = timezone.localdate()
    day_form = DayForm(request.GET)
    day = (day_form.cleaned_data.get("date") if day_form.is_valid() else None) or today
    form = None
    if user.is_authenticated:
        if request.method == "POST":
            form = BookingForm(request.POST, user=user)
            if not booking_allowed(request):
                form.add_error(None, _("Too many bookings: wait a while and try again."))
            elif form.is_valid():
                starts_at, ends_at = form.times()
                try:
                    services.book(
                        venue,
                        user,
                        starts_at=starts_at,
                        ends_at=ends_at,
                        purpose=form.cleaned_data["purpose"],
                        attendees=form.cleaned_data["attendees"],
                        team=form.cleaned_data.get("team"),
                        is_public=form.cleaned_data["is_public"],
                        at=timezone.now(),
                    )
                except VenueError as error:
                    form.add_error(None, error.detail)
                else:
                    messages.success(request, _("Your booking is made. It holds the time; see its state below."))
                    return redirect("venue-my-bookings-page")
            day = form.cleaned_data.get("day") or day
        else:
            form = BookingForm(user=user, initial={"day": day})
    elif request.method == "POST":
        return redirect_to_login(request.get_full_path())
    info = availability(venue, day)
    context = {
        "venue": venue,
        "day": day,
        "previous_day": day - datetime.timedelta(days=1) if day > today else None,
        "next_day": day + datetime.timedelta(days=1) if day < datetime.date(2100, 12, 31) else None,
        "info": info,
        "slots": _slots(venue, info),
        "form": form,
        "weekdays": [_weekday_name(int(d)) for d in venue.open_weekdays],
    }
    return _render(request, "venues/venue_page.html", context)


def _weekday_name(day: int) -> str:
    return [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")][day - 1]


@login_required
@require_http_methods(["GET", "HEAD"])
def my_bookings(request: HttpRequest) -> HttpResponse:
    bookings = Booking.objects.filter(booker_id=request.user.pk).select_related("venue__unit", "team")
    page = Paginator(bookings.order_by("-starts_at", "-pk"), PER_PAGE).get_page(request.GET.get("page"))
    return _render(request, "venues/my_bookings.html", {"page": page, "now": timezone.now()})


@login_required
@require_POST
def cancel_booking(request: HttpRequest, pk: int) -> HttpResponse:
    booking = get_object_or_404(Booking.objects.visible_to(request.user), pk=pk)
    try:
        services.cancel(booking, by=request.user, at=timezone.now())
    except VenueError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("The booking is cancelled; the time is free again."))
    if booking.booker_id == request.user.pk:
        return redirect("venue-my-bookings-page")
    return redirect("venue-manage-bookings-page")


def _manager_only(request: HttpRequest) -> None:
    if not is_manager(request.user):
        raise Http404


@login_required
@require_http_methods(["GET", "HEAD"])
def manage_bookings(request: HttpRequest) -> HttpResponse:
    """Bookings of the manager's subtree waiting for a decision, soonest first."""
    _manager_only(request)
    waiting = (
        Booking.objects.managed_by(request.user)
        .filter(status=BookingStatus.PENDING, starts_at__gt=timezone.now())
        .select_related("venue__unit", "booker", "team")
        .order_by("starts_at", "pk")
    )
    page = Paginator(waiting, PER_PAGE).get_page(request.GET.get("page"))
    return _render(request, "venues/manage_bookings.html", {"page": page, "refuse_form": RefuseForm()})


@login_required
@require_POST
def decide_booking(request: HttpRequest, pk: int, approve: bool) -> HttpResponse:
    _manager_only(request)
    booking = get_object_or_404(Booking.objects.managed_by(request.user), pk=pk)
    reason = ""
    if not approve:
        form = RefuseForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give a reason for refusing (at most 200 characters)."))
            return redirect("venue-manage-bookings-page")
        reason = form.cleaned_data["reason"]
    try:
        services.decide(booking, by=request.user, approve=approve, reason=reason, at=timezone.now())
    except VenueError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Booking approved.") if approve else _("Booking refused."))
    return redirect("venue-manage-bookings-page")
