from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from notifications.reminders import BATCH_SIZE, send_reminders


class Command(BaseCommand):
    help = (
        "Queue a reminder for each confirmed sign-up of an event starting within NOTIFY_REMINDER_LEAD_HOURS, "
        "once per sign-up and start time. Run it from cron every 5 minutes; a run after a pause catches up "
        "and skips events that have started."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count the sign-ups due, queue nothing.")
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help=f"Sign-ups per transaction (default {BATCH_SIZE})."
        )

    def handle(self, *args, dry_run: bool = False, batch_size: int = BATCH_SIZE, **options) -> None:
        outcome = send_reminders(now=timezone.now(), batch_size=max(1, batch_size), dry_run=dry_run)
        if dry_run:
            self.stdout.write(f"{outcome['signups']} sign-ups due for a reminder (dry run).")
            return
        self.stdout.write(
            f"Reminded {outcome['signups']} sign-ups: {outcome['messages']} messages in {outcome['batches']} batches."
        )
