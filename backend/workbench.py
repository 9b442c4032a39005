"""The manager's workbench (工作台): where a manager lands after logging in.

Today's and upcoming events of their units with the venue tools, and the work
waiting for them: records to review (oldest first, with working days waited),
certificate requests, refused scans today, certificates to re-check, past
events whose activity record (活动纪实) is not complete yet, and residents' service
orders (点单) to review, to dispatch or overdue.
"""

import dataclasses
import datetime
from typing import cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.models import User
from certificates.models import Certificate, CertificateRequest, RequestStatus
from events.models import Event, EventStatus, OfflineScan, RecordStatus, RefusedScan, ServiceRecord, SignupStatus
from events.working_days import working_days_between
from orders.models import Order, OrderState
from points.models import ShopItem
from stations.models import Level, PracticeUnit
from stations.scoping import is_manager
from stations.services import appoints_anywhere
from venues.models import Booking, BookingStatus

UPCOMING_DAYS = 14
WAITING_SHOWN = 8
UNDOCUMENTED_SHOWN = 10
SHOPS_SHOWN = 10


@dataclasses.dataclass(frozen=True)
class Waiting:
    record: ServiceRecord
    since: datetime.datetime
    working_days: int


def admin_url(name: str, query: str = "") -> str:
    """A link into the admin, or "" while that admin page does not exist."""
    return page_url(f"admin:{name}", query)


def page_url(name: str, query: str = "") -> str:
    """A link to the named page, or "" while that page does not exist."""
    try:
        return reverse(name) + (f"?{query}" if query else "")
    except NoReverseMatch:
        return ""


def certificates_to_review(user) -> int:
    """Valid certificates whose counted records changed since issue: to reissue or revoke."""
    return Certificate.objects.managed_by(user).needing_review().count()


def orders_waiting(user) -> dict[str, int]:
    """Service orders the manager's units must act on, in one query: to review, to dispatch
    (reviewed, or declined by a team and back with the dispatcher) and overdue in any state."""
    return Order.objects.managed_by(user).aggregate(
        review=Count("pk", filter=Q(state=OrderState.SUBMITTED)),
        dispatch=Count("pk", filter=Q(state=OrderState.REVIEWED)),
        overdue=Count("pk", filter=Q(pk__in=Order.objects.overdue().values("pk"))),
    )


def shop_units(user: User, units) -> list[PracticeUnit]:
    """The shops a manager keeps at the counter: units in their reach with items on sale (a center's
    or institute's shops are at its stations), else their own units, where a shop would start."""
    stocked = (
        PracticeUnit.objects.managed_by(user)
        .filter(Exists(ShopItem.objects.filter(unit=OuterRef("pk"), is_active=True)))
        .order_by("path")[:SHOPS_SHOWN]
    )
    return list(stocked) or list(units)


def shop_links(units) -> list[dict]:
    """The redeem page of each unit's shop (爱心超市), while the shop pages exist."""
    links = []
    for unit in units:
        try:
            links.append({"unit": unit, "url": reverse("shop-redeem-page", args=[unit.pk])})
        except NoReverseMatch:
            return []
    return links


def points_links(user) -> dict[str, str]:
    """The admin's points sections a manager works in; empty names are not registered (yet)."""
    if not user.is_staff:
        return {}
    statistics = page_url("admin-statistics")
    return {
        "transfers": admin_url("points_transfer_changelist"),
        "awards": admin_url("points_awardrequest_changelist", "status__exact=pending"),
        "alerts": admin_url("points_alert_changelist", "resolved_at__isnull=True"),
        "items": admin_url("points_shopitem_changelist"),
        "stock": admin_url("points_stockmovement_changelist"),
        "redemptions": admin_url("points_redemption_changelist"),
        "rules": admin_url("points_pointsrule_changelist"),
        "statistics": f"{statistics}#points" if statistics else "",
    }


