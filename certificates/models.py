from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import AnyUser
from events.models import Event, ServiceRecord
from jobs.files import private_file_name
from jobs.models import BackgroundJob, BackgroundJobQuerySet
from jobs.models import JobStatus as JobStatus  # re-exported: the views and the admin read it here
from stations.models import PracticeUnit
from stations.scoping import scoped
from volunteers.models import Volunteer


class Scope(models.TextChoices):
    PERIOD = "period", _("A period")
    EVENT = "event", _("One event")


class Validity(models.TextChoices):
    VALID = "valid", _("Valid")
    # A state of its own, not revoked: a manager checks and then reissues or revokes.
    UNDER_REVIEW = "under_review", _("The service records this certificate rests on have changed; under review")
    REVOKED = "revoked", _("Revoked")
    # 民发〔2015〕149号 lets a unit announce (公示) a certificate before it takes effect.
    PUBLICITY = "publicity", _("In its publicity period; takes effect afterwards")


def certificate_file_name(certificate: Certificate, filename: str) -> str:
    return private_file_name("certificates", filename)


def job_file_name(job: BulkIssueJob, filename: str) -> str:
    return private_file_name("certificate-jobs", filename)


class CertificateCounter(models.Model):
    """The last number given per issuing center and year; its row is locked while a number is taken."""

    center = models.ForeignKey(PracticeUnit, verbose_name=_("center"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("certificate counter")
        verbose_name_plural = _("certificate counters")
        constraints = [models.UniqueConstraint(fields=["center", "year"], name="one_counter_per_center_year")]

    def __str__(self) -> str:
        return f"{self.center_id} · {self.year} · {self.last_number}"


class CertificateQuerySet(models.QuerySet):
    def visible_to(self, user: AnyUser) -> CertificateQuerySet:
        """Admins all, managers those issued within their subtree, volunteers their own."""
        return scoped(self, user, "unit__path", own=Q(volunteer__user=user))

    def managed_by(self, user: AnyUser) -> CertificateQuerySet:
        return scoped(self, user, "unit__path")

    def valid(self) -> CertificateQuerySet:
        return self.filter(revoked_at__isnull=True)

    def with_review_state(self) -> CertificateQuerySet:
        """Annotate ``needs_review``: a valid certificate one of whose counted records has
        since been rejected (or sent back for review) or credited with other hours."""
        changed = CountedRecord.objects.filter(certificate=OuterRef("pk")).filter(
            ~Q(record__status="approved")
            | Q(record__credited_hours__lt=F("hours"))
            | Q(record__credited_hours__gt=F("hours"))
        )
        # A revoked certificate is settled: it never needs review.
        return self.annotate(
            needs_review=ExpressionWrapper(Q(Exists(changed)) & Q(revoked_at__isnull=True), BooleanField())
        )

    def needing_review(self) -> CertificateQuerySet:
        """Valid certificates whose records changed after issue: to reissue or revoke."""
        return self.with_review_state().filter(needs_review=True)

    def covering(self, *, unit: PracticeUnit, event: Event | None, period_start, period_end) -> CertificateQuerySet:
        """Certificates of ``unit`` for exactly this scope (one event, or one period)."""
        if event is not None:
            return self.filter(unit=unit, scope=Scope.EVENT, event=event)
        return self.filter(unit=unit, scope=Scope.PERIOD, period_start=period_start, period_end=period_end)


class Certificate(models.Model):
    """A certificate of volunteer service (志愿服务证明), frozen when issued.

    Everything it states is copied in at issue time; later changes to records,
    volunteers or units never alter it. Only revocation changes the row.
    """

    number = models.CharField(_("certificate number"), max_length=48, unique=True)
    verification_code = models.CharField(_("verification code"), max_length=16)
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="certificates"
    )
    unit = models.ForeignKey(
        PracticeUnit, verbose_name=_("issuing unit"), on_delete=models.PROTECT, related_name="certificates"
    )
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    event = models.ForeignKey(
        Event, verbose_name=_("event"), null=True, blank=True, on_delete=models.PROTECT, related_name="certificates"
    )
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    # The frozen snapshot.
    hours = models.DecimalField(_("approved hours"), max_digits=8, decimal_places=2)
    record_count = models.PositiveIntegerField(_("number of records"))
    volunteer_name = models.CharField(_("volunteer name"), max_length=30)
    volunteer_number = models.CharField(_("volunteer number"), max_length=16, blank=True)
    id_type = models.CharField(_("ID type"), max_length=30)
    masked_id_number = models.CharField(_("masked ID number"), max_length=18)
    service_categories = models.CharField(_("service categories"), max_length=300)
    service_events = models.TextField(_("service events"))
    event_title = models.CharField(_("event title"), max_length=100, blank=True)
    service_time = models.CharField(_("service time"), max_length=60)
    unit_name = models.CharField(_("issuing unit name"), max_length=100)
    person_in_charge = models.CharField(_("person in charge"), max_length=30, blank=True)
    handler_name = models.CharField(_("handled by"), max_length=30, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    remarks = models.CharField(_("remarks"), max_length=200, blank=True)
    # Optional sections (办法 art. 8-9): trainings and awards as they stood at issue, one per line.
    trainings_text = models.TextField(_("trainings"), blank=True)
    awards_text = models.TextField(_("awards"), blank=True)
    issued_at = models.DateTimeField(_("issued at"))
    # After an optional publicity period (公示) the certificate takes effect; null: at issue.
    effective_at = models.DateTimeField(_("takes effect at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    pdf = models.FileField(_("PDF"), upload_to=certificate_file_name, blank=True)
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True)
    bulk_job = models.ForeignKey(
        "BulkIssueJob",
        verbose_name=_("bulk job"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="certificates",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoke_reason = models.CharField(_("reason for revocation"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["volunteer", "issued_at"], name="certificate_volunteer_idx"),
            models.Index(fields=["unit", "issued_at"], name="certificate_unit_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="certificate_hours_positive"),
            models.CheckConstraint(
                condition=Q(scope=Scope.EVENT, event__isnull=False, period_start__isnull=True, period_end__isnull=True)
                | Q(
                    scope=Scope.PERIOD,
                    event__isnull=True,
                    period_start__isnull=False,
                    period_end__gte=models.F("period_start"),
                ),
                name="certificate_scope_complete",
            ),
            # Re-running an issue (or a bulk job) never makes a second valid certificate.
            models.UniqueConstraint(
                fields=["volunteer", "unit", "event"],
                condition=Q(scope=Scope.EVENT, revoked_at__isnull=True),
                name="one_valid_certificate_per_event",
            ),
            models.UniqueConstraint(
                fields=["volunteer", "unit", "period_start", "period_end"],
                condition=Q(scope=Scope.PERIOD, revoked_at__isnull=True),
                name="one_valid_certificate_per_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.volunteer_name}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def validity(self) -> str:
        """Revoked, under review (when annotated or checked) or valid."""
        if self.is_revoked:
            return Validity.REVOKED
        needs_review = getattr(self, "needs_review", None)
        if needs_review is None:
            needs_review = Certificate.objects.with_review_state().filter(pk=self.pk, needs_review=True).exists()
        if needs_review:
            return Validity.UNDER_REVIEW
        return Validity.PUBLICITY if self.in_publicity else Validity.VALID

    @property
    def in_publicity(self) -> bool:
        return self.effective_at is not None and self.effective_at > timezone.now()

    @property
    def verification_url(self) -> str:
        return f"{settings.SITE_URL}/verify/{self.number}?code={self.verification_code}"

    @property
    def download_name(self) -> str:
        return f"志愿服务证明-{self.volunteer_name}-{self.number}.pdf"


class CountedRecord(models.Model):
    """A service record a certificate counted, with the hours it was credited at issue time.

    Events never learn about certificates (they sit below them); whether a
    certificate still matches its records is derived by comparing these rows with
    the records as they are now.
    """

    certificate = models.ForeignKey(
        Certificate, verbose_name=_("certificate"), on_delete=models.CASCADE, related_name="counted_records"
    )
    record = models.ForeignKey(
        ServiceRecord, verbose_name=_("service record"), on_delete=models.PROTECT, related_name="+"
    )
    hours = models.DecimalField(_("credited hours at issue"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("counted record")
        verbose_name_plural = _("counted records")
        constraints = [models.UniqueConstraint(fields=["certificate", "record"], name="count_a_record_once")]

    def __str__(self) -> str:
        return f"{self.certificate_id} · {self.record_id} · {self.hours}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting a decision")
    ISSUED = "issued", _("Issued")
    DECLINED = "declined", _("Declined")


class CertificateRequestQuerySet(models.QuerySet):
    def visible_to(self, user: AnyUser) -> CertificateRequestQuerySet:
        """Managers see requests addressed to their subtree, volunteers their own."""
        return scoped(self, user, "unit__path", own=Q(volunteer__user=user))

    def managed_by(self, user: AnyUser) -> CertificateRequestQuerySet:
        return scoped(self, user, "unit__path")


class CertificateRequest(models.Model):
    """A volunteer asks a unit for a certificate; a manager issues it or declines with a reason."""

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="certificate_requests"
    )
    unit = models.ForeignKey(
        PracticeUnit, verbose_name=_("unit asked"), on_delete=models.PROTECT, related_name="certificate_requests"
    )
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    event = models.ForeignKey(
        Event, verbose_name=_("event"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    decline_reason = models.CharField(_("reason for declining"), max_length=200, blank=True)
    certificate = models.OneToOneField(
        Certificate,
        verbose_name=_("certificate"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="request",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CertificateRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate request")
        verbose_name_plural = _("certificate requests")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="cert_request_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope=Scope.EVENT, event__isnull=False)
                | Q(scope=Scope.PERIOD, period_start__isnull=False, period_end__gte=models.F("period_start")),
                name="cert_request_scope_complete",
            ),
            models.CheckConstraint(
                condition=~Q(status=RequestStatus.ISSUED) | Q(certificate__isnull=False),
                name="cert_request_issued_has_certificate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer.real_name} · {self.unit.name}"


class BulkIssueJobQuerySet(BackgroundJobQuerySet):
    def visible_to(self, user: AnyUser) -> BulkIssueJobQuerySet:
        """Jobs of the manager's subtree; volunteers see none."""
        return scoped(self, user, "unit__path")


class BulkIssueJob(BackgroundJob):
    """Certificates for every volunteer with approved hours at a unit subtree's events in a period.

    Its work issues batch by batch and skips volunteers already certified for the
    scope, so a job resumed after its worker died issues only what is missing.
    """

    work: ClassVar[str] = "certificates.services.issue_in_bulk"

    unit = models.ForeignKey(
        PracticeUnit, verbose_name=_("issuing unit"), on_delete=models.PROTECT, related_name="certificate_jobs"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    remarks = models.CharField(_("remarks"), max_length=200, blank=True)
    total = models.PositiveIntegerField(_("volunteers in scope"), default=0)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    issued = models.PositiveIntegerField(_("issued"), default=0)
    already_issued = models.PositiveIntegerField(_("already issued"), default=0)
    skipped_zero_hours = models.PositiveIntegerField(_("skipped (zero hours)"), default=0)
    zip_file = models.FileField(_("ZIP of the PDFs"), upload_to=job_file_name, blank=True)
    combined_pdf = models.FileField(_("combined PDF"), upload_to=job_file_name, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = BulkIssueJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("bulk certificate job")
        verbose_name_plural = _("bulk certificate jobs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="job_period_ordered"),
            # One job at a time per scope: a second start returns the running one.
            models.UniqueConstraint(
                fields=["unit", "period_start", "period_end"],
                condition=Q(status__in=["queued", "running"]),
                name="one_active_job_per_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit.name} · {self.period_start}–{self.period_end}"
