"""Log and count what happened in the domain, from the rows the services write.

The services stay as they are: each receiver watches a row a workflow writes
(a service record, a record change, a refused scan, a certificate, a bulk job)
and logs one line naming the event and its code, with ids only, never names,
phone or ID numbers. No business rule lives here; a receiver that failed would
lose a log line, never a check-in, so each one swallows its own errors.
"""

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_save

from backend.metrics import CHECKINS, DOMAIN_EVENTS, REFUSED_SCANS
from events.choices import ChangeAction, ScanAction

logger = logging.getLogger("domain")

REVIEW_EVENTS = {
    ChangeAction.APPROVE: "record_approved",
    ChangeAction.REJECT: "record_rejected",
    ChangeAction.CHECK_OUT: "checked_out",
}


def log_event(name: str, **fields: Any) -> None:
    DOMAIN_EVENTS.labels(event=name).inc()
    logger.info(name, extra={"event": name, **fields})


def never_raises(receiver: Callable[..., None]) -> Callable[..., None]:
    @wraps(receiver)
    def guarded(*args: Any, **kwargs: Any) -> None:
        try:
            receiver(*args, **kwargs)
        except Exception:
            logger.exception("domain event receiver %s failed", receiver.__name__)

    return guarded


@never_raises
def on_service_record(sender: type, instance: Any, created: bool, **kwargs: Any) -> None:
    if created and instance.method != "manual":
        CHECKINS.labels(action=ScanAction.IN.value).inc()
        log_event(
            "checked_in",
            code=instance.method,
            record_id=instance.pk,
            event_id=instance.event_id,
            volunteer_id=instance.volunteer_id,
        )
    elif created:
        log_event("record_entered", record_id=instance.pk, event_id=instance.event_id)


@never_raises
def on_record_change(sender: type, instance: Any, created: bool, **kwargs: Any) -> None:
    if not created:
        return
    name = REVIEW_EVENTS.get(instance.action, "record_changed")
    if instance.action == ChangeAction.CHECK_OUT:
        CHECKINS.labels(action=ScanAction.OUT.value).inc()
    log_event(name, code=instance.action, record_id=instance.record_id, by_user_id=instance.changed_by_id)


@never_raises
def on_refused_scan(sender: type, instance: Any, created: bool, **kwargs: Any) -> None:
    if created:
        REFUSED_SCANS.labels(code=instance.code).inc()
        log_event(
            "checkin_refused",
            code=instance.code,
            action=instance.action,
            event_id=instance.event_id,
            volunteer_id=instance.volunteer_id,
        )


@never_raises
def on_certificate(sender: type, instance: Any, created: bool, update_fields: Any = None, **kwargs: Any) -> None:
    if created:
        log_event("certificate_issued", certificate_id=instance.pk, number=instance.number, unit_id=instance.unit_id)
    elif update_fields and "revoked_at" in update_fields and instance.revoked_at is not None:
        log_event(
            "certificate_revoked", certificate_id=instance.pk, number=instance.number, by_user_id=instance.revoked_by_id
        )


@never_raises
def on_bulk_job(sender: type, instance: Any, created: bool, update_fields: Any = None, **kwargs: Any) -> None:
    if update_fields and "finished_at" in update_fields and instance.status == "finished":
        # Bulk certificates are written with bulk_create (no per-row signal): counted here.
        DOMAIN_EVENTS.labels(event="certificate_issued").inc(instance.issued)
        log_event(
            "bulk_certificates_finished",
            job_id=instance.pk,
            unit_id=instance.unit_id,
            issued=instance.issued,
            already_issued=instance.already_issued,
            skipped_zero_hours=instance.skipped_zero_hours,
        )


class DomainEventsConfig(AppConfig):
    name = "backend.domain_events"
    label = "domain_events"
    verbose_name = "Domain events"

    def ready(self) -> None:
        receivers = {
            "events.ServiceRecord": on_service_record,
            "events.RecordChange": on_record_change,
            "events.RefusedScan": on_refused_scan,
            "certificates.Certificate": on_certificate,
            "certificates.BulkIssueJob": on_bulk_job,
        }
        for model, receiver in receivers.items():
            post_save.connect(receiver, sender=model, dispatch_uid=f"domain-events-{model}")
