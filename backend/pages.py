"""Pages that draw on every app: the volunteer's own page and the home page."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from events.models import ServiceRecord, SignupStatus
from volunteers.models import Volunteer


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return redirect("me-page" if request.user.is_authenticated else "events-page")


@login_required
@require_GET
def me(request: HttpRequest) -> HttpResponse:
    """The volunteer's page: hours, star level, sign-ups, records and the personal QR code."""
    volunteer = Volunteer.objects.filter(user=request.user).select_related("home_station").with_hours().first()
    context = {"volunteer": volunteer}
    if volunteer is not None:
        context["signups"] = (
            volunteer.signups.filter(event__ends_at__gte=timezone.now())
            .exclude(status=SignupStatus.CANCELLED)
            .select_related("event")
            .order_by("event__starts_at")
        )
        context["records"] = (
            ServiceRecord.objects.filter(volunteer=volunteer).select_related("event").order_by("-checked_in_at")[:50]
        )
        context["stars"] = range(volunteer.star_level)
        context["certificates"] = volunteer.certificates.order_by("-issued_at")
    return render(request, "me.html", context)
