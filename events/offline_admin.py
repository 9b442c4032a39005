"""Scanner devices and offline scans in the admin, scoped like the API: revoke devices, and accept or
dismiss refused scans through ``events.offline_scanning`` (four eyes included)."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import admin, messages
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, Value, When
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from events.models import OfflineScan, ScannerDevice, ServiceRecord, Signup, SignupStatus
from events.offline_scanning import OfflineScanError, resolve_conflict, revoke_device
from events.offline_serializers import ResolveSerializer, reason_text
from stations.admin import WorkflowForm, WorkflowOnlyAdmin, serializer_errors_to_form
from stations.scoping import managed_q
from volunteers.names import mask_name


class RevokedFilter(admin.SimpleListFilter):
    title = _("revoked")
    parameter_name = "revoked"

    def lookups(self, request, model_admin):
        return [("yes", _("Revoked")), ("no", _("In use"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(revoked_at__isnull=self.value() == "no")
        return queryset


@admin.register(ScannerDevice)
class ScannerDeviceAdmin(WorkflowOnlyAdmin):
    """Registered from the scan page; here only seen and revoked."""

    list_display = [
        "name",
        "unit",
        "registered_by",
        "registered_at",
        "last_seen_at",
        "clock_offset_ms",
        "revoked_at",
        "refused_uploads",
        "last_refused_at",
    ]
    list_filter = [RevokedFilter]
    search_fields = ["name", "unit__name"]
    list_select_related = ["unit", "registered_by"]
    actions = ["revoke_selected"]

    def scoped_queryset(self, request):
        return ScannerDevice.objects.visible_to(request.user)

    @admin.action(description=_("Revoke the selected devices"))
    def revoke_selected(self, request: HttpRequest, queryset) -> None:
        revoked = 0
        for device in queryset.select_related("unit"):
            try:
                revoke_device(device, by=cast(User, request.user), at=timezone.now())
            except OfflineScanError as error:
                self.show_error(request, error, prefix=f"{device}：")
                continue
            revoked += 1
        self.message_user(
            request, ngettext("%d device revoked.", "%d devices revoked.", revoked) % revoked, messages.SUCCESS
        )


class NoteForm(WorkflowForm):
    note = forms.CharField(label=_("note"), max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, accept: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.accept = accept

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        serializer = ResolveSerializer(data={"note": cleaned.get("note", "")}, context={"accept": self.accept})
        if not serializer.is_valid():
            serializer_errors_to_form(self, serializer.errors)
        return cleaned


@admin.register(OfflineScan)
class OfflineScanAdmin(WorkflowOnlyAdmin):
    """Scans uploaded by offline scanners; the refused ones wait for a second person's decision."""

    list_display = [
        "scanned_at",
        "volunteer_shown",
        "event",
        "action",
        "outcome",
        "reason_shown",
        "device",
        "scanned_by",
        "resolution",
        "reviewed_by",
    ]
    list_filter = ["outcome", "resolution", "reason", "action"]
    # Not the volunteer's name: a search for a full name would tell who a masked one is.
    search_fields = ["event__title", "device__name"]
    list_select_related = ["volunteer", "event", "device", "scanned_by", "reviewed_by"]
    # A printed card's code stays valid until revoked: whoever reads it could print the card again.
    # The volunteer is shown as the queue shows them (volunteer_shown), never by the row's full name.
    exclude = ["code", "volunteer"]
    readonly_fields = ["volunteer_shown"]
    actions = ["accept_selected", "dismiss_selected"]

    def scoped_queryset(self, request):
        # In full, as in the review queue (events.offline_scanning.shown_names): someone signed up
        # for or at the event, or a volunteer of the reader's units; one annotation, no query per row.
        place = Signup.objects.filter(event=OuterRef("event"), volunteer=OuterRef("volunteer")).exclude(
            status=SignupStatus.CANCELLED
        )
        attended = ServiceRecord.objects.filter(event=OuterRef("event"), volunteer=OuterRef("volunteer"))
        scans = OfflineScan.objects.visible_to(request.user)
        if request.user.is_superuser:
            return scans.annotate(name_in_full=Value(True))
        seen = managed_q(request.user, "volunteer__home_station__path") | Q(volunteer__user=request.user)
        full = Q(Exists(place)) | Q(Exists(attended)) | seen
        return scans.annotate(
            name_in_full=Case(When(full, then=Value(True)), default=Value(False), output_field=BooleanField())
        )

    @admin.display(description=_("volunteer"))
    def volunteer_shown(self, scan: OfflineScan) -> str:
        if scan.volunteer is None:
            return "—"
        name = scan.volunteer.real_name
        return name if getattr(scan, "name_in_full", False) else mask_name(name)

    @admin.display(description=_("reason"))
    def reason_shown(self, scan: OfflineScan) -> str:
        return reason_text(scan.reason)

    def _resolve(self, request: HttpRequest, queryset, *, accept: bool) -> HttpResponse | None:
        def perform(form: NoteForm) -> None:
            done = 0
            for scan in queryset:
                try:
                    resolve_conflict(
                        scan,
                        accept=accept,
                        note=form.cleaned_data["note"].strip(),
                        by=cast(User, request.user),
                        now=timezone.now(),
                    )
                except OfflineScanError as error:
                    self.show_error(request, error, prefix=f"{scan}：")
                    continue
                done += 1
            if accept:
                text = ngettext("%d scan accepted.", "%d scans accepted.", done)
            else:
                text = ngettext("%d scan dismissed.", "%d scans dismissed.", done)
            self.message_user(request, text % done, messages.SUCCESS)

        title = gettext("Accept the selected scans") if accept else gettext("Dismiss the selected scans")
        kwargs = {"accept": accept}
        return self.form_action(request, queryset, NoteForm, title=title, perform=perform, form_kwargs=kwargs)

    @admin.action(description=_("Accept the selected refused scans (with a note)"))
    def accept_selected(self, request: HttpRequest, queryset) -> HttpResponse | None:
        return self._resolve(request, queryset, accept=True)

    @admin.action(description=_("Dismiss the selected refused scans"))
    def dismiss_selected(self, request: HttpRequest, queryset) -> HttpResponse | None:
        return self._resolve(request, queryset, accept=False)
