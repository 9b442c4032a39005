"""Server-rendered pages for phones and venue screens: scan landing, kiosk, manager scan, event list."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.throttling import UserRateThrottle

from accounts.client_addresses import client_ip
from events import services
from events.checkin_codes import CodeError, expires_at, make_event_code, read_event_code, window_end, window_of
from events.models import Event, EventStatus, ServiceCategory, ServiceRecord, SignupStatus
from events.qr_codes import qr_svg
from events.views import checkin_url
from volunteers.models import Volunteer

ACTION_LABELS = {"in": "Check in", "out": "Check out"}


class CheckinThrottle(UserRateThrottle):
    """The API's per-volunteer check-in rate, shared with the scan page (same cache key)."""

    scope = "checkin"


def _volunteer_or_none(user) -> Volunteer | None:
    return Volunteer.objects.filter(user=user).select_related("home_station").first()


def _float_or_none(value: str | None) -> float | None:
    try:
        number = float(value) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number is not None and -180 <= number <= 180 else None


@login_required
@require_http_methods(["GET", "POST"])
def checkin(request: HttpRequest, token: str) -> HttpResponse:
    """What the phone camera opens: the event, the action, one big button; then the outcome."""
    now = timezone.now()
    volunteer = _volunteer_or_none(request.user)
    context = {"token": token, "volunteer": volunteer}
    try:
        code = read_event_code(token, now)
        event = Event.objects.select_related("unit").get(pk=code.event_id)
    except (CodeError, Event.DoesNotExist) as error:
        refusal = error.code if isinstance(error, CodeError) else "token_invalid"
        context["refusal"] = {"code": refusal, "detail": services.CheckInError(refusal).detail}
        return render(request, "events/checkin.html", context, status=400)
    context.update(event=event, action=code.action, action_label=_(ACTION_LABELS[code.action]))
    record = ServiceRecord.objects.filter(event=event, volunteer=volunteer).first() if volunteer else None
    if request.method == "GET":
        context["record"] = record
        context["already_in"] = code.action == "in" and record is not None
        return render(request, "events/checkin.html", context)
    if volunteer is None:
        context["refusal"] = {
            "code": "no_volunteer_profile",
            "detail": services.EventError("no_volunteer_profile").detail,
        }
        return render(request, "events/checkin.html", context, status=403)
    if not CheckinThrottle().allow_request(request, None):
        context["refusal"] = {"code": "throttled", "detail": _("Too many scans: wait a minute and try again.")}
        return render(request, "events/checkin.html", context, status=429)
    scan = services.ScanContext(
        latitude=_float_or_none(request.POST.get("latitude")),
        longitude=_float_or_none(request.POST.get("longitude")),
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    try:
        record, created = services.check_in_by_code(volunteer, token, at=now, context=scan)
    except services.CheckInError as error:
        context["refusal"] = {"code": error.code, "detail": error.detail}
        return render(request, "events/checkin.html", context, status=error.status_code)
    context.update(record=record, done=True, created=created)
    return render(request, "events/checkin.html", context)


def _managed_event(request: HttpRequest, pk: int) -> Event:
    return get_object_or_404(Event.objects.managed_by(request.user).select_related("unit"), pk=pk)


@login_required
@require_GET
def kiosk(request: HttpRequest, pk: int) -> HttpResponse:
    """The venue screen: a rotating QR code, a countdown, live counts."""
    event = _managed_event(request, pk)
    action = request.GET.get("action", "in")
    if action not in ACTION_LABELS:
        action = "in"
    return render(
        request,
        "events/kiosk.html",
        {"event": event, "action": action, "action_label": _(ACTION_LABELS[action]), **_kiosk_state(event, action)},
    )


def _kiosk_state(event: Event, action: str) -> dict:
    now = timezone.now()
    token = make_event_code(event.pk, action, now)
    url = checkin_url(token)
    counts = ServiceRecord.objects.filter(event=event).aggregate(
        checked_in=Count("pk"), checked_out=Count("pk", filter=Q(checked_out_at__isnull=False))
    )
    signed_up = event.signups.filter(status=SignupStatus.CONFIRMED).count()
    refresh_at = window_end(window_of(now))
    return {
        "url": url,
        "qr_svg": qr_svg(url),
        "expires_at": expires_at(now).isoformat(),
        "refresh_in_ms": max(1000, int((refresh_at - now).total_seconds() * 1000)),
        "counts": {"signed_up": signed_up, **counts},
        "is_open": event.is_open_for(action, now),
    }


@login_required
@require_GET
def kiosk_state(request: HttpRequest, pk: int) -> JsonResponse:
    """The kiosk's refresh: a new code and the counts, as JSON."""
    event = _managed_event(request, pk)
    action = request.GET.get("action", "in")
    if action not in ACTION_LABELS:
        return JsonResponse({"detail": _("Unknown action.")}, status=400)
    return JsonResponse(_kiosk_state(event, action))


@login_required
@require_GET
def scan_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The manager's page for scanning volunteers' personal codes (camera or handheld scanner)."""
    event = _managed_event(request, pk)
    texts = {
        "checked_in": _("Checked in"),
        "checked_out": _("Checked out"),
        "hours": _("hours"),
        "failed": _("Not accepted"),
        "offline": _("No connection: scan again."),
        "no_camera": _("The camera is not available: use a handheld scanner or type the code."),
    }
    return render(request, "events/scan.html", {"event": event, "messages_json": texts})


@login_required
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    """Published events, those of the volunteer's own county first by default."""
    volunteer = _volunteer_or_none(request.user)
    events = Event.objects.filter(status=EventStatus.PUBLISHED, ends_at__gte=timezone.now()).select_related("unit")
    scope = request.GET.get("scope", "county" if volunteer else "all")
    if volunteer and scope in SCOPE_PREFIX:
        events = events.filter(unit__path__startswith=volunteer.home_station.path[: SCOPE_PREFIX[scope]])
    category = request.GET.get("category", "")
    if category in ServiceCategory.values:
        events = events.filter(category=category)
    query = request.GET.get("q", "").strip()[:50]
    if query:
        events = events.filter(Q(title__icontains=query) | Q(address__icontains=query))
    day = _parse_date(request.GET.get("date", ""))
    if day:
        events = events.filter(starts_at__date__lte=day, ends_at__date__gte=day)
    events = events.annotate(
        confirmed_count=Count("signups", filter=Q(signups__status=SignupStatus.CONFIRMED))
    ).order_by("starts_at")[:100]
    return render(
        request,
        "events/event_list.html",
        {
            "events": events,
            "volunteer": volunteer,
            "categories": ServiceCategory.choices,
            "filters": {"scope": scope, "category": category, "q": query, "date": day.isoformat() if day else ""},
        },
    )


# How much of the home station's path names its county (center), township (institute), village (station).
SCOPE_PREFIX = {"county": 9, "township": 18, "station": 27}


def _parse_date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


@login_required
@require_GET
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event.objects.visible_to(request.user).select_related("unit"), pk=pk)
    volunteer = _volunteer_or_none(request.user)
    signup = event.signups.filter(volunteer=volunteer).first() if volunteer else None
    confirmed = event.signups.filter(status=SignupStatus.CONFIRMED).count()
    is_manager = Event.objects.managed_by(request.user).filter(pk=event.pk).exists()
    return render(
        request,
        "events/event_detail.html",
        {
            "event": event,
            "volunteer": volunteer,
            "signup": signup if signup and signup.status != SignupStatus.CANCELLED else None,
            "confirmed": confirmed,
            "is_manager": is_manager,
        },
    )


@login_required
@require_POST
def event_signup(request: HttpRequest, pk: int) -> HttpResponse:
    """The sign-up and cancel buttons of the event page."""
    event = get_object_or_404(Event.objects.visible_to(request.user), pk=pk)
    volunteer = _volunteer_or_none(request.user)
    if volunteer is None:
        raise Http404
    try:
        if request.POST.get("cancel"):
            services.cancel_signup(event, volunteer)
            messages.success(request, _("Your sign-up is cancelled."))
        else:
            signup, _created = services.sign_up(event, volunteer, at=timezone.now())
            if signup.status == SignupStatus.WAITLISTED:
                messages.info(request, _("The event is full: you are on the waitlist."))
            else:
                messages.success(request, _("You are signed up."))
    except services.EventError as error:
        messages.error(request, error.detail)
    return redirect("event-page", pk=event.pk)
