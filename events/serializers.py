from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.bounded_fields import BoundedDateTimeField
from accounts.phones import mask_phone
from events.models import Event, RecordChange, RefusedScan, ServiceRecord, Signup, event_bounds_errors
from stations.serializers import ManagedUnitField
from volunteers.models import Volunteer


class EventSerializer(serializers.ModelSerializer):
    unit = ManagedUnitField()
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    confirmed_count = serializers.IntegerField(read_only=True)
    waitlisted_count = serializers.IntegerField(read_only=True)
    my_signup_status = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Event
        fields = [
            "id",
            "unit",
            "unit_name",
            "title",
            "description",
            "category",
            "category_display",
            "recipients",
            "address",
            "latitude",
            "longitude",
            "radius_m",
            "starts_at",
            "ends_at",
            "capacity",
            "signup_required",
            "approval_required",
            "lead_name",
            "recorder_name",
            "risk_notice",
            "checkin_opens_minutes",
            "checkout_closes_minutes",
            "walk_ins_allowed",
            "min_age",
            "min_presence_ratio",
            "rounding_minutes",
            "status",
            "status_display",
            "confirmed_count",
            "waitlisted_count",
            "my_signup_status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "created_at", "updated_at"]

    def validate(self, attrs: dict) -> dict:
        def current(name):
            return attrs.get(name, getattr(self.instance, name, None))

        errors = event_bounds_errors(current("starts_at"), current("ends_at"))
        if errors:
            raise serializers.ValidationError(errors)
        if current("radius_m") and (current("latitude") is None or current("longitude") is None):
            raise serializers.ValidationError({"radius_m": _("A check-in radius needs the latitude and longitude.")})
        return attrs


class SignupSerializer(serializers.ModelSerializer):
    volunteer_name = serializers.CharField(source="volunteer.real_name", read_only=True)
    volunteer_number = serializers.CharField(source="volunteer.number", read_only=True)
    masked_phone = serializers.SerializerMethodField()
    event_title = serializers.CharField(source="event.title", read_only=True)

    class Meta:
        model = Signup
        fields = [
            "id",
            "event",
            "event_title",
            "volunteer",
            "volunteer_name",
            "volunteer_number",
            "masked_phone",
            "status",
            "queued_at",
            "risk_acknowledged_at",
        ]
        read_only_fields = fields

    def get_masked_phone(self, signup: Signup) -> str:
        return mask_phone(signup.volunteer.user.phone)


class SignupRequestSerializer(serializers.Serializer):
    risk_acknowledged = serializers.BooleanField(
        default=False, help_text=_("The volunteer has read the event's risk notice.")
    )


class CheckInSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=500)
    walk_in = serializers.BooleanField(
        default=False, help_text=_("Sign up at the venue and check in, where the event allows walk-ins.")
    )
    latitude = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    client_time = BoundedDateTimeField(required=False, allow_null=True)


class ScanSerializer(serializers.Serializer):
    volunteer_token = serializers.CharField(max_length=500)
    action = serializers.ChoiceField(choices=[("in", _("Check in")), ("out", _("Check out"))])
    walk_in = serializers.BooleanField(
        default=False, help_text=_("Sign the volunteer up at the venue, where the event allows walk-ins.")
    )


class CheckinCodeQuerySerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[("in", _("Check in")), ("out", _("Check out"))], default="in")


class CodeSerializer(serializers.Serializer):
    token = serializers.CharField()
    url = serializers.URLField(required=False)
    expires_at = serializers.DateTimeField()
    qr_svg = serializers.CharField()


class ServiceRecordSerializer(serializers.ModelSerializer):
    event_title = serializers.CharField(source="event.title", read_only=True)
    volunteer_name = serializers.CharField(source="volunteer.real_name", read_only=True)
    volunteer_number = serializers.CharField(source="volunteer.number", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    method_display = serializers.CharField(source="get_method_display", read_only=True)

    class Meta:
        model = ServiceRecord
        fields = [
            "id",
            "event",
            "event_title",
            "volunteer",
            "volunteer_name",
            "volunteer_number",
            "checked_in_at",
            "checked_out_at",
            "method",
            "method_display",
            "status",
            "status_display",
            "credited_hours",
            "flag",
            "client_time",
            "reason",
            "reject_reason",
            "created_by",
            "reviewed_by",
            "reviewed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ManualRecordSerializer(serializers.Serializer):
    event = serializers.PrimaryKeyRelatedField(queryset=Event.objects.none())
    volunteer = serializers.PrimaryKeyRelatedField(queryset=Volunteer.objects.none())
    checked_in_at = BoundedDateTimeField()
    checked_out_at = BoundedDateTimeField()
    reason = serializers.CharField(max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["event"].queryset = Event.objects.managed_by(request.user)
            self.fields["volunteer"].queryset = Volunteer.objects.all()

    def validate(self, attrs: dict) -> dict:
        event, volunteer = attrs["event"], attrs["volunteer"]
        known = (
            Volunteer.objects.visible_to(self.context["request"].user).filter(pk=volunteer.pk).exists()
            or event.signups.filter(volunteer=volunteer).exists()
        )
        if not known:
            # Same message as an unknown id: managers learn nothing about volunteers outside their reach.
            raise serializers.ValidationError(
                {"volunteer": [self.fields["volunteer"].error_messages["does_not_exist"].format(pk_value=volunteer.pk)]}
            )
        if attrs["checked_out_at"] <= attrs["checked_in_at"]:
            raise serializers.ValidationError({"checked_out_at": _("Check-out must be after check-in.")})
        return attrs


class RecordCorrectionSerializer(serializers.Serializer):
    checked_in_at = BoundedDateTimeField(required=False)
    checked_out_at = BoundedDateTimeField(required=False)
    reason = serializers.CharField(max_length=200)

    def validate(self, attrs: dict) -> dict:
        if "checked_in_at" not in attrs and "checked_out_at" not in attrs:
            raise serializers.ValidationError(_("Give a new check-in or check-out time."))
        return attrs


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class BulkApproveSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), min_length=1, max_length=500
    )


class BulkApproveResultSerializer(serializers.Serializer):
    approved = serializers.ListField(child=serializers.IntegerField())
    skipped = serializers.DictField(child=serializers.ListField(child=serializers.IntegerField()))


class RecordChangeSerializer(serializers.ModelSerializer):
    changed_by_name = serializers.SerializerMethodField()

    class Meta:
        model = RecordChange
        fields = ["id", "action", "old", "new", "reason", "changed_by", "changed_by_name", "changed_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_changed_by_name(self, change: RecordChange) -> str | None:
        return change.changed_by.name if change.changed_by else None


class RefusedScanSerializer(serializers.ModelSerializer):
    volunteer_name = serializers.CharField(source="volunteer.real_name", read_only=True, default=None, allow_null=True)
    event_title = serializers.CharField(source="event.title", read_only=True, default=None, allow_null=True)

    class Meta:
        model = RefusedScan
        fields = [
            "id",
            "volunteer",
            "volunteer_name",
            "event",
            "event_title",
            "action",
            "code",
            "at",
            "ip",
            "user_agent",
        ]
        read_only_fields = fields
