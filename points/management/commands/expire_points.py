from django.core.management.base import BaseCommand
from django.utils import timezone

from points.expiry import expire_points


class Command(BaseCommand):
    help = (
        "Expire the points older than their rule's years (hours never expire), oldest first; "
        "volunteers see what is about to expire on their page for 30 days before. Safe to run "
        "from cron daily."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count what would expire, change nothing.")

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        outcome = expire_points(now=timezone.now(), dry_run=dry_run)
        verb = "Would expire" if dry_run else "Expired"
        self.stdout.write(f"{verb} {outcome['points']} points of {outcome['volunteers']} volunteers.")
