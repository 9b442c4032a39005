import datetime

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from certificates.models import BulkIssueJob
from certificates.services import enqueue_bulk_job


class Command(BaseCommand):
    help = (
        "Queue again the bulk certificate jobs that made no progress for --stale-minutes "
        "(their worker died or was killed). Running a job again issues only what is missing: "
        "volunteers already certified for the scope are skipped under the counter's lock."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stale-minutes", type=int, default=15)
        parser.add_argument("--dry-run", action="store_true", help="List the jobs without queuing them.")

    def handle(self, *args: object, stale_minutes: int, dry_run: bool, **options: object) -> None:
        """Re-enqueue queued or running jobs whose row was last updated before the cut-off."""
        cutoff = timezone.now() - datetime.timedelta(minutes=stale_minutes)
        stale = list(BulkIssueJob.objects.active().filter(updated_at__lt=cutoff).values_list("pk", flat=True))
        for job_id in stale:
            if not dry_run:
                BulkIssueJob.objects.filter(pk=job_id).update(updated_at=timezone.now())
                enqueue_bulk_job(job_id)
            self.stdout.write(f"{'would resume' if dry_run else 'resumed'} bulk job {job_id}")
        self.stdout.write(f"{len(stale)} stale job(s)")
