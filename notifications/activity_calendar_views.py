"""The public activity calendar's pages (``/calendar/<unit code>/``, no login) and the theme-days API
(``/api/v1/units/{id}/themes/``: anyone reads which days a unit's center marked, the center's managers set them).

The .ics feed of a unit, ``/calendar/<unit code>.ics``, shares its address with the secret feeds
(``notifications.calendar_views.feed``).
"""

from __future__ import annotations

from dataclasses import asdict
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from events.models import ServiceCategory
from events.themes import MAX_YEAR, MIN_YEAR, THEMES
from notifications.activity_calendar import (
    CalendarError,
    Filters,
    Period,
    activity_calendar,
    calendar_unit,
    center_path,
    mark_themes,
    month_of,
    parse_filters,
    parse_period,
    theme_choices,
    week_of,
)
from stations.models import PracticeUnit
from stations.permissions import IsManagerOrReadOnly

# Pages ------------------------------------------------------------------------------------


def _link(code: str, period: Period, filters: Filters) -> str:
    query = {period.kind: period.value}
    if filters.category:
        query["category"] = filters.category
    if filters.theme:
        query["theme"] = filters.theme
    return f"{reverse('activity-calendar', args=[code])}?{urlencode(query)}"


@require_safe
def calendar_page(request: HttpRequest, code: str) -> HttpResponse:
    """A unit's month (``?month=2026-03``) or week (``?week=2026-W10``), filtered by ``category`` and ``theme``."""
    unit = calendar_unit(code)
    if unit is None:
        raise Http404
    today = timezone.localdate()
    try:
        period = parse_period(request.GET, today=today)
        filters = parse_filters(request.GET)
    except CalendarError as error:
        context = {"unit": unit, "error": error.detail, "this_month": _link(unit.code, month_of(today), Filters())}
        return render(request, "notifications/activity_calendar/bad_request.html", context, status=400)
    calendar = activity_calendar(unit, period, filters, today=today)
    previous, following = period.previous(), period.following()
    current = week_of(today) if period.kind == "week" else month_of(today)
    context = {
        "unit": unit,
        "calendar": calendar,
        "period": period,
        "filters": filters,
        "previous": _link(unit.code, previous, filters) if previous else "",
        "following": _link(unit.code, following, filters) if following else "",
        "current": _link(unit.code, current, filters) if current != period else "",
        "as_week": _link(unit.code, period.as_week(today), filters),
        "as_month": _link(unit.code, period.as_month(), filters),
        "clear": _link(unit.code, period, Filters()) if filters.active else "",
        "categories": ServiceCategory.choices,
        "themes": list(THEMES.items()),
        "feed": settings.SITE_URL + reverse("calendar-feed", args=[unit.code]),
    }
    return render(request, "notifications/activity_calendar/page.html", context)


# API --------------------------------------------------------------------------------------


class ThemeChoiceSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    marked = serializers.BooleanField()
    date = serializers.DateField(allow_null=True, help_text="这一天在所问年份的日期（农历节日有的年份没有）")


class UnitThemesSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    center = serializers.IntegerField(allow_null=True)
    year = serializers.IntegerField()
    themes = ThemeChoiceSerializer(many=True)


class MarkThemesSerializer(serializers.Serializer):
    themes = serializers.ListField(
        child=serializers.ChoiceField(choices=list(THEMES.items())),
        max_length=len(THEMES),
        allow_empty=True,
        help_text="中心标记的主题日（键）；未列出的取消标记",
    )


def _answer(unit: PracticeUnit, year: int) -> Response:
    center = PracticeUnit.objects.filter(path=center_path(unit)).values_list("pk", flat=True).first()
    data = {
        "unit": unit.pk,
        "center": center,
        "year": year,
        "themes": [asdict(choice) for choice in theme_choices(unit, year)],
    }
    return Response(UnitThemesSerializer(data).data)


def _year(request: Request) -> int:
    raw = request.query_params.get("year", "")
    if not raw:
        return timezone.localdate().year
    # ASCII digits only: "²" is a digit to str.isdigit but not to int() (a 500).
    if not (raw.isascii() and raw.isdigit()) or not MIN_YEAR <= int(raw) <= MAX_YEAR:
        raise serializers.ValidationError({"year": [CalendarError.messages["out_of_range"]]})
    return int(raw)


class UnitThemesView(APIView):
    """The theme days a unit's center marked: every unit reads its center's; a center's managers set them."""

    permission_classes = [IsManagerOrReadOnly]

    @extend_schema(
        summary="单位所属中心标记的主题日",
        parameters=[OpenApiParameter("year", OpenApiTypes.INT, description="日期所在年份，默认今年")],
        responses=UnitThemesSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        unit = get_object_or_404(PracticeUnit.objects.visible_to(request.user), pk=pk)
        return _answer(unit, _year(request))

    @extend_schema(summary="设置中心标记的主题日", request=MarkThemesSerializer, responses=UnitThemesSerializer)
    def put(self, request: Request, pk: int) -> Response:
        # A unit the user does not manage is no such resource for a change.
        unit = get_object_or_404(PracticeUnit.objects.managed_by(request.user), pk=pk)
        serializer = MarkThemesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        mark_themes(unit, serializer.validated_data["themes"])
        return _answer(unit, _year(request))
