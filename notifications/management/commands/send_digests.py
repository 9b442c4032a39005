from django.core.management.base import BaseCommand

from notifications.digests import send_manager_digests, send_new_events_digests, send_points_expiring


class Command(BaseCommand):
    help = (
        "Queue today's digests: new events for the volunteers who asked for them, what waits for each "
        "manager, and notices of points about to expire. Run daily (the tick does); a second run the "
        "same day queues nothing, and after missed days the next run covers them once."
    )

    def handle(self, *args, **options) -> None:
        volunteers = send_new_events_digests()
        managers = send_manager_digests()
        points = send_points_expiring()
        self.stdout.write(f"new events digests: {volunteers}; manager digests: {managers}; points expiring: {points}")
