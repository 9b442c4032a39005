"""Bulk issuing for a unit and period as a background job: progress, outputs, idempotency.

The clock is frozen in 2026 for every test here by tests/certificates/conftest.py's autouse
`in_2026`, so the fixed 2026 dates and numbers below hold on any day the suite runs."""

import io
import zipfile

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from certificates.models import BulkIssueJob, Certificate, JobStatus
from certificates.services import run_bulk_job, start_bulk_job
from events.models import RecordStatus
from tests.certificates.conftest import PERIOD, approved, event_on, pdf_page_count, pdf_text
from tests.conftest import make_volunteer


@pytest.fixture
def station_with_volunteers(tree):
    """Five volunteers with hours at S1's events, one with zero hours, one with only pending hours."""
    first, second = event_on(tree["S1"], 1, "春季清洁"), event_on(tree["S1"], 30, "秋季义诊")
    served = [make_volunteer(tree["S1"], name) for name in ["赵一", "钱二", "孙三", "李四", "周五"]]
    for n, volunteer in enumerate(served):
        approved(first, volunteer, f"{n + 1}.00")
        approved(second, volunteer, "1.50")
    zero = make_volunteer(tree["S1"], "吴零")
    approved(first, zero, "0.00")
    pending = make_volunteer(tree["S1"], "郑待")
    approved(second, pending, "2.00", status=RecordStatus.PENDING)
    return served


def start(client, unit, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/api/v1/certificate-jobs/", {"unit": unit.pk, **PERIOD}, format="json")


def fetch(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_a_job_issues_one_pdf_per_volunteer_with_hours(
    station_manager_client, tree, station_with_volunteers, django_capture_on_commit_callbacks
):
    created = start(station_manager_client, tree["S1"], django_capture_on_commit_callbacks)
    assert created.status_code == 201, created.content
    job = station_manager_client.get(f"/api/v1/certificate-jobs/{created.json()['id']}/").json()
    assert job["status"] == "finished"
    assert (job["total"], job["issued"], job["skipped_zero_hours"], job["processed"]) == (6, 5, 1, 6)
    certificates = Certificate.objects.order_by("number")
    assert [c.number for c in certificates] == [f"C-2026-{n:06d}" for n in range(1, 6)]
    assert sorted(c.volunteer_name for c in certificates) == sorted(v.real_name for v in station_with_volunteers)
    archive = zipfile.ZipFile(io.BytesIO(fetch(station_manager_client, job["zip_url"])))
    assert len(archive.namelist()) == 5 and all(name.endswith(".pdf") for name in archive.namelist())
    for certificate in certificates:
        pdf = archive.read(certificate.download_name)
        assert pdf_page_count(pdf) == 1 and certificate.volunteer_name in pdf_text(pdf)
        assert pdf == certificate.pdf.read()
    combined = fetch(station_manager_client, job["combined_pdf_url"])
    assert pdf_page_count(combined) == 5 and "周五" in pdf_text(combined)


def test_running_again_issues_no_duplicates(
    station_manager, tree, station_with_volunteers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first, _ = start_bulk_job(tree["S1"], *_period(), by=station_manager)
    with django_capture_on_commit_callbacks(execute=True):
        second, created = start_bulk_job(tree["S1"], *_period(), by=station_manager)
    second.refresh_from_db()
    assert created and second.pk != first.pk
    assert (second.issued, second.already_issued, second.status) == (0, 5, JobStatus.FINISHED)
    assert Certificate.objects.count() == 5
    # Its ZIP still holds every certificate of the scope.
    assert len(zipfile.ZipFile(second.zip_file.open()).namelist()) == 5


def _period():
    import datetime

    return datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)


def test_the_job_function_works_in_small_batches_and_after_a_single_issue(
    station_manager, station_manager_client, tree, station_with_volunteers
):
    station_manager_client.post(
        "/api/v1/certificates/", {"volunteer": station_with_volunteers[0].pk, "unit": tree["S1"].pk, **PERIOD}
    )
    job = BulkIssueJob.objects.create(unit=tree["S1"], period_start=_period()[0], period_end=_period()[1])
    run_bulk_job(job.pk, batch_size=2)
    job.refresh_from_db()
    assert (job.issued, job.already_issued, job.skipped_zero_hours, job.status) == (4, 1, 1, JobStatus.FINISHED)
    assert Certificate.objects.filter(bulk_job=job).count() == 4
    assert pdf_page_count(job.combined_pdf.read()) == 5


def test_a_second_start_while_one_is_queued_returns_it(station_manager_client, tree, station_with_volunteers, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    first = station_manager_client.post("/api/v1/certificate-jobs/", {"unit": tree["S1"].pk, **PERIOD}, format="json")
    again = station_manager_client.post("/api/v1/certificate-jobs/", {"unit": tree["S1"].pk, **PERIOD}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["status"] == "queued"
    assert station_manager_client.get(f"/api/v1/certificate-jobs/{first.json()['id']}/zip/").status_code == 409


@pytest.mark.django_db(transaction=True)
def test_the_database_queue_runs_the_job_in_the_worker(tree, station_with_volunteers, settings, django_user_model):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    job, _ = start_bulk_job(tree["S1"], *_period(), by=None)
    assert DBTaskResult.objects.filter(task_path="jobs.tasks.run_job").count() == 1
    assert BulkIssueJob.objects.get(pk=job.pk).status == JobStatus.QUEUED
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay")
    job.refresh_from_db()
    assert job.status == JobStatus.FINISHED and job.issued == 5 and job.task_id


def test_only_managers_of_the_unit_start_and_see_jobs(
    volunteer_client, other_station_manager, tree, station_with_volunteers
):
    from tests.conftest import client_for

    body = {"unit": tree["S1"].pk, **PERIOD}
    assert volunteer_client.post("/api/v1/certificate-jobs/", body, format="json").status_code == 403
    assert client_for(other_station_manager).post("/api/v1/certificate-jobs/", body, format="json").status_code == 400
    job = BulkIssueJob.objects.create(unit=tree["S1"], period_start=_period()[0], period_end=_period()[1])
    assert client_for(other_station_manager).get(f"/api/v1/certificate-jobs/{job.pk}/").status_code == 404
    assert volunteer_client.get("/api/v1/certificate-jobs/").status_code == 403
