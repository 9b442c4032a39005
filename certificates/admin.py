from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.admin import AdminRequest
from accounts.bounded_fields import BoundedFormDateField
from accounts.errors import DomainError
from accounts.models import User
from certificates import services
from certificates.models import BulkIssueJob, Certificate, CertificateRequest, JobStatus, RequestStatus
from certificates.serializers import (
    BulkIssueJobSerializer,
    CertificateIssueSerializer,
    DeclineRequestSerializer,
    RevokeSerializer,
)
from events.admin import ConfirmForm, ServiceRecordAdmin
from events.models import Event, ServiceRecord
from stations.admin import (
    SafeModelChoiceField,
    ScopedAdmin,
    WorkflowForm,
    WorkflowOnlyAdmin,
    safe_pk,
    serializer_errors_to_form,
)
from stations.models import PracticeUnit
from stations.scoping import is_under, managed_subtree, root_units
from volunteers.admin import VolunteerAdmin
from volunteers.models import Volunteer

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def own_unit(request: HttpRequest) -> PracticeUnit | None:
    """The unit a manager manages, when there is exactly one: the form starts with it."""
    units = root_units(request.user)
    return units[0] if len(units) == 1 else None


class EventChoiceField(SafeModelChoiceField):
    def label_from_instance(self, obj: Event) -> str:
        day = date_format(timezone.localtime(obj.starts_at), "Y-m-d")
        return f"{day} {obj.title}（{obj.unit.name}）"


class VolunteerChoiceField(SafeModelChoiceField):
    def label_from_instance(self, obj: Volunteer) -> str:
        return f"{obj.real_name}（{obj.number}）"


class ReasonForm(WorkflowForm):
    reason = forms.CharField(label=_("reason"), max_length=200, widget=forms.Textarea(attrs={"rows": 3}))
    serializer_class: type[serializers.Serializer] = RevokeSerializer

    def clean(self) -> dict:
        cleaned = cast(dict[str, Any], super().clean())  # Form.clean returns cleaned_data
        if "reason" in cleaned:
            serializer = self.serializer_class(data={"reason": cleaned["reason"]})
            if not serializer.is_valid():
                serializer_errors_to_form(self, serializer.errors)
        return cleaned


class DeclineForm(ReasonForm):
    serializer_class = DeclineRequestSerializer


class UnitForm(WorkflowForm):
    unit = SafeModelChoiceField(label=_("issuing unit"), queryset=PracticeUnit.objects.none())
    handler_name = forms.CharField(label=_("handled by"), max_length=30, required=False)
    remarks = forms.CharField(label=_("remarks"), max_length=200, required=False)

    def __init__(self, *args, request: AdminRequest, **kwargs) -> None:
        kwargs.setdefault("initial", {})
        unit = own_unit(request)
        if unit is not None:
            kwargs["initial"].setdefault("unit", unit.pk)
        kwargs["initial"].setdefault("handler_name", request.user.name)
        super().__init__(*args, **kwargs)
        self.request = request
        cast(forms.ModelChoiceField, self.fields["unit"]).queryset = managed_subtree(request.user).order_by("path")


