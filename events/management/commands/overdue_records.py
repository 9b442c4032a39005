import datetime
from collections import defaultdict

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from events.models import ServiceRecord
from events.record_deadlines import RECORDING_WORKING_DAYS, deadline_of, due_records, kind_of, overdue_q


class Command(BaseCommand):
    help = (
        "List, per organising unit, the service records still unreviewed and the evaluations still "
        "missing more than 10 working days after their activity (志愿服务记录与证明出具办法 art. 11). "
        "Read-only; run daily from cron and mail the output to the units."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", help="Count as of this day (YYYY-MM-DD) instead of today.")

    def handle(self, *args, date: str | None = None, **options) -> None:
        try:
            today = datetime.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError:
            raise CommandError("--date must be YYYY-MM-DD.") from None
        end_of_today = timezone.make_aware(datetime.datetime.combine(today, datetime.time.max))
        overdue = (
            due_records(ServiceRecord.objects.all(), now=end_of_today)
            .filter(overdue_q(today))
            .select_related("event__unit", "volunteer")
            .order_by("event__unit__path", "event__ends_at", "id")
        )
        by_unit: dict = defaultdict(list)
        for record in overdue:
            by_unit[record.event.unit].append(record)
        if not by_unit:
            self.stdout.write(f"{today}: nothing overdue (limit {RECORDING_WORKING_DAYS} working days).")
            return
        for unit, records in by_unit.items():
            reviews = sum(kind_of(record) == "record" for record in records)
            self.stdout.write(
                f"{unit.name}: {reviews} records to review, {len(records) - reviews} to evaluate, overdue"
            )
            for record in records:
                deadline = deadline_of(record.activity_day, today)
                self.stdout.write(
                    f"  {kind_of(record)} #{record.pk} {record.event.title} · {record.volunteer.real_name}: "
                    f"ended {deadline['ended_on']}, due {deadline['due_on']}, "
                    f"{deadline['working_days_waited']} working days"
                )
