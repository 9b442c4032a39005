"""The assessment dashboard: the API (JSON, a drill-down as CSV or XLSX) and the admin page."""

from __future__ import annotations

import datetime
import math
from decimal import Decimal
from typing import cast

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.bounded_fields import EARLIEST_DATE, LATEST_DATE, BoundedDateField
from accounts.pagination import PageNumberPagination
from points.statement import PointsFigures, by_child, month_bounds, points_by_unit_month, points_totals, scope_units
from reports.dashboard.indicators import (
    AMBER,
    GREEN,
    INDICATORS,
    NO_DATA,
    RED,
    Dashboard,
    Row,
    Scores,
    VenueFigures,
    dashboard,
)
from reports.dashboard.order_reports import order_report, report_file
from reports.files import FILE_FORMATS, XLSX_TYPE, FileExportView, csv_download, workbook_response
from stations.models import Level, PracticeUnit
from stations.permissions import IsManager
from stations.scoping import is_manager, root_units

ORDERINGS = ("path", "name", "-name", "value", "-value")
LIGHT_LABELS = {
    GREEN: gettext_lazy("Green"),
    AMBER: gettext_lazy("Amber"),
    RED: gettext_lazy("Red"),
    NO_DATA: gettext_lazy("No data"),
}
MAX_UNIT_ID = 2**31 - 1


class MonthField(serializers.CharField):
    """A month as YYYY-MM, not after the current one."""

    default_error_messages = {
        "invalid": gettext_lazy("Enter a month as YYYY-MM, e.g. 2026-10."),
        "out_of_range": gettext_lazy("Enter a month between {earliest} and {latest}."),
        "future": gettext_lazy("The month must not be after the current month."),
    }

    # A month in, a month out: the text is only its form on the wire.
    def to_internal_value(self, data) -> datetime.date:  # type: ignore[override]
        text = super().to_internal_value(data)
        try:
            month = datetime.datetime.strptime(text, "%Y-%m").date()
        except ValueError:
            self.fail("invalid")
        if len(text) != 7:
            self.fail("invalid")
        if not EARLIEST_DATE <= month <= LATEST_DATE:
            self.fail("out_of_range", earliest=EARLIEST_DATE.strftime("%Y-%m"), latest=LATEST_DATE.strftime("%Y-%m"))
        if month > timezone.localdate().replace(day=1):
            self.fail("future")
        return month

    def to_representation(self, value: datetime.date) -> str:  # type: ignore[override]
        return value.strftime("%Y-%m")


class DashboardQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_UNIT_ID,
        help_text=gettext_lazy("A unit in your scope; default all of it."),
    )
    month = MonthField(required=False, help_text=gettext_lazy("YYYY-MM; default the current month."))


class DrilldownQuerySerializer(DashboardQuerySerializer):
    by = serializers.ChoiceField(
        choices=[("children", gettext_lazy("Child units")), ("stations", gettext_lazy("All stations"))],
        default="children",
    )
    ordering = serializers.ChoiceField(choices=ORDERINGS, default="path")
    format = serializers.ChoiceField(choices=["json", *FILE_FORMATS], default="json")


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    level = serializers.CharField()


class ScoresSerializer(serializers.Serializer):
    response = serializers.CharField(allow_null=True, help_text=gettext_lazy("Mean stars, 1-5."))
    attitude = serializers.CharField(allow_null=True)
    result = serializers.CharField(allow_null=True)
    satisfied = serializers.IntegerField(help_text=gettext_lazy("Ratings averaging 4 stars or more."))


SCORES_HELP = gettext_lazy("Only for the satisfaction indicator: the mean of each rating score.")


class VenueFiguresSerializer(serializers.Serializer):
    venues = serializers.IntegerField(help_text=gettext_lazy("Venues taking bookings."))
    used = serializers.IntegerField(
        help_text=gettext_lazy("Of them, booked (approved) or holding an event this month.")
    )
    bookings = serializers.IntegerField(help_text=gettext_lazy("Approved bookings starting this month."))
    hours = serializers.DecimalField(max_digits=14, decimal_places=2, help_text=gettext_lazy("Their booked hours."))
    unused = serializers.BooleanField(help_text=gettext_lazy("No venue used this month."))


