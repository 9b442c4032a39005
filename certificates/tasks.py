"""Background tasks (the tasks API of django-tasks, built into Django 6)."""

from django_tasks import task

from certificates import services


@task()
def issue_in_bulk(job_id: int) -> dict[str, int]:
    """Run a bulk certificate job; its progress is kept on the job row."""
    job = services.run_bulk_job(job_id)
    return {"issued": job.issued, "already_issued": job.already_issued, "skipped_zero_hours": job.skipped_zero_hours}
