"""A bulk job whose worker died mid-way is resumed, and issues no certificate twice."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from certificates import services
from certificates.models import BulkIssueJob, Certificate, JobStatus
from certificates.services import start_bulk_job
from tests.certificates.conftest import PERIOD, approved, event_on
from tests.conftest import make_volunteer
from tests.events.conftest import at


@pytest.fixture(autouse=True)
def in_2026(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with time_machine.travel(at(12), tick=True):
        yield


@pytest.fixture
def interrupted_job(tree, station_manager, django_capture_on_commit_callbacks, monkeypatch):
    """A job killed after its first batch: some certificates issued, the row left 'running'."""
    event = event_on(tree["S1"], 1)
    for name in ["赵一", "钱二", "孙三", "李四"]:
        approved(event, make_volunteer(tree["S1"], name), "2.00")
    real_issue_batch = services._issue_batch
    batches = []

    def die_after_one_batch(*args, **kwargs):
        if batches:
            raise SystemExit("worker killed")  # not an Exception: nothing marks the job failed
        batches.append(1)
        return real_issue_batch(*args, **kwargs)

    with django_capture_on_commit_callbacks(execute=False):  # the worker picks it up, below
        job, _ = start_bulk_job(tree["S1"], datetime.date(2026, 1, 1), datetime.date(2026, 12, 31), by=station_manager)
    monkeypatch.setattr(services, "_issue_batch", die_after_one_batch)
    with pytest.raises(SystemExit):
        services.run_bulk_job(job.pk, batch_size=2)
    monkeypatch.setattr(services, "_issue_batch", real_issue_batch)
    job.refresh_from_db()
    assert (job.status, job.issued) == (JobStatus.RUNNING, 2)
    return job


def test_a_stale_job_is_resumed_and_issues_only_what_is_missing(interrupted_job, django_capture_on_commit_callbacks):
    BulkIssueJob.objects.filter(pk=interrupted_job.pk).update(updated_at=timezone.now() - datetime.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):  # queued again once the expiry commits
        call_command("resume_bulk_jobs", stdout=open("/dev/null", "w"))  # noqa: SIM115
    job = BulkIssueJob.objects.get(pk=interrupted_job.pk)
    assert job.status == JobStatus.FINISHED
    assert job.issued == 4 and job.zip_file
    per_volunteer = Certificate.objects.values("volunteer").annotate(n=Count("id"))
    assert len(per_volunteer) == 4 and {row["n"] for row in per_volunteer} == {1}


def test_a_job_still_making_progress_is_left_alone(interrupted_job, capsys):
    call_command("resume_bulk_jobs", "--stale-minutes", "15")
    assert "0 stale job(s)" in capsys.readouterr().out
    assert BulkIssueJob.objects.get(pk=interrupted_job.pk).issued == 2


def test_a_stuck_job_no_longer_blocks_a_new_start_once_resumed(
    interrupted_job, station_manager_client, django_capture_on_commit_callbacks
):
    BulkIssueJob.objects.filter(pk=interrupted_job.pk).update(updated_at=timezone.now() - datetime.timedelta(hours=1))
    call_command("resume_bulk_jobs", "--dry-run")
    assert BulkIssueJob.objects.get(pk=interrupted_job.pk).status == JobStatus.RUNNING
    with django_capture_on_commit_callbacks(execute=True):
        call_command("resume_bulk_jobs")
    again = station_manager_client.post(
        "/api/v1/certificate-jobs/", {"unit": interrupted_job.unit_id, **PERIOD}, format="json"
    )
    assert again.status_code in (201, 202) and again.json()["id"] != interrupted_job.pk
