from django.core.management.base import BaseCommand, CommandError

from points.checks import check_ledger


class Command(BaseCommand):
    help = (
        "Check the points ledger and the shops' stock registers on this database: balances equal "
        "their entries, every transfer's entries sum to zero, no balance below its floor, stock "
        "equals the register and the exchanges, points stand only for approved records. Prints each "
        "difference and exits with status 1 if there is any; read-only, for a nightly cron."
    )

    def handle(self, *args, **options) -> None:
        problems = check_ledger()
        if not problems:
            self.stdout.write("Points ledger consistent.")
            return
        for problem in problems:
            self.stdout.write(problem)
        raise CommandError(f"{len(problems)} differences in the points ledger: see docs/operations.md.")
