"""Hour statistics: the API (JSON, CSV, XLSX) and the admin statistics page."""

from __future__ import annotations

import datetime
import heapq
import math
from decimal import Decimal
from typing import cast

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.bounded_fields import BoundedDateField
from accounts.pagination import PageNumberPagination
from events.models import ServiceCategory
from points.statement import PointsFigures, by_child, points_by_unit_month, points_totals, scope_units
from reports.files import FILE_FORMATS, XLSX_TYPE, FileExportView
from reports.statistics import exports
from reports.statistics.hours import (
    FROM_RECORDS,
    GROUP_KEYS,
    GROUPINGS,
    MEASURES,
    STAR_LEVEL,
    HoursReport,
    StatsError,
    hours_report,
    parse_group_by,
    report_totals,
    year_summary,
)
from reports.statistics.points import (
    PaginatedPointsSerializer,
    PointsQuerySerializer,
    PointsRowSerializer,
    by_month,
    points_file,
    row_dict,
)
from stations.models import Level, PracticeUnit
from stations.permissions import IsManager
from stations.scoping import is_manager, root_units


class HoursQuerySerializer(serializers.Serializer):
    group_by = serializers.CharField(
        default="station",
        help_text=format_lazy(gettext_lazy("One or two of {keys}, e.g. station,month."), keys=", ".join(GROUP_KEYS)),
    )
    date_from = BoundedDateField(required=False, help_text=gettext_lazy("First day, Asia/Shanghai (check-in date)."))
    date_to = BoundedDateField(required=False, help_text=gettext_lazy("Last day, included, Asia/Shanghai."))
    unit = serializers.IntegerField(
        required=False, help_text=gettext_lazy("Only volunteers registered in this unit's subtree.")
    )
    category = serializers.MultipleChoiceField(choices=ServiceCategory.choices, required=False)
    format = serializers.ChoiceField(choices=["json", *FILE_FORMATS], default="json")

    def validate_group_by(self, value: str) -> str:
        try:
            parse_group_by(value)
        except StatsError as error:
            raise serializers.ValidationError(error.detail) from None
        return value

    def validate(self, attrs: dict) -> dict:
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": _("The end date must not be before the start date.")})
        return attrs


def row_field(column) -> serializers.Field:
    if column.name == "hours":
        return serializers.DecimalField(max_digits=14, decimal_places=2)
    if column.number or column.name.endswith("_id"):
        return serializers.IntegerField(required=column in MEASURES)
    return serializers.CharField(required=False, help_text=column.help_text or None)


def row_fields() -> dict[str, serializers.Field]:
    """Every column a grouping key of the registry can yield, then the measures."""
    fields: dict[str, serializers.Field] = {}
    for key in GROUPINGS.values():
        for column in key.columns(FROM_RECORDS):
            fields.setdefault(column.name, row_field(column))
    return {**fields, **{column.name: row_field(column) for column in [*MEASURES, STAR_LEVEL]}}


def json_value(field: serializers.Field):
    """How ``field`` writes a value that is not None, without the field: a serializer's per-value
    work was most of the time of a 200-row page at province scale (benchmarks/province_scale.py)."""
    if isinstance(field, serializers.DecimalField):
        # row_field gives hours two places; the stubs allow a DecimalField none.
        places = Decimal(1).scaleb(-cast(int, field.decimal_places))
        return lambda value: f"{Decimal(value).quantize(places):f}"
    if isinstance(field, serializers.IntegerField):
        return int
    return str


ROW_VALUES = {name: json_value(field) for name, field in row_fields().items()}


def json_row(row: dict) -> dict:
    """A report row as ``HoursRowSerializer`` shows it."""
    return {name: None if value is None else ROW_VALUES[name](value) for name, value in row.items()}


HoursRowSerializer = type(
    "HoursRowSerializer",
    (serializers.Serializer,),
    {"__doc__": "One row; which fields appear depends on ``group_by``.", "__module__": __name__, **row_fields()},
)


class PaginatedHoursSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = HoursRowSerializer(many=True)


class SummaryQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(required=False, help_text=gettext_lazy("A unit in your scope; default all of it."))
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)


class SummarySerializer(serializers.Serializer):
    year = serializers.IntegerField()
    unit = serializers.IntegerField(allow_null=True)
    registered_volunteers = serializers.IntegerField()
    active_volunteers = serializers.IntegerField()
    total_hours = serializers.DecimalField(max_digits=14, decimal_places=2)
    hours_per_registered_volunteer = serializers.DecimalField(max_digits=14, decimal_places=2)
    events_held = serializers.IntegerField()
    annual_hours_target = serializers.DecimalField(max_digits=8, decimal_places=2)
    volunteers_reaching_target = serializers.IntegerField()
    star_levels = serializers.DictField(child=serializers.IntegerField())


def scoped_unit(user, unit_id: int | None) -> PracticeUnit | None:
    """The requested unit if it lies in the caller's scope (else 404), or None for all of it."""
    if unit_id is None:
        return None
    return get_object_or_404(PracticeUnit.objects.managed_by(user), pk=unit_id)


