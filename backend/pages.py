"""Pages that draw on every app: the home redirect, the volunteer's own page, registration,
certificate verification by typing, and the error pages."""

import contextlib
import datetime
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework import serializers

from accounts.models import User
from accounts.services import PasswordError, choose_password
from accounts.throttles import ScopedThrottle
from backend.my_record import my_record_context
from certificates import services as certificate_services
from certificates.models import CertificateRequest, RequestStatus
from certificates.serializers import CertificateRequestSerializer
from events.models import RecordStatus, ServiceRecord, SignupStatus
from events.no_shows import absences_of
from notifications.calendars import feed_of_user, feed_url
from orders.models import Order, OrderState
from points.models import ShopKeeper
from points.my_pages import link
from points.statement import summary_of
from stations.models import Level, PracticeUnit
from stations.scoping import is_manager
from volunteers import services as volunteer_services
from volunteers.id_numbers import (
    FORMAT_HINTS,
    SELF_DESCRIBING,
    IdType,
    normalize_document_number,
    validate_document_number,
)
from volunteers.models import ADULT_AGE, Gender, Volunteer, age_on
from volunteers.serializers import RegistrationSerializer


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Landing by role: managers on their workbench, volunteers (team leaders too) on their page,
    residents on their service orders, visitors on the events."""
    if not request.user.is_authenticated:
        return redirect("events-page")
    if is_manager(request.user):
        return redirect("workbench")
    if Volunteer.objects.of_user(request.user).exists():
        return redirect("me-page")
    return redirect("orders-mine")


def star_progress(hours: Decimal, level: int) -> dict | None:
    """How far the volunteer is from the next star level; None at the top."""
    thresholds = settings.STAR_THRESHOLDS_HOURS
    if level >= len(thresholds):
        return None
    floor = thresholds[level - 1] if level > 0 else 0
    target = thresholds[level]
    share: Decimal = (hours - floor) / (target - floor) if target > floor else Decimal(1)
    return {
        "next_level": level + 1,
        "target": target,
        "missing": max(Decimal(0), target - hours),
        "percent": int(max(Decimal(0), min(Decimal(100), share * 100))),
    }


def kept_shops(user: User) -> list[dict]:
    """The shops the user keeps without managing their unit: the /me/ page links to their redeem pages."""
    keeping = ShopKeeper.objects.filter(user=user).select_related("unit").order_by("unit__path")
    links = []
    for keeper in keeping:
        with contextlib.suppress(NoReverseMatch):
            links.append({"unit": keeper.unit, "url": reverse("shop-redeem-page", args=[keeper.unit_id])})
    return links


# The page holds the secret link of the person's calendar feed: no shared or browser cache keeps it.
@never_cache
@login_required
@require_GET
def me(request: HttpRequest) -> HttpResponse:
    """The volunteer's page: hours, star level, sign-ups, records, certificates and the personal QR code."""
    volunteer = Volunteer.objects.of_user(request.user).select_related("home_station").with_hours().first()
    if volunteer is None and is_manager(request.user):
        return redirect("workbench")
    context = {"volunteer": volunteer, "kept_shops": kept_shops(cast(User, request.user))}
    if volunteer is not None:
        now = timezone.now()
        context["points"] = summary_of(volunteer, now=now)
        context["points_links"] = {"shop": link("shop-page"), "gifts": link("gift-page")}
        records = list(
            ServiceRecord.objects.filter(volunteer=volunteer)
            .select_related("event__unit")
            .order_by("-checked_in_at")[:50]
        )
        attended = {record.event_id for record in records}
        context["signups"] = (
            volunteer.signups.filter(event__ends_at__gte=now)
            .exclude(status=SignupStatus.CANCELLED)
            .exclude(event_id__in=attended)
            .select_related("event__unit")
            .order_by("event__starts_at")
        )
        context["records"] = records
        context["stars"] = range(volunteer.star_level)
        context["progress"] = star_progress(volunteer.approved_hours, volunteer.star_level)
        context["hours_by_unit"] = (
            ServiceRecord.objects.filter(volunteer=volunteer, status=RecordStatus.APPROVED)
            .values("event__unit__name")
            .annotate(hours=Sum("credited_hours"), count=Count("pk"))
            .order_by("-hours")
        )
        context["certificates"] = (
            volunteer.certificates.with_review_state().select_related("unit").order_by("-issued_at")
        )
        context["requests"] = (
            CertificateRequest.objects.filter(volunteer=volunteer)
            .select_related("unit", "event", "certificate")
            .order_by("-created_at")[:20]
        )
        # An event already certified, or asked for and waiting, offers no second request.
        asked = set(
            CertificateRequest.objects.filter(volunteer=volunteer, status=RequestStatus.PENDING).values_list(
                "event_id", flat=True
            )
        )
        certified = set(volunteer.certificates.valid().values_list("event_id", flat=True))
        context["requestable"] = {
            record.event_id
            for record in records
            if record.status == RecordStatus.APPROVED and record.event_id not in asked | certified
        }
        context["request_units"] = PracticeUnit.objects.filter(
            pk__in=[volunteer.home_station_id, *{record.event.unit_id for record in records}]
        ).order_by("path")
        today = timezone.localdate(now)
        context["period_defaults"] = {"start": today.replace(month=1, day=1), "end": today}
        context["absences"] = absences_of(volunteer.pk, now=now, start=today.replace(month=1, day=1))
        calendar_url = feed_url(feed_of_user(request.user))
        # webcal:// opens an iPhone's "subscribe to calendar" screen directly.
        context["calendar"] = {"url": calendar_url, "webcal": "webcal://" + calendar_url.split("://", 1)[1]}
        # A team leader answers the orders offered to the team from here (orders-team).
        if volunteer.led_teams.exists():
            context["team_orders"] = (
                Order.objects.offered_to_leader(request.user)
                .filter(state__in=(OrderState.DISPATCHED, OrderState.OPEN))
                .count()
            )
        context.update(my_record_context(volunteer))
    return render(request, "me.html", context)


