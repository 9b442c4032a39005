from django.core.management.base import BaseCommand
from django.db import transaction

from events.demo import load_demo_events
from volunteers.demo import load_demo_data


class Command(BaseCommand):
    help = "Create demo units, managers, volunteers, teams and events (idempotent) and print the logins."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Show the logins but roll everything back.")

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        with transaction.atomic():
            logins = load_demo_data()
            events = load_demo_events()
            if dry_run:
                transaction.set_rollback(True)
        self.stdout.write("Demo logins (mobile number / password):" if not dry_run else "Dry run, nothing saved:")
        for login in logins:
            self.stdout.write(f"  {login.role:<26} {login.phone} / {login.password}  {login.name}")
        for event in events:
            self.stdout.write(f"  event #{event.pk}: {event.title} ({event.get_status_display()})")
