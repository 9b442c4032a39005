"""The volunteer's points page (/me/points/): balance, points expiring soon, every entry in words."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from points.statement import EXPIRING_DAYS, Statement, summary_of
from volunteers.models import Volunteer

PAGE_ENTRIES = 50


def link(name: str) -> str:
    """The named page's address, or "" where that page is not part of this installation."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


@login_required
@require_GET
def my_points(request: HttpRequest) -> HttpResponse:
    """Only the caller's own points; people without a volunteer profile go to their own page."""
    volunteer = Volunteer.objects.of_user(request.user).first()
    if volunteer is None:
        return redirect("me-page")
    summary = summary_of(volunteer, now=timezone.now())
    # Statement pages like a queryset: a COUNT and one query for the page, whatever the entries.
    pages: Paginator = Paginator(Statement(summary.account), PAGE_ENTRIES)  # type: ignore[arg-type]
    page = pages.get_page(request.GET.get("page"))
    context = {
        "volunteer": volunteer,
        "summary": summary,
        "expiring_days": EXPIRING_DAYS,
        "page": page,
        "shop_url": link("shop-page"),
        "gifts_url": link("gift-page"),
    }
    return render(request, "points/my_points.html", context)
