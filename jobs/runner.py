"""Running a job in the worker (or in the request, for small ones): claim, work, heartbeat, outcome."""

from __future__ import annotations

import logging
from typing import Any, TypeVar

from django.apps import apps
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.module_loading import import_string

from jobs.models import BackgroundJob, JobStatus

logger = logging.getLogger(__name__)

Job = TypeVar("Job", bound=BackgroundJob)


class Progress:
    """What a job's work reports as it goes; every report is also the job's heartbeat."""

    def __init__(self, job: BackgroundJob) -> None:
        self.job = job
        self.rows = type(job)._default_manager.filter(pk=job.pk)

    def beat(self, **changes: Any) -> None:
        """The worker is alive; ``changes`` (values or expressions) are saved with the heartbeat."""
        self.rows.update(**changes, updated_at=timezone.now())

    def report(self, percent: int, /, **changes: Any) -> None:
        """Progress in percent (never moving back), saved with the heartbeat."""
        self.beat(progress=Greatest(F("progress"), min(max(percent, 0), 100)), **changes)

    def count(self, done: int, total: int, /, **changes: Any) -> None:
        """Progress as ``done`` of ``total`` items."""
        self.report(100 * done // total if total else 0, **changes)


def job_model(kind: str) -> type[BackgroundJob]:
    """The job model named ``kind`` (``app_label.modelname``); LookupError for anything else."""
    model = apps.get_model(kind)
    if not issubclass(model, BackgroundJob):
        raise LookupError(f"{kind} is not a kind of background job")
    return model


def fetch(model: type[Job], job_id: int) -> Job:
    return model._default_manager.get(pk=job_id)


def claim(model: type[Job], job_id: int) -> Job | None:
    """Mark a queued job running, counting the attempt; None if it is not queued (done, failed,
    or already taken by another worker: a resumed job may have been queued twice)."""
    now = timezone.now()
    taken = model._default_manager.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, attempts=F("attempts") + 1, started_at=now, error="", updated_at=now
    )
    return fetch(model, job_id) if taken else None


def run(model: type[Job], job_id: int, **options: Any) -> Job:
    """Run a job of ``model``: its ``work`` with a Progress, then finished (progress 100) or failed.

    A job that is not queued is returned as it is. An exception of the work is kept on
    the row (status failed) and logged, not raised: the job row is the outcome. A worker
    killed meanwhile leaves the job running; ``jobs.services.expire_job`` picks it up.
    """
    job = claim(model, job_id)
    if job is None:
        return fetch(model, job_id)
    work = import_string(model.work)
    try:
        work(job, Progress(job), **options)
    except Exception as error:
        logger.exception("Background job %s %s failed", model.kind(), job_id)
        now = timezone.now()
        model._default_manager.filter(pk=job_id).update(
            status=JobStatus.FAILED, error=str(error)[:2000], finished_at=now, updated_at=now
        )
    else:
        now = timezone.now()
        # A job expired as stale while its slow worker carried on still ends finished:
        # the work is done, whatever another attempt does.
        model._default_manager.filter(Q(pk=job_id), ~Q(status=JobStatus.FINISHED)).update(
            status=JobStatus.FINISHED, progress=100, finished_at=now, updated_at=now
        )
    return fetch(model, job_id)
