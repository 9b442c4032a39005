"""Ledger jobs: a manager asks for a unit's ledger of a period; it is made and kept as a private file.

Small ledgers (a spreadsheet, or a PDF with a few activities and photos) are made
while the manager waits; the others, and every ZIP, by the task worker. Starting,
progress, resuming and expiring are those of every background job (``jobs``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.files import File
from django.http import FileResponse

from jobs import runner
from jobs.files import private_download
from jobs.models import JobStatus
from jobs.runner import Progress
from jobs.services import start_job
from reports.files import XLSX_TYPE
from reports.ledgers.contents import LedgerError, Period, build_ledger, ledger_size
from reports.ledgers.files import file_stem, write_pdf, write_xlsx, write_zip
from reports.models import LedgerFormat, LedgerJob
from stations.models import PracticeUnit

# A PDF this small lays out in a few seconds: made in the request rather than queued.
SYNC_MAX_ACTIVITIES = 8
SYNC_MAX_PHOTOS = 40

CONTENT_TYPES: dict[str, str] = {
    LedgerFormat.PDF: "application/pdf",
    LedgerFormat.XLSX: XLSX_TYPE,
    LedgerFormat.ZIP: "application/zip",
}


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
    again returns that one (resumed first if its worker died). A small ledger is made
    before this returns; a big one is queued for the worker once the job row is
    committed. Raises LedgerError.
    """
    period.check_begun()
    scope = {"unit": unit, "period": period.kind, "year": period.year, "number": period.number, "format": file_format}
    return start_job(
        LedgerJob, scope, defaults={"requested_by": by}, inline=made_while_waiting(unit, period, file_format)
    )


def run_ledger_job(job_id: int) -> LedgerJob:
    """Make the job's file now; progress goes to the row as the work goes. A failure is kept on the row."""
    return runner.run(LedgerJob, job_id)


def make_ledger(job: LedgerJob, progress: Progress) -> None:
    """The work of a ledger job (``LedgerJob.work``): lay out the file and keep it on the row."""
    period = job_period(job)
    with tempfile.TemporaryDirectory(prefix="ledger-") as name:
        folder = Path(name)
        target = folder / f"ledger.{job.format}"
        if job.format == LedgerFormat.ZIP:
            write_zip(job.unit, period, target, folder, made_by=job.requested_by, progress=progress.report)
        else:
            ledger = build_ledger(job.unit, period, made_by=job.requested_by)
            progress.report(10)
            if job.format == LedgerFormat.PDF:
                write_pdf(ledger, target, progress.report)
            else:
                write_xlsx(ledger, target)
        with target.open("rb") as content:
            job.file.save(f"{file_stem(job.unit, period)}.{job.format}", File(content), save=False)
    progress.beat(file=job.file.name)


def ledger_download(job: LedgerJob) -> FileResponse:
    """The job's file under a name that says what it is."""
    if job.status != JobStatus.FINISHED or not job.file:
        raise LedgerError("job_not_finished")
    return private_download(job.file, f"{file_stem(job.unit, job_period(job))}.{job.format}", CONTENT_TYPES[job.format])
