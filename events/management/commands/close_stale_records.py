from django.core.management.base import BaseCommand
from django.utils import timezone

from events.services import close_stale_records


class Command(BaseCommand):
    help = (
        "Close service records still open after their event's check-out window (flagged "
        "missing_checkout, zero hours) and mark such events finished. Safe to run from cron."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count what would change, change nothing.")

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        outcome = close_stale_records(now=timezone.now(), dry_run=dry_run)
        prefix = "Would close" if dry_run else "Closed"
        self.stdout.write(
            f"{prefix} {outcome['closed_records']} open records; "
            f"{outcome['finished_events']} events finished{' (dry run)' if dry_run else ''}."
        )