class CoverageSerializer(CertificateIssueSerializer):
    """The API's issuing validation without the volunteer: the admin checks unit and scope once for all."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["volunteer"]

    def validate(self, attrs: dict) -> dict:
        return self.validate_coverage(attrs)


class CoverageChecks:
    """What a certificate covers (one event, or a period): checked as the API checks it, and read back."""

    request: AdminRequest
    cleaned_data: dict[str, Any]

    def check_coverage(self, cleaned: dict[str, Any]) -> None:
        data = {key: value.pk if hasattr(value, "pk") else value for key, value in cleaned.items() if value is not None}
        data.pop("volunteer", None)
        serializer = CoverageSerializer(data=data, context={"request": self.request})
        if not serializer.is_valid():
            serializer_errors_to_form(cast(forms.Form, self), serializer.errors)

    def coverage(self) -> services.Coverage:
        data = self.cleaned_data
        if data.get("event") is not None:
            return services.Coverage(event=data["event"])
        return services.Coverage(period_start=data["period_start"], period_end=data["period_end"])


class IssueForm(CoverageChecks, UnitForm):
    """What one certificate covers: one event, or a period."""

    event = EventChoiceField(label=_("event"), queryset=Event.objects.none(), required=False)
    period_start = BoundedFormDateField(label=_("period start"), required=False, widget=DateInput())
    period_end = BoundedFormDateField(label=_("period end"), required=False, widget=DateInput())
    field_order = ["unit", "event", "period_start", "period_end", "handler_name", "remarks"]

    def __init__(self, *args, request: AdminRequest, volunteers=None, **kwargs) -> None:
        super().__init__(*args, request=request, **kwargs)
        events = attended_events(request.user, volunteers) if volunteers is not None else Event.objects.none()
        cast(forms.ModelChoiceField, self.fields["event"]).queryset = events
        self.fields["event"].help_text = _("Either one event the volunteers served at, or a period (both dates).")

    def clean(self) -> dict:
        cleaned = cast(dict[str, Any], super().clean())  # Form.clean returns cleaned_data
        if not self.errors:
            self.check_coverage(cleaned)
        return cleaned


# One volunteer's certificate: what it may cover follows from what they did --------------


def attended_events(user, volunteers) -> QuerySet[Event]:
    """Events the user manages at which one of the volunteers has approved hours: what a certificate may cover."""
    records = ServiceRecord.objects.managed_by(user).approved().filter(volunteer__in=volunteers, credited_hours__gt=0)
    return (
        Event.objects.managed_by(user)
        .filter(pk__in=records.values("event"))
        .select_related("unit")
        .order_by("-starts_at", "-pk")
    )


def issuing_units(user, volunteer) -> QuerySet[PracticeUnit]:
    """Units the user manages that may certify the volunteer's approved hours: their events' units and those above."""
    units: set[int] = set()
    event_units = PracticeUnit.objects.filter(pk__in=attended_events(user, [volunteer]).values("unit")).select_related(
        "parent__parent"
    )
    for unit in event_units:
        step: PracticeUnit | None = unit
        while step is not None:
            units.add(step.pk)
            step = step.parent
    return managed_subtree(user).filter(pk__in=units).order_by("path")


class CertificateForm(CoverageChecks, WorkflowForm):
    """One volunteer's certificate: the units and events offered are those their approved hours allow.

    The volunteer comes from the page (a volunteer's own page) or is chosen first; choosing
    another reloads the form with that volunteer's units and events (certificates/issue_form.js),
    and the same narrowed choices validate what is posted.
    """

    volunteer = VolunteerChoiceField(label=_("volunteer"), queryset=Volunteer.objects.none())
    unit = SafeModelChoiceField(label=_("issuing unit"), queryset=PracticeUnit.objects.none())
    event = EventChoiceField(label=_("event"), queryset=Event.objects.none(), required=False)
    period_start = BoundedFormDateField(label=_("period start"), required=False, widget=DateInput())
    period_end = BoundedFormDateField(label=_("period end"), required=False, widget=DateInput())
    handler_name = forms.CharField(label=_("handled by"), max_length=30, required=False)
    remarks = forms.CharField(label=_("remarks"), max_length=200, required=False)

    class Media:
        js = ["certificates/issue_form.js"]

    def __init__(self, *args, request: AdminRequest, volunteer: Volunteer | None = None, fixed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        user = request.user
        volunteers = Volunteer.objects.filter(
            pk__in=ServiceRecord.objects.managed_by(user).approved().values("volunteer")
        ).order_by("real_name", "pk")
        volunteer_field = cast(forms.ModelChoiceField, self.fields["volunteer"])
        if fixed and volunteer is not None:
            del self.fields["volunteer"]
        else:
            volunteer_field.queryset = volunteers
            volunteer_field.help_text = _("Volunteers with approved hours at your units' events.")
            if volunteer is not None:
                self.initial["volunteer"] = volunteer.pk
        self.fields["handler_name"].initial = user.name
        if volunteer is None:
            self.fields["event"].help_text = _("Choose the volunteer first: their events are then offered.")
            return
        units = issuing_units(user, volunteer)
        cast(forms.ModelChoiceField, self.fields["unit"]).queryset = units
        unit_ids = list(units.values_list("pk", flat=True))
        own = own_unit(request)
        if len(unit_ids) == 1:
            self.initial["unit"] = unit_ids[0]
        elif own is not None and own.pk in unit_ids:
            self.initial["unit"] = own.pk
        cast(forms.ModelChoiceField, self.fields["event"]).queryset = attended_events(user, [volunteer])
        self.fields["event"].help_text = _(
            "Either one of the events this volunteer served at, or a period (both dates)."
        )
        if not unit_ids:
            self.fields["unit"].help_text = _("This volunteer has no approved hours at the units you manage yet.")

    def clean(self) -> dict:
        cleaned = cast(dict[str, Any], super().clean())  # Form.clean returns cleaned_data
        if self.errors:
            return cleaned
        self.check_coverage(cleaned)
        event, unit = cleaned.get("event"), cleaned.get("unit")
        if event is not None and unit is not None and not is_under(event.unit, unit):
            self.add_error("unit", _("An event is certified by its own unit or a unit above it."))
        return cleaned


def issued_message(certificate: Certificate) -> str:
    """The success message with the way to the new certificate and its PDF."""
    return format_html(
        gettext('Certificate {number} issued: <a href="{page}">open it</a> · <a href="{pdf}">download the PDF</a>.'),
        number=certificate.number,
        page=reverse("admin:certificates_certificate_change", args=[certificate.pk]),
        pdf=reverse("certificate-pdf", args=[certificate.pk]),
    )


def issue_one(modeladmin: ScopedAdmin, request: AdminRequest, volunteer: Volunteer, form: CertificateForm):
    """Issue the form's certificate; a refusal is a form error, success a message with links."""
    data = form.cleaned_data
    try:
        certificate = services.issue_certificate(
            volunteer,
            data["unit"],
            form.coverage(),
            by=request.user,
            handler_name=data.get("handler_name", ""),
            remarks=data.get("remarks", ""),
        )
    except DomainError as error:
        form.add_error(None, error.detail)
        return None
    modeladmin.message_user(request, issued_message(certificate), messages.SUCCESS)
    return HttpResponseRedirect(reverse("admin:certificates_certificate_change", args=[certificate.pk]))


def issue_many(modeladmin: ScopedAdmin, request: HttpRequest, jobs: list[tuple], form: UnitForm) -> None:
    """Issue one certificate per (volunteer, coverage); each refusal named with its volunteer."""
    issued = 0
    last: Certificate | None = None
    for volunteer, coverage in jobs:
        try:
            last = services.issue_certificate(
                volunteer,
                form.cleaned_data["unit"],
                coverage,
                by=cast(User, request.user),  # an admin action: admin_view let only staff in
                handler_name=form.cleaned_data.get("handler_name", ""),
                remarks=form.cleaned_data.get("remarks", ""),
            )
        except DomainError as error:
            modeladmin.show_error(request, error, prefix=f"{volunteer.real_name}：")
            continue
        issued += 1
    if issued:
        modeladmin.message_user(
            request, ngettext("%d certificate issued.", "%d certificates issued.", issued) % issued, messages.SUCCESS
        )
    if issued == 1 and last is not None:
        modeladmin.message_user(request, issued_message(last), messages.SUCCESS)


# Issuing from the volunteers' and the records' lists. Certificates sit above both
# apps, so this app adds the actions to their admin pages, never the other way round.


@admin.action(description=_("Issue a certificate to the selected volunteers"))
def issue_to_volunteers(modeladmin: VolunteerAdmin, request: HttpRequest, queryset) -> HttpResponse | None:
    def perform(form: IssueForm) -> None:
        issue_many(modeladmin, request, [(volunteer, form.coverage()) for volunteer in queryset], form)

    return modeladmin.form_action(
        request,
        queryset,
        IssueForm,
        title=gettext("Issue a certificate"),
        perform=perform,
        form_kwargs={"request": request, "volunteers": queryset},
        intro=gettext("Each certificate counts the volunteer's approved hours at the unit's events in its scope."),
    )


def records_coverage(records: list) -> services.Coverage:
    """One event when the records are all of one event, else the period from the first to the last."""
    events = {record.event_id: record.event for record in records}
    if len(events) == 1:
        return services.Coverage(event=next(iter(events.values())))
    days = [timezone.localtime(event.starts_at).date() for event in events.values()]
    return services.Coverage(period_start=min(days), period_end=max(days))


@admin.action(description=_("Issue certificates for the selected records"))
def issue_for_records(modeladmin: ServiceRecordAdmin, request: HttpRequest, queryset) -> HttpResponse | None:
    def perform(form: UnitForm) -> None:
        by_volunteer: dict[int, list] = {}
        for record in queryset.select_related("event", "volunteer"):
            by_volunteer.setdefault(record.volunteer_id, []).append(record)
        jobs = [(records[0].volunteer, records_coverage(records)) for records in by_volunteer.values()]
        issue_many(modeladmin, request, jobs, form)

    return modeladmin.form_action(
        request,
        queryset,
        UnitForm,
        title=gettext("Issue certificates for the selected records"),
        perform=perform,
        form_kwargs={"request": request},
        intro=gettext(
            "One certificate per volunteer: for the event when their records are of one event, otherwise for the "
            "period from the first to the last; it counts every approved record in that scope."
        ),
    )


def volunteer_issue_view(self: VolunteerAdmin, request: AdminRequest, volunteer) -> HttpResponse:
    def perform(form: CertificateForm) -> HttpResponse | None:
        return issue_one(self, request, volunteer, form)

    return self.object_form(
        request,
        volunteer,
        CertificateForm,
        title=gettext("Issue a certificate to %(name)s") % {"name": volunteer.real_name},
        perform=perform,
        form_kwargs={"request": request, "volunteer": volunteer, "fixed": True},
    )


VolunteerAdmin.actions = [*VolunteerAdmin.actions, issue_to_volunteers]
VolunteerAdmin.object_tools = {**VolunteerAdmin.object_tools, "issue_certificate": _("Issue a certificate")}
# A view added from above, found by name (ScopedAdmin.object_tool_view): VolunteerAdmin cannot declare it.
VolunteerAdmin.issue_certificate_view = volunteer_issue_view  # type: ignore[attr-defined]
ServiceRecordAdmin.actions = [*ServiceRecordAdmin.actions, issue_for_records]


# Certificates -----------------------------------------------------------------------


class ValidityFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "validity"

    def lookups(self, request, model_admin):
        choices = [("valid", _("Valid")), ("revoked", _("Revoked"))]
        if hasattr(Certificate.objects, "needing_review"):
            choices.insert(1, ("review", _("Needs review")))
        return choices

    def queryset(self, request, queryset):
        if self.value() == "valid":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == "review" and hasattr(queryset, "needing_review"):
            return queryset.needing_review()
        return queryset


@admin.register(Certificate)
class CertificateAdmin(WorkflowOnlyAdmin):
    list_display = [
        "number",
        "volunteer_name",
        "unit_name",
        "service_time",
        "hours",
        "issued_at",
        "state",
        "download",
    ]
    list_filter = [ValidityFilter, "scope"]
    search_fields = ["number", "volunteer_name", "volunteer_number", "unit_name"]
    date_hierarchy = "issued_at"
    actions = ["revoke_selected", "reissue_selected"]
    exclude = ["verification_code", "pdf", "pdf_sha256"]
    object_tools = {"revoke": _("Revoke")}

    def has_add_permission(self, request, obj=None) -> bool:
        # "Add" issues one certificate through the service (CertificateForm).
        return self._allowed(request)

    def add_view(self, request, form_url="", extra_context=None) -> HttpResponse:
        if not self.has_add_permission(request):
            return super().add_view(request, form_url, extra_context)
        volunteer = self._chosen_volunteer(request)

        def perform(form: CertificateForm) -> HttpResponse | None:
            return issue_one(self, request, form.cleaned_data["volunteer"], form)

        return self.object_form(
            request,
            None,
            CertificateForm,
            title=gettext("Issue a certificate"),
            perform=perform,
            form_kwargs={"request": request, "volunteer": volunteer},
            intro=gettext("A certificate counts the volunteer's approved hours at the unit's events in its scope."),
        )

    def _chosen_volunteer(self, request: HttpRequest) -> Volunteer | None:
        """The volunteer the form is for: posted, or named in the address (?volunteer=) when the choice changed."""
        value = request.POST.get("volunteer") if request.method == "POST" else request.GET.get("volunteer")
        pk = safe_pk(value)
        if pk is None:
            return None
        approved = ServiceRecord.objects.managed_by(request.user).approved().values("volunteer")
        return Volunteer.objects.filter(pk=pk, pk__in=approved).first()

    def scoped_queryset(self, request):
        certificates = Certificate.objects.managed_by(request.user)
        return certificates.with_review_state() if hasattr(certificates, "with_review_state") else certificates

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not hasattr(services, "reissue_certificate"):
            actions.pop("reissue_selected", None)
        return actions

    @admin.display(description=_("status"))
    def state(self, certificate: Certificate) -> str:
        if certificate.is_revoked:
            return gettext("Revoked")
        if getattr(certificate, "needs_review", False):
            return gettext("Needs review")
        return gettext("Valid")

    @admin.display(description=_("PDF"))
    def download(self, certificate: Certificate) -> str:
        return format_html('<a href="{}">{}</a>', reverse("certificate-pdf", args=[certificate.pk]), _("Download"))

    def tool_links(self, request: HttpRequest, certificate: Certificate) -> list[tuple[StrOrPromise, str]]:
        links: list[tuple[StrOrPromise, str]] = [
            (gettext("Download the PDF"), reverse("certificate-pdf", args=[certificate.pk]))
        ]
        if certificate.is_revoked:
            return links
        return [*super().tool_links(request, certificate), *links]

    def _revoke(self, request: AdminRequest, certificates, reason: str) -> int:
        revoked = 0
        for certificate in certificates:
            try:
                services.revoke_certificate(certificate, by=request.user, reason=reason)
            except DomainError as error:
                self.show_error(request, error, prefix=f"{certificate.number}：")
                continue
            revoked += 1
        return revoked

    @admin.action(description=_("Revoke the selected certificates with a reason"))
    def revoke_selected(self, request, queryset) -> HttpResponse | None:
        def perform(form: ReasonForm) -> None:
            revoked = self._revoke(request, queryset, form.cleaned_data["reason"])
            self.message_user(
                request,
                ngettext("%d certificate revoked.", "%d certificates revoked.", revoked) % revoked,
                messages.SUCCESS,
            )

        return self.form_action(
            request,
            queryset,
            ReasonForm,
            title=gettext("Revoke certificates"),
            perform=perform,
            intro=gettext("A revoked certificate stays on record; verification then says it is revoked."),
        )

    @admin.action(description=_("Reissue the selected certificates from the records as they are now"))
    def reissue_selected(self, request, queryset) -> HttpResponse | None:
        def perform(form: ReasonForm) -> None:
            reissued = 0
            for certificate in queryset:
                try:
                    services.reissue_certificate(certificate, by=request.user, reason=form.cleaned_data["reason"])
                except DomainError as error:
                    self.show_error(request, error, prefix=f"{certificate.number}：")
                    continue
                reissued += 1
            self.message_user(
                request,
                ngettext("%d certificate reissued.", "%d certificates reissued.", reissued) % reissued,
                messages.SUCCESS,
            )

        return self.form_action(request, queryset, ReasonForm, title=gettext("Reissue certificates"), perform=perform)

    def revoke_view(self, request: AdminRequest, certificate: Certificate) -> HttpResponse:
        def perform(form: ReasonForm) -> None:
            if self._revoke(request, [certificate], form.cleaned_data["reason"]):
                self.message_user(request, gettext("Certificate revoked."), messages.SUCCESS)

        return self.object_form(
            request,
            certificate,
            ReasonForm,
            title=gettext("Revoke certificate %(number)s") % {"number": certificate.number},
            perform=perform,
        )


# Requests ---------------------------------------------------------------------------


@admin.register(CertificateRequest)
class CertificateRequestAdmin(WorkflowOnlyAdmin):
    list_display = [
        "volunteer",
        "unit",
        "scope",
        "event",
        "period_start",
        "period_end",
        "purpose",
        "status",
        "created_at",
    ]
    list_filter = ["status", "scope"]
    search_fields = ["volunteer__real_name", "volunteer__number", "unit__name", "purpose"]
    list_select_related = ["volunteer", "unit", "event"]
    actions = ["accept_selected", "decline_selected"]
    object_tools = {"accept": _("Issue the certificate"), "decline": _("Decline")}

    def scoped_queryset(self, request):
        return CertificateRequest.objects.managed_by(request.user)

    def tool_links(
        self, request: HttpRequest, certificate_request: CertificateRequest
    ) -> list[tuple[StrOrPromise, str]]:
        if certificate_request.status != RequestStatus.PENDING:
            return []
        return super().tool_links(request, certificate_request)

    def _accept(self, request: AdminRequest, requests_) -> int:
        issued = 0
        for certificate_request in requests_:
            try:
                services.accept_request(certificate_request, by=request.user, handler_name=request.user.name)
            except DomainError as error:
                self.show_error(request, error, prefix=f"{certificate_request}：")
                continue
            issued += 1
        if issued:
            self.message_user(
                request,
                ngettext("%d certificate issued.", "%d certificates issued.", issued) % issued,
                messages.SUCCESS,
            )
        return issued

    def _decline(self, request: AdminRequest, requests_, reason: str) -> int:
        declined = 0
        for certificate_request in requests_:
            try:
                services.decline_request(certificate_request, by=request.user, reason=reason)
            except DomainError as error:
                self.show_error(request, error, prefix=f"{certificate_request}：")
                continue
            declined += 1
        self.message_user(request, ngettext("%d request declined.", "%d requests declined.", declined) % declined)
        return declined

    @admin.action(description=_("Issue the certificates asked for"))
    def accept_selected(self, request, queryset) -> None:
        self._accept(request, queryset.filter(status=RequestStatus.PENDING))

    @admin.action(description=_("Decline the selected requests with a reason"))
    def decline_selected(self, request, queryset) -> HttpResponse | None:
        def perform(form: DeclineForm) -> None:
            self._decline(request, queryset, form.cleaned_data["reason"])

        return self.form_action(
            request,
            queryset,
            DeclineForm,
            title=gettext("Decline requests"),
            perform=perform,
            intro=gettext("The volunteer sees the reason."),
        )

    def accept_view(self, request: AdminRequest, certificate_request: CertificateRequest) -> HttpResponse:
        def perform(form: ConfirmForm) -> None:
            self._accept(request, [certificate_request])

        return self.object_form(
            request, certificate_request, ConfirmForm, title=gettext("Issue the certificate asked for"), perform=perform
        )

    def decline_view(self, request: AdminRequest, certificate_request: CertificateRequest) -> HttpResponse:
        def perform(form: DeclineForm) -> None:
            self._decline(request, [certificate_request], form.cleaned_data["reason"])

        return self.object_form(
            request, certificate_request, DeclineForm, title=gettext("Decline the request"), perform=perform
        )


# Bulk jobs --------------------------------------------------------------------------


ACTIVE_JOB_STATES = (JobStatus.QUEUED, JobStatus.RUNNING)


class BulkJobForm(WorkflowForm):
    unit = SafeModelChoiceField(label=_("issuing unit"), queryset=PracticeUnit.objects.none())
    period_start = BoundedFormDateField(label=_("period start"), widget=DateInput())
    period_end = BoundedFormDateField(label=_("period end"), widget=DateInput())
    remarks = forms.CharField(label=_("remarks"), max_length=200, required=False)

    def __init__(self, *args, request: AdminRequest, **kwargs) -> None:
        kwargs.setdefault("initial", {})
        unit = own_unit(request)
        year = timezone.localdate().year
        kwargs["initial"] |= {
            "unit": unit.pk if unit else None,
            "period_start": datetime.date(year, 1, 1),
            "period_end": datetime.date(year, 12, 31),
        }
        super().__init__(*args, **kwargs)
        self.request = request
        cast(forms.ModelChoiceField, self.fields["unit"]).queryset = managed_subtree(request.user).order_by("path")

    def clean(self) -> dict:
        cleaned = cast(dict[str, Any], super().clean())  # Form.clean returns cleaned_data
        if self.errors:
            return cleaned
        data = {key: value.pk if hasattr(value, "pk") else value for key, value in cleaned.items()}
        serializer = BulkIssueJobSerializer(data=data, context={"request": self.request})
        if not serializer.is_valid():
            serializer_errors_to_form(self, serializer.errors)
        return cleaned


@admin.register(BulkIssueJob)
class BulkIssueJobAdmin(WorkflowOnlyAdmin):
    list_display = ["unit", "period_start", "period_end", "status", "progress", "issued", "downloads", "created_at"]
    list_filter = ["status"]
    search_fields = ["unit__name"]
    list_select_related = ["unit"]
    readonly_fields = ["progress", "downloads"]
    change_form_template = "admin/certificates/bulkissuejob/change_form.html"

    def scoped_queryset(self, request):
        return BulkIssueJob.objects.visible_to(request.user)

    def has_add_permission(self, request, obj=None) -> bool:
        # "Add" starts a job through the service.
        return self._allowed(request)

    @admin.display(description=_("progress"))
    def progress(self, job: BulkIssueJob) -> str:
        if job.status == JobStatus.FAILED:
            return gettext("Failed")
        return f"{job.processed} / {job.total}"

    @admin.display(description=_("downloads"))
    def downloads(self, job: BulkIssueJob) -> str:
        if not job.zip_file:
            return "—"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("certificate-job-zip", args=[job.pk]),
            gettext("ZIP"),
            reverse("certificate-job-combined-pdf", args=[job.pk]),
            gettext("combined PDF"),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self.get_object(request, object_id)
        extra_context = {**(extra_context or {}), "job_active": job is not None and job.status in ACTIVE_JOB_STATES}
        return super().change_view(request, object_id, form_url, extra_context)

    def add_view(self, request, form_url="", extra_context=None) -> HttpResponse:
        if not self.has_add_permission(request):
            return super().add_view(request, form_url, extra_context)

        def perform(form: BulkJobForm) -> HttpResponse | None:
            data = form.cleaned_data
            try:
                job, created = services.start_bulk_job(
                    data["unit"], data["period_start"], data["period_end"], by=request.user, remarks=data["remarks"]
                )
            except DomainError as error:
                form.add_error(None, error.detail)
                return None
            message = gettext("Job started.") if created else gettext("A job for this unit and period is running.")
            self.message_user(request, message, messages.SUCCESS)
            return HttpResponseRedirect(self.change_url(job))

        return self.object_form(
            request,
            None,
            BulkJobForm,
            title=gettext("Issue certificates in bulk"),
            perform=perform,
            form_kwargs={"request": request},
            intro=gettext(
                "Every volunteer with approved hours at the unit's events in the period gets a certificate; "
                "those already certified for the period are not issued again."
            ),
        )
