"""Absence rates: managers see them per volunteer and per event at their units; a volunteer sees their own."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import filters, generics, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.bounded_fields import BoundedDateField
from events.no_shows import absence_rates, absences_of
from events.views import own_volunteer
from stations.permissions import IsManager


class PeriodSerializer(serializers.Serializer):
    # Bounded: a day after 9999-12-31 or 0001-01-01 in UTC overflows (a 500 before).
    start = BoundedDateField(required=False, help_text=_("Events starting on or after this day."))
    end = BoundedDateField(required=False, help_text=_("Events starting on or before this day."))

    def validate(self, attrs: dict) -> dict:
        if "start" in attrs and "end" in attrs and attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": _("The end must not be before the start.")})
        return attrs


def _period(request: Request) -> dict:
    period = PeriodSerializer(data=request.query_params)
    period.is_valid(raise_exception=True)
    return period.validated_data


class VolunteerAbsenceSerializer(serializers.Serializer):
    volunteer = serializers.IntegerField()
    number = serializers.CharField(source="volunteer__number")
    name = serializers.CharField(source="volunteer__real_name")
    places = serializers.IntegerField(help_text=_("Places held at events that have ended."))
    absences = serializers.IntegerField()
    rate = serializers.FloatField()


class EventAbsenceSerializer(serializers.Serializer):
    event = serializers.IntegerField()
    title = serializers.CharField(source="event__title")
    starts_at = serializers.DateTimeField(source="event__starts_at")
    places = serializers.IntegerField()
    absences = serializers.IntegerField()
    rate = serializers.FloatField()


class _AbsenceRates(generics.ListAPIView):
    permission_classes = [permissions.IsAuthenticated, IsManager]
    filter_backends = [filters.OrderingFilter]
    ordering_fields = ["rate", "absences", "places"]
    by = ""

    @extend_schema(parameters=[PeriodSerializer])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        rows = absence_rates(self.request.user, by=self.by, now=timezone.now(), **_period(self.request))
        return rows.order_by("-rate", "-absences", self.by)

    def filter_queryset(self, queryset):
        rows = super().filter_queryset(queryset)
        # ``ordering=rate`` replaces the whole order: ties need the volunteer or event last, or a row may show
        # on two pages and another on none.
        return rows.order_by(*rows.query.order_by, self.by)


class VolunteerAbsenceRatesView(_AbsenceRates):
    """Absences per volunteer at the events of the manager's units (``ordering=rate``, ``-absences``...)."""

    serializer_class = VolunteerAbsenceSerializer
    by = "volunteer"


class EventAbsenceRatesView(_AbsenceRates):
    """Absences per event of the manager's units (``ordering=rate``, ``-absences``...)."""

    serializer_class = EventAbsenceSerializer
    by = "event"


class MissedEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    unit = serializers.CharField(source="unit.name")


class OwnAbsencesSerializer(serializers.Serializer):
    places = serializers.IntegerField(help_text=_("Places held at events that have ended."))
    absences = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)
    events = MissedEventSerializer(many=True)


class MyAbsencesView(APIView):
    """The volunteer's own absences: how many, the share of their places, and the events missed."""

    @extend_schema(parameters=[PeriodSerializer], responses=OwnAbsencesSerializer)
    def get(self, request: Request) -> Response:
        volunteer = own_volunteer(request.user)
        own = absences_of(volunteer.pk, now=timezone.now(), **_period(request))
        return Response(OwnAbsencesSerializer(own).data)
