"""The ledger page: a manager picks a unit, a period and a format, and gets the file.

Small ledgers come back as the download itself; big ones open their job's page,
which refreshes itself (no script) until the file is ready.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from certificates.models import JobStatus
from reports.ledgers.jobs import job_period, ledger_download, start_ledger_job
from reports.ledgers.serializers import LedgerRequestSerializer
from reports.models import LedgerFormat, LedgerJob, LedgerPeriod
from stations.models import PracticeUnit
from stations.scoping import is_manager

RECENT_JOBS = 10


def _manager(request: HttpRequest) -> None:
    if not is_manager(request.user):
        raise PermissionDenied


def _form_data(post) -> dict:
    """The form sends every field; the API takes only the one its period needs."""
    data = {name: post.get(name, "") for name in ("unit", "period", "year", "format")}
    needed = {LedgerPeriod.MONTH: "month", LedgerPeriod.QUARTER: "quarter"}.get(data["period"])
    if needed:
        data[needed] = post.get(needed, "")
    return data


@login_required
@require_http_methods(["GET", "POST"])
def ledger_page(request: HttpRequest) -> HttpResponse:
    """Pick a unit and a period; the jobs asked for lately below."""
    _manager(request)
    today = timezone.localdate()
    errors: dict = {}
    chosen = {"period": LedgerPeriod.MONTH, "year": today.year, "month": today.month, "format": LedgerFormat.PDF}
    if request.method == "POST":
        chosen = {**chosen, **request.POST.dict()}
        form = LedgerRequestSerializer(data=_form_data(request.POST), context={"request": request})
        if form.is_valid():
            data = form.validated_data
            job, _created = start_ledger_job(data["unit"], data["ledger_period"], data["format"], by=request.user)
            if job.status == JobStatus.FINISHED:
                return redirect("ledger-download-page", pk=job.pk)
            return redirect("ledger-job-page", pk=job.pk)
        errors = {name: [str(message) for message in messages] for name, messages in form.errors.items()}
    units = PracticeUnit.objects.managed_by(request.user).filter(is_active=True).order_by("path")
    jobs = list(
        LedgerJob.objects.visible_to(request.user).select_related("unit").order_by("-created_at", "-id")[:RECENT_JOBS]
    )
    for job in jobs:
        job.period_label = job_period(job).label
    context = {
        "units": units,
        "chosen": chosen,
        "errors": errors,
        "periods": LedgerPeriod.choices,
        "formats": LedgerFormat.choices,
        "months": range(1, 13),
        "quarters": range(1, 5),
        "jobs": jobs,
    }
    return render(request, "reports/ledger/page.html", context, status=400 if errors else 200)


def _job(request: HttpRequest, pk: int) -> LedgerJob:
    # Someone else's job, or one outside the manager's units, is not there for them.
    return get_object_or_404(LedgerJob.objects.visible_to(request.user).select_related("unit"), pk=pk)


@login_required
@require_GET
def ledger_job_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A big ledger being made: its progress, then the download."""
    job = _job(request, pk)
    active = job.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    context = {"job": job, "active": active, "period_label": job_period(job).label}
    return render(request, "reports/ledger/job.html", context)


@login_required
@require_GET
def ledger_download_page(request: HttpRequest, pk: int) -> HttpResponseBase:
    job = _job(request, pk)
    if job.status != JobStatus.FINISHED or not job.file:
        return redirect("ledger-job-page", pk=job.pk)
    return ledger_download(job)
