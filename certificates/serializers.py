from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from accounts.bounded_fields import BoundedDateField
from certificates.models import BulkIssueJob, Certificate, CertificateRequest, Validity
from events.models import Event
from stations.models import PracticeUnit
from stations.serializers import ManagedUnitField
from volunteers.models import Volunteer
from volunteers.names import mask_name


class CoverageFieldsMixin:
    """One event, or a period given by both dates."""

    def validate_coverage(self, attrs: dict) -> dict:
        event, start, end = attrs.get("event"), attrs.get("period_start"), attrs.get("period_end")
        if event is not None and (start or end):
            raise serializers.ValidationError(_("Give either one event or a period, not both."))
        if event is None and (start is None or end is None):
            raise serializers.ValidationError(_("Give either one event or a period."))
        if start and end and end < start:
            raise serializers.ValidationError({"period_end": _("The period must end on or after its start.")})
        return attrs


class CertificateSerializer(serializers.ModelSerializer):
    unit_name_now = serializers.CharField(source="unit.name", read_only=True)
    status = serializers.SerializerMethodField()
    needs_review = serializers.SerializerMethodField(
        help_text=_("A record it counted was since rejected or its hours changed: reissue or revoke it.")
    )
    verification_url = serializers.CharField(read_only=True)
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = [
            "id",
            "number",
            "status",
            "needs_review",
            "volunteer",
            "volunteer_name",
            "volunteer_number",
            "id_type",
            "masked_id_number",
            "unit",
            "unit_name",
            "unit_name_now",
            "scope",
            "event",
            "event_title",
            "period_start",
            "period_end",
            "service_time",
            "hours",
            "record_count",
            "service_categories",
            "service_events",
            "person_in_charge",
            "handler_name",
            "contact_phone",
            "remarks",
            "trainings_text",
            "awards_text",
            "issued_at",
            "effective_at",
            "issued_by",
            "verification_code",
            "verification_url",
            "pdf_url",
            "pdf_sha256",
            "bulk_job",
            "revoked_at",
            "revoke_reason",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=Validity.choices))
    def get_status(self, certificate: Certificate) -> str:
        return certificate.validity

    def get_needs_review(self, certificate: Certificate) -> bool:
        return certificate.validity == Validity.UNDER_REVIEW

    def get_pdf_url(self, certificate: Certificate) -> str:
        return reverse("certificate-pdf", args=[certificate.pk], request=self.context.get("request"))


@extend_schema_field(OpenApiTypes.INT)
class IssuingUnitField(ManagedUnitField):
    """A unit the user manages, in a serializer without a model."""