def scope_name(user, unit: PracticeUnit | None) -> str:
    if unit is not None:
        return unit.name
    if not user.is_superuser:
        names = [root.name for root in root_units(user)[:3]]
        if names:
            return "、".join(names)
    return _("All units")


def build_report(user, data: dict, *, for_file: bool) -> tuple[HoursReport, PracticeUnit | None]:
    unit = scoped_unit(user, data.get("unit"))
    report = hours_report(
        user,
        parse_group_by(data["group_by"]),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        unit=unit,
        categories=sorted(data.get("category") or []),
        for_file=for_file,
    )
    return report, unit


class HoursStatsView(FileExportView):
    """Approved service hours grouped by one or two keys, as JSON pages or a whole file."""

    @extend_schema(
        parameters=[HoursQuerySerializer],
        responses={
            (200, "application/json"): PaginatedHoursSerializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="UTF-8 with BOM, not paginated"),
            (200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="Not paginated"),
        },
    )
    def get(self, request) -> HttpResponseBase:
        query = HoursQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        file_format = data["format"]
        report, unit = build_report(request.user, data, for_file=file_format in FILE_FORMATS)
        if file_format == "csv":
            return exports.csv_response(report, scope_name(request.user, unit))
        if file_format == "xlsx":
            return exports.xlsx_response(report, scope_name(request.user, unit))
        paginator = PageNumberPagination()
        if request.query_params.get(paginator.page_query_param, "1") == "1":
            # A first page that holds every row (a center's stations) spares the count.
            report.read_ahead(cast(int, paginator.get_page_size(request)))
        # The stubs want a QuerySet and allow no page: Django's Paginator pages anything with count()
        # and slices, and PageNumberPagination always has a page size.
        page = cast(list[dict], paginator.paginate_queryset(report, request, view=self))  # type: ignore[arg-type]
        results = [json_row(row) for row in page]
        return paginator.get_paginated_response(results)


class SummaryStatsView(APIView):
    """A unit's year in figures: volunteers, hours, events, annual target, star levels."""

    permission_classes = [permissions.IsAuthenticated, IsManager]

    @extend_schema(parameters=[SummaryQuerySerializer], responses=SummarySerializer)
    def get(self, request) -> Response:
        query = SummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        unit = scoped_unit(request.user, query.validated_data.get("unit"))
        year = query.validated_data.get("year") or timezone.localdate().year
        return Response(SummarySerializer(year_summary(request.user, unit=unit, year=year)).data)


class PointsStatsView(FileExportView):
    """Points issued, redeemed and expired per unit and month in the caller's scope, from the ledger."""

    @extend_schema(
        operation_id="stats_points",
        parameters=[PointsQuerySerializer],
        responses={
            (200, "application/json"): PaginatedPointsSerializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="UTF-8 with BOM, not paginated"),
            (200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="Not paginated"),
        },
    )
    def get(self, request) -> HttpResponseBase:
        query = PointsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        unit = scoped_unit(request.user, data.get("unit"))
        rows = points_by_unit_month(scope_units(request.user, unit), data["date_from"], data["date_to"])
        if data["format"] in FILE_FORMATS:
            return points_file(rows, scope_name(request.user, unit), data)
        paginator = PageNumberPagination()
        page = cast(list[PointsFigures], paginator.paginate_queryset(rows, request, view=self))  # type: ignore[arg-type]
        return paginator.get_paginated_response(PointsRowSerializer(map(row_dict, page), many=True).data)


# The admin statistics page ------------------------------------------------------------

CHILD_KEY = {None: "center", Level.CENTER: "institute", Level.INSTITUTE: "station", Level.STATION: "volunteer"}
CHART_WIDTH, CHART_TOP, PLOT_HEIGHT, AXIS_WIDTH = 720, 18, 180, 48
# A bar's slot never grows past this, so one or two bars stay bars rather than a wall.
MAX_SLOT = 72
MOST_BARS = 30
MONTHS_FILLED = 24


