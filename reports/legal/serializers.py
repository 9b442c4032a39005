from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.bounded_fields import BoundedDateField
from reports.legal.national_export import ExportKind


class NationalExportQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1, help_text=_("The unit whose subtree is exported."))
    kind = serializers.ChoiceField(choices=ExportKind.CHOICES, default=ExportKind.VOLUNTEERS)
    date_from = BoundedDateField(required=False, help_text=_("First day (event start), Asia/Shanghai."))
    date_to = BoundedDateField(required=False, help_text=_("Last day, included."))

    def validate(self, attrs: dict) -> dict:
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": [_("The last day must not lie before the first.")]})
        return attrs


class AnnualReportQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1, help_text=_("The unit whose subtree is reported on."))
    year = serializers.IntegerField(min_value=1900, max_value=2100, required=False)

    def validate_year(self, value: int) -> int:
        return value or timezone.localdate().year
