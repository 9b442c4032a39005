from django.core.management.base import BaseCommand
from django.db import transaction

from orders.demo import load_demo_orders


class Command(BaseCommand):
    help = (
        "Create the demo service menu, a resident and orders at each step (idempotent; run after load_demo) "
        "and print the resident's login."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Show the login but roll everything back.")

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        """Load the demo orders, then print the logins they use."""
        with transaction.atomic():
            logins = load_demo_orders()
            if dry_run:
                transaction.set_rollback(True)
        self.stdout.write(
            "Service orders demo (mobile number / password):" if not dry_run else "Dry run, nothing saved:"
        )
        for login in logins:
            self.stdout.write(f"  {login.role:<26} {login.phone} / {login.password}  {login.name}")
