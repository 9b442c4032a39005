"""The volunteer's own record on their page: trainings, awards, evaluations and corrections.

志愿服务条例 art. 19 and 志愿服务记录与证明出具办法 art. 8-10 (what is recorded) and
art. 13 (a volunteer may ask to correct it). The correction form goes through the
API's serializer and service, so the page and the API accept exactly the same.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from events import services as event_services
from events.models import Evaluation, Event, ServiceRecord, SignupStatus
from events.photos import UPLOADS_THROTTLED, photo_uploads_allowed
from events.serializers import CorrectionRequestSerializer
from volunteers.models import Volunteer


def my_record_context(volunteer: Volunteer) -> dict:
    """What the page shows of the rest of the volunteer's record, and which events lack a record."""
    with_record = ServiceRecord.objects.filter(volunteer=volunteer).values("event_id")
    return {
        "trainings": volunteer.trainings.select_related("unit").order_by("-held_on")[:50],
        "awards": volunteer.awards.order_by("-awarded_on")[:50],
        "evaluations": Evaluation.objects.filter(volunteer=volunteer)
        .select_related("unit", "record__event")
        .order_by("-evaluated_on")[:50],
        "corrections": volunteer.correction_requests.select_related("event").order_by("-created_at")[:20],
        # Events the volunteer signed up for, now over, without a record: a missing one may be asked for.
        "missing_events": Event.objects.filter(
            signups__volunteer=volunteer, ends_at__lt=timezone.now(), signups__status=SignupStatus.CONFIRMED
        )
        .exclude(pk__in=with_record)
        .order_by("-starts_at")[:20],
    }


@login_required
@require_POST
def ask_correction(request: HttpRequest) -> HttpResponse:
    """The 申请更正 and 申请补录 forms of the volunteer's page (办法 art. 13)."""
    volunteer = Volunteer.objects.of_user(request.user).first()
    if volunteer is None:
        return redirect("me-page")
    if not photo_uploads_allowed(request):
        messages.error(request, UPLOADS_THROTTLED)
        return redirect(reverse("me-page") + "#corrections")
    data: dict[str, object] = {key: value for key, value in request.POST.items() if value != ""}
    if "photo" in request.FILES:
        data["photo"] = request.FILES["photo"]
    serializer = CorrectionRequestSerializer(data=data, context={"request": request})
    if not serializer.is_valid():
        for errors in serializer.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(reverse("me-page") + "#corrections")
    try:
        event_services.ask_correction(volunteer, **serializer.validated_data)
    except event_services.RecordKeepingError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Your request has been sent to the organising unit."))
    return redirect(reverse("me-page") + "#corrections")
