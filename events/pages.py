"""Server-rendered pages for phones and venue screens: scan landing, kiosk, manager scan,
sign-up list, event list and detail, and the activity record (活动纪实)."""

import datetime
import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.client_addresses import client_ip
from accounts.models import User
from accounts.throttles import ScopedThrottle
from events import activity, services
from events.checkin_codes import (
    CodeError,
    expires_at,
    make_event_code,
    read_event_code,
    read_volunteer_code,
    window_end,
    window_of,
)
from events.choices import ScanAction
from events.models import (
    MAX_PEOPLE_SERVED,
    ActivityPhoto,
    ActivityRecord,
    Event,
    EventStatus,
    ServiceCategory,
    ServiceRecord,
    Signup,
    SignupStatus,
)
from events.photos import UPLOADS_THROTTLED, photo_uploads_allowed
from events.qr_codes import qr_svg
from events.scanner_pages import scanner_config, scanner_texts
from events.views import checkin_url
from stations.models import PracticeUnit
from volunteers.models import Volunteer

EVENTS_PER_PAGE = 20


class AuthenticatedRequest(HttpRequest):
    """The request a view behind ``login_required`` receives: its user is logged in."""

    user: User


def _float_or_none(value: str | None) -> float | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if -180 <= number <= 180 else None


def hhmm(moment: datetime.datetime | None) -> str:
    return formats.time_format(timezone.localtime(moment), "H:i") if moment else ""


def free_places(event: Event) -> int | None:
    """Places left for confirmed sign-ups; None when the event has no limit."""
    if event.capacity is None:
        return None
    return max(0, event.capacity - event.signups.filter(status=SignupStatus.CONFIRMED).count())


def walk_in_possible(event: Event, volunteer: Volunteer | None) -> bool:
    """Whether the 报名并签到 offer applies: sign-up needed, not signed up, walk-ins allowed, a place free."""
    if volunteer is None or not event.signup_required or not getattr(event, "walk_ins_allowed", False):
        return False
    if event.signups.filter(volunteer=volunteer, status=SignupStatus.CONFIRMED).exists():
        return False
    places = free_places(event)
    return places is None or places > 0


