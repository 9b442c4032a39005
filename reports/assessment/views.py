"""The self-assessment's API: ``/api/v1/reports/assessment/?unit=&period=`` as JSON, managers only.

Like the dashboard API: a unit outside the caller's scope answers 404, a caller who manages
nothing 403, a bad period 400 with the field's message.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from reports.assessment.indicators import (
    SCHEME_SHORT,
    SCHEMES,
    Assessment,
    AssessmentPeriod,
    PeriodError,
    assessment,
    current_period,
    parse_period,
)
from stations.models import PracticeUnit
from stations.permissions import IsManager
from stations.scoping import root_units

MAX_UNIT_ID = 2**31 - 1


class PeriodField(serializers.CharField):
    default_error_messages = {"invalid": gettext_lazy("Enter a period as YYYY, YYYY-Qn or YYYY-MM.")}

    def to_internal_value(self, data) -> AssessmentPeriod:  # type: ignore[override]
        text = super().to_internal_value(data)
        try:
            return parse_period(text)
        except PeriodError as error:
            raise serializers.ValidationError(str(error)) from error

    def to_representation(self, value: AssessmentPeriod) -> str:  # type: ignore[override]
        return value.label


class AssessmentQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_UNIT_ID,
        help_text=gettext_lazy("A unit in your scope; default the unit you manage."),
    )
    period = PeriodField(required=False, help_text=gettext_lazy("YYYY, YYYY-Qn or YYYY-MM; default the current month."))


def resolve_unit(user, unit_id: int | None) -> PracticeUnit:
    """The requested unit if the caller manages it (else 404); without one, the first unit the caller manages."""
    if unit_id is not None:
        return get_object_or_404(PracticeUnit.objects.managed_by(user), pk=unit_id)
    roots = root_units(user) if not user.is_superuser else list(PracticeUnit.objects.filter(parent=None)[:1])
    if not roots:
        raise Http404
    return roots[0]


def read_query(request_data) -> tuple[int | None, AssessmentPeriod]:
    query = AssessmentQuerySerializer(data=request_data)
    query.is_valid(raise_exception=True)
    return query.validated_data.get("unit"), query.validated_data.get("period") or current_period()


def text(value: object) -> str | None:
    return None if value is None else str(value)


def drilldown_url(result: Assessment, key: str) -> str:
    query = urlencode({"unit": str(result.unit.pk), "period": result.period.label})
    return f"{reverse('assessment-drilldown', args=[key])}?{query}"


def as_json(result: Assessment) -> dict:
    return {
        "unit": {"id": result.unit.pk, "name": result.unit.name, "level": result.unit.level},
        "period": result.period.label,
        "kind": result.period.kind,
        "start": result.period.start,
        "as_of": result.period.as_of,
        "indicators": [
            {
                "key": figure.key,
                "name": str(figure.name),
                "help": str(figure.help),
                "unit": figure.unit,
                "schemes": [{"key": scheme, "name": SCHEME_SHORT[scheme]} for scheme in figure.schemes],
                "value": text(figure.value),
                "numerator": text(figure.numerator),
                "denominator": text(figure.denominator),
                "target": figure.target,
                "light": figure.light,
                "drilldown": drilldown_url(result, figure.key),
            }
            for figure in result.compute()
        ],
        "schemes": {key: str(name) for key, name in SCHEMES.items()},
    }


class AssessmentView(APIView):
    """The self-assessment of a unit for a month, a quarter or a year: each indicator with its numerator,
    denominator, target, traffic light, the schemes it comes from and a link to the records behind it."""

    permission_classes = [permissions.IsAuthenticated, IsManager]

    @extend_schema(
        operation_id="reports_assessment", parameters=[AssessmentQuerySerializer], responses=OpenApiTypes.OBJECT
    )
    def get(self, request) -> Response:
        unit_id, period = read_query(request.query_params)
        unit = resolve_unit(request.user, unit_id)
        return Response(as_json(assessment(request.user, unit, period)))
