"""The page a reminder links to: the volunteer answers with one tap, "I am coming" or "give the place back"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from events import attendance
from events.models import EventStatus, Signup, SignupStatus
from events.pages import AuthenticatedRequest

ANSWERS = ("coming", "give_back")


@login_required
@require_http_methods(["GET", "POST"])
def confirm_page(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The volunteer's own sign-up (anyone else's is not found): the event, the deadline and the two answers."""
    signup = get_object_or_404(
        Signup.objects.filter(volunteer__user=request.user).select_related("event__unit", "volunteer"), pk=pk
    )
    now = timezone.now()
    if request.method == "POST":
        answer = request.POST.get("answer")
        if answer not in ANSWERS:
            messages.error(request, _("Choose one of the two answers."))
            return redirect("signup-confirm-page", pk=signup.pk)
        try:
            if answer == "coming":
                attendance.reconfirm(signup, by_volunteer=signup.volunteer, at=now)
                messages.success(request, _("Thank you: the organisers count on you."))
            else:
                attendance.give_back(signup, at=now)
                messages.success(request, _("Your place is given back: the next volunteer in the queue gets it."))
        except attendance.AttendanceError as error:
            messages.error(request, error.detail)
        return redirect("signup-confirm-page", pk=signup.pk)
    event = signup.event
    open_ = event.status == EventStatus.PUBLISHED and now < event.starts_at and signup.status != SignupStatus.CANCELLED
    late = signup.confirm_by is not None and signup.reconfirmed_at is None and now > signup.confirm_by
    return render(
        request,
        "events/attendance/confirm.html",
        {
            "signup": signup,
            "event": event,
            "can_confirm": open_ and signup.status == SignupStatus.CONFIRMED and not late,
            "can_give_back": open_,
            "started": now >= event.starts_at,
            "late": late and signup.status == SignupStatus.CONFIRMED,
        },
    )
