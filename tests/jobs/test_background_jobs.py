"""One background-job framework: bulk certificates and ledgers share start, progress, resume,
retry and the expiry of jobs whose worker died (jobs.BackgroundJob, jobs.services)."""

import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from certificates.models import BulkIssueJob, Certificate
from jobs.models import BackgroundJob, JobStatus
from jobs.runner import Progress, run
from jobs.services import JobError, job_kinds, retry_job
from reports.models import LedgerJob
from tests.certificates.conftest import PERIOD, approved, event_on
from tests.conftest import client_for, make_volunteer
from tests.events.conftest import DAY, at


@dataclass(frozen=True)
class Kind:
    model: type[BackgroundJob]
    url: str
    body: Callable[[dict], dict]


KINDS = {
    "bulk certificates": Kind(
        BulkIssueJob, "/api/v1/certificate-jobs/", lambda tree: {"unit": tree["S1"].pk, **PERIOD}
    ),
    # A ZIP is always made by the worker.
    "ledger": Kind(
        LedgerJob,
        "/api/v1/reports/ledgers/",
        lambda tree: {"unit": tree["S1"].pk, "period": "month", "year": DAY.year, "month": DAY.month, "format": "zip"},
    ),
}


@pytest.fixture(autouse=True)
def immediate_worker(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def after_the_events():
    with time_machine.travel(at(12), tick=True):
        yield


@pytest.fixture(params=list(KINDS), ids=list(KINDS))
def kind(request) -> Kind:
    return KINDS[request.param]


@pytest.fixture
def served(tree):
    """Two volunteers of S1 with approved hours this month: something to certify and to list."""
    event = event_on(tree["S1"], 1)
    for name in ["赵一", "钱二"]:
        approved(event, make_volunteer(tree["S1"], name), "2.00")


def queued_job(kind: Kind, tree, user) -> BackgroundJob:
    """A job asked for through the API; the worker has not picked it up (on-commit work is not run here)."""
    response = client_for(user).post(kind.url, kind.body(tree), format="json")
    assert response.status_code == 201, response.content
    return kind.model.objects.get(pk=response.json()["id"])


def left_running(job: BackgroundJob, *, attempts: int = 1, minutes_ago: int = 60) -> BackgroundJob:
    """The job as a worker killed mid-way leaves it: running, its heartbeat ``minutes_ago`` old."""
    beat = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    type(job).objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, attempts=attempts, started_at=beat, progress=40, updated_at=beat
    )
    job.refresh_from_db()
    return job


def test_every_kind_is_a_background_job():
    assert {BulkIssueJob, LedgerJob} <= set(job_kinds())


def test_a_later_request_resumes_a_job_left_running_by_a_dead_worker(
    kind, tree, served, station_manager, django_capture_on_commit_callbacks
):
    stale = left_running(queued_job(kind, tree, station_manager))
    with django_capture_on_commit_callbacks(execute=True):  # the worker runs what is queued on commit
        again = client_for(station_manager).post(kind.url, kind.body(tree), format="json")
    # The same job, queued again rather than answered as it was left ("running", forever).
    assert again.status_code == 200 and again.json()["id"] == stale.pk
    assert again.json()["status"] == JobStatus.QUEUED
    job = kind.model.objects.get(pk=stale.pk)
    assert (job.status, job.progress, job.attempts) == (JobStatus.FINISHED, 100, 2)
    assert not kind.model.objects.active().exists()


def test_a_job_that_keeps_losing_its_worker_fails_and_a_later_request_gets_a_fresh_one(
    kind, tree, served, station_manager
):
    stale = left_running(queued_job(kind, tree, station_manager), attempts=kind.model.max_attempts)
    again = client_for(station_manager).post(kind.url, kind.body(tree), format="json")
    assert again.status_code == 201 and again.json()["id"] != stale.pk
    stale.refresh_from_db()
    assert stale.status == JobStatus.FAILED and stale.error and stale.finished_at is not None
    assert kind.model.objects.active().get().pk == again.json()["id"]


def test_a_running_job_whose_heartbeat_is_recent_is_the_answer(kind, tree, served, station_manager):
    running = left_running(queued_job(kind, tree, station_manager), minutes_ago=1)
    again = client_for(station_manager).post(kind.url, kind.body(tree), format="json")
    assert again.status_code == 200 and again.json()["id"] == running.pk
    running.refresh_from_db()
    assert (running.status, running.attempts) == (JobStatus.RUNNING, 1)


def test_the_command_resumes_stale_jobs_of_every_kind(
    tree, served, station_manager, django_capture_on_commit_callbacks, capsys
):
    stale = [left_running(queued_job(kind, tree, station_manager)) for kind in KINDS.values()]
    call_command("resume_jobs", "--dry-run")
    assert "2 stale job(s)" in capsys.readouterr().out
    assert all(type(job).objects.get(pk=job.pk).status == JobStatus.RUNNING for job in stale)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("resume_jobs", "--kind", "reports.ledgerjob")
    assert [type(job).objects.get(pk=job.pk).status for job in stale] == [JobStatus.RUNNING, JobStatus.FINISHED]
    with django_capture_on_commit_callbacks(execute=True):
        call_command("resume_jobs")
    assert all(type(job).objects.get(pk=job.pk).status == JobStatus.FINISHED for job in stale)
    # Resumed, the bulk job issued each volunteer's certificate once.
    assert Certificate.objects.count() == 2
    capsys.readouterr()
    call_command("resume_jobs")
    assert "0 stale job(s)" in capsys.readouterr().out


def test_the_command_gives_up_a_job_after_its_last_attempt(kind, tree, served, station_manager):
    stale = left_running(queued_job(kind, tree, station_manager), attempts=kind.model.max_attempts)
    out = io.StringIO()
    call_command("resume_jobs", stdout=out)
    stale.refresh_from_db()
    assert stale.status == JobStatus.FAILED and "failed" in out.getvalue()


def test_a_job_queued_twice_runs_once(kind, tree, served, station_manager):
    first = run(kind.model, queued_job(kind, tree, station_manager).pk)
    assert (first.status, first.attempts) == (JobStatus.FINISHED, 1)
    # A second task for the same job (queued again by an expiry while the first was under way) finds it done.
    again = run(kind.model, first.pk)
    assert (again.status, again.attempts, again.finished_at) == (JobStatus.FINISHED, 1, first.finished_at)


def test_a_failed_job_is_tried_again(kind, tree, served, station_manager, django_capture_on_commit_callbacks):
    job = queued_job(kind, tree, station_manager)
    kind.model.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error="disk full", attempts=1)
    job.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        retry_job(job)
    job.refresh_from_db()
    assert (job.status, job.error, job.attempts) == (JobStatus.FINISHED, "", 1)
    with pytest.raises(JobError):
        retry_job(job)


def test_progress_never_moves_back_and_beats_the_heart(kind, tree, served, station_manager):
    job = left_running(queued_job(kind, tree, station_manager))
    progress = Progress(job)
    progress.report(70)
    progress.report(50)
    job.refresh_from_db()
    assert job.progress == 70 and not job.is_stale()
