"""What the platform tells people, connected to the domain events of the apps below.

Each receiver runs inside the sender's transaction, so a notice exists if and only if what
it tells of was saved, and names its occasion in a key that a repeat of the same change
produces again (queueing nothing) while a new occasion (a later sign-up, another change of
time) produces a new one. Notices tell people of their own sign-ups, hours, certificates and
orders; they never carry anyone else's personal data.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError
from django.db.models.signals import post_save
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from certificates.models import Certificate, CertificateRequest, RequestStatus
from certificates.signals import certificates_issued, request_answered
from events.models import Event, EventStatus, RecordStatus, ServiceRecord, Signup, SignupStatus
from events.signals import SignupChange, event_changed, hours_changed, signup_changed
from notifications.fanout import Notice, notify_many
from notifications.services import notify, quiet_until
from orders.models import Order, OrderState
from orders.services import rating_closes_at
from orders.signals import order_changed
from volunteers.models import Volunteer

logger = logging.getLogger(__name__)


def never_breaks(receiver: Callable[..., None]) -> Callable[..., None]:
    """A notice that cannot be written (a bug, odd data) is logged, never undoes what it tells of.

    The receivers run inside the sender's transaction: an exception would roll back the sign-up,
    the approval or the order step itself. A database error is the exception: the transaction is
    broken then (PostgreSQL), so it must reach the caller.
    """

    @functools.wraps(receiver)
    def guarded(*args, **kwargs) -> None:
        try:
            receiver(*args, **kwargs)
        except DatabaseError:
            raise
        except Exception:
            logger.exception("notice not queued by %s", receiver.__name__)

    return guarded


# A cancellation this close to the start is urgent: it passes quiet hours (issue 22).
URGENT_CANCELLATION = datetime.timedelta(hours=24)

SIGNUP_KINDS = {
    SignupChange.CONFIRMED: "signup_confirmed",
    SignupChange.WAITLISTED: "signup_waitlisted",
    SignupChange.PROMOTED: "promoted",
}

CHANGE_LABELS = {
    "title": _("Title"),
    "starts_at": _("Starts"),
    "ends_at": _("Ends"),
    "address": _("Place"),
}

# The steps of an order its resident hears of. Not: their own submission and rating, a
# re-dispatch or an escalation between units (nothing changes for them), nor any step they took.
ORDER_STEPS_TOLD = {
    "accept_review",
    "refuse",
    "dispatch",
    "open",
    "accept",
    "claim",
    "reschedule",
    "decline",
    "start",
    "complete",
    "close_unrated",
    "cancel",
}


def _stamp(moment: datetime.datetime | None) -> str:
    return f"{moment.timestamp():.0f}" if moment is not None else "-"


def _local(value) -> str:
    if isinstance(value, datetime.datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    return str(value)


def event_link(event: Event) -> str:
    return reverse("event-page", args=[event.pk])


def event_params(event: Event) -> dict[str, str]:
    """The SMS and WeChat template variables of a notice about an event (as the reminders use them)."""
    return {"title": event.title, "time": _local(event.starts_at), "place": event.address}


# Sign-ups ----------------------------------------------------------------------------------


@never_breaks
def on_signup_changed(sender, signup: Signup, change: str, **kwargs) -> None:
    """confirmed, waitlisted, promoted → a notice to the volunteer; a cancellation is their own doing."""
    kind_code = SIGNUP_KINDS.get(change)
    if kind_code is None:
        return
    event = signup.event
    promoted = change == SignupChange.PROMOTED
    # A promoted volunteer confirms or gives the place back on its page (events/attendance_pages).
    link = reverse("signup-confirm-page", args=[signup.pk]) if promoted else event_link(event)
    params = event_params(event)
    urgent = None
    if promoted and signup.confirm_by is not None:
        params["deadline"] = _local(signup.confirm_by)
        # A deadline inside the quiet hours (promoted at 23:00 for an event at 07:00): waiting for
        # the morning would tell the volunteer of a place already gone.
        morning = quiet_until(timezone.now())
        urgent = True if morning is not None and signup.confirm_by <= morning else None
    notify(
        signup.volunteer.user,
        kind_code,
        key=f"signup:{signup.pk}:{change}:{_stamp(signup.queued_at)}",
        # The full address too: an SMS or WeChat message has no page to be relative to.
        context={"event": event, "signup": signup, "url": settings.SITE_URL + link},
        about=signup,
        link=link,
        params=params,
        urgent=urgent,
    )


# Events ------------------------------------------------------------------------------------


@never_breaks
def on_event_changed(sender, event: Event, changes: dict, **kwargs) -> None:
    """A change of what volunteers see (or a cancellation) → every confirmed and waitlisted volunteer."""
    now = timezone.now()
    if event.ends_at <= now:
        return
    cancelled = changes.get("status", (None, None))[1] == EventStatus.CANCELLED
    shown = [
        {"label": CHANGE_LABELS[field], "old": _local(old), "new": _local(new)}
        for field, (old, new) in changes.items()
        if field in CHANGE_LABELS
    ]
    if cancelled:
        urgent = event.starts_at - now <= URGENT_CANCELLATION
        kind_code = "event_cancelled_urgent" if urgent else "event_cancelled"
        key = f"event:{event.pk}:cancelled:{_stamp(event.updated_at)}"
    elif shown:
        kind_code = "event_changed"
        values = "|".join(f"{field}={changes[field][1]!r}" for field in sorted(changes))
        digest = hashlib.sha256(values.encode()).hexdigest()[:12]
        key = f"event:{event.pk}:changed:{_stamp(event.updated_at)}:{digest}"
    else:
        return
    # Only who they are: an event with thousands of sign-ups loads their users, not their volunteers' records.
    recipients = (
        get_user_model()
        .objects.filter(
            volunteer__signups__event=event,
            volunteer__signups__status__in=(SignupStatus.CONFIRMED, SignupStatus.WAITLISTED),
        )
        .only("pk", "is_active")
        .distinct()
        .order_by("pk")
    )
    link = event_link(event)
    context, params = {"event": event, "changes": shown}, event_params(event)
    notices = [Notice(user, key, context, about=event, link=link, params=params) for user in recipients]
    # A new time or place the evening before matters as much as a cancellation: it passes quiet hours too.
    soon = event.starts_at - now <= URGENT_CANCELLATION
    notify_many(kind_code, notices, at=now, urgent=True if soon else None)


# Hours -------------------------------------------------------------------------------------


@never_breaks
def on_hours_changed(sender, records: list[ServiceRecord], before: list, **kwargs) -> None:
    """Records newly approved by a reviewer, or rejected → a notice to their volunteer.

    ``before`` holds what the changed records counted before (None unless approved): a
    record whose volunteer's record counted already (a re-scan of an auto-approved
    check-out, a correction) was not newly approved.
    """
    counted_before = {was.volunteer_id for was in before if was is not None}
    _tell_reviewed(
        [
            record.pk
            for record in records
            if record.status == RecordStatus.REJECTED
            # Approved by its own check-out (an event without review): the scan's answer already
            # showed the hours, and a check-out never waits on a message (DESIGN.md).
            or (
                record.status == RecordStatus.APPROVED
                and record.reviewed_by_id is not None
                and record.volunteer_id not in counted_before
            )
        ]
    )


@never_breaks
def on_record_saved(sender, instance: ServiceRecord, update_fields=None, **kwargs) -> None:
    """post_save of a record rejected while pending: ``hours_changed`` is not sent then (no hours moved)."""
    if instance.status == RecordStatus.REJECTED and update_fields and "reject_reason" in update_fields:
        _tell_reviewed([instance.pk])


def _tell_reviewed(record_ids: list[int]) -> None:
    if not record_ids:
        return
    rows = ServiceRecord.objects.filter(pk__in=record_ids).select_related("event", "volunteer__user")
    by_kind: dict[str, list[Notice]] = {"hours_approved": [], "hours_rejected": []}
    for record in rows:
        kind_code = "hours_approved" if record.status == RecordStatus.APPROVED else "hours_rejected"
        # The same key from either receiver: a rejection told by both is queued once.
        by_kind[kind_code].append(
            Notice(
                record.volunteer.user,
                f"hours:{record.pk}:{record.status}:{_stamp(record.reviewed_at)}",
                {"record": record, "event": record.event},
                about=record,
                link=reverse("me-page"),
                params={**event_params(record.event), "hours": str(record.credited_hours)},
            )
        )
    for kind_code, notices in by_kind.items():
        notify_many(kind_code, notices)


# Certificates ------------------------------------------------------------------------------


@never_breaks
def on_certificates_issued(sender, certificates: list[Certificate], **kwargs) -> None:
    """Each certificate issued → its volunteer; a bulk batch in a few queries, not a few per certificate."""
    volunteers = Volunteer.objects.select_related("user").in_bulk({c.volunteer_id for c in certificates})
    link = reverse("me-page")
    notices = [
        Notice(
            volunteers[certificate.volunteer_id].user,
            f"certificate:{certificate.pk}",
            {"certificate": certificate},
            about=certificate,
            link=link,
            params={"number": certificate.number, "hours": str(certificate.hours), "unit": certificate.unit_name},
        )
        for certificate in certificates
    ]
    notify_many("certificate_issued", notices)


@never_breaks
def on_request_answered(sender, certificate_request: CertificateRequest, **kwargs) -> None:
    """A volunteer's certificate request accepted or declined → the volunteer."""
    if certificate_request.status == RequestStatus.PENDING:
        return
    notify(
        certificate_request.volunteer.user,
        "certificate_request_answered",
        key=f"certificate-request:{certificate_request.pk}:{certificate_request.status}",
        context={"request": certificate_request, "issued": certificate_request.status == RequestStatus.ISSUED},
        about=certificate_request,
        link=reverse("me-page"),
    )


