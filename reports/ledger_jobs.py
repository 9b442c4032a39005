"""Ledger jobs: a manager asks for a unit's ledger of a period; it is made and kept as a private file.

Small ledgers (a spreadsheet, or a PDF with a few activities and photos) are made
while the manager waits; the others, and every ZIP, by the task worker, with
their progress on the job row, like bulk certificates.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from certificates.models import JobStatus
from reports.ledger_files import file_stem, write_pdf, write_xlsx, write_zip
from reports.ledgers import Period, build_ledger, ledger_size
from reports.models import LedgerFormat, LedgerJob
from stations.models import PracticeUnit

logger = logging.getLogger(__name__)

# A PDF this small lays out in a few seconds: made in the request rather than queued.
SYNC_MAX_ACTIVITIES = 8
SYNC_MAX_PHOTOS = 40


def job_period(job: LedgerJob) -> Period:
    return Period(job.period, job.year, job.number)


def made_while_waiting(unit: PracticeUnit, period: Period, file_format: str) -> bool:
    """Whether the ledger is small enough to make in the request."""
    if file_format == LedgerFormat.XLSX:
        return True
    if file_format == LedgerFormat.ZIP:
        return False
    activities, photos = ledger_size(unit, period)
    return activities <= SYNC_MAX_ACTIVITIES and photos <= SYNC_MAX_PHOTOS


def start_ledger_job(unit: PracticeUnit, period: Period, file_format: str, *, by) -> tuple[LedgerJob, bool]:
    """Ask for the unit's ledger of the period; returns the job and whether it is new.

    While a job for the same unit, period and format is queued or running, asking
    again returns that one. A small ledger is made before this returns; a big one is
    queued for the worker once the job row is committed. Raises LedgerError.
    """
    period.check_begun()
    scope = {"unit": unit, "period": period.kind, "year": period.year, "number": period.number, "format": file_format}
    active = LedgerJob.objects.active().filter(**scope)
    with transaction.atomic():
        existing = active.first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                job = LedgerJob.objects.create(**scope, requested_by=by)
        except IntegrityError:
            return active.get(), False
        waiting = made_while_waiting(unit, period, file_format)
        if not waiting:
            # After the commit, so the worker finds the job row.
            transaction.on_commit(lambda: enqueue_ledger_job(job.pk))
    if waiting:
        job = run_ledger_job(job.pk)
    return job, True


def enqueue_ledger_job(job_id: int) -> None:
    from reports.tasks import make_ledger

    result = make_ledger.enqueue(job_id)
    LedgerJob.objects.filter(pk=job_id, task_id="").update(task_id=str(result.id)[:64])


def _report(job_id: int, percent: int) -> None:
    LedgerJob.objects.filter(pk=job_id, progress__lt=percent).update(progress=percent, updated_at=timezone.now())


def run_ledger_job(job_id: int) -> LedgerJob:
    """Make the job's file; progress goes to the row as the work goes. A failure is kept on the row."""
    job = LedgerJob.objects.select_related("unit", "requested_by").get(pk=job_id)
    if job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        return job
    job.status, job.started_at, job.error = JobStatus.RUNNING, timezone.now(), ""
    job.save(update_fields=["status", "started_at", "error", "updated_at"])
    period = job_period(job)

    def report(percent: int) -> None:
        _report(job.pk, percent)

    try:
        with tempfile.TemporaryDirectory(prefix="ledger-") as name:
            folder = Path(name)
            target = folder / f"ledger.{job.format}"
            if job.format == LedgerFormat.ZIP:
                write_zip(job.unit, period, target, folder, made_by=job.requested_by, progress=report)
            else:
                ledger = build_ledger(job.unit, period, made_by=job.requested_by)
                report(10)
                if job.format == LedgerFormat.PDF:
                    write_pdf(ledger, target, report)
                else:
                    write_xlsx(ledger, target)
            with target.open("rb") as content:
                job.file.save(f"{file_stem(job.unit, period)}.{job.format}", File(content), save=False)
        LedgerJob.objects.filter(pk=job.pk).update(
            file=job.file.name,
            status=JobStatus.FINISHED,
            progress=100,
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
    except Exception as error:
        logger.exception("Ledger job %s failed", job.pk)
        LedgerJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, error=str(error)[:2000], finished_at=timezone.now(), updated_at=timezone.now()
        )
    job.refresh_from_db()
    return job