VENUES_HELP = gettext_lazy("Only for the venue-use indicator: the venue figures.")


class IndicatorSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # the output key, not Field.label
    help = serializers.CharField()
    unit = serializers.ChoiceField(choices=["percent", "count", "hours", "stars"])
    value = serializers.CharField(allow_null=True, help_text=gettext_lazy("Null when there is nothing to divide by."))
    numerator = serializers.CharField(allow_null=True)
    denominator = serializers.CharField(allow_null=True)
    light = serializers.ChoiceField(choices=[GREEN, AMBER, RED, NO_DATA])
    scores = ScoresSerializer(allow_null=True, help_text=SCORES_HELP)
    venues = VenueFiguresSerializer(allow_null=True, help_text=VENUES_HELP)
    drilldown = serializers.CharField()


ISSUED_HELP = gettext_lazy("Earned, awarded and referral points less reversals.")
REDEEMED_HELP = gettext_lazy("Redeemed at the shop, also from the pool, less returns.")


class PointsMonthSerializer(serializers.Serializer):
    issued = serializers.DecimalField(max_digits=14, decimal_places=2, help_text=ISSUED_HELP)
    redeemed = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text=REDEEMED_HELP,
    )
    expired = serializers.DecimalField(max_digits=14, decimal_places=2)


class DashboardSerializer(serializers.Serializer):
    unit = UnitRefSerializer(allow_null=True)
    month = serializers.CharField(help_text="YYYY-MM")
    as_of = serializers.DateField(help_text=gettext_lazy("The day the month is judged at."))
    indicators = IndicatorSerializer(many=True)
    points = PointsMonthSerializer(help_text=gettext_lazy("Points of the month, read from the points ledger."))


class DrilldownRowSerializer(serializers.Serializer):
    unit_id = serializers.IntegerField()
    name = serializers.CharField()
    level = serializers.CharField()
    value = serializers.CharField(allow_null=True)
    numerator = serializers.CharField(allow_null=True)
    denominator = serializers.CharField(allow_null=True)
    light = serializers.ChoiceField(choices=[GREEN, AMBER, RED, NO_DATA])
    events_held = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=14, decimal_places=2, help_text=gettext_lazy("Approved this month."))
    zero_activity = serializers.BooleanField(help_text=gettext_lazy("No event held this month."))
    zero_hours = serializers.BooleanField(help_text=gettext_lazy("No approved hours this month."))
    scores = ScoresSerializer(allow_null=True, help_text=SCORES_HELP)
    venues = VenueFiguresSerializer(allow_null=True, help_text=VENUES_HELP)


class PaginatedDrilldownSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = DrilldownRowSerializer(many=True)


def text(value: object) -> str | None:
    return None if value is None else str(value)


def scores_dict(scores: Scores | None) -> dict | None:
    if scores is None:
        return None
    return {
        "response": text(scores.response),
        "attitude": text(scores.attitude),
        "result": text(scores.result),
        "satisfied": scores.satisfied,
    }


def venues_dict(venues: VenueFigures | None) -> dict | None:
    if venues is None:
        return None
    return {
        "venues": venues.venues,
        "used": venues.used,
        "bookings": venues.bookings,
        "hours": venues.hours,
        "unused": venues.unused,
    }


def resolve_root(user, unit_id: int | None) -> PracticeUnit | None:
    """The requested unit if the caller reaches it (else 404); without one, the one unit a
    manager manages, or None for the caller's whole reach."""
    if unit_id is not None:
        return get_object_or_404(PracticeUnit.objects.managed_by(user), pk=unit_id)
    if user.is_superuser:
        return None
    roots = root_units(user)
    return roots[0] if len(roots) == 1 else None


def month_or_current(data: dict) -> datetime.date:
    return data.get("month") or timezone.localdate().replace(day=1)


def month_points(user, root: PracticeUnit | None, month: datetime.date) -> list[PointsFigures]:
    """The month's points rows of the root's subtree (or the caller's whole reach), from the ledger."""
    return points_by_unit_month(scope_units(user, root), *month_bounds(month))


