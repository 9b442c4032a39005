from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from accounts.tokens import delete_expired_tokens


class Command(BaseCommand):
    """Delete the expired API tokens: authentication refuses them anyway, this keeps the table small.

    Among the periodic jobs (``run_periodic_jobs``); safe to run at any moment.
    """

    help = "Delete the API tokens whose expiry has passed (and their password stamps)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="only count the expired tokens")

    def handle(self, *args, dry_run: bool, **options) -> None:
        count = delete_expired_tokens(now=timezone.now(), dry_run=dry_run)
        self.stdout.write(f"{count} expired tokens" + (" would be deleted" if dry_run else " deleted"))
