from django.core.management.base import BaseCommand
from django.utils import timezone

from events.series import generate_occurrences


class Command(BaseCommand):
    help = (
        "Make the missing occurrences of every active event series up to SERIES_HORIZON_WEEKS ahead, and sign "
        "up the series' volunteers for them. Idempotent, safe to run concurrently; run daily from cron."
    )

    def handle(self, *args, **options) -> None:
        outcome = generate_occurrences(now=timezone.now())
        self.stdout.write(f"{len(outcome.created)} occurrences made; {len(outcome.refused)} series sign-ups refused.")
        for volunteer_id, event_id, why in outcome.refused:
            self.stdout.write(f"  volunteer {volunteer_id}, event {event_id}: {why}")