def nice_scale(top: float, ticks: int = 4) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) whose ``ticks`` multiples cover ``top``."""
    if top <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(top / ticks))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude * ticks >= top)


def bar_chart(points: list[tuple[str, Decimal]]) -> dict:
    """Geometry of a server-rendered SVG bar chart (no JavaScript): a round scale with its
    grid, every bar labelled with its value, and narrow slots when there are few bars."""
    step = nice_scale(float(max((value for _, value in points), default=0)))
    top = step * 4
    slot = min((CHART_WIDTH - AXIS_WIDTH) / max(len(points), 1), MAX_SLOT)
    rotate = slot < 48  # long rows of labels turn aside rather than overlap
    baseline = CHART_TOP + PLOT_HEIGHT
    bars = []
    for index, (label, value) in enumerate(points):
        height = float(value) / top * PLOT_HEIGHT
        left = AXIS_WIDTH + index * slot
        bars.append(
            {
                "label": label or "",
                "value": value,
                "x": round(left + slot * 0.15, 1),
                "width": round(slot * 0.7, 1),
                "y": round(baseline - height, 1),
                "height": round(height, 1),
                "text_x": round(left + slot / 2, 1),
            }
        )
    grid = [
        {"value": Decimal(str(round(step * n, 6))), "y": round(baseline - n * PLOT_HEIGHT / 4, 1)} for n in range(5)
    ]
    label_room = 70 if rotate else 24
    return {
        "bars": bars,
        "grid": grid,
        "axis_x": AXIS_WIDTH,
        "right": round(AXIS_WIDTH + slot * len(points), 1),
        "width": CHART_WIDTH,
        "height": baseline + label_room,
        "baseline": baseline,
        "label_y": baseline + 14,
        "rotate": rotate,
    }


def month_points(report: HoursReport, date_from: datetime.date, date_to: datetime.date) -> list[tuple[str, Decimal]]:
    """Hours per month; over a period of up to two years, months without hours as 0."""
    hours = {row["month"]: row["hours"] for row in report}
    months: list[str] = []
    year, month = date_from.year, date_from.month
    while (year, month) <= (date_to.year, date_to.month) and len(months) <= MONTHS_FILLED:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if len(months) > MONTHS_FILLED:
        return list(hours.items())
    return [(label, hours.get(label, Decimal(0))) for label in months]


class StatsFilterForm(serializers.Serializer):
    unit = serializers.IntegerField(required=False)
    date_from = BoundedDateField(required=False)
    date_to = BoundedDateField(required=False)
    category = serializers.ChoiceField(choices=ServiceCategory.choices, required=False, allow_blank=True)


def statistics_page(request: HttpRequest) -> HttpResponse:
    """Totals, charts and export buttons for the caller's scope (admins and unit managers)."""
    if not (request.user.is_active and request.user.is_staff and is_manager(request.user)):
        raise PermissionDenied
    user = request.user
    today = timezone.localdate()
    form = StatsFilterForm(data={key: value for key, value in request.GET.items() if value})
    # Odd input shows the default year with the field messages, answered 400 like the API.
    data = form.validated_data if form.is_valid() else {}
    data.setdefault("date_from", datetime.date(today.year, 1, 1))
    data.setdefault("date_to", datetime.date(today.year, 12, 31))
    if data["date_to"] < data["date_from"]:
        data["date_to"] = data["date_from"]
    units = PracticeUnit.objects.managed_by(user).order_by("path")
    unit = units.filter(pk=data["unit"]).first() if data.get("unit") else None
    if unit is None and not user.is_superuser and len(roots := root_units(user)) == 1:
        unit = roots[0]
    categories = [data["category"]] if data.get("category") else []
    filters = {"date_from": data["date_from"], "date_to": data["date_to"], "unit": unit, "categories": categories}

    months = month_points(hours_report(user, ("month",), **filters), data["date_from"], data["date_to"])
    child = GROUPINGS[CHILD_KEY[unit.level if unit else None]]
    children = [(row[child.name_column], row["hours"]) for row in hours_report(user, (child.name,), **filters)]
    child_points = heapq.nlargest(MOST_BARS, children, key=lambda point: point[1])

    query = {
        "date_from": data["date_from"].isoformat(),
        "date_to": data["date_to"].isoformat(),
        **({"unit": unit.pk} if unit else {}),
        **({"category": data["category"]} if data.get("category") else {}),
    }
    exports_links = []
    for group_by in [*GROUP_KEYS, "station,month"]:
        title = GROUPINGS[group_by].title if group_by in GROUPINGS else gettext_lazy("Hours by station and month")
        links = {
            fmt: f"{reverse('stats-hours')}?{urlencode({**query, 'group_by': group_by, 'format': fmt})}"
            for fmt in FILE_FORMATS
        }
        exports_links.append({"label": title, **links})
    points_rows = points_by_unit_month(scope_units(user, unit), data["date_from"], data["date_to"])
    points_query = {key: value for key, value in query.items() if key != "category"}
    context = {
        **admin.site.each_context(request),
        "title": _("Hour statistics"),
        "points": {
            "totals": points_totals(points_rows),
            "months": by_month(points_rows),
            "children": by_child(user, unit, points_rows),
            "downloads": {
                fmt: f"{reverse('stats-points')}?{urlencode({**points_query, 'format': fmt})}" for fmt in FILE_FORMATS
            },
        },
        "units": units,
        "unit": unit,
        "filters": data,
        "categories": ServiceCategory.choices,
        "totals": report_totals(user, **filters),
        "month_chart": bar_chart(months),
        "child_chart": bar_chart(child_points),
        "child_title": child.title,
        "child_shown": len(child_points),
        "child_count": len(children),
        "exports": exports_links,
        "group_keys": GROUP_KEYS,
        "errors": form.errors,
    }
    return TemplateResponse(request, "reports/stats/admin_page.html", context, status=400 if form.errors else 200)
