"""Pages for managers on a phone: offline scans waiting for a second person, and the unit's scanner
devices with their revocation. Every step goes through ``events.offline_scanning``, so a page
refuses exactly what the API refuses."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from events.models import OfflineScan, ScannerDevice
from events.offline_scanning import OfflineScanError, resolve_conflict, revoke_device, shown_names
from events.offline_serializers import ResolveSerializer, reason_text
from events.pages import AuthenticatedRequest
from stations.scoping import is_manager

PER_PAGE = 20


def _manager_only(request: HttpRequest) -> None:
    if not is_manager(request.user):
        raise Http404


@login_required
@require_http_methods(["GET", "HEAD"])
def review_queue(request: AuthenticatedRequest) -> HttpResponse:
    """Refused offline scans of the manager's subtree, oldest first, each with accept and dismiss."""
    _manager_only(request)
    waiting = (
        OfflineScan.objects.visible_to(request.user)
        .awaiting_review()
        .select_related("event", "volunteer", "device", "scanned_by")
        .order_by("scanned_at", "device_id", "counter")
    )
    page = Paginator(waiting, PER_PAGE).get_page(request.GET.get("page"))
    names = shown_names(list(page), viewer=request.user)
    for scan in page:
        scan.reason_text = reason_text(scan.reason)
        scan.shown_name = names.get((scan.event_id, scan.volunteer_id), "")
        # Four eyes: the page offers no buttons on the reviewer's own scans (the service refuses them anyway).
        concerned = {scan.scanned_by_id, scan.volunteer.user_id if scan.volunteer else None}
        scan.mine = request.user.pk in concerned
    return render(request, "events/offline/review.html", {"page": page})


@login_required
@require_POST
def resolve(request: AuthenticatedRequest, pk: int, accept: bool) -> HttpResponse:
    _manager_only(request)
    scan = get_object_or_404(OfflineScan.objects.visible_to(request.user), pk=pk)
    serializer = ResolveSerializer(data={"note": request.POST.get("note", "")}, context={"accept": accept})
    if not serializer.is_valid():
        messages.error(request, " ".join(str(error) for error in serializer.errors["note"]))
        return redirect("offline-review-page")
    try:
        resolve_conflict(
            scan, accept=accept, note=serializer.validated_data["note"], by=request.user, now=timezone.now()
        )
    except OfflineScanError as error:
        messages.error(request, error.detail)
    else:
        done = _("Scan accepted: the volunteer's attendance now counts it.") if accept else _("Scan dismissed.")
        messages.success(request, done)
    return redirect("offline-review-page")


@login_required
@require_http_methods(["GET", "HEAD"])
def device_list(request: AuthenticatedRequest) -> HttpResponse:
    """The subtree's scanner devices: last contact, clock offset, and contacts refused after revocation."""
    _manager_only(request)
    devices = (
        ScannerDevice.objects.visible_to(request.user)
        .select_related("unit", "registered_by", "revoked_by")
        .order_by("revoked_at", "-registered_at", "-id")
    )
    page = Paginator(devices, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "events/offline/devices.html", {"page": page})


@login_required
@require_POST
def revoke(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _manager_only(request)
    device = get_object_or_404(ScannerDevice.objects.visible_to(request.user).select_related("unit"), pk=pk)
    try:
        revoke_device(device, by=request.user, at=timezone.now())
    except OfflineScanError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("The device is revoked: its data is erased at its next contact."))
    return redirect("scanner-devices-page")
