from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from events.models import Event, EventSeries, SeriesSignup, SignupStatus
from events.series import SCHEDULE_FIELDS, SeriesError, validate_rule
from stations.serializers import ManagedUnitField

TEMPLATE_FIELDS = [
    "title",
    "description",
    "category",
    "recipients",
    "address",
    "latitude",
    "longitude",
    "radius_m",
    "capacity",
    "signup_required",
    "approval_required",
    "walk_ins_allowed",
    "min_age",
    "risk_notice",
    "lead_name",
    "checkin_opens_minutes",
    "checkout_closes_minutes",
    "min_presence_ratio",
    "rounding_minutes",
]


class EventSeriesSerializer(serializers.ModelSerializer):
    unit = ManagedUnitField()
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = EventSeries
        fields = [
            "id",
            "unit",
            "unit_name",
            *TEMPLATE_FIELDS,
            "starts_on",
            "start_time",
            "duration_minutes",
            "rule",
            "skip_official_holidays",
            "status",
            "status_display",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs: dict) -> dict:
        def current(name):
            return attrs.get(name, getattr(self.instance, name, None))

        if self.instance is not None:
            moved = [name for name in SCHEDULE_FIELDS if name in attrs and attrs[name] != getattr(self.instance, name)]
            if moved:
                message = _("The schedule of a series changes from one occurrence on: split the series there.")
                raise serializers.ValidationError(dict.fromkeys(moved, message))
        if current("radius_m") and (current("latitude") is None or current("longitude") is None):
            raise serializers.ValidationError({"radius_m": _("A check-in radius needs the latitude and longitude.")})
        if self.instance is None and all(current(name) is not None for name in ("rule", "starts_on", "start_time")):
            try:
                attrs["rule"] = validate_rule(
                    attrs["rule"],
                    attrs["starts_on"],
                    attrs["start_time"],
                    skip_holidays=attrs.get("skip_official_holidays", False),
                    after=timezone.now(),
                )
            except SeriesError as error:
                field = "starts_on" if error.code == "first_date_out_of_range" else "rule"
                raise serializers.ValidationError({field: error.detail}) from error
        return attrs


class SeriesSplitSerializer(serializers.ModelSerializer):
    """This and following: the occurrence the new series starts at, and what changes from there (all optional)."""

    from_event = serializers.PrimaryKeyRelatedField(queryset=Event.objects.none(), write_only=True)

    class Meta:
        model = EventSeries
        fields = ["from_event", *TEMPLATE_FIELDS, "start_time", "duration_minutes", "rule", "skip_official_holidays"]
        extra_kwargs = {name: {"required": False} for name in fields if name != "from_event"}

    def get_fields(self):
        fields = super().get_fields()
        # The API schema builds the serializer without a series: it then offers no occurrence.
        series = self.context.get("series")
        if series is not None:
            fields["from_event"].queryset = series.occurrences.all()
        return fields

    def validate(self, attrs: dict) -> dict:
        if attrs.get("radius_m") and (attrs.get("latitude") is None or attrs.get("longitude") is None):
            raise serializers.ValidationError({"radius_m": _("A check-in radius needs the latitude and longitude.")})
        return attrs


class SeriesSignupSerializer(serializers.ModelSerializer):
    joined = serializers.SerializerMethodField()
    waitlisted = serializers.SerializerMethodField()
    refused = serializers.SerializerMethodField()

    class Meta:
        model = SeriesSignup
        fields = ["id", "series", "created_at", "joined", "waitlisted", "refused"]
        read_only_fields = fields

    def _result(self):
        return self.context["result"]

    def get_joined(self, obj) -> list[int]:
        return [event.pk for event, status in self._result().joined if status == SignupStatus.CONFIRMED]

    def get_waitlisted(self, obj) -> list[int]:
        return [event.pk for event, status in self._result().joined if status == SignupStatus.WAITLISTED]

    def get_refused(self, obj) -> list[dict]:
        return [{"event": event.pk, "reason": why} for event, why in self._result().refused]
