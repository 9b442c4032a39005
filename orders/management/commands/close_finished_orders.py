from django.core.management.base import BaseCommand
from django.utils import timezone

from orders.services import close_finished_orders


class Command(BaseCommand):
    help = (
        "Close rated service orders, and completed ones whose rating window has passed "
        "(ORDER_RATING_WINDOW_DAYS) as unrated, never as satisfied. For cron."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List what would be closed, change nothing.")

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        """Close, then print one line per order and a total."""
        closed = close_finished_orders(now=timezone.now(), dry_run=dry_run)
        verb = "Would close" if dry_run else "Closed"
        for order in closed:
            rated = "rated" if hasattr(order, "rating") else "unrated"
            self.stdout.write(f"{verb} order {order.pk} ({rated}).")
        self.stdout.write(f"{verb} {len(closed)} orders{' (dry run)' if dry_run else ''}.")