@login_required
@require_POST
def request_certificate(request: HttpRequest) -> HttpResponse:
    """The 申请证明 buttons of the volunteer's page: the same serializer and service as the API."""
    volunteer = Volunteer.objects.of_user(request.user).select_related("home_station").first()
    if volunteer is None:
        return redirect("me-page")
    serializer = CertificateRequestSerializer(data=request.POST, context={"request": request})
    if not serializer.is_valid():
        for field, errors in serializer.errors.items():
            for error in errors:
                messages.error(request, error if field == "non_field_errors" else f"{error}")
        return redirect(reverse("me-page") + "#certificates")
    data = serializer.validated_data
    event = data.get("event")
    unit = data.get("unit") or (event.unit if event is not None else volunteer.home_station)
    coverage = certificate_services.Coverage(
        event=event, period_start=data.get("period_start"), period_end=data.get("period_end")
    )
    try:
        certificate_services.request_certificate(volunteer, unit, coverage, purpose=data.get("purpose", ""))
    except certificate_services.CertificateError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Your request has been sent to %(unit)s.") % {"unit": unit.name})
    return redirect(reverse("me-page") + "#certificates")


# Outermost, so that the request is marked before any other decorator can fail: error
# reports (mails to ADMINS, Sentry) then show stars instead of these fields. The passwords
# also travel on in local variables (the form's cleaned data, the service's arguments), which
# the HTML report lists frame by frame: sensitive_variables() hides those of every frame below.
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@sensitive_variables()
@login_required
@require_http_methods(["GET", "POST"])
def change_password(request: HttpRequest) -> HttpResponse:
    """修改密码: the user chooses their own password; the only page open while they hold a one-time one."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = choose_password(
                cast(User, request.user),  # login_required
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except PasswordError as error:
            form.add_error("new_password1", error.detail)
        else:
            # The change ended every login, this one too: it goes on under the new password.
            login(request, user)
            messages.success(request, _("Your password is changed. Other phones and computers must log in again."))
            return redirect(next_url or "home")
    context = {"form": form, "required": cast(User, request.user).password_change_required, "next": next_url}
    return render(request, "password_change.html", context, status=400 if form.errors else 200)


def station_choices() -> dict:
    """The county → township → village lists of the registration form, one query."""
    units = PracticeUnit.objects.order_by("path").values("pk", "name", "level", "parent_id")
    levels: dict[str, list[dict[str, Any]]] = {Level.CENTER: [], Level.INSTITUTE: [], Level.STATION: []}
    for unit in units:
        levels[unit["level"]].append(unit)
    return {"centers": levels[Level.CENTER], "institutes": levels[Level.INSTITUTE], "stations": levels[Level.STATION]}


# The fields the registration page lays out itself; any other field of the
# serializer (the guardian's, for minors) is shown in the guardian section.
LAID_OUT = {
    "real_name",
    "password2",
    "id_type",
    "id_number",
    "birth_date",
    "gender",
    "phone",
    "password",
    "home_station",
    "skills",
    "political_status",
    "consent",
}


def document_layout(values) -> dict:
    """What the registration page shows around the ID document chosen (before any script runs):
    the birth date and gender where the document does not state them, the guardian's
    section where the holder is known to be a minor."""
    id_type = values.get("id_type") or IdType.RESIDENT
    facts = None
    with contextlib.suppress(DjangoValidationError):
        facts = validate_document_number(id_type, normalize_document_number(values.get("id_number", "")))
    birth = facts.birth_date if facts else None
    genders = dict(Gender.choices)
    if birth is None:
        try:
            birth = datetime.date.fromisoformat(values.get("birth_date") or "")
        except ValueError:
            birth = None
    return {
        "id_type": id_type,
        "id_types": [
            {
                "value": value,
                "label": label,
                "hint": FORMAT_HINTS[IdType(value)],
                "self_describing": value in SELF_DESCRIBING,
            }
            for value, label in IdType.choices
        ],
        "hint": FORMAT_HINTS.get(id_type, ""),
        "asks_holder": id_type not in SELF_DESCRIBING,
        "genders": Gender.choices,
        "gender_labels": genders,
        # What the number says, shown under it: the holder sees what was taken from it.
        "facts": {"birth_date": facts.birth_date, "gender": genders.get(facts.gender, "")} if facts else None,
        "minor": birth is not None and age_on(birth, timezone.localdate()) < ADULT_AGE,
    }


# As for change_password. The ID number too: sensitive personal information (GB/T 35273-2020
# appendix B) that no error report needs.
@sensitive_post_parameters("password", "password2", "id_number")
@sensitive_variables()
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """Self-registration as a volunteer: the API's serializer and service behind a form."""
    if request.user.is_authenticated and request.method == "GET":
        return redirect("home")
    serializer = RegistrationSerializer(data=request.POST or None)
    context = {"values": request.POST, "errors": {}, **station_choices()}
    status = 200
    if request.method == "POST":
        if not ScopedThrottle("register").allow_request(request, None):
            context["refused"], status = _("Too many registrations from your network: try again later."), 429
        elif errors := form_errors(serializer, request.POST):
            context["errors"], status = errors, 400
        else:
            try:
                volunteer = register_from(serializer.validated_data)
            except volunteer_services.RegistrationError as error:
                context["refused"], status = error.detail, error.status_code
            else:
                login(request, volunteer.user, backend=settings.AUTHENTICATION_BACKENDS[0])
                messages.success(request, _("Welcome! You are registered as a volunteer."))
                return redirect("me-page")
    context["extra_fields"] = extra_fields(serializer, request.POST, context["errors"])
    context["document"] = document_layout(request.POST)
    context["guardian_shown"] = context["document"]["minor"] or any(
        field["value"] or field["errors"] for field in context["extra_fields"]
    )
    response = render(request, "registration/register.html", context, status=status)
    if request.method == "POST":
        # A refused form comes back with the passwords typed into it: no cache may keep that answer.
        add_never_cache_headers(response)
    return response


