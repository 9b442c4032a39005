"""Send the messages that are due: from cron every minute, or ``--loop SECONDS`` while developing."""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from notifications import delivery


class Command(BaseCommand):
    help = "Send the due messages of the outbox (retries, messages that waited for the morning, missed tasks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=int, metavar="SECONDS", help="Run again every SECONDS until stopped.")
        parser.add_argument("--batch", type=int, help="Rows claimed per round (default NOTIFY_BATCH_SIZE).")

    def handle(self, *args, loop: int | None = None, batch: int | None = None, **options) -> None:
        if (batch is not None and batch < 1) or (loop is not None and loop < 0):
            raise CommandError("--batch must be at least 1 and --loop at least 0")
        while True:
            counts = delivery.deliver_due(batch=batch)
            summary = ", ".join(f"{status} {count}" for status, count in sorted(counts.items())) or "nothing due"
            self.stdout.write(summary)
            if not loop:
                return
            try:
                time.sleep(loop)
            except KeyboardInterrupt:
                return
