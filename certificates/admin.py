from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from certificates import services
from certificates.models import BulkIssueJob, Certificate, CertificateRequest, RequestStatus
from stations.admin import WorkflowOnlyAdmin


class RevokedFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "revoked"

    def lookups(self, request, model_admin):
        return [("no", _("Valid")), ("yes", _("Revoked"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(Certificate)
class CertificateAdmin(WorkflowOnlyAdmin):
    list_display = ["number", "volunteer_name", "unit_name", "service_time", "hours", "issued_at", "valid", "download"]
    list_filter = [RevokedFilter, "scope"]
    search_fields = ["number", "volunteer_name", "volunteer_number", "unit_name"]
    date_hierarchy = "issued_at"
    actions = ["revoke_selected"]
    exclude = ["verification_code", "pdf"]

    def scoped_queryset(self, request):
        return Certificate.objects.managed_by(request.user)

    @admin.display(description=_("valid"), boolean=True)
    def valid(self, certificate: Certificate) -> bool:
        return not certificate.is_revoked

    @admin.display(description=_("PDF"))
    def download(self, certificate: Certificate) -> str:
        return format_html('<a href="{}">{}</a>', reverse("certificate-pdf", args=[certificate.pk]), _("Download"))

    @admin.action(description=_("Revoke the selected certificates (reason: revoked in admin review)"))
    def revoke_selected(self, request, queryset) -> None:
        revoked = 0
        for certificate in queryset:
            try:
                services.revoke_certificate(certificate, by=request.user, reason=str(_("Revoked in admin review")))
            except services.CertificateError:
                continue
            revoked += 1
        self.message_user(
            request,
            ngettext("%d certificate revoked.", "%d certificates revoked.", revoked) % revoked,
            messages.SUCCESS,
        )


@admin.register(CertificateRequest)
class CertificateRequestAdmin(WorkflowOnlyAdmin):
    list_display = ["volunteer", "unit", "scope", "event", "period_start", "period_end", "status", "created_at"]
    list_filter = ["status", "scope"]
    search_fields = ["volunteer__real_name", "volunteer__number", "unit__name", "purpose"]
    list_select_related = ["volunteer", "unit", "event"]
    actions = ["accept_selected", "decline_selected"]

    def scoped_queryset(self, request):
        return CertificateRequest.objects.managed_by(request.user)

    @admin.action(description=_("Issue the certificates asked for"))
    def accept_selected(self, request, queryset) -> None:
        issued, refused = 0, []
        for certificate_request in queryset.filter(status=RequestStatus.PENDING):
            try:
                services.accept_request(certificate_request, by=request.user)
            except services.CertificateError as error:
                refused.append(f"{certificate_request}: {error.detail}")
                continue
            issued += 1
        self.message_user(
            request, ngettext("%d certificate issued.", "%d certificates issued.", issued) % issued, messages.SUCCESS
        )
        for message in refused:
            self.message_user(request, message, messages.WARNING)

    @admin.action(description=_("Decline the selected requests (reason: declined in admin review)"))
    def decline_selected(self, request, queryset) -> None:
        declined = 0
        for certificate_request in queryset.filter(status=RequestStatus.PENDING):
            services.decline_request(certificate_request, by=request.user, reason=str(_("Declined in admin review")))
            declined += 1
        self.message_user(request, ngettext("%d request declined.", "%d requests declined.", declined) % declined)


@admin.register(BulkIssueJob)
class BulkIssueJobAdmin(WorkflowOnlyAdmin):
    list_display = ["unit", "period_start", "period_end", "status", "total", "processed", "issued", "downloads"]
    list_filter = ["status"]
    search_fields = ["unit__name"]
    list_select_related = ["unit"]

    def scoped_queryset(self, request):
        return BulkIssueJob.objects.visible_to(request.user)

    @admin.display(description=_("downloads"))
    def downloads(self, job: BulkIssueJob) -> str:
        if not job.zip_file:
            return "—"
        return format_html(
            '<a href="{}">ZIP</a> · <a href="{}">PDF</a>',
            reverse("certificate-job-zip", args=[job.pk]),
            reverse("certificate-job-combined-pdf", args=[job.pk]),
        )
