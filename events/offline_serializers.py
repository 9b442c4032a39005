"""Offline scanning in the API: scanner devices, uploads of scans, the review queue and its filter."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.bounded_fields import BoundedDateTimeField
from events.choices import ScanAction
from events.models import Event, OfflineScan, OfflineScanOutcome, ScannerDevice
from events.offline_scanning import shown_names
from events.services import CheckInError
from stations.filters import ScopedChoiceFilter, SubtreeFilter
from stations.scoping import under
from stations.serializers import ManagedUnitField

# Scans and uploads are dated by the device; a clock further off than this is broken, not drifting.
DEVICE_TIME_BOUND = datetime.timedelta(days=2)
# The largest event id or counter a scan may name (JavaScript's exact integers).
MAX_COUNTER = 2**53
MAX_EVENT_ID = 2**53
NONCE_PATTERN = r"^[A-Za-z0-9_-]{8,32}$"


class ScannerDeviceSerializer(serializers.ModelSerializer):
    unit = ManagedUnitField()
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    registered_by_name = serializers.CharField(source="registered_by.name", read_only=True)
    revoked_by_name = serializers.CharField(source="revoked_by.name", read_only=True, default=None)
    is_revoked = serializers.BooleanField(read_only=True)

    class Meta:
        model = ScannerDevice
        fields = [
            "id",
            "name",
            "unit",
            "unit_name",
            "registered_by_name",
            "registered_at",
            "is_revoked",
            "revoked_at",
            "revoked_by_name",
            "last_seen_at",
            "clock_offset_ms",
            "refused_uploads",
            "last_refused_at",
        ]
        read_only_fields = [
            "registered_at",
            "revoked_at",
            "last_seen_at",
            "clock_offset_ms",
            "refused_uploads",
            "last_refused_at",
        ]

    def validate_name(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(_("Give the phone a name, such as 'Station phone 1'."))
        return value.strip()


class RegisteredDeviceSerializer(ScannerDeviceSerializer):
    """The answer to a registration: the device and, this once, its secret."""

    secret = serializers.CharField(read_only=True)

    class Meta(ScannerDeviceSerializer.Meta):
        fields = [*ScannerDeviceSerializer.Meta.fields, "secret"]


class ScannerDeviceFilter(django_filters.FilterSet):
    unit = SubtreeFilter(field_name="unit__path", label=_("Within unit (subtree)"))
    revoked = django_filters.BooleanFilter(field_name="revoked_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = ScannerDevice
        fields = ["unit", "revoked"]


class UploadedScanSerializer(serializers.Serializer):
    nonce = serializers.RegexField(
        NONCE_PATTERN, error_messages={"invalid": _("A scan's nonce has 8 to 32 letters, digits, '-' or '_'.")}
    )
    counter = serializers.IntegerField(min_value=1, max_value=MAX_COUNTER)
    event = serializers.IntegerField(min_value=1, max_value=MAX_EVENT_ID)
    code = serializers.CharField(max_length=200, trim_whitespace=False)
    action = serializers.ChoiceField(choices=ScanAction.choices)
    walk_in = serializers.BooleanField(default=False)
    # Any time: a queue may come back days after the visit, and a phone's clock far off is the
    # merge's to judge (its scans kept for review as clock_skew), never a refusal that would
    # keep the queue on the phone for ever.
    device_time = BoundedDateTimeField()


class ScanListField(serializers.ListField):
    """The upload's scans, counted before any is validated: a long list is refused at once."""

    def to_internal_value(self, data: Any) -> list:
        if isinstance(data, list):
            limit = settings.OFFLINE_UPLOAD_MAX_SCANS
            if not data:
                raise serializers.ValidationError(_("The upload has no scans."))
            if len(data) > limit:
                raise serializers.ValidationError(
                    _("At most %(limit)d scans per upload: send the rest in another upload.") % {"limit": limit}
                )
        return super().to_internal_value(data)


class UploadSerializer(serializers.Serializer):
    """An upload from a scanner: checked whole before anything is stored.

    Every scan's event must exist, be organised by the device's unit or one below it, and be
    run by the uploading user (``Event.objects.run_by``): context ``request`` and ``device``.
    """

    sent_at = BoundedDateTimeField()
    scans = ScanListField(child=UploadedScanSerializer())

    def validate_scans(self, scans: list[dict]) -> list[dict]:
        device: ScannerDevice = self.context["device"]
        user = self.context["request"].user
        wanted = {scan["event"] for scan in scans}
        allowed = set(
            Event.objects.run_by(user)
            .filter(under(device.unit, "unit__path"), pk__in=wanted)
            .values_list("pk", flat=True)
        )
        # Keyed by the scan's index, as REST framework's ListField reports its items' own errors.
        errors: dict = {
            index: {"event": [_("No such event for this scanner: it is not run by you or not of its unit.")]}
            for index, scan in enumerate(scans)
            if scan["event"] not in allowed
        }
        if errors:
            raise serializers.ValidationError(errors)
        return scans


