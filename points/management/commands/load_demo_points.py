from django.core.management.base import BaseCommand

from points.demo import load_demo_points


class Command(BaseCommand):
    help = (
        "Create the demo center's points rule and the 爱心超市 of 东门社区 with its stock, and credit the "
        "demo volunteers' approved hours (idempotent; run after load_demo)."
    )

    def handle(self, *args, **options) -> None:
        outcome = load_demo_points()
        self.stdout.write(
            f"Points demo: {outcome['items']} items at the 东门社区 shop; "
            f"{outcome['records']} approved records settled by the demo rule (10 points an hour, at most 2 hours)."
        )
