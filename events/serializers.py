from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.bounded_fields import BoundedDateTimeField
from accounts.phones import mask_phone
from events.activity import MAX_CAPTION_CHARS, MAX_PHOTOS_PER_EVENT, MAX_SUMMARY_CHARS
from events.choices import ScanAction
from events.models import (
    MAX_PEOPLE_SERVED,
    ActivityPhoto,
    ActivityRecord,
    CorrectionRequest,
    Evaluation,
    Event,
    Project,
    RecordChange,
    RecordStatus,
    RefusedScan,
    ServiceRecord,
    Signup,
    SignupStatus,
    event_bounds_errors,
)
from events.photos import MAX_PHOTOS_PER_REQUEST, PhotoRejected, check_photo
from events.record_deadlines import deadline_of, kind_of
from events.themes import THEMES
from events.venue_booking import in_line_q, needs_booking, sync_booking, venue_project_errors
from stations.models import PracticeUnit
from stations.serializers import ManagedUnitField
from venues.models import Venue
from volunteers.models import Training, Volunteer


class EventSerializer(serializers.ModelSerializer):
    unit = ManagedUnitField()
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    confirmed_count = serializers.IntegerField(read_only=True)
    waitlisted_count = serializers.IntegerField(read_only=True)
    my_signup_status = serializers.CharField(read_only=True, allow_null=True)
    venue_name = serializers.CharField(source="venue.name", read_only=True, default=None, allow_null=True)
    project_name = serializers.CharField(source="project.name", read_only=True, default=None, allow_null=True)
    theme_name = serializers.SerializerMethodField()

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
            "venue",
            "venue_name",
            "venue_booking",
            "project",
            "project_name",
            "theme",
            "theme_name",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "venue_booking", "created_at", "updated_at"]

    def get_fields(self):
        fields = super().get_fields()
        # Any venue or project may be named; validate() says which fit the event's unit (400 otherwise).
        fields["venue"].queryset = Venue.objects.select_related("unit")
        # A private project outside the manager's line is as unknown as a wrong id.
        user = self.context["request"].user if "request" in self.context else None
        projects = Project.objects.filter(is_public=True)
        if user is not None:
            projects = Project.objects.filter(Q(is_public=True) | in_line_q(user, "lead_unit__path"))
        fields["project"].queryset = projects.select_related("lead_unit")
        return fields

    def get_theme_name(self, event: Event) -> str | None:
        return str(THEMES[event.theme]) if event.theme in THEMES else None

    def validate(self, attrs: dict) -> dict:
        def current(name):
            return attrs.get(name, getattr(self.instance, name, None))

        errors = event_bounds_errors(current("starts_at"), current("ends_at"))
        if errors:
            raise serializers.ValidationError(errors)
        if current("radius_m") and (current("latitude") is None or current("longitude") is None):
            raise serializers.ValidationError({"radius_m": _("A check-in radius needs the latitude and longitude.")})
        placement = venue_project_errors(
            self.instance, unit=current("unit"), venue=current("venue"), project=current("project"), changed=attrs
        )
        if placement:
            raise serializers.ValidationError(placement)
        return attrs

    def update(self, instance: Event, validated_data: dict) -> Event:
        moved = any(
            field in validated_data and validated_data[field] != getattr(instance, field)
            for field in ("venue", "starts_at", "ends_at")
        )
        event = super().update(instance, validated_data)
        if moved and (event.venue_booking_id is not None or needs_booking(event)):
            # Cancel the old booking and hold the new slot; a taken slot rolls the whole update back.
            user = self.context["request"].user
            event.venue_booking = sync_booking(event, by=user).venue_booking
        return event


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
    action = serializers.ChoiceField(choices=ScanAction.choices)
    walk_in = serializers.BooleanField(
        default=False, help_text=_("Sign the volunteer up at the venue, where the event allows walk-ins.")
    )


class CheckinCodeQuerySerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ScanAction.choices, default=ScanAction.IN)


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


