from django.core.management.base import BaseCommand, CommandParser

from accounts import login_limits
from accounts.phones import normalize_phone


class Command(BaseCommand):
    """Lift the brute-force locks on mobile numbers, from every client address."""

    help = "Lift the login locks on the given mobile numbers (wrong-password counts from every address)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("phones", nargs="+", help="mobile numbers to unlock")
        parser.add_argument("--dry-run", action="store_true", help="only tell whether each number is locked")

    def handle(self, *args, phones: list[str], dry_run: bool, **options) -> None:
        for phone in phones:
            number = normalize_phone(phone)
            if dry_run:
                state = "locked everywhere" if login_limits.locked_everywhere(number) else "not locked everywhere"
                self.stdout.write(f"{number}: {state}")
                continue
            login_limits.unlock(number)
            self.stdout.write(f"{number}: unlocked")