class ScanResultSerializer(serializers.Serializer):
    nonce = serializers.CharField()
    outcome = serializers.ChoiceField(choices=OfflineScanOutcome.choices)
    reason = serializers.CharField()
    reason_text = serializers.CharField()
    record = serializers.IntegerField(allow_null=True)
    scanned_at = serializers.DateTimeField(allow_null=True)
    name = serializers.CharField()


class UploadResultSerializer(serializers.Serializer):
    stored = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    clock_offset_ms = serializers.IntegerField(allow_null=True)
    results = ScanResultSerializer(many=True)


class PackSerializer(serializers.Serializer):
    """The offline pack's shape, for the schema (events.offline_scanning.offline_pack builds it)."""

    device = serializers.DictField()
    server_time = serializers.DateTimeField()
    event = serializers.DictField()
    keys = serializers.ListField(child=serializers.DictField())
    window_seconds = serializers.IntegerField()
    accepted_windows = serializers.IntegerField()
    signups = serializers.ListField(child=serializers.ListField())
    revoked_cards = serializers.ListField(child=serializers.ListField(child=serializers.IntegerField()))
    clock_bound_seconds = serializers.IntegerField()
    pack_version = serializers.CharField()


class PingSerializer(serializers.Serializer):
    device = serializers.DictField()
    server_time = serializers.DateTimeField()


def reason_text(reason: str) -> str:
    """The reason an online scan would have been refused, in words."""
    return str(CheckInError(reason).detail) if reason else ""


class OfflineScanSerializer(serializers.ModelSerializer):
    device_name = serializers.CharField(source="device.name", read_only=True)
    event_title = serializers.CharField(source="event.title", read_only=True)
    volunteer_name = serializers.SerializerMethodField(
        help_text=_("In full for someone signed up for or at the event, or of the reader's units; else masked")
    )
    scanned_by_name = serializers.CharField(source="scanned_by.name", read_only=True)
    reviewed_by_name = serializers.CharField(source="reviewed_by.name", read_only=True, default=None)
    reason_text = serializers.SerializerMethodField()

    class Meta:
        model = OfflineScan
        fields = [
            "id",
            "device",
            "device_name",
            "counter",
            "event",
            "event_title",
            "volunteer",
            "volunteer_name",
            "action",
            "walk_in",
            "device_time",
            "scanned_at",
            "uploaded_at",
            "scanned_by",
            "scanned_by_name",
            "outcome",
            "reason",
            "reason_text",
            "record",
            "forced",
            "resolution",
            "resolution_note",
            "reviewed_by_name",
            "reviewed_at",
        ]
        read_only_fields = fields

    def get_volunteer_name(self, scan: OfflineScan) -> str:
        if scan.volunteer_id is None:
            return ""
        names = self.context.get("names")
        if names is None:
            request = self.context.get("request")
            names = shown_names([scan], viewer=request.user if request is not None else None)
        return names.get((scan.event_id, scan.volunteer_id), "")

    def get_reason_text(self, scan: OfflineScan) -> str:
        return reason_text(scan.reason)


class ResolveSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate_note(self, value: str) -> str:
        if self.context.get("accept") and not value.strip():
            raise serializers.ValidationError(_("Say why the scan is accepted despite the refusal."))
        return value.strip()


class OfflineScanFilter(django_filters.FilterSet):
    outcome = django_filters.ChoiceFilter(choices=OfflineScanOutcome.choices)
    reason = django_filters.CharFilter(max_length=30)
    awaiting_review = django_filters.BooleanFilter(method="filter_awaiting", label=_("Awaiting review"))
    event = ScopedChoiceFilter(model=Event, listed=True)
    device = ScopedChoiceFilter(model=ScannerDevice)
    q = django_filters.CharFilter(method="filter_q", max_length=100, label=_("Search the event's title"))

    class Meta:
        model = OfflineScan
        fields = ["outcome", "reason", "awaiting_review", "event", "device", "q"]

    def filter_awaiting(self, queryset, name, value):
        waiting = queryset.awaiting_review()
        return waiting if value else queryset.exclude(pk__in=waiting.values("pk"))

    def filter_q(self, queryset, name, value):
        return queryset.filter(event__title__icontains=value)