def row_dict(row: Row) -> dict:
    return {
        "unit_id": row.unit_id,
        "name": row.name,
        "level": row.level,
        "value": text(row.value),
        "numerator": text(row.numerator),
        "denominator": text(row.denominator),
        "light": row.light,
        "events_held": row.events_held,
        "hours": row.hours,
        "zero_activity": row.zero_activity,
        "zero_hours": row.zero_hours,
        "scores": scores_dict(row.scores),
        "venues": venues_dict(row.venues),
    }


def sorted_rows(rows: list[Row], ordering: str) -> list[Row]:
    if ordering == "path":
        return rows
    reverse_order = ordering.startswith("-")
    if ordering.lstrip("-") == "name":
        return sorted(rows, key=lambda row: row.name, reverse=reverse_order)
    # Units without a value (nothing to divide by) go last either way.
    present = [(row.value, row) for row in rows if row.value is not None]
    missing = [row for row in rows if row.value is None]
    return [row for _value, row in sorted(present, key=lambda pair: pair[0], reverse=reverse_order)] + missing


def drilldown_query(root: PracticeUnit | None, month: datetime.date, **extra) -> str:
    return urlencode({**({"unit": root.pk} if root else {}), "month": month.strftime("%Y-%m"), **extra})


INDICATOR_PARAMETER = OpenApiParameter(
    "indicator", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(INDICATORS), description="Indicator key."
)


class DashboardView(APIView):
    """The assessment indicators of a unit's subtree (or the caller's whole scope) for a month, with traffic lights."""

    permission_classes = [permissions.IsAuthenticated, IsManager]

    @extend_schema(
        operation_id="reports_dashboard", parameters=[DashboardQuerySerializer], responses=DashboardSerializer
    )
    def get(self, request) -> Response:
        query = DashboardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        root = resolve_root(request.user, query.validated_data.get("unit"))
        month = month_or_current(query.validated_data)
        board = dashboard(request.user, root=root, month=month)
        indicators = [
            {
                "key": indicator.key,
                "label": indicator.label,
                "help": indicator.help,
                "unit": indicator.unit,
                "value": text(row.value),
                "numerator": text(row.numerator),
                "denominator": text(row.denominator),
                "light": row.light,
                "scores": scores_dict(row.scores),
                "venues": venues_dict(row.venues),
                "drilldown": f"{reverse('report-dashboard-drilldown', args=[indicator.key])}?"
                f"{drilldown_query(root, month)}",
            }
            for indicator, row in board.indicators()
        ]
        body = {
            "unit": {"id": root.pk, "name": root.name, "level": root.level} if root else None,
            "month": month.strftime("%Y-%m"),
            "as_of": board.period.as_of,
            "indicators": indicators,
            "points": points_totals(month_points(request.user, root, month)),
        }
        return Response(DashboardSerializer(body).data)


def drilldown_header(key: str) -> list[str]:
    header = [
        _("Unit"),
        _("Level"),
        _("Value"),
        _("Numerator"),
        _("Denominator"),
        _("Traffic light"),
        _("Events held this month"),
        _("Approved hours this month"),
        _("No activity"),
        _("No hours"),
    ]
    if INDICATORS[key].scores:
        header += [_("Response"), _("Attitude"), _("Result"), _("Satisfied ratings")]
    if INDICATORS[key].venues:
        header += [_("Venues"), _("Venues used"), _("Bookings"), _("Booked hours"), _("No venue use")]
    return header


def drilldown_cells(row: Row) -> list:
    yes, no = _("Yes"), _("No")
    cells = [
        row.name,
        Level(row.level).label if row.level else "",
        text(row.value) or "",
        text(row.numerator) or "",
        text(row.denominator) or "",
        str(LIGHT_LABELS[row.light]),
        row.events_held,
        row.hours,
        yes if row.zero_activity else no,
        yes if row.zero_hours else no,
    ]
    if row.scores is not None:
        scores = row.scores
        cells += [text(scores.response) or "", text(scores.attitude) or "", text(scores.result) or "", scores.satisfied]
    if row.venues is not None:
        venues = row.venues
        cells += [venues.venues, venues.used, venues.bookings, venues.hours, yes if venues.unused else no]
    return cells


