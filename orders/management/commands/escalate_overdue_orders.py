from django.core.management.base import BaseCommand
from django.utils import timezone

from orders.services import escalate_overdue_orders


class Command(BaseCommand):
    help = (
        "Hand every service order whose state's deadline (in working days) has passed up to the "
        "parent of its handling unit. Idempotent: the deadline starts again at the parent. For cron."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List what would be escalated, change nothing.")

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        """Escalate, then print one line per overdue order and a total."""
        escalations = escalate_overdue_orders(now=timezone.now(), dry_run=dry_run)
        verb = "Would escalate" if dry_run else "Escalated"
        moved = 0
        for step in escalations:
            order = step.order
            if step.to_unit is None:
                self.stdout.write(
                    f"Order {order.pk} ({order.get_state_display()}, due {order.due_on}) is overdue at "
                    f"{step.from_unit.name}, which has no parent unit: left there."
                )
                continue
            moved += 1
            self.stdout.write(
                f"{verb} order {order.pk} ({order.get_state_display()}, due {order.due_on}) "
                f"from {step.from_unit.name} to {step.to_unit.name}."
            )
        self.stdout.write(f"{verb} {moved} overdue orders{' (dry run)' if dry_run else ''}.")
