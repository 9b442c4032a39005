"""Background delivery of the outbox (the tasks API of django-tasks, built into Django 6)."""

from django_tasks import task

from notifications import delivery


@task()
def deliver_notifications() -> dict[str, int]:
    """Send what is due now (queued by ``delivery.deliver_soon`` after a commit); returns the outcome counts."""
    return delivery.deliver_due()