def form_errors(serializer: RegistrationSerializer, values) -> dict[str, list[str]]:
    """The serializer's errors by field, and the confirmation field's (the page asks for the
    password twice; the API once)."""
    errors = {} if serializer.is_valid() else serializer.errors
    described = {name: [str(message) for message in messages_] for name, messages_ in errors.items()}
    if values.get("password2", "") != values.get("password", ""):
        described["password2"] = [_("The two passwords differ: type the same password twice.")]
    return described


def extra_fields(serializer: RegistrationSerializer, values, errors: dict) -> list[dict]:
    """The serializer's fields the page does not lay out itself, described for the template."""
    described = []
    for name, field in serializer.fields.items():
        if name in LAID_OUT or field.read_only:
            continue
        if isinstance(field, serializers.BooleanField):
            kind = "checkbox"
        elif isinstance(field, serializers.ChoiceField):
            kind = "select"
        else:
            kind = "tel" if "phone" in name else "text"
        described.append(
            {
                "name": name,
                "label": field.label or name,
                "help_text": field.help_text or "",
                "kind": kind,
                "choices": list(getattr(field, "choices", {}).items()),
                "value": values.get(name, ""),
                "errors": errors.get(name, []),
            }
        )
    return described


def register_from(data: dict) -> Volunteer:
    """Call the registration service with the serializer's validated fields."""
    fields = {name: value for name, value in data.items() if name != "consent"}
    fields.setdefault("skills", [])
    return volunteer_services.register_volunteer(**fields)


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says."""
    return redirect(static("favicon.svg"), permanent=True)


@require_GET
def verify_form(request: HttpRequest) -> HttpResponse:
    """The address printed on every certificate: type the number and the code."""
    number = request.GET.get("number", "").strip().upper()[:48]
    code = request.GET.get("code", "").strip().upper()[:32]
    if number and code:
        return redirect(reverse("certificate-verify-page", args=[number]) + "?" + urlencode({"code": code}))
    return render(request, "certificates/verify_form.html", {"number": number, "code": code})