def drilldown_file(board: Dashboard, key: str, rows: list[Row], file_format: str) -> StreamingHttpResponse:
    scope = board.root.name if board.root else _("All units")
    name = "_".join(
        [_("Assessment dashboard"), str(INDICATORS[key].label), scope, board.period.month.strftime("%Y-%m")]
    )
    name = name.replace("/", "-").replace("\\", "-")
    if file_format == "xlsx":
        return workbook_response(
            [(str(INDICATORS[key].label), drilldown_header(key), map(drilldown_cells, rows))], f"{name}.xlsx"
        )
    return csv_download(drilldown_header(key), map(drilldown_cells, rows), f"{name}.csv")


class DashboardDrilldownView(FileExportView):
    """One indicator per child unit (or per station), zero-activity and zero-hour units included and flagged."""

    @extend_schema(
        operation_id="reports_dashboard_drilldown",
        parameters=[INDICATOR_PARAMETER, DrilldownQuerySerializer],
        responses={
            (200, "application/json"): PaginatedDrilldownSerializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="UTF-8 with BOM, not paginated"),
            (200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="Not paginated"),
        },
    )
    def get(self, request, indicator: str) -> HttpResponseBase:
        if indicator not in INDICATORS:
            raise Http404
        query = DrilldownQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        root = resolve_root(request.user, data.get("unit"))
        board = dashboard(
            request.user, root=root, month=month_or_current(data), indicator=indicator, rows_by=data["by"]
        )
        rows = sorted_rows(board.drilldown(indicator), data["ordering"])
        if data["format"] in FILE_FORMATS:
            return drilldown_file(board, indicator, rows, data["format"])
        paginator = PageNumberPagination()
        # The stubs want a QuerySet and allow no page: Django's Paginator pages a list as well,
        # and PageNumberPagination always has a page size.
        page = cast(list[Row], paginator.paginate_queryset(rows, request, view=self))  # type: ignore[arg-type]
        return paginator.get_paginated_response(DrilldownRowSerializer(map(row_dict, page), many=True).data)


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


# The admin page ---------------------------------------------------------------------

BAR = 16  # bar thickness, px: the same for 1 unit or 50
ROW = 30
LABEL_WIDTH = 170
PLOT_WIDTH = 430
VALUE_WIDTH = 90
PAGE_ROWS = 50


LIGHT_COLOURS = {GREEN: "#2e7d32", AMBER: "#f9a825", RED: "#c62828", NO_DATA: "#9e9e9e"}


def axis(largest: Decimal, unit: str) -> tuple[Decimal, list[Decimal]]:
    """The axis end and its ticks: a round step (1, 2 or 5 × 10^k) with headroom above the largest value.

    Percentages always end at 100; counts step by whole numbers, so one unit with a
    value of 1 reads 0-1-2, not one bar across the whole width.
    """
    if unit == "percent":
        return Decimal(100), [Decimal(tick) for tick in (0, 25, 50, 75, 100)]
    if unit == "stars":
        return Decimal(5), [Decimal(tick) for tick in range(6)]
    wanted = max(largest * Decimal("1.15"), Decimal(1))
    exponent = math.floor(math.log10(wanted / 4))
    step = next(
        candidate
        for candidate in (Decimal(base) * Decimal(10) ** exponent for base in (1, 2, 5, 10))
        if candidate * 4 >= wanted
    )
    if unit == "count":
        step = max(step, Decimal(1))
    intervals = math.ceil(wanted / step)
    return step * intervals, [step * n for n in range(intervals + 1)]


