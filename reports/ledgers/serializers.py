from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from accounts.bounded_fields import EARLIEST_DATE, LATEST_DATE
from jobs.models import JobStatus
from reports.ledgers.contents import LedgerError, Period
from reports.models import LedgerFormat, LedgerJob, LedgerPeriod
from stations.serializers import ManagedUnitField


class LedgerRequestSerializer(serializers.Serializer):
    """A unit in the caller's reach, a month, quarter or year that has begun, and a format."""

    unit = ManagedUnitField()
    period = serializers.ChoiceField(choices=LedgerPeriod.choices)
    year = serializers.IntegerField(min_value=EARLIEST_DATE.year, max_value=LATEST_DATE.year)
    month = serializers.IntegerField(min_value=1, max_value=12, required=False, allow_null=True)
    quarter = serializers.IntegerField(min_value=1, max_value=4, required=False, allow_null=True)
    format = serializers.ChoiceField(choices=LedgerFormat.choices)

    def validate(self, attrs: dict) -> dict:
        kind = attrs["period"]
        needed = {LedgerPeriod.MONTH: "month", LedgerPeriod.QUARTER: "quarter"}.get(kind)
        for name in ("month", "quarter"):
            given = attrs.get(name) is not None
            if name == needed and not given:
                raise serializers.ValidationError({name: _("This field is required for this period.")})
            if name != needed and given:
                raise serializers.ValidationError({name: _("Leave this field out for this period.")})
        try:
            period = Period(kind, attrs["year"], attrs[needed] if needed else 0)
            period.check_begun()
        except LedgerError as error:
            raise serializers.ValidationError({needed or "year": error.detail}) from None
        attrs["ledger_period"] = period
        return attrs


class LedgerJobSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    month = serializers.SerializerMethodField()
    quarter = serializers.SerializerMethodField()
    period_label = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = LedgerJob
        fields = [
            "id",
            "unit",
            "unit_name",
            "period",
            "year",
            "month",
            "quarter",
            "period_label",
            "format",
            "status",
            "progress",
            "error",
            "download_url",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_month(self, job: LedgerJob) -> int | None:
        return job.number if job.period == LedgerPeriod.MONTH else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_quarter(self, job: LedgerJob) -> int | None:
        return job.number if job.period == LedgerPeriod.QUARTER else None

    def get_period_label(self, job: LedgerJob) -> str:
        return Period(job.period, job.year, job.number).label

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download_url(self, job: LedgerJob) -> str | None:
        if job.status != JobStatus.FINISHED or not job.file:
            return None
        return reverse("report-ledger-download", args=[job.pk], request=self.context.get("request"))
