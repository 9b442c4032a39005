from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from events import exports, services
from events.models import Event, RecordChange, RefusedScan, ServiceRecord, Signup
from stations.admin import ScopedAdmin, WorkflowOnlyAdmin


@admin.register(Event)
class EventAdmin(ScopedAdmin):
    list_display = ["title", "unit", "category", "starts_at", "ends_at", "capacity", "status"]
    list_filter = ["status", "category", "signup_required", "approval_required"]
    search_fields = ["title", "address", "unit__name"]
    list_select_related = ["unit"]
    date_hierarchy = "starts_at"
    readonly_fields = ["created_by", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["unit", "title", "category", "description", "recipients", "status"]}),
        (_("Time and place"), {"fields": ["starts_at", "ends_at", "address", "latitude", "longitude", "radius_m"]}),
        (_("Sign-up"), {"fields": ["capacity", "signup_required", "risk_notice", "lead_name", "recorder_name"]}),
        (
            _("Check-in rules"),
            {
                "fields": [
                    "approval_required",
                    "checkin_opens_minutes",
                    "checkout_closes_minutes",
                    "min_presence_ratio",
                    "rounding_minutes",
                ]
            },
        ),
        (_("Record"), {"fields": ["created_by", "created_at", "updated_at"]}),
    ]

    def scoped_queryset(self, request):
        return Event.objects.managed_by(request.user)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Signup)
class SignupAdmin(WorkflowOnlyAdmin):
    list_display = ["volunteer", "event", "status", "queued_at"]
    list_filter = ["status"]
    search_fields = ["volunteer__real_name", "volunteer__number", "event__title"]
    list_select_related = ["volunteer", "event"]

    def scoped_queryset(self, request):
        return Signup.objects.filter(event__in=Event.objects.managed_by(request.user))


class RecordChangeInline(admin.TabularInline):
    model = RecordChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "changed_by", "action", "old", "new", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        # The record around it is already scoped to the manager.
        return True


@admin.register(ServiceRecord)
class ServiceRecordAdmin(WorkflowOnlyAdmin):
    list_display = [
        "volunteer",
        "event",
        "checked_in_at",
        "checked_out_at",
        "credited_hours",
        "method",
        "status",
        "flag",
    ]
    list_filter = ["status", "method", "flag"]
    search_fields = ["volunteer__real_name", "volunteer__number", "event__title"]
    list_select_related = ["volunteer", "event"]
    date_hierarchy = "checked_in_at"
    actions = ["approve_selected", "reject_selected", "export_selected"]
    inlines = [RecordChangeInline]

    def scoped_queryset(self, request):
        return ServiceRecord.objects.managed_by(request.user)

    @admin.action(description=_("Approve the selected records"))
    def approve_selected(self, request, queryset) -> None:
        outcome = services.bulk_approve(queryset, by=request.user)
        approved = len(outcome.pop("approved"))
        self.message_user(
            request, ngettext("%d record approved.", "%d records approved.", approved) % approved, messages.SUCCESS
        )
        skipped = sum(len(ids) for ids in outcome.values())
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%d record could not be approved (not pending, missing check-out, or entered by you).",
                    "%d records could not be approved (not pending, missing check-out, or entered by you).",
                    skipped,
                )
                % skipped,
                messages.WARNING,
            )

    @admin.action(description=_("Reject the selected records (reason: rejected in admin review)"))
    def reject_selected(self, request, queryset) -> None:
        rejected = 0
        for record in queryset:
            try:
                services.reject_record(record, by=request.user, reason=str(_("Rejected in admin review")))
            except services.RecordError:
                continue
            rejected += 1
        self.message_user(request, ngettext("%d record rejected.", "%d records rejected.", rejected) % rejected)

    @admin.action(description=_("Export the selected records (CSV)"))
    def export_selected(self, request, queryset):
        return exports.records_csv_response(queryset)


@admin.register(RefusedScan)
class RefusedScanAdmin(WorkflowOnlyAdmin):
    list_display = ["at", "code", "volunteer", "event", "action", "ip"]
    list_filter = ["code", "action"]
    search_fields = ["volunteer__real_name", "volunteer__number", "event__title", "ip"]
    list_select_related = ["volunteer", "event"]
    date_hierarchy = "at"

    def scoped_queryset(self, request):
        return RefusedScan.objects.visible_to(request.user)
