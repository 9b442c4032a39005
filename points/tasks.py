"""Background settling of a large batch's points (the tasks API of django-tasks, built into Django 6)."""

from django_tasks import task

from points import earning


@task()
def settle_records(record_ids: list[int]) -> int:
    """Settle the points of ``record_ids`` (a bulk approval's); returns how many were asked for."""
    earning.settle(record_ids)
    return len(record_ids)
