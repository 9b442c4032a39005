from django.core.management.base import BaseCommand, CommandError

from points.earning import settle_due


class Command(BaseCommand):
    help = (
        "Settle the points of every service record still due: bring them in line with the record's "
        "approved hours (what a failure right after an approval left). Safe to run from cron as often "
        "as you like."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count the records due, change nothing.")

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        outcome = settle_due(dry_run=dry_run)
        if dry_run:
            self.stdout.write(f"{outcome['due']} records have points due (dry run).")
            return
        summary = f"Settled {outcome['settled']} of {outcome['due']} records; {outcome['failed']} failed."
        if outcome["failed"]:
            # A non-zero exit: cron and the monitoring see that records stay due (the log says why).
            raise CommandError(summary)
        self.stdout.write(summary)