@login_required
@require_http_methods(["GET", "POST"])
def checkin(request: AuthenticatedRequest, token: str) -> HttpResponse:
    """What the phone camera opens: the event, the action, one big button; then the outcome."""
    now = timezone.now()
    volunteer = Volunteer.objects.of_user(request.user).select_related("home_station").first()
    context = {"token": token, "volunteer": volunteer, "ScanAction": ScanAction}
    try:
        code = read_event_code(token, now)
        # A team's own event shows nobody else its time and place, even with its code.
        event = Event.objects.visible_to(request.user).select_related("unit").get(pk=code.event_id)
    except (CodeError, Event.DoesNotExist) as error:
        refusal = error.code if isinstance(error, CodeError) else "token_invalid"
        context["refusal"] = {"code": refusal, "detail": services.CheckInError(refusal).detail}
        return render(request, "events/checkin.html", context, status=400)
    context.update(event=event, action=code.action, action_label=code.action.label)
    record = ServiceRecord.objects.filter(event=event, volunteer=volunteer).first() if volunteer else None
    if request.method == "GET":
        context["record"] = record
        context["already_in"] = code.action == ScanAction.IN and record is not None
        # Opening the check-out code again says so, as check-in does; checking out again stays
        # possible (left early, came back) behind a second button.
        context["already_out"] = (
            code.action == ScanAction.OUT and record is not None and record.checked_out_at is not None
        )
        context["walk_in"] = code.action == ScanAction.IN and record is None and walk_in_possible(event, volunteer)
        context["not_signed_up"] = (
            code.action == ScanAction.IN
            and record is None
            and volunteer is not None
            and event.signup_required
            and not context["walk_in"]
            and not event.signups.filter(volunteer=volunteer, status=SignupStatus.CONFIRMED).exists()
        )
        return render(request, "events/checkin.html", context)
    if volunteer is None:
        context["refusal"] = {
            "code": "no_volunteer_profile",
            "detail": services.EventError("no_volunteer_profile").detail,
        }
        return render(request, "events/checkin.html", context, status=403)
    # The API's per-volunteer check-in bucket, shared with this page.
    if not ScopedThrottle("checkin").allow_request(request, None):
        context["refusal"] = {"code": "throttled", "detail": _("Too many scans: wait a minute and try again.")}
        return render(request, "events/checkin.html", context, status=429)
    scan = services.ScanContext(
        latitude=_float_or_none(request.POST.get("latitude")),
        longitude=_float_or_none(request.POST.get("longitude")),
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    try:
        record, created = services.check_in_by_code(
            volunteer, token, at=now, context=scan, walk_in=request.POST.get("walk_in") == "1"
        )
    except services.CheckInError as error:
        context["refusal"] = {"code": error.code, "detail": error.detail}
        return render(request, "events/checkin.html", context, status=error.status_code)
    context.update(record=record, done=True, created=created)
    return render(request, "events/checkin.html", context)


def _run_event(request: HttpRequest, pk: int) -> Event:
    """The event, if the user runs it (its managers and leaders); else 404."""
    return get_object_or_404(Event.objects.run_by(request.user).select_related("unit"), pk=pk)


def _action(request: HttpRequest) -> ScanAction:
    action = request.GET.get("action", ScanAction.IN)
    return ScanAction(action) if action in ScanAction.values else ScanAction.IN


@login_required
@require_GET
def kiosk(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The venue screen: full screen, no site links, a rotating QR code while the window is open, live counts."""
    event = _run_event(request, pk)
    action = _action(request)
    return render(
        request,
        "events/kiosk.html",
        {
            "event": event,
            "action": action,
            "action_label": action.label,
            "ScanAction": ScanAction,
            **_kiosk_state(event, action),
        },
    )


def _closed_text(event: Event, action: ScanAction, now: datetime.datetime) -> str:
    if now < event.checkin_opens_at and event.status == EventStatus.PUBLISHED:
        opens = timezone.localtime(event.checkin_opens_at)
        when = hhmm(opens) if opens.date() == timezone.localdate(now) else formats.date_format(opens, "m-d H:i")
        if action == ScanAction.IN:
            return _("Check-in opens at %(time)s") % {"time": when}
        return _("Check-out opens at %(time)s") % {"time": when}
    if event.status == EventStatus.CANCELLED:
        return _("This event has been cancelled.")
    if event.status == EventStatus.DRAFT:
        return _("This event is not published yet.")
    return _("Check-in has closed.") if action == ScanAction.IN else _("Check-out has closed.")


def _kiosk_state(event: Event, action: ScanAction) -> dict:
    now = timezone.now()
    counts = ServiceRecord.objects.filter(event=event).aggregate(
        checked_in=Count("pk"), checked_out=Count("pk", filter=Q(checked_out_at__isnull=False))
    )
    signed_up = event.signups.filter(status=SignupStatus.CONFIRMED).count()
    state = {
        "counts": {"signed_up": signed_up, **counts},
        "is_open": event.is_open_for(action, now),
        "url": "",
        "qr_svg": "",
        "expires_at": "",
        "closed_text": "",
    }
    if state["is_open"]:
        # Only while scans are accepted: a code on a screen before the window would only
        # teach people that scanning does not work.
        url = checkin_url(make_event_code(event.pk, action, now))
        state.update(url=url, qr_svg=qr_svg(url), expires_at=expires_at(now).isoformat())
        refresh_at = window_end(window_of(now))
    else:
        state["closed_text"] = _closed_text(event, action, now)
        refresh_at = now + datetime.timedelta(seconds=30)
        if event.status == EventStatus.PUBLISHED and now < event.checkin_opens_at:
            refresh_at = min(refresh_at, event.checkin_opens_at)
    state["refresh_in_ms"] = max(1000, int((refresh_at - now).total_seconds() * 1000))
    return state


@login_required
@require_GET
def kiosk_state(request: AuthenticatedRequest, pk: int) -> JsonResponse:
    """The kiosk's refresh: the current code (same within a window) and the counts, as JSON."""
    event = _run_event(request, pk)
    action = request.GET.get("action", ScanAction.IN)
    if action not in ScanAction.values:
        return JsonResponse({"detail": _("Unknown action.")}, status=400)
    return JsonResponse(_kiosk_state(event, ScanAction(action)))


@login_required
@require_GET
def scan_page(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The page for scanning volunteers' personal codes (camera or handheld scanner), for managers and leaders."""
    event = _run_event(request, pk)
    texts = {
        "offline": _("No connection: scan again."),
        "no_camera": _("The camera is not available: use a handheld scanner or type the code."),
        "failed": _("Not accepted"),
        **scanner_texts(),
    }
    context = {
        "event": event,
        "messages_json": texts,
        "scanner_config": scanner_config(request.user, event),
        "ScanAction": ScanAction,
    }
    return render(request, "events/scan.html", context)


# Refusals as a manager reads them at the door, naming the person.
MANAGER_REFUSALS = {
    "not_signed_up": gettext_noop("%(name)s has not signed up for this event."),
    "not_checked_in": gettext_noop("%(name)s has not checked in yet: switch to check-in first."),
    "overlapping": gettext_noop("%(name)s is checked in to another event at this time."),
    "volunteer_suspended": gettext_noop("%(name)s is suspended."),
    "too_young": gettext_noop("%(name)s is younger than this event's minimum age."),
    "event_full": gettext_noop("No places left for %(name)s: the event is full."),
    "already_reviewed": gettext_noop("The record of %(name)s has been reviewed: correct it in the admin."),
    "token_expired": gettext_noop("This code has expired: ask the volunteer to refresh their page."),
    "token_invalid": gettext_noop("This is not a volunteer's code."),
    "event_not_open": gettext_noop("Check-in or check-out is not open for this event now."),
}


def _manager_refusal(code: str, name: str) -> str:
    template = MANAGER_REFUSALS.get(code)
    if template is None:
        return str(services.CheckInError(code).detail)
    return _(template) % {"name": name}


def _name_for_manager(volunteer: Volunteer, event: Event) -> str:
    """Full name to the event's managers for someone who signed up or attended; else masked."""
    known = (
        event.signups.filter(volunteer=volunteer).exclude(status=SignupStatus.CANCELLED).exists()
        or ServiceRecord.objects.filter(event=event, volunteer=volunteer).exists()
    )
    name = volunteer.real_name
    return name if known else name[:1] + "*" * max(1, len(name) - 1)


@login_required
@require_POST
def scan_answer(request: AuthenticatedRequest, pk: int) -> JsonResponse:
    """One scanned personal code, answered for the scan page's green or red panel."""
    event = _run_event(request, pk)
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("volunteer_token"), str):
        return JsonResponse({"ok": False, "kind": "invalid", "message": _("Scan a volunteer's code.")}, status=400)
    if body.get("action") not in ScanAction.values:
        return JsonResponse({"ok": False, "kind": "invalid", "message": _("Unknown action.")}, status=400)
    action = ScanAction(body["action"])
    if not ScopedThrottle("scan").allow_request(request, None):
        return JsonResponse(
            {"ok": False, "kind": "throttled", "message": _("Too many scans: wait a minute and try again.")},
            status=429,
        )
    token, walk_in = body["volunteer_token"].strip()[:500], body.get("walk_in") is True
    now = timezone.now()
    try:
        volunteer = Volunteer.objects.filter(pk=read_volunteer_code(token, now)).first()
    except CodeError:
        volunteer = None
    before = ServiceRecord.objects.filter(event=event, volunteer=volunteer).first() if volunteer else None
    scan = services.ScanContext(ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", ""))
    try:
        record, created = services.check_in_volunteer_code(
            event, token, action, by=request.user, at=now, context=scan, walk_in=walk_in
        )
    except services.CheckInError as error:
        name = _name_for_manager(volunteer, event) if volunteer else ""
        answer = {
            "ok": False,
            "kind": error.code,
            "name": name,
            "message": _manager_refusal(error.code, name or _("The volunteer")),
        }
        if error.code == "not_signed_up" and walk_in_possible(event, volunteer):
            answer["walk_in_offer"] = True
            answer["risk_notice"] = event.risk_notice
        return JsonResponse(answer, status=error.status_code)
    name = _name_for_manager(record.volunteer, event)
    answer = {"ok": True, "name": name, "time": hhmm(record.checked_in_at), "hours": str(record.credited_hours)}
    if action == ScanAction.IN:
        answer["kind"] = "checked_in" if created else "already_in"
        answer["message"] = (_("Checked in (%(time)s)") if created else _("Already checked in (%(time)s)")) % {
            "time": hhmm(record.checked_in_at)
        }
    else:
        again = before is not None and before.checked_out_at is not None
        answer["kind"] = "checked_out_again" if again else "checked_out"
        answer["time"] = hhmm(record.checked_out_at)
        answer["message"] = (
            _("Check-out updated (%(time)s), %(hours)s hours")
            if again
            else _("Checked out (%(time)s), %(hours)s hours")
        ) % {"time": hhmm(record.checked_out_at), "hours": record.credited_hours}
    return JsonResponse(answer, status=201 if created else 200)


@login_required
@require_GET
def signup_list(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The event's sign-ups and attendance, for its managers and leaders at the door."""
    event = _run_event(request, pk)
    records = ServiceRecord.objects.filter(event=event, volunteer=OuterRef("volunteer"))
    signups = (
        event.signups.exclude(status=SignupStatus.CANCELLED)
        .select_related("volunteer")
        .annotate(
            checked_in_at=Subquery(records.values("checked_in_at")[:1]),
            checked_out_at=Subquery(records.values("checked_out_at")[:1]),
        )
        .order_by("status", "queued_at", "id")
    )
    return render(request, "events/signup_list.html", {"event": event, "signups": signups})


@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    """Published events open to everyone (and a team's own events to its members); those of the
    volunteer's own county first by default."""
    volunteer = Volunteer.objects.of_user(request.user).select_related("home_station__parent__parent").first()
    now = timezone.now()
    events = Event.objects.visible_to(request.user).filter(status=EventStatus.PUBLISHED, ends_at__gte=now)
    events = events.select_related("unit")
    scope = request.GET.get("scope", "county" if volunteer else "all")
    area = _home_area(volunteer, scope) if volunteer else None
    if area is not None:
        events = events.filter(unit__in=PracticeUnit.objects.subtree_of(area))
    category = request.GET.get("category", "")
    if category in ServiceCategory.values:
        events = events.filter(category=category)
    query = request.GET.get("q", "").strip()[:50]
    if query:
        events = events.filter(Q(title__icontains=query) | Q(address__icontains=query))
    day = _parse_date(request.GET.get("date", ""))
    if day:
        events = events.filter(starts_at__date__lte=day, ends_at__date__gte=day)
    events = events.annotate(confirmed_count=Count("signups", filter=Q(signups__status=SignupStatus.CONFIRMED)))
    if volunteer:
        mine = Signup.objects.filter(event=OuterRef("pk"), volunteer=volunteer).exclude(status=SignupStatus.CANCELLED)
        events = events.annotate(my_signup_status=Subquery(mine.values("status")[:1]))
    page = Paginator(events.order_by("starts_at", "id"), EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    for event in page:
        event.badge = _badge(event, now, getattr(event, "my_signup_status", None))
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    return render(
        request,
        "events/event_list.html",
        {
            "page": page,
            "events": page.object_list,
            "volunteer": volunteer,
            "categories": ServiceCategory.choices,
            "query": query_without_page.urlencode(),
            "filters": {"scope": scope, "category": category, "q": query, "date": day.isoformat() if day else ""},
        },
    )


def _badge(event: Event, now: datetime.datetime, my_status: str | None) -> tuple[str, str] | None:
    """The one status badge a list shows: 已报名 / 候补 first, then 进行中, then 已满."""
    if my_status == SignupStatus.CONFIRMED:
        return "signed-up", _("Signed up")
    if my_status == SignupStatus.WAITLISTED:
        return "waitlisted", _("On the waitlist")
    if event.starts_at <= now <= event.ends_at:
        return "running", _("Under way")
    # confirmed_count: annotated by the list's query, set by the detail page.
    if event.capacity is not None and getattr(event, "confirmed_count", 0) >= event.capacity:
        return "full", _("Full")
    return None


def _home_area(volunteer: Volunteer, scope: str) -> PracticeUnit | None:
    """The unit a scope of the events list names: the home station's center (county), institute
    (township) or the station itself; None for "all" and anything unknown."""
    station = volunteer.home_station
    if scope == "station":
        return station
    if scope == "township":
        return station.parent
    if scope == "county":
        return station.parent.parent if station.parent else None
    return None


def _parse_date(value: str) -> datetime.date | None:
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        return None
    return day if 1900 <= day.year <= 2100 else None


@require_GET
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One event, open to everyone once published (a team's own event to its team only); sign-up for
    volunteers, venue tools for those who run it."""
    event = get_object_or_404(Event.objects.visible_to(request.user).select_related("unit", "venue", "project"), pk=pk)
    volunteer = Volunteer.objects.of_user(request.user).select_related("home_station").first()
    signup = event.signups.filter(volunteer=volunteer).first() if volunteer else None
    confirmed = event.signups.filter(status=SignupStatus.CONFIRMED).count()
    runs_event = Event.objects.run_by(request.user).filter(pk=event.pk).exists()
    now = timezone.now()
    signup = signup if signup and signup.status != SignupStatus.CANCELLED else None
    event.confirmed_count = confirmed
    return render(
        request,
        "events/event_detail.html",
        {
            "event": event,
            "volunteer": volunteer,
            "signup": signup,
            "confirmed": confirmed,
            "runs_event": runs_event,
            "ScanAction": ScanAction,
            "badge": _badge(event, now, signup.status if signup else None),
            "can_sign_up": event.status == EventStatus.PUBLISHED and event.ends_at > now,
        },
    )


@login_required
@require_POST
def event_signup(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The sign-up and cancel buttons of the event page; sign-up asks for the risk notice's acknowledgement."""
    event = get_object_or_404(Event.objects.visible_to(request.user), pk=pk)
    volunteer = Volunteer.objects.of_user(request.user).select_related("home_station").first()
    if volunteer is None:
        raise Http404
    try:
        if request.POST.get("cancel"):
            services.cancel_signup(event, volunteer)
            messages.success(request, _("Your sign-up is cancelled."))
        else:
            signup, _created = services.sign_up(
                event, volunteer, at=timezone.now(), risk_acknowledged=request.POST.get("risk_acknowledged") == "1"
            )
            if signup.status == SignupStatus.WAITLISTED:
                messages.info(request, _("The event is full: you are on the waitlist."))
            else:
                messages.success(request, _("You are signed up."))
    except services.EventError as error:
        messages.error(request, error.detail)
    return redirect("event-page", pk=event.pk)


# --- Activity record (活动纪实): the managers document an event from their phone ---


class ActivityRecordForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=activity.MAX_SUMMARY_CHARS,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What was done and what came of it."),
    )
    people_served = forms.IntegerField(
        label=_("People served"), required=False, min_value=0, max_value=MAX_PEOPLE_SERVED
    )


def _record_context(event: Event, form: ActivityRecordForm) -> dict:
    record = ActivityRecord.objects.filter(event=event).prefetch_related("photos").first()
    photos = list(record.photos.all()) if record else []
    return {
        "event": event,
        "form": form,
        "record": record,
        "photos": photos,
        "documented": bool(record and record.is_complete),
        "min_photos": settings.ACTIVITY_MIN_PHOTOS,
        "max_photos": activity.MAX_PHOTOS_PER_EVENT,
        "photos_left": activity.MAX_PHOTOS_PER_EVENT - len(photos),
        "can_document": event.status not in (EventStatus.DRAFT, EventStatus.CANCELLED)
        and event.starts_at <= timezone.now(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def activity_record_page(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The event's activity record for its managers and leaders: summary, people served, photos with the time taken."""
    event = _run_event(request, pk)
    if request.method == "GET":
        record = ActivityRecord.objects.filter(event=event).first()
        initial = {"summary": record.summary, "people_served": record.people_served} if record else {}
        return render(
            request, "events/activity_record.html", _record_context(event, ActivityRecordForm(initial=initial))
        )
    form = ActivityRecordForm(request.POST)
    if not form.is_valid():
        return render(request, "events/activity_record.html", _record_context(event, form), status=400)
    uploads = request.FILES.getlist("photos")
    if uploads and not photo_uploads_allowed(request):
        messages.error(request, UPLOADS_THROTTLED)
        return render(request, "events/activity_record.html", _record_context(event, form), status=429)
    try:
        activity.document_event(
            event,
            summary=form.cleaned_data["summary"],
            people_served=form.cleaned_data["people_served"],
            by=request.user,
        )
        if uploads:
            activity.add_activity_photos(event, uploads, by=request.user)
    except activity.ActivityError as error:
        messages.error(request, error.detail)
        return render(request, "events/activity_record.html", _record_context(event, form), status=error.status_code)
    messages.success(request, _("The activity record is saved."))
    return redirect("event-record-page", pk=event.pk)


@login_required
@require_POST
def activity_photo_upload(request: AuthenticatedRequest, pk: int) -> JsonResponse:
    """Photos one at a time from the record page's script: a phone's many photos stay within the request limit."""
    event = _run_event(request, pk)
    if not photo_uploads_allowed(request):
        return JsonResponse({"ok": False, "code": "throttled", "message": UPLOADS_THROTTLED}, status=429)
    try:
        photos = activity.add_activity_photos(event, request.FILES.getlist("photos"), by=request.user)
    except activity.ActivityError as error:
        return JsonResponse({"ok": False, "code": error.code, "message": error.detail}, status=error.status_code)
    return JsonResponse({"ok": True, "added": len(photos)}, status=201)


@login_required
@require_POST
def activity_photo_delete(request: AuthenticatedRequest, pk: int, photo_pk: int) -> HttpResponse:
    """The delete button under a thumbnail."""
    event = _run_event(request, pk)
    photo = get_object_or_404(ActivityPhoto.objects.filter(record__event=event), pk=photo_pk)
    try:
        activity.remove_activity_photo(photo, by=request.user)
    except activity.ActivityError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("The photo is deleted."))
    return redirect("event-record-page", pk=event.pk)