@login_required
@require_GET
def workbench(request: HttpRequest) -> HttpResponse:
    """The manager's start page; volunteers without a unit to manage get 403."""
    user = cast(User, request.user)  # login_required
    if not is_manager(user):
        raise PermissionDenied
    now = timezone.now()
    today = timezone.localdate(now)
    units = (
        PracticeUnit.objects.filter(level=Level.CENTER)
        if user.is_superuser
        else PracticeUnit.objects.filter(manager_roles__user=user)
    ).order_by("path")[:10]
    events = (
        Event.objects.managed_by(user)
        .filter(ends_at__gte=now, starts_at__lt=now + datetime.timedelta(days=UPCOMING_DAYS))
        .exclude(status=EventStatus.CANCELLED)
        .select_related("unit")
        .annotate(
            confirmed_count=Count("signups", filter=Q(signups__status=SignupStatus.CONFIRMED), distinct=True),
            checked_in_count=Count("records", distinct=True),
        )
        .order_by("starts_at", "id")[:30]
    )
    pending = (
        ServiceRecord.objects.managed_by(user)
        .filter(status=RecordStatus.PENDING)
        # Waiting since check-out, or since entry for a record without one (as the admin's filter).
        .annotate(since=Coalesce("checked_out_at", "created_at"))
        .select_related("event", "volunteer")
        .order_by("since", "id")
    )
    waiting = [
        Waiting(record, record.since, working_days_between(timezone.localdate(record.since), today))
        for record in pending[:WAITING_SHOWN]
    ]
    # Past events that took place and lack a summary or photos, most recent first: the ledger needs them.
    undocumented = (
        Event.objects.managed_by(user)
        .filter(ends_at__lt=now, status__in=[EventStatus.PUBLISHED, EventStatus.FINISHED])
        .undocumented()
    )
    undocumented_shown = (
        undocumented.select_related("unit")
        .annotate(photo_count=Count("activity_record__photos"), record_summary=F("activity_record__summary"))
        .order_by("-starts_at", "-id")[:UNDOCUMENTED_SHOWN]
    )
    requests = CertificateRequest.objects.managed_by(user).filter(status=RequestStatus.PENDING)
    midnight = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    refused_today = RefusedScan.objects.visible_to(user).filter(at__gte=midnight)
    context = {
        "units": units,
        "shops": shop_links(shop_units(user, units)),
        "points_links": points_links(user),
        "events": events,
        "now": now,
        "pending_count": pending.count(),
        "waiting": waiting,
        "requests_count": requests.count(),
        "refused_today": refused_today.count(),
        "certificates_to_review": certificates_to_review(user),
        "undocumented_count": undocumented.count(),
        # As the bookings page: one that has begun can no longer be approved.
        "bookings_to_decide": Booking.objects.managed_by(user)
        .filter(status=BookingStatus.PENDING, starts_at__gt=now)
        .count(),
        "offline_to_review": OfflineScan.objects.visible_to(user).awaiting_review().count(),
        "undocumented": undocumented_shown,
        "min_photos": settings.ACTIVITY_MIN_PHOTOS,
        "orders": orders_waiting(user),
        "links": {
            "records": admin_url("events_servicerecord_changelist", "status__exact=pending"),
            "requests": admin_url("certificates_certificaterequest_changelist", "status__exact=pending"),
            "refused": admin_url("events_refusedscan_changelist"),
            "certificates": admin_url("certificates_certificate_changelist", "validity=review"),
            "events": admin_url("events_event_changelist"),
            "add_event": admin_url("events_event_add"),
            "volunteers": admin_url("volunteers_volunteer_changelist"),
            "orders": reverse("orders-manage"),
            "new_order": reverse("orders-manage-new"),
            "order_statistics": reverse("orders-statistics"),
            "ledgers": reverse("ledger-page"),
            "bookings": reverse("venue-manage-bookings-page"),
            "offline_review": reverse("offline-review-page"),
            "scanner_devices": reverse("scanner-devices-page"),
            "projects": reverse("projects-page"),
            "calendar": reverse("activity-calendar", args=[units[0].code]) if units else "",
            "statistics": reverse("admin-statistics") if user.is_staff else "",
            "dashboard": reverse("admin-dashboard") if user.is_staff else "",
            "assessment": reverse("assessment-page") if user.is_staff else "",
            "admin": reverse("admin:index") if user.is_staff else "",
            # The records the law asks for beside service (办法 art. 8-10), the legal exports
            # (art. 18) and the appointments of the units below: admin pages, for staff.
            **(
                {
                    "trainings": admin_url("volunteers_training_changelist"),
                    "awards": admin_url("volunteers_award_changelist"),
                    "evaluations": admin_url("events_evaluation_changelist"),
                    "national_export": page_url("admin-national-export"),
                    "annual_report": page_url("admin-annual-report"),
                    "appoint_managers": admin_url("stations_practiceunit_managers") if appoints_anywhere(user) else "",
                }
                if user.is_staff
                else {}
            ),
        },
    }
    return render(request, "workbench.html", context)
