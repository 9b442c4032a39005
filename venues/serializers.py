from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.bounded_fields import BoundedDateField
from stations.serializers import ManagedUnitField
from venues.models import ALL_WEEKDAYS, Booking, Venue, VenuePhoto


def teams_of(user) -> QuerySet:
    """The teams ``user`` leads or belongs to: those they may book for.

    Through the booking's foreign key: venues sits beside volunteers and imports nothing of it.
    """
    team_model = Booking._meta.get_field("team").related_model
    if not user.is_authenticated:
        return team_model.objects.none()  # type: ignore[union-attr]
    return (
        team_model.objects.filter(Q(leader__user=user) | Q(members__user=user))  # type: ignore[union-attr]
        .distinct()
        .order_by("name")
    )


class VenuePhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = VenuePhoto
        fields = ["id", "image", "caption"]
        read_only_fields = fields


class VenueSerializer(serializers.ModelSerializer):
    unit = ManagedUnitField()
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    photos = VenuePhotoSerializer(many=True, read_only=True)

    class Meta:
        model = Venue
        fields = [
            "id",
            "unit",
            "unit_name",
            "name",
            "kind",
            "kind_display",
            "address",
            "description",
            "facilities",
            "capacity",
            "open_weekdays",
            "opens_at",
            "closes_at",
            "approval_required",
            "max_booking_minutes",
            "bookings_per_month",
            "advance_days",
            "is_active",
            "photos",
        ]

    def validate_open_weekdays(self, value: str) -> str:
        if not value or any(day not in ALL_WEEKDAYS for day in value):
            raise serializers.ValidationError(_("Give the open weekdays as digits 1 (Monday) to 7 (Sunday)."))
        return "".join(sorted(set(value)))

    def validate(self, attrs: dict) -> dict:
        opens = attrs.get("opens_at", getattr(self.instance, "opens_at", None))
        closes = attrs.get("closes_at", getattr(self.instance, "closes_at", None))
        if opens is not None and closes is not None and opens >= closes:
            raise serializers.ValidationError({"closes_at": _("The venue must close after it opens.")})
        return attrs


class AvailabilityQuerySerializer(serializers.Serializer):
    date = BoundedDateField(required=False)


class TakenSlotSerializer(serializers.Serializer):
    """A booking as the public sees it: when, and whether it is still waiting; never who."""

    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    status = serializers.CharField()


class AvailabilitySerializer(serializers.Serializer):
    date = serializers.DateField()
    open = serializers.BooleanField()
    opens_at = serializers.TimeField()
    closes_at = serializers.TimeField()
    taken = TakenSlotSerializer(many=True)


@extend_schema_field(OpenApiTypes.INT)
class TeamField(serializers.PrimaryKeyRelatedField):
    """A team the requesting user leads or belongs to; any other is 'not found'."""

    def get_queryset(self):
        return teams_of(self.context["request"].user)


class BookingSerializer(serializers.ModelSerializer):
    venue = serializers.PrimaryKeyRelatedField(queryset=Venue.objects.all())
    team = TeamField(required=False, allow_null=True)
    venue_name = serializers.CharField(source="venue.name", read_only=True)
    unit_name = serializers.CharField(source="venue.unit.name", read_only=True)
    booker_name = serializers.CharField(source="booker.name", read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True, default=None, allow_null=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Booking
        fields = [
            "id",
            "venue",
            "venue_name",
            "unit_name",
            "booker_name",
            "team",
            "team_name",
            "purpose",
            "attendees",
            "starts_at",
            "ends_at",
            "is_public",
            "status",
            "status_display",
            "refuse_reason",
            "decided_at",
            "created_at",
        ]
        read_only_fields = ["status", "refuse_reason", "decided_at", "created_at"]

    def validate(self, attrs: dict) -> dict:
        if attrs["ends_at"] <= attrs["starts_at"]:
            raise serializers.ValidationError({"ends_at": _("A booking must end after it starts.")})
        return attrs


class RefuseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)
