"""Background tasks of reports (the tasks API of django-tasks, built into Django 6)."""

from django_tasks import task

from reports import ledger_jobs


@task()
def make_ledger(job_id: int) -> dict[str, str | int]:
    """Make a ledger; its progress and outcome are kept on the job row."""
    job = ledger_jobs.run_ledger_job(job_id)
    return {"status": job.status, "progress": job.progress}
