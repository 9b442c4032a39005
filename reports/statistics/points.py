"""Points statistics (积分): issued, redeemed and expired per unit and month, read from the ledger's
transfers by ``points.statement.points_by_unit_month``, so they cannot disagree with the ledger.

The API answers JSON pages or CSV/XLSX files; the statistics page, the dashboard and the
ledger (台账) show the same figures through the functions here.
"""

from __future__ import annotations

import datetime

from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from accounts.bounded_fields import BoundedDateField
from points.statement import PointsFigures, PointsLine, points_totals
from reports.files import FILE_FORMATS, csv_download, workbook_response

ISSUED_HELP = gettext_lazy("Earned, awarded and referral points less reversals.")
REDEEMED_HELP = gettext_lazy("Redeemed at the shop, also from the pool, less returns.")


class PointsQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text=gettext_lazy("A unit in your scope; default all of it."),
    )
    date_from = BoundedDateField(required=False, help_text=gettext_lazy("First day; default 1 January of this year."))
    date_to = BoundedDateField(required=False, help_text=gettext_lazy("Last day, included; default today."))
    format = serializers.ChoiceField(choices=["json", *FILE_FORMATS], default="json")

    def validate(self, attrs: dict) -> dict:
        date_to = attrs.get("date_to") or timezone.localdate()
        date_from = attrs.get("date_from") or date_to.replace(month=1, day=1)
        if date_to < date_from:
            raise serializers.ValidationError({"date_to": _("The end date must not be before the start date.")})
        return {**attrs, "date_from": date_from, "date_to": date_to}


class PointsRowSerializer(serializers.Serializer):
    unit_id = serializers.IntegerField()
    unit = serializers.CharField()
    month = serializers.CharField(help_text="YYYY-MM")
    issued = serializers.DecimalField(max_digits=14, decimal_places=2, help_text=ISSUED_HELP)
    redeemed = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text=REDEEMED_HELP,
    )
    expired = serializers.DecimalField(max_digits=14, decimal_places=2)


class PaginatedPointsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = PointsRowSerializer(many=True)


def row_dict(row: PointsFigures) -> dict:
    return {
        "unit_id": row.unit_id,
        "unit": row.unit_name,
        "month": row.month.strftime("%Y-%m"),
        "issued": row.issued,
        "redeemed": row.redeemed,
        "expired": row.expired,
    }


def file_header() -> list[str]:
    return [_("Unit"), _("Month"), _("Points issued"), _("Points redeemed"), _("Points expired")]


def file_cells(row: PointsFigures) -> list:
    return [row.unit_name, row.month.strftime("%Y-%m"), row.issued, row.redeemed, row.expired]


def points_file(rows: list[PointsFigures], scope: str, data: dict) -> HttpResponseBase:
    name = (
        "_".join([_("Points"), scope, _("{start} to {end}").format(start=data["date_from"], end=data["date_to"])])
        .replace("/", "-")
        .replace("\\", "-")
    )
    if data["format"] == "xlsx":
        return workbook_response([(_("Points"), file_header(), map(file_cells, rows))], f"{name}.xlsx")
    return csv_download(file_header(), map(file_cells, rows), f"{name}.csv")


# Figures for the pages ------------------------------------------------------------------------


def by_month(rows: list[PointsFigures]) -> list[PointsLine]:
    """The rows summed over units, one line per month."""
    months: dict[datetime.date, list[PointsFigures]] = {}
    for row in rows:
        months.setdefault(row.month, []).append(row)
    return [PointsLine(month.strftime("%Y-%m"), **points_totals(months[month])) for month in sorted(months)]
