from django.core.management.base import BaseCommand

from notifications.demo import load_demo_notifications


class Command(BaseCommand):
    help = (
        "Create a weekly demo series at 东门社区 and sign the demo volunteer 13700000000 up for it, so their "
        "bell, inbox and calendar show notices (idempotent; run after load_demo)."
    )

    def handle(self, *args, **options) -> None:
        outcome = load_demo_notifications()
        self.stdout.write(
            f"Notifications demo: {outcome['occurrences']} occurrences of the weekly series; "
            f"{outcome['messages']} messages for 13700000000."
        )
