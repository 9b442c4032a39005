"""Starting, queuing, resuming and expiring background jobs of every kind alike.

One job per scope at a time: asking again while a job of the same scope is active
returns that job, unless it is stale (no heartbeat for its ``stale_after``): then it
is expired right there, resumed or failed, so a job whose worker died never blocks
its scope. ``manage.py resume_jobs`` expires every stale job on a schedule.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from jobs import runner
from jobs.models import ACTIVE, BackgroundJob, JobStatus

Job = TypeVar("Job", bound=BackgroundJob)

RESUMED, FAILED = "resumed", "failed"


class JobError(DomainError):
    messages = {
        "not_failed": _("Only a failed job can be tried again."),
        "scope_busy": _("Another job for the same scope is queued or running."),
    }
    status_codes = {"not_failed": 409, "scope_busy": 409}


def job_kinds() -> list[type[BackgroundJob]]:
    """Every installed kind of background job."""
    return [model for model in apps.get_models() if issubclass(model, BackgroundJob)]


def enqueue_job(job: BackgroundJob) -> None:
    """Hand the job to the task worker once the current transaction commits (so the worker finds the row)."""
    model, pk = type(job), job.pk

    def send() -> None:
        from jobs.tasks import run_job

        result = run_job.enqueue(model.kind(), pk)
        # Only where still blank: with the immediate backend the job has already run and kept its own.
        model._default_manager.filter(pk=pk, task_id="").update(task_id=str(result.id)[:64])

    transaction.on_commit(send)


def start_job(
    model: type[Job], scope: Mapping[str, Any], *, defaults: Mapping[str, Any] | None = None, inline: bool = False
) -> tuple[Job, bool]:
    """The active job of ``scope``, or a new one; returns it and whether it is new.

    A stale active job is expired first: resumed (then it is the answer) or, after its
    last attempt, failed (then a new job is made). A new job is queued for the worker,
    or with ``inline`` run before this returns (small work a person waits for).
    """
    active = model._default_manager.filter(status__in=ACTIVE, **scope)
    with transaction.atomic():
        existing = active.first()
        if existing is not None and existing.is_stale():
            if expire_job(existing) == RESUMED:
                existing.refresh_from_db()
                return existing, False
            existing = None
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                job = model._default_manager.create(**scope, **(defaults or {}))
        except IntegrityError:
            # Another request made it meanwhile.
            return active.get(), False
        if not inline:
            enqueue_job(job)
    if inline:
        job = runner.run(model, job.pk)
    return job, True


def expire_job(
    job: BackgroundJob,
    *,
    older_than: datetime.timedelta | None = None,
    now: datetime.datetime | None = None,
    dry_run: bool = False,
) -> str | None:
    """Expire a stale job: queue it again, or mark it failed once it has used its attempts.

    Stale means active with no heartbeat for ``older_than`` (default: the kind's
    ``stale_after``). Returns RESUMED, FAILED, or None when the job is not stale
    (checked again under a row lock, so two requests finding it stale expire it once).
    The work of a resumed job skips what it finished before.
    """
    model = type(job)
    now = now or timezone.now()
    cutoff = now - (older_than or model.stale_after)
    with transaction.atomic():
        locked = model._default_manager.select_for_update().filter(pk=job.pk).first()
        if locked is None or not locked.is_active or locked.updated_at >= cutoff:
            return None
        outcome = RESUMED if locked.attempts < model.max_attempts else FAILED
        if dry_run:
            return outcome
        if outcome == RESUMED:
            model._default_manager.filter(pk=job.pk).update(status=JobStatus.QUEUED, task_id="", updated_at=now)
            enqueue_job(locked)
        else:
            with translation.override(settings.LANGUAGE_CODE):
                error = gettext("The job stopped responding %(attempts)d times and was given up.") % {
                    "attempts": locked.attempts
                }
            model._default_manager.filter(pk=job.pk).update(
                status=JobStatus.FAILED, error=error, finished_at=now, updated_at=now
            )
    return outcome


@dataclass(frozen=True)
class Expired:
    job: BackgroundJob
    outcome: str


def expire_stale(
    models: Iterable[type[BackgroundJob]] | None = None,
    *,
    older_than: datetime.timedelta | None = None,
    now: datetime.datetime | None = None,
    dry_run: bool = False,
) -> list[Expired]:
    """Expire every stale job of ``models`` (default: every kind); each kind's ``stale_after`` unless ``older_than``."""
    now = now or timezone.now()
    expired = []
    for model in models if models is not None else job_kinds():
        cutoff = now - (older_than or model.stale_after)
        for job in model._default_manager.filter(status__in=ACTIVE, updated_at__lt=cutoff).order_by("pk"):
            outcome = expire_job(job, older_than=older_than, now=now, dry_run=dry_run)
            if outcome is not None:
                expired.append(Expired(job, outcome))
    return expired


def retry_job(job: Job) -> Job:
    """Queue a failed job again, with fresh attempts (certificates resume where they stopped). Raises JobError."""
    model = type(job)
    try:
        with transaction.atomic():
            changed = model._default_manager.filter(pk=job.pk, status=JobStatus.FAILED).update(
                status=JobStatus.QUEUED, attempts=0, error="", task_id="", finished_at=None, updated_at=timezone.now()
            )
            if changed:
                enqueue_job(job)
    except IntegrityError:
        raise JobError("scope_busy") from None
    if not changed:
        raise JobError("not_failed")
    job.refresh_from_db()
    return job
