from django.core.management.base import BaseCommand

from events.no_shows import CATCH_UP_DAYS, mark_no_shows


class Command(BaseCommand):
    help = (
        "Mark confirmed volunteers who did not check in as absent once their event has ended, and clear the "
        f"mark where a record was entered since. Covers events ended in the last {CATCH_UP_DAYS} days; "
        "idempotent, run every 15 minutes."
    )

    def handle(self, *args, **options) -> None:
        run = mark_no_shows()
        self.stdout.write(f"Marked {run.marked} absences; cleared {run.cleared}.")
