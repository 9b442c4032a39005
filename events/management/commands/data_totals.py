import json
from decimal import Decimal

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db.models import Sum

from events.models import RecordStatus, ServiceRecord


class Command(BaseCommand):
    help = "Print row counts of every table and the approved hours as JSON, to compare a restored backup."

    def handle(self, *args, **options) -> None:
        counts = {
            model._meta.label: model._base_manager.count()
            for model in apps.get_models()
            if model._meta.managed and not model._meta.proxy
        }
        hours = ServiceRecord.objects.filter(status=RecordStatus.APPROVED).aggregate(total=Sum("credited_hours"))
        totals = {"counts": counts, "approved_hours": str(hours["total"] or Decimal("0.00"))}
        self.stdout.write(json.dumps(totals, sort_keys=True, ensure_ascii=False, indent=1))
