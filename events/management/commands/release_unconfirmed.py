from django.core.management.base import BaseCommand
from django.utils import timezone

from events.attendance import release_unconfirmed


class Command(BaseCommand):
    help = (
        "Give back the places promoted from a waitlist that were not confirmed by their deadline "
        "(Signup.confirm_by); the next in each queue is promoted. Safe to run from cron (every 5 minutes)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count what would change, change nothing.")

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        outcome = release_unconfirmed(now=timezone.now(), dry_run=dry_run)
        prefix = "Would give back" if dry_run else "Gave back"
        self.stdout.write(f"{prefix} {outcome['released']} unconfirmed places.")
