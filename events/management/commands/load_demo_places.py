from django.core.management.base import BaseCommand

from events.demo_places import load_demo_places


class Command(BaseCommand):
    help = (
        "Create 东门社区's demo venues (农家书屋, 多功能厅) with bookings waiting, approved and refused, the brand "
        "projects 小板凳宣讲 and 邻里守望, the demo center's theme days and a lecture held at the hall "
        "(idempotent; run after load_demo, load_demo_orders and load_demo_notifications)."
    )

    def handle(self, *args, **options) -> None:
        outcome = load_demo_places()
        self.stdout.write(
            f"Places demo: {outcome['venues']} venues at 东门社区 (bookings: {outcome['pending']} waiting for "
            f"13900000101, {outcome['approved']} approved, {outcome['refused']} refused); "
            f"{outcome['projects']} brand projects; {outcome['themes']} theme days marked; "
            f"{outcome['events at venues']} event held at a venue."
        )
