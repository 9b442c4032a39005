"""Make the statistics rollups again from the records: after a bulk load (COPY), a restore, or a changed star scale."""

import time

from django.core.management.base import BaseCommand

from reports.rollups.upkeep import rebuild


class Command(BaseCommand):
    help = "Rebuild the rollups of approved hours and volunteers from the records, in one transaction."

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        counts = rebuild()
        for table, rows in counts.items():
            self.stdout.write(f"{table}: {rows} rows")
        self.stdout.write(f"done in {time.monotonic() - started:.1f} s")