# --- Trainings, evaluations, correction requests, deadlines (志愿服务记录与证明出具办法 art. 8-13) ---


class TrainingSerializer(serializers.ModelSerializer):
    """A training (办法 art. 8), entered for everyone who attended ``event`` and/or the ``volunteers`` listed."""

    unit = ManagedUnitField()
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    event = serializers.PrimaryKeyRelatedField(
        queryset=Event.objects.none(), required=False, write_only=True, help_text=_("Everyone who attended it.")
    )
    volunteers = serializers.PrimaryKeyRelatedField(
        queryset=Volunteer.objects.none(), many=True, required=False, write_only=True
    )
    attendee_count = serializers.IntegerField(source="n_attendees", read_only=True)

    class Meta:
        model = Training
        fields = [
            "id",
            "unit",
            "unit_name",
            "name",
            "content",
            "hours",
            "organiser",
            "held_on",
            "event",
            "volunteers",
            "attendee_count",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["event"].queryset = Event.objects.managed_by(request.user)
            self.fields["volunteers"].child_relation.queryset = Volunteer.objects.managed_by(request.user)

    def validate(self, attrs: dict) -> dict:
        if attrs.get("event") is None and not attrs.get("volunteers"):
            raise serializers.ValidationError({"volunteers": _("Choose an event or at least one volunteer.")})
        return attrs


class EvaluationSerializer(serializers.ModelSerializer):
    """The organising unit's evaluation (办法 art. 10) of one record, or of a volunteer's period of service."""

    record = serializers.PrimaryKeyRelatedField(queryset=ServiceRecord.objects.none(), required=False, allow_null=True)
    volunteer = serializers.PrimaryKeyRelatedField(queryset=Volunteer.objects.none(), required=False)
    unit = ManagedUnitField(required=False)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    volunteer_name = serializers.CharField(source="volunteer.real_name", read_only=True)
    event_title = serializers.CharField(source="record.event.title", read_only=True, default=None)

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "record",
            "event_title",
            "volunteer",
            "volunteer_name",
            "unit",
            "unit_name",
            "period_start",
            "period_end",
            "evaluated_on",
            "grade",
            "comment",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        extra_kwargs = {"evaluated_on": {"required": False}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Reviewed records only: an open or pending one is not finished service yet.
            self.fields["record"].queryset = ServiceRecord.objects.managed_by(request.user).filter(
                status=RecordStatus.APPROVED
            )
            self.fields["volunteer"].queryset = Volunteer.objects.all()

    def validate(self, attrs: dict) -> dict:
        record = attrs.get("record")
        attrs.setdefault("evaluated_on", timezone.localdate())
        if record is not None:
            if attrs.get("period_start") or attrs.get("period_end"):
                raise serializers.ValidationError({"period_start": _("Evaluate either a record or a period.")})
            if Evaluation.objects.filter(record=record).exists():
                raise serializers.ValidationError({"record": _("This record has already been evaluated.")})
            attrs.update(volunteer=record.volunteer, unit=record.event.unit)
            return attrs
        errors = {
            field: _("This field is required.")
            for field in ("volunteer", "unit", "period_start", "period_end")
            if not attrs.get(field)
        }
        if errors:
            raise serializers.ValidationError(errors)
        if attrs["period_end"] < attrs["period_start"]:
            raise serializers.ValidationError({"period_end": _("The period must end on or after its start.")})
        served = ServiceRecord.objects.filter(
            volunteer=attrs["volunteer"],
            event__unit__in=PracticeUnit.objects.subtree_of(attrs["unit"]),
            event__ends_at__date__gte=attrs["period_start"],
            event__starts_at__date__lte=attrs["period_end"],
        ).exists()
        if not served:
            # Same message as an unknown id: no oracle on volunteers outside the unit's reach.
            field = self.fields["volunteer"]
            raise serializers.ValidationError(
                {"volunteer": [field.error_messages["does_not_exist"].format(pk_value=attrs["volunteer"].pk)]}
            )
        return attrs

    def create(self, validated_data: dict) -> Evaluation:
        return Evaluation.objects.create(**validated_data, created_by=self.context["request"].user)


class CorrectionRequestSerializer(serializers.ModelSerializer):
    """A volunteer's request to correct a record or add a missing one (办法 art. 13), and its outcome."""

    record = serializers.PrimaryKeyRelatedField(queryset=ServiceRecord.objects.none(), required=False)
    event = serializers.PrimaryKeyRelatedField(queryset=Event.objects.none(), required=False)
    checked_in_at = BoundedDateTimeField(required=False, allow_null=True)
    checked_out_at = BoundedDateTimeField(required=False, allow_null=True)
    # Checked from its header here; decoded only once the request is otherwise accepted (ask_correction).
    photo = serializers.FileField(required=False, write_only=True, allow_empty_file=False)
    has_photo = serializers.SerializerMethodField()
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    event_title = serializers.CharField(source="event.title", read_only=True)
    volunteer_name = serializers.CharField(source="volunteer.real_name", read_only=True)

    class Meta:
        model = CorrectionRequest
        fields = [
            "id",
            "kind",
            "kind_display",
            "record",
            "event",
            "event_title",
            "volunteer_name",
            "checked_in_at",
            "checked_out_at",
            "reason",
            "photo",
            "has_photo",
            "status",
            "status_display",
            "decline_reason",
            "decided_at",
            "created_at",
        ]
        read_only_fields = ["kind", "status", "decline_reason", "decided_at", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            user = request.user
            # Only the volunteer's own records, and events they may see.
            records = ServiceRecord.objects.filter(volunteer__user=user) if user.is_authenticated else None
            self.fields["record"].queryset = (
                records.exclude(status=RecordStatus.REJECTED) if records is not None else ServiceRecord.objects.none()
            )
            self.fields["event"].queryset = Event.objects.visible_to(user)

    @extend_schema_field(serializers.BooleanField())
    def get_has_photo(self, request: CorrectionRequest) -> bool:
        return bool(request.photo)

    def validate_photo(self, photo):
        try:
            check_photo(photo)
        except PhotoRejected as error:
            raise serializers.ValidationError(str(error)) from None
        return photo

    def validate(self, attrs: dict) -> dict:
        record, event = attrs.get("record"), attrs.get("event")
        if (record is None) == (event is None):
            raise serializers.ValidationError(
                {"record": _("Choose the record to correct, or the event whose record is missing.")}
            )
        if event is not None and not self._took_part(event):
            raise serializers.ValidationError(
                {"event": _("You can only ask about an event you signed up for or attended.")}
            )
        scanned: Event = record.event if record is not None else attrs["event"]
        errors: dict[str, str] = {}
        now = timezone.now()
        # The scan windows around the scheduled interval: what a scan at the venue would have taken.
        windows = {
            "checked_in_at": (scanned.checkin_opens_at, scanned.ends_at),
            "checked_out_at": (scanned.checkin_opens_at, scanned.checkout_closes_at),
        }
        for name, (opens, closes) in windows.items():
            moment = attrs.get(name)
            if moment is None:
                continue
            if moment > now:
                errors[name] = str(_("This time is in the future."))
            elif not opens <= moment <= closes:
                errors[name] = _("Give a time between %(opens)s and %(closes)s, when the event could be scanned.") % {
                    "opens": _local(opens),
                    "closes": _local(closes),
                }
        if errors:
            raise serializers.ValidationError(errors)
        start, end = attrs.get("checked_in_at"), attrs.get("checked_out_at")
        if record is not None:
            # One time corrected: the other stays as recorded.
            start, end = start or record.checked_in_at, end or record.checked_out_at
        if start and end and end <= start:
            raise serializers.ValidationError({"checked_out_at": _("Check-out must be after check-in.")})
        return attrs

    def _took_part(self, event: Event) -> bool:
        """Whether the caller had a place at the event (a confirmed sign-up) or a record of it."""
        user = self.context["request"].user
        signed_up = Signup.objects.filter(event=event, volunteer__user=user, status=SignupStatus.CONFIRMED)
        return signed_up.exists() or ServiceRecord.objects.filter(event=event, volunteer__user=user).exists()


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


class DecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class RecordDeadlineSerializer(serializers.Serializer):
    """A record whose review or evaluation is due under the 10-working-day rule (办法 art. 11)."""

    record = serializers.IntegerField(source="pk")
    kind = serializers.ChoiceField(choices=[("record", _("Review")), ("evaluation", _("Evaluation"))])
    status = serializers.CharField()
    event = serializers.IntegerField(source="event_id")
    event_title = serializers.CharField(source="event.title")
    unit = serializers.IntegerField(source="event.unit_id")
    unit_name = serializers.CharField(source="event.unit.name")
    volunteer_name = serializers.CharField(source="volunteer.real_name")
    ended_on = serializers.DateField()
    due_on = serializers.DateField()
    working_days_waited = serializers.IntegerField()
    overdue = serializers.BooleanField()

    def to_representation(self, record: ServiceRecord) -> dict:
        today = self.context.get("today") or timezone.localdate()
        # activity_day is annotated by RecordDeadlineViewSet's query; the rest is set here for the fields.
        for key, value in deadline_of(record.activity_day, today).items():  # type: ignore[attr-defined]
            setattr(record, key, value)
        record.kind = kind_of(record)  # type: ignore[attr-defined]
        return super().to_representation(record)


# --- Activity records (活动纪实) ---


class ActivityPhotoSerializer(serializers.ModelSerializer):
    """A photo of the event; its files only through the permission-checked URLs given here."""

    image_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = ActivityPhoto
        fields = ["id", "caption", "taken_at", "uploaded_at", "image_url", "thumbnail_url"]

    def get_image_url(self, photo: ActivityPhoto) -> str:
        return reverse("activity-photo-image", args=[photo.pk])

    def get_thumbnail_url(self, photo: ActivityPhoto) -> str:
        return reverse("activity-photo-thumbnail", args=[photo.pk])


class ActivityRecordSerializer(serializers.ModelSerializer):
    """An event's activity record; an event nobody documented yet answers with an empty one."""

    photos = serializers.SerializerMethodField()
    photo_count = serializers.IntegerField(read_only=True)
    documented = serializers.BooleanField(source="is_complete", read_only=True)
    min_photos = serializers.SerializerMethodField()
    max_photos = serializers.SerializerMethodField()
    # Empty until someone first documents the event.
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = ActivityRecord
        fields = [
            "event",
            "summary",
            "people_served",
            "documented",
            "photo_count",
            "min_photos",
            "max_photos",
            "photos",
            "updated_at",
        ]
        read_only_fields = ["event", "summary", "people_served"]

    @extend_schema_field(ActivityPhotoSerializer(many=True))
    def get_photos(self, record: ActivityRecord) -> list:
        return list(ActivityPhotoSerializer(record.photos.all() if record.pk else [], many=True).data)

    def get_min_photos(self, record: ActivityRecord) -> int:
        return settings.ACTIVITY_MIN_PHOTOS

    def get_max_photos(self, record: ActivityRecord) -> int:
        return MAX_PHOTOS_PER_EVENT


class ActivityRecordWriteSerializer(serializers.Serializer):
    summary = serializers.CharField(max_length=MAX_SUMMARY_CHARS, allow_blank=True)
    people_served = serializers.IntegerField(min_value=0, max_value=MAX_PEOPLE_SERVED, allow_null=True, required=False)


class ActivityPhotoUploadSerializer(serializers.Serializer):
    photos = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False), allow_empty=False, max_length=MAX_PHOTOS_PER_REQUEST
    )
    caption = serializers.CharField(max_length=MAX_CAPTION_CHARS, required=False, allow_blank=True, default="")
