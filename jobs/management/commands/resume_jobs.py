import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jobs.models import BackgroundJob
from jobs.services import RESUMED, expire_stale, job_kinds


class Command(BaseCommand):
    help = (
        "Expire the background jobs (bulk certificates, ledgers, ...) that are queued or running without "
        "a heartbeat for longer than their kind allows, or --stale-minutes: each is queued again (its "
        "work skips what it finished) or, once it has used its attempts, marked failed. Run it from cron."
    )
    # The kinds of job this command looks at; None: every installed kind.
    kinds: list[str] | None = None

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stale-minutes", type=int, help="Minutes without a heartbeat after which a job is stale.")
        parser.add_argument("--dry-run", action="store_true", help="List the jobs without changing them.")
        if self.kinds is None:
            parser.add_argument(
                "--kind", action="append", help="Only jobs of this model, e.g. reports.ledgerjob (repeatable)."
            )

    def handle(
        self, *args: object, stale_minutes: int | None, dry_run: bool, kind: list[str] | None = None, **options: object
    ) -> None:
        """Expire every stale job of the kinds asked for and say what became of each."""
        if stale_minutes is not None and stale_minutes < 1:
            raise CommandError("--stale-minutes must be at least 1.")
        models = self._models(kind or self.kinds)
        older_than = datetime.timedelta(minutes=stale_minutes) if stale_minutes else None
        expired = expire_stale(models, older_than=older_than, dry_run=dry_run)
        for item in expired:
            verb = "resume" if item.outcome == RESUMED else "fail"
            self.stdout.write(
                f"{'would ' + verb if dry_run else verb + 'ed'} {type(item.job)._meta.verbose_name} {item.job.pk}"
            )
        self.stdout.write(f"{len(expired)} stale job(s)")

    def _models(self, labels: list[str] | None) -> list[type[BackgroundJob]]:
        kinds = {model.kind(): model for model in job_kinds()}
        if labels is None:
            return list(kinds.values())
        unknown = sorted(set(labels) - set(kinds))
        if unknown:
            raise CommandError(f"Unknown kind of job: {', '.join(unknown)}. Known: {', '.join(sorted(kinds))}.")
        return [kinds[label] for label in labels]
