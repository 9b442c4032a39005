"""The task every background job runs as (the tasks API of django-tasks, built into Django 6)."""

from django_tasks import task

from jobs import runner


@task()
def run_job(kind: str, job_id: int) -> dict[str, str | int]:
    """Run job ``job_id`` of the model named ``kind``; its progress and outcome are kept on the job row."""
    job = runner.run(runner.job_model(kind), job_id)
    return {"status": job.status, "progress": job.progress}