def bar_chart(rows: list[Row], indicator) -> dict:
    """Geometry of a horizontal SVG bar chart that reads with 1 row as with 50.

    Bars keep one thickness; the axis ends at a round number with headroom above the
    largest value; a zero is drawn as a short stub with its label, so a unit without
    activity is seen, not missing. Zero-hour units are charted by their hours.
    """
    by_hours = indicator.key == "zero-hour-units"
    unit = "hours" if by_hours else indicator.unit

    def plotted(row: Row) -> Decimal | None:
        if by_hours:
            return row.hours
        return None if row.value is None else Decimal(row.value)

    values = [plotted(row) for row in rows]
    top, ticks = axis(max((value for value in values if value is not None), default=Decimal(0)), unit)
    bars = []
    for index, (row, value) in enumerate(zip(rows, values, strict=True)):
        y = 24 + index * ROW
        width = max(float(min(value, top) / top) * PLOT_WIDTH if value else 0.0, 3.0)
        flagged = row.zero_hours if by_hours else row.light == RED
        bars.append(
            {
                "name": row.name,
                "value": value,
                "colour": LIGHT_COLOURS[RED if flagged else (GREEN if by_hours else row.light)],
                "bar_y": y + (ROW - BAR) / 2,
                "text_y": y + ROW / 2 + 4,
                "width": round(width, 1),
                "value_x": round(LABEL_WIDTH + width + 6, 1),
            }
        )
    height = 24 + len(rows) * ROW + 8
    return {
        "bars": bars,
        "unit": unit,
        "ticks": [
            {"x": round(LABEL_WIDTH + float(tick / top) * PLOT_WIDTH, 1), "label": f"{tick.normalize():f}"}
            for tick in ticks
        ],
        "width": LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH,
        "height": height,
        "plot_x": LABEL_WIDTH,
        "plot_bottom": height - 8,
        "bar_height": BAR,
        "label_x": LABEL_WIDTH - 8,
    }


class PageQuery(DrilldownQuerySerializer):
    indicator = serializers.ChoiceField(choices=list(INDICATORS), default="active-stations")
    page = serializers.IntegerField(min_value=1, max_value=100_000, default=1)


def dashboard_page(request: HttpRequest) -> HttpResponse:
    """The dashboard in the admin: unit and month pickers, the cards, one indicator's drill-down and chart."""
    user = request.user
    if not (user.is_active and user.is_staff and is_manager(user)):
        raise PermissionDenied
    form = PageQuery(data={key: value for key, value in request.GET.items() if value})
    # Odd input shows the current month of the caller's scope with the field messages, answered 400.
    if not form.is_valid():
        form_defaults = PageQuery(data={})
        form_defaults.is_valid()
        data = form_defaults.validated_data
    else:
        data = form.validated_data
    units = PracticeUnit.objects.managed_by(user).order_by("path")
    root = resolve_root(user, data.get("unit"))
    month = month_or_current(data)
    board = dashboard(user, root=root, month=month)
    key = data["indicator"]
    rows = dashboard(user, root=root, month=month, indicator=key, rows_by=data["by"]).drilldown(key)
    rows = sorted_rows(rows, data["ordering"])
    page = Paginator(rows, PAGE_ROWS).get_page(data["page"])
    points_rows = month_points(user, root, month)
    cards = [
        {
            "indicator": indicator,
            "row": row,
            "light_label": LIGHT_LABELS[row.light],
            "href": "?" + drilldown_query(root, month, indicator=indicator.key, by=data["by"]),
            "selected": indicator.key == key,
        }
        for indicator, row in board.indicators()
    ]
    api_query = drilldown_query(root, month, by=data["by"], ordering=data["ordering"])
    api_url = reverse("report-dashboard-drilldown", args=[key])
    context = {
        **admin.site.each_context(request),
        "title": _("Assessment dashboard"),
        "units": units,
        "root": root,
        "month": month.strftime("%Y-%m"),
        "as_of": board.period.as_of,
        "cards": cards,
        "indicator": INDICATORS[key],
        "by": data["by"],
        "ordering": data["ordering"],
        "page": page,
        "chart": bar_chart(list(page.object_list), INDICATORS[key]),
        "light_labels": LIGHT_LABELS,
        "base_query": drilldown_query(root, month, indicator=key),
        "page_query": drilldown_query(root, month, indicator=key, by=data["by"], ordering=data["ordering"]),
        "downloads": {fmt: f"{api_url}?{api_query}&format={fmt}" for fmt in FILE_FORMATS},
        "errors": form.errors,
        "points": {"totals": points_totals(points_rows), "children": by_child(user, root, points_rows)},
        "orders_report": {"url": reverse("report-orders"), "date_from": month, "date_to": board.period.as_of},
    }
    return TemplateResponse(request, "reports/dashboard/page.html", context, status=400 if form.errors else 200)