class CertificateIssueSerializer(CoverageFieldsMixin, serializers.Serializer):
    volunteer = serializers.PrimaryKeyRelatedField(queryset=Volunteer.objects.none())
    unit = IssuingUnitField()
    event = serializers.PrimaryKeyRelatedField(queryset=Event.objects.none(), required=False, allow_null=True)
    period_start = BoundedDateField(required=False, allow_null=True)
    period_end = BoundedDateField(required=False, allow_null=True)
    handler_name = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    remarks = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    publicity_days = serializers.IntegerField(
        min_value=0,
        max_value=30,
        required=False,
        default=0,
        help_text=_("Days the certificate is announced (公示) before it takes effect; 0: at once."),
    )
    include_trainings = serializers.BooleanField(required=False, default=False)
    include_awards = serializers.BooleanField(required=False, default=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["volunteer"].queryset = Volunteer.objects.all()
            self.fields["event"].queryset = Event.objects.managed_by(request.user).select_related("unit")

    def validate(self, attrs: dict) -> dict:
        volunteer, unit = attrs["volunteer"], attrs["unit"]
        known = (
            Volunteer.objects.visible_to(self.context["request"].user).filter(pk=volunteer.pk).exists()
            or volunteer.service_records.filter(event__unit__in=PracticeUnit.objects.subtree_of(unit)).exists()
        )
        if not known:
            # Same message as an unknown id: managers learn nothing about volunteers outside their reach.
            raise serializers.ValidationError(
                {"volunteer": [self.fields["volunteer"].error_messages["does_not_exist"].format(pk_value=volunteer.pk)]}
            )
        return self.validate_coverage(attrs)


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class ReissueSerializer(RevokeSerializer):
    handler_name = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")


class VerifyQuerySerializer(serializers.Serializer):
    number = serializers.CharField(max_length=48)
    code = serializers.CharField(max_length=32)


class VerificationSerializer(serializers.Serializer):
    """What anyone holding the paper may learn: enough to match it, no personal numbers."""

    number = serializers.CharField()
    status = serializers.ChoiceField(choices=Validity.choices)
    status_text = serializers.CharField(help_text=_("The status in words, in the language asked for."))
    volunteer_name = serializers.CharField(help_text=_("Masked: the first character only."))
    hours = serializers.DecimalField(max_digits=8, decimal_places=2)
    record_count = serializers.IntegerField()
    scope = serializers.CharField()
    service_time = serializers.CharField()
    event_title = serializers.CharField()
    service_categories = serializers.CharField()
    unit_name = serializers.CharField()
    issued_on = serializers.DateField()
    revoked_on = serializers.DateField(allow_null=True)
    revoke_reason = serializers.CharField()
    effective_on = serializers.DateField(
        allow_null=True, help_text=_("When a certificate announced first (公示) takes effect; null: at issue.")
    )

    @staticmethod
    def of(certificate: Certificate) -> dict:
        return {
            "number": certificate.number,
            "status": certificate.validity,
            "status_text": str(Validity(certificate.validity).label),
            "volunteer_name": mask_name(certificate.volunteer_name),
            "hours": certificate.hours,
            "record_count": certificate.record_count,
            "scope": certificate.scope,
            "service_time": certificate.service_time,
            "event_title": certificate.event_title,
            "service_categories": certificate.service_categories,
            "unit_name": certificate.unit_name,
            "issued_on": timezone.localtime(certificate.issued_at).date(),
            "revoked_on": timezone.localtime(certificate.revoked_at).date() if certificate.revoked_at else None,
            "revoke_reason": certificate.revoke_reason,
            "effective_on": timezone.localtime(certificate.effective_at).date() if certificate.effective_at else None,
        }


class CertificateRequestSerializer(CoverageFieldsMixin, serializers.ModelSerializer):
    unit = serializers.PrimaryKeyRelatedField(
        queryset=PracticeUnit.objects.all(),
        required=False,
        help_text=_("The unit asked; by default the event's unit, or for a period the volunteer's home station."),
    )
    event = serializers.PrimaryKeyRelatedField(queryset=Event.objects.none(), required=False, allow_null=True)
    volunteer_name = serializers.CharField(source="volunteer.real_name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    certificate_number = serializers.CharField(source="certificate.number", read_only=True, default=None)

    class Meta:
        model = CertificateRequest
        fields = [
            "id",
            "volunteer",
            "volunteer_name",
            "unit",
            "unit_name",
            "scope",
            "event",
            "period_start",
            "period_end",
            "purpose",
            "status",
            "decline_reason",
            "certificate",
            "certificate_number",
            "decided_at",
            "created_at",
        ]
        read_only_fields = ["volunteer", "scope", "status", "decline_reason", "certificate", "decided_at", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["event"].queryset = Event.objects.visible_to(request.user).select_related("unit")

    def validate(self, attrs: dict) -> dict:
        return self.validate_coverage(attrs)


class AcceptRequestSerializer(serializers.Serializer):
    handler_name = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    remarks = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class DeclineRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class BulkIssueJobSerializer(serializers.ModelSerializer):
    unit = ManagedUnitField()
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    zip_url = serializers.SerializerMethodField()
    combined_pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = BulkIssueJob
        fields = [
            "id",
            "unit",
            "unit_name",
            "period_start",
            "period_end",
            "remarks",
            "status",
            "total",
            "processed",
            "issued",
            "already_issued",
            "skipped_zero_hours",
            "error",
            "zip_url",
            "combined_pdf_url",
            "created_at",
            "started_at",
            "finished_at",
        ]
        # A second start for a running scope answers with that job (the service decides), not 400.
        validators: list = []
        read_only_fields = [
            "status",
            "total",
            "processed",
            "issued",
            "already_issued",
            "skipped_zero_hours",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def validate(self, attrs: dict) -> dict:
        if attrs["period_end"] < attrs["period_start"]:
            raise serializers.ValidationError({"period_end": _("The period must end on or after its start.")})
        return attrs

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_zip_url(self, job: BulkIssueJob) -> str | None:
        if not job.zip_file:
            return None
        return reverse("certificate-job-zip", args=[job.pk], request=self.context.get("request"))

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_combined_pdf_url(self, job: BulkIssueJob) -> str | None:
        if not job.combined_pdf:
            return None
        return reverse("certificate-job-combined-pdf", args=[job.pk], request=self.context.get("request"))
