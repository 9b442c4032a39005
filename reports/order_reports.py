"""Service-order statistics (``orders.statistics``) of a unit and period, as JSON, CSV or XLSX.

Orders belong to the resident's station, as on the dashboard: a unit's report holds
the orders of residents in its subtree, whoever handled or served them. The period
is the day ordered, Asia/Shanghai. The workbook has a sheet per table; the CSV holds
the same figures in one long table (table, entry, figure, value), so that one header
serves every table and the file still sorts and filters in a spreadsheet.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.bounded_fields import BoundedDateField
from orders.models import Order
from orders.statistics import order_statistics
from reports.dashboard import local_midnight
from reports.dashboard_views import FILE_FORMATS, MAX_UNIT_ID, FileExportView, resolve_root
from reports.exports import BOM, CSV_TYPE, XLSX_TYPE, Echo, attachment, safe_cell
from reports.workbooks import workbook_response
from stations.models import PracticeUnit
from stations.scoping import scoped, under

Sheet = tuple[str, list[str], list[Sequence]]


class OrderReportQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_UNIT_ID,
        help_text=gettext_lazy("A unit in your scope; default all of it."),
    )
    date_from = BoundedDateField(
        required=False, help_text=gettext_lazy("First day ordered; default 1 January of the last day's year.")
    )
    date_to = BoundedDateField(required=False, help_text=gettext_lazy("Last day ordered, included; default today."))
    format = serializers.ChoiceField(choices=["json", *FILE_FORMATS], default="json")

    def validate(self, attrs: dict) -> dict:
        date_to = attrs.get("date_to") or timezone.localdate()
        date_from = attrs.get("date_from") or date_to.replace(month=1, day=1)
        if date_to < date_from:
            raise serializers.ValidationError({"date_to": _("The end date must not be before the start date.")})
        return {**attrs, "date_from": date_from, "date_to": date_to}


@dataclass
class OrderReport:
    root: PracticeUnit | None
    date_from: datetime.date
    date_to: datetime.date
    figures: dict

    @property
    def scope_name(self) -> str:
        return self.root.name if self.root else _("All units")


def orders_in_reach(user, root: PracticeUnit | None) -> QuerySet[Order]:
    """Orders of residents in ``root``'s subtree, or in every subtree the user manages (admins: all)."""
    if root is not None:
        return Order.objects.filter(under(root, "station__path"))
    return scoped(Order.objects.all(), user, "station__path")


def order_report(user, root: PracticeUnit | None, date_from: datetime.date, date_to: datetime.date) -> OrderReport:
    """The order statistics of ``root`` (None: the user's whole reach) for orders placed from ``date_from``
    to ``date_to`` inclusive."""
    orders = orders_in_reach(user, root).filter(
        created_at__gte=local_midnight(date_from),
        created_at__lt=local_midnight(date_to + datetime.timedelta(days=1)),
    )
    return OrderReport(root, date_from, date_to, order_statistics(orders))


def percent(rate: float | None) -> Decimal | None:
    if rate is None:
        return None
    return (Decimal(str(rate)) * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)


def blank(value: object) -> object:
    return "" if value is None else value


def sheets(report: OrderReport) -> list[Sheet]:
    figures = report.figures
    acceptance, completion = figures["to_acceptance"], figures["to_completion"]
    summary = [
        (_("Unit"), report.scope_name),
        (_("Ordered on or after"), report.date_from.isoformat()),
        (_("Ordered on or before"), report.date_to.isoformat()),
        (_("Orders"), figures["total"]),
        (_("Completion rate (%)"), percent(figures["completion_rate"])),
        (_("Decline rate (%)"), percent(figures["decline_rate"])),
        (_("Orders accepted"), acceptance["count"]),
        (_("Median hours from order to acceptance"), acceptance["median_hours"]),
        (_("90th percentile hours from order to acceptance"), acceptance["p90_hours"]),
        (_("Orders completed"), completion["count"]),
        (_("Median hours from order to completion"), completion["median_hours"]),
        (_("90th percentile hours from order to completion"), completion["p90_hours"]),
    ]
    out: list[Sheet] = [
        (_("Overview"), [_("Figure"), _("Value")], [(name, blank(value)) for name, value in summary]),
        (_("By state"), [_("State"), _("Orders")], [(str(row["label"]), row["orders"]) for row in figures["by_state"]]),
        (
            _("By service item"),
            [_("Service item"), _("Orders"), _("Completed")],
            [(row["name"], row["orders"], row["completed"]) for row in figures["by_item"]],
        ),
    ]
    groups = {"team": _("Team"), "station": _("Station"), "item": _("Service item"), "month": _("Month completed")}
    satisfaction_header = [
        _("Completed"),
        _("Rated"),
        _("Closed unrated"),
        _("Response"),
        _("Attitude"),
        _("Result"),
        _("Mean stars"),
        _("Satisfied (%)"),
    ]
    for group, label in groups.items():
        rows: list[Sequence] = [
            (
                row["name"],
                row["completed"],
                row["rated"],
                row["unrated"],
                blank(row["response"]),
                blank(row["attitude"]),
                blank(row["result"]),
                blank(row["average"]),
                blank(percent(row["satisfied_rate"])),
            )
            for row in figures["satisfaction"][group]
        ]
        out.append((_("Satisfaction by %(group)s") % {"group": label}, [label, *satisfaction_header], rows))
    return out


def long_rows(tables: Iterable[Sheet]) -> Iterable[list]:
    """Each cell of each table as (table, entry, figure, value)."""
    for name, header, rows in tables:
        for row in rows:
            for figure, value in zip(header[1:], row[1:], strict=True):
                yield [name, row[0], figure, value]


def file_name(report: OrderReport, extension: str) -> str:
    name = "_".join(
        [_("Service order statistics"), report.scope_name, report.date_from.isoformat(), report.date_to.isoformat()]
    )
    return f"{name.replace('/', '-').replace(chr(92), '-')}.{extension}"


def report_file(report: OrderReport, file_format: str) -> StreamingHttpResponse:
    tables = sheets(report)
    if file_format == "xlsx":
        return workbook_response(tables, file_name(report, "xlsx"))
    writer = csv.writer(Echo())

    def lines():
        yield (BOM + writer.writerow([_("Table"), _("Entry"), _("Figure"), _("Value")])).encode()
        for cells in long_rows(tables):
            yield writer.writerow([safe_cell(cell) for cell in cells]).encode()

    response = StreamingHttpResponse(lines(), content_type=CSV_TYPE)
    response["Content-Disposition"] = attachment(file_name(report, "csv"))
    return response


class OrderReportView(FileExportView):
    """Service-order statistics of a unit's residents (or the caller's whole scope) for the days ordered:
    orders by state and item, times to acceptance and completion, completion and decline rates, satisfaction."""

    @extend_schema(
        operation_id="reports_orders",
        parameters=[OrderReportQuerySerializer],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="UTF-8 with BOM"),
            (200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="A sheet per table"),
        },
    )
    def get(self, request) -> HttpResponseBase:
        query = OrderReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        root = resolve_root(request.user, data.get("unit"))
        report = order_report(request.user, root, data["date_from"], data["date_to"])
        if data["format"] in FILE_FORMATS:
            return report_file(report, data["format"])
        body = {
            "unit": {"id": root.pk, "name": root.name, "level": root.level} if root else None,
            "date_from": report.date_from,
            "date_to": report.date_to,
            **report.figures,
        }
        return Response(body)
