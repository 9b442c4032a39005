from django.core.management.base import BaseCommand
from django.utils import timezone

from points.watch import resync_freezes, scan_for_alerts


class Command(BaseCommand):
    help = (
        "Raise points alerts for managers to look into in the admin: many points earned within 24 hours, "
        "many redemptions at one shop within an hour, gifts that came back to their giver within 30 days. "
        "One alert per kind, subject and day, so it is safe to run from cron every hour. Also freezes the "
        "points of volunteers whose correction request is pending, and thaws the others, if a freeze was missed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List the alerts that would be raised, save none.")

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        if not dry_run:
            self.stdout.write(f"Freezes brought in line with pending corrections: {resync_freezes()}.")
        alerts = scan_for_alerts(now=timezone.now(), dry_run=dry_run)
        for alert in alerts:
            self.stdout.write(f"{alert.kind} {alert.unit.code} {alert.detail}")
        verb = "Would raise" if dry_run else "Raised"
        self.stdout.write(f"{verb} {len(alerts)} alerts.")
