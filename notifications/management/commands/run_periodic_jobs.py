"""Every periodic job of the platform's messages and attendance, in one command for cron or a loop.

Each job is safe to run at any moment, twice at once, or after a pause (each says how in
its own module), so one cron line every minute is enough; ``--loop`` keeps it running
beside the development server (``make run``).
"""

import datetime
import logging
import time
from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.utils import timezone

from accounts.tokens import delete_expired_tokens
from events.attendance import release_unconfirmed
from events.no_shows import mark_no_shows
from events.series import generate_occurrences
from notifications.delivery import deliver_due
from notifications.digests import send_manager_digests, send_new_events_digests, send_points_expiring
from notifications.models import JobRun
from notifications.reminders import send_reminders

logger = logging.getLogger(__name__)

# Occurrences are made weeks ahead, and tokens are refused when expired anyway: once an hour is plenty.
HOURLY = datetime.timedelta(hours=1)


def _hourly(name: str, job: Callable[[datetime.datetime], object]) -> Callable[[datetime.datetime], object]:
    def run(now: datetime.datetime) -> object:
        last = JobRun.objects.filter(name=name).values_list("finished_at", flat=True).first()
        if last is not None and now - last < HOURLY:
            return "not due"
        outcome = job(now)
        JobRun.objects.update_or_create(name=name, defaults={"finished_at": now})
        return outcome

    return run


_generate_occurrences = _hourly("generate_occurrences", lambda now: generate_occurrences(now=now))


JOBS: list[tuple[str, Callable[[datetime.datetime], object]]] = [
    ("generate_occurrences", _generate_occurrences),
    ("release_unconfirmed", lambda now: release_unconfirmed(now=now)),
    ("send_reminders", lambda now: send_reminders(now=now)),
    ("mark_no_shows", lambda now: mark_no_shows(now=now)),
    ("new_events_digests", lambda now: send_new_events_digests(now=now)),
    ("manager_digests", lambda now: send_manager_digests(now=now)),
    ("points_expiring", lambda now: send_points_expiring(now=now)),
    ("deliver", lambda now: deliver_due(now=now)),
    # Authentication no longer sweeps a user's expired tokens on every request (accounts.tokens):
    # an expired token is refused when shown; this deletes the rest, hourly (one DELETE).
    ("delete_expired_tokens", _hourly("delete_expired_tokens", lambda now: delete_expired_tokens(now=now))),
]


class Command(BaseCommand):
    help = (
        "Run every periodic job once: series occurrences (hourly), unconfirmed promotions, reminders, "
        "no-shows, the daily digests, delivery of the outbox and deleting expired tokens (hourly). "
        "Cron: every minute. --loop N repeats every N seconds until stopped (make run does)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=int, default=0, metavar="SECONDS", help="Repeat every SECONDS seconds.")

    def handle(self, *args, loop: int = 0, **options) -> None:
        self.verbosity = options["verbosity"]
        while True:
            failed = self.run_once()
            if not loop:
                if failed:
                    raise CommandError(f"failed: {', '.join(failed)} (see the log)")
                return
            close_old_connections()
            time.sleep(max(1, loop))

    def run_once(self) -> list[str]:
        failed = []
        for name, job in JOBS:
            # One job failing (a provider down, a bad row) must not keep the others from running.
            try:
                outcome = job(timezone.now())
            except Exception:
                logger.exception("periodic job %s failed", name)
                failed.append(name)
            else:
                if self.verbosity > 1:
                    self.stdout.write(f"{name}: {outcome}")
        return failed