# Orders ------------------------------------------------------------------------------------


@never_breaks
def on_order_changed(sender, order: Order, step, **kwargs) -> None:
    """A step of a resident's order → the resident; once completed, also the request to rate it."""
    if order.resident_id is None or step.action not in ORDER_STEPS_TOLD or step.changed_by_id == order.resident_id:
        return
    resident = order.resident
    link = reverse("orders-detail", args=[order.pk])
    context = {"order": order, "step": step}
    with translation.override(settings.LANGUAGE_CODE):
        params = {"item": order.item.name, "state": str(order.get_state_display())}
    notify(
        resident,
        "order_update",
        key=f"order:{order.pk}:step:{step.pk}",
        context=context,
        about=order,
        link=link,
        params=params,
    )
    if step.to_state == OrderState.COMPLETED:
        context["closes_at"] = rating_closes_at(order)
        notify(resident, "order_rating_request", key=f"order:{order.pk}:rate", context=context, about=order, link=link)


def connect() -> None:
    """Connect every receiver (called once from the app config)."""
    signup_changed.connect(on_signup_changed, sender=Signup, dispatch_uid="notify-signup-changed")
    event_changed.connect(on_event_changed, sender=Event, dispatch_uid="notify-event-changed")
    hours_changed.connect(on_hours_changed, sender=ServiceRecord, dispatch_uid="notify-hours-changed")
    post_save.connect(on_record_saved, sender=ServiceRecord, dispatch_uid="notify-record-rejected")
    certificates_issued.connect(on_certificates_issued, sender=Certificate, dispatch_uid="notify-certificates-issued")
    request_answered.connect(on_request_answered, sender=CertificateRequest, dispatch_uid="notify-request-answered")
    order_changed.connect(on_order_changed, sender=Order, dispatch_uid="notify-order-changed")
    from notifications import venue_receivers  # it imports never_breaks from here

    venue_receivers.connect()
