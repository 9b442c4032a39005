"""The shop's pages for phones: the volunteer's shop (balance, items, a one-time exchange code) and the
keeper's redeem page (scan the volunteer's personal code or type the exchange code)."""

from __future__ import annotations

import json
from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from accounts.throttles import ScopedThrottle
from points import shop
from points.errors import PointsError
from points.models import Redemption, ShopItem
from points.shop_views import own_volunteer
from stations.admin import safe_pk
from stations.models import PracticeUnit

RECENT_REDEMPTIONS = 20


class AuthenticatedRequest(HttpRequest):
    user: User


@login_required
@require_GET
def shop_page(request: AuthenticatedRequest) -> HttpResponse:
    """The volunteer's 爱心超市: their balance and the items of their station's shop and the shops above it."""
    volunteer = own_volunteer(request.user)
    context: dict = {"volunteer": volunteer, "kept_shops": shop.shops_kept_by(request.user)}
    if volunteer is not None:
        balance, frozen = shop.points_of(volunteer), shop.points_frozen(volunteer)
        items = list(
            ShopItem.objects.filter(unit__path__in=shop.shop_paths(volunteer), is_active=True)
            .select_related("unit")
            .order_by("-unit__path", "price", "id")
        )
        # "You can redeem this" only where the counter would hand it over: not with frozen points,
        # nor beyond the per-person limit.
        had_enough = shop.limits_reached(volunteer, items, timezone.now())

        def affordable(item: ShopItem) -> bool:
            return not frozen and item.pk not in had_enough and item.stock > 0 and item.price <= balance

        context.update(
            balance=balance,
            frozen=PointsError("account_frozen").detail if frozen else "",
            shops=[
                (unit, [(item, affordable(item)) for item in rows])
                for unit, rows in groupby(items, key=lambda item: item.unit)
            ],
        )
    return render(request, "points/shop.html", context)


@login_required
@require_POST
def shop_exchange_code(request: AuthenticatedRequest) -> HttpResponse:
    """「出示兑换码」: a new one-time code, shown large with its expiry."""
    volunteer = own_volunteer(request.user)
    if volunteer is None:
        return render(request, "points/shop_code.html", {"refusal": PointsError("not_volunteer").detail}, status=403)
    # The API's bucket (me/exchange-code/), shared with this page.
    if not ScopedThrottle("checkin").allow_request(request, None):
        refusal = _("Too many codes: wait a minute and try again.")
        return render(request, "points/shop_code.html", {"refusal": refusal}, status=429)
    code = shop.issue_exchange_code(volunteer, now=timezone.now())
    return render(request, "points/shop_code.html", {"code": code, "volunteer": volunteer})


def _kept_unit(request: AuthenticatedRequest, unit_pk: int) -> PracticeUnit:
    """The unit, if the user keeps its shop; else 404."""
    unit = get_object_or_404(PracticeUnit, pk=unit_pk)
    if not shop.can_keep_shop(request.user, unit):
        raise Http404
    return unit


@login_required
@require_GET
def shop_redeem_page(request: AuthenticatedRequest, unit_pk: int) -> HttpResponse:
    """The keeper's counter: pick the item, scan or type the volunteer's code, see the answer and the stock."""
    unit = _kept_unit(request, unit_pk)
    items = ShopItem.objects.filter(unit=unit, is_active=True).order_by("price", "id")
    recent = (
        Redemption.objects.filter(item__unit=unit)
        .select_related("item", "volunteer", "by")
        .order_by("-created_at", "-id")[:RECENT_REDEMPTIONS]
    )
    texts = {
        "offline": _("No connection: scan again."),
        "no_camera": _("The camera is not available: use a handheld scanner or type the code."),
        "failed": _("Not accepted"),
        "pick_item": _("Pick the item first."),
        "in_stock": _("%(stock)s in stock"),
    }
    return render(
        request,
        "points/shop_redeem.html",
        {"unit": unit, "items": items, "recent": recent, "messages_json": texts},
    )


def _answer(ok: bool, kind: str, message: str, status: int = 200, **extra) -> JsonResponse:
    return JsonResponse({"ok": ok, "kind": kind, "message": message, **extra}, status=status)


@login_required
@require_POST
def shop_redeem_answer(request: AuthenticatedRequest, unit_pk: int) -> JsonResponse:
    """One scanned personal code or typed exchange code, answered for the redeem page's green or red panel."""
    unit = _kept_unit(request, unit_pk)
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, RecursionError):  # RecursionError: arrays nested a hundred thousand deep
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("code"), str) or not body["code"].strip():
        return _answer(False, "invalid", _("Scan the volunteer's code or type their exchange code."), 400)
    item_pk = safe_pk(body.get("item"))
    item = ShopItem.objects.filter(unit=unit, pk=item_pk).select_related("unit").first() if item_pk else None
    if item is None:
        return _answer(False, "invalid", _("Pick the item first."), 400)
    quantity = body.get("quantity", 1)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= shop.MAX_QUANTITY:
        return _answer(False, "invalid", str(PointsError("invalid_quantity").detail), 400)
    # The API's bucket for scans (shop-items/<pk>/redeem/): typing codes at random soon stops.
    if not ScopedThrottle("scan").allow_request(request, None):
        return _answer(False, "throttled", _("Too many scans: wait a minute and try again."), 429)
    code, now = body["code"].strip()[:500], timezone.now()
    try:
        if shop.EXCHANGE_CODE.fullmatch("".join(code.split())):
            redemption = shop.redeem_by_exchange_code(item, code, by=request.user, quantity=quantity, at=now)
        else:
            redemption = shop.redeem_by_personal_code(item, code, by=request.user, quantity=quantity, at=now)
    except PointsError as error:
        return _answer(False, error.code, str(error.detail), error.status_code)
    name = redemption.volunteer.real_name if redemption.volunteer else ""
    stock = redemption.item.stock
    message = _("Hand over %(item)s ×%(quantity)s: %(points)s points paid, %(stock)s left in stock.") % {
        "item": item.name,
        "quantity": redemption.quantity,
        "points": redemption.points,
        "stock": stock,
    }
    return _answer(True, "redeemed", message, 201, name=name, stock=stock, item=item.pk, redemption=redemption.pk)
