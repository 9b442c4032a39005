"""The volunteer's page for gifts to relatives (转赠) and donations (捐赠): ``/me/points/gifts/``.

The forms go through the API's serializers and the same services, so the page and the
API accept and refuse exactly the same.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from accounts.throttles import ScopedThrottle
from points import gifts
from points.errors import PointsError
from points.gift_serializers import DonationSerializer, GiftOfferSerializer, masked
from points.gift_views import gifts_of
from points.ledger import volunteer_account
from points.models import RequestStatus
from stations.admin import safe_pk
from volunteers.models import Volunteer

# Offered as suggestions; the relation is free text, as families are.
RELATIONS = [
    gettext_lazy("parent"),
    gettext_lazy("child"),
    gettext_lazy("spouse"),
    gettext_lazy("sibling"),
    gettext_lazy("grandparent"),
    gettext_lazy("grandchild"),
]


def _show_errors(request: HttpRequest, serializer: serializers.Serializer) -> None:
    for field, errors in serializer.errors.items():
        label = serializer.fields[field].label if field in serializer.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else str(error))


def _offer(request: HttpRequest, volunteer: Volunteer) -> None:
    if not ScopedThrottle("points_gift").allow_request(request, None):
        messages.error(request, _("Too many attempts. Please try again later."))
        return
    serializer = GiftOfferSerializer(data=request.POST)
    if not serializer.is_valid():
        _show_errors(request, serializer)
        return
    data = serializer.validated_data
    # The giver's side first: whether the number is known must not show in which refusal comes back.
    gifts.giver_may_offer(volunteer, data["amount"], relation=data["relation"])
    receiver = gifts.find_receiver(data["phone"])
    gift = gifts.offer_gift(volunteer, receiver, data["amount"], relation=data["relation"])
    messages.success(
        request,
        _("Offered %(points)s points to %(receiver)s. They move when the receiver accepts.")
        % {"points": gift.amount, "receiver": masked(receiver)},
    )


def _answer(request: HttpRequest, volunteer: Volunteer, verb: str) -> None:
    pk = safe_pk(request.POST.get("gift"))
    gift = gifts_of(volunteer).filter(pk=pk).first() if pk is not None else None
    if gift is None:
        messages.error(request, _("This transfer was not found."))
        return
    if verb == "accept":
        gifts.accept_gift(gift, by=request.user)  # type: ignore[arg-type]  # login_required: a User
        messages.success(request, _("Accepted: %(points)s points are now yours.") % {"points": gift.amount})
    elif verb == "decline":
        gifts.decline_gift(gift, by=request.user)  # type: ignore[arg-type]
        messages.success(request, _("Declined."))
    else:
        gifts.cancel_gift(gift, by=request.user)  # type: ignore[arg-type]
        messages.success(request, _("Withdrawn."))


def _donate(request: HttpRequest, volunteer: Volunteer) -> None:
    serializer = DonationSerializer(data=request.POST)
    if not serializer.is_valid():
        _show_errors(request, serializer)
        return
    unit, amount = serializer.validated_data["unit"], serializer.validated_data["amount"]
    gifts.donate(volunteer, unit, amount)
    messages.success(
        request,
        _("Thank you: %(points)s points donated to the pool of %(unit)s.") % {"points": amount, "unit": unit.name},
    )


ACTIONS = {
    "offer": _offer,
    "donate": _donate,
    "accept": lambda request, volunteer: _answer(request, volunteer, "accept"),
    "decline": lambda request, volunteer: _answer(request, volunteer, "decline"),
    "cancel": lambda request, volunteer: _answer(request, volunteer, "cancel"),
}


@login_required
def gift_page(request: HttpRequest) -> HttpResponse:
    """Offer points to a relative, answer offers, donate to a pool: where the points rules allow."""
    volunteer = Volunteer.objects.of_user(request.user).select_related("user", "home_station").first()
    if volunteer is None:
        return redirect("me-page")
    if request.method == "POST":
        perform = ACTIONS.get(request.POST.get("do", ""))
        if perform is None:
            messages.error(request, _("Unknown action."))
        else:
            try:
                perform(request, volunteer)
            except PointsError as error:
                messages.error(request, error.detail)
        return redirect("gift-page")
    account = volunteer_account(volunteer)
    listed = list(gifts_of(volunteer)[:50])
    context = {
        "volunteer": volunteer,
        "account": account,
        "gifts_allowed": gifts.gifts_allowed(volunteer),
        "donations_allowed": gifts.donations_allowed(volunteer),
        "offers_to_me": [g for g in listed if g.receiver_id == volunteer.pk and g.status == RequestStatus.PENDING],
        "my_offers": [g for g in listed if g.giver_id == volunteer.pk and g.status == RequestStatus.PENDING],
        "history": [g for g in listed if g.status != RequestStatus.PENDING],
        "units": gifts.donation_units(volunteer),
        "relations": RELATIONS,
    }
    for gift in listed:
        gift.other = masked(gift.giver if gift.receiver_id == volunteer.pk else gift.receiver)  # type: ignore[attr-defined]
        gift.outgoing = gift.giver_id == volunteer.pk  # type: ignore[attr-defined]
    return render(request, "points/gift.html", context)
