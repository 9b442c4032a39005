"""Venues and their bookings in the admin, for a unit's managers: each sees and changes only
the venues of their subtree. Bookings are made by residents and decided here or on the
manager's page, always through ``venues.services``."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.admin import AdminRequest
from accounts.errors import DomainError
from stations.admin import ScopedAdmin, WorkflowForm, WorkflowOnlyAdmin
from venues import services
from venues.models import ALL_WEEKDAYS, Booking, Venue, VenuePhoto
from venues.photos import PhotoRejected, reencode_venue_photo


def tidy_weekdays(typed: str) -> str:
    return "".join(sorted({c for c in typed if c in ALL_WEEKDAYS}))


class VenueAdminForm(forms.ModelForm):
    def clean_open_weekdays(self) -> str:
        typed = self.cleaned_data.get("open_weekdays", "")
        if not tidy_weekdays(typed):
            # Saved as "" before: a venue that is never open.
            raise forms.ValidationError(
                _("Give the open weekdays as digits 1 (Monday) to 7 (Sunday)."), code="no_weekday"
            )
        return typed


class VenuePhotoForm(forms.ModelForm):
    class Meta:
        model = VenuePhoto
        fields = ["image", "caption"]

    def clean_image(self):
        image = self.cleaned_data.get("image")
        # A new upload (an unchanged row keeps its stored file, already re-encoded).
        if image is not None and "image" in self.changed_data:
            try:
                return reencode_venue_photo(image)
            except PhotoRejected as rejection:
                raise forms.ValidationError(str(rejection), code="not_a_photo") from None
        return image


class VenuePhotoInline(admin.TabularInline):
    model = VenuePhoto
    form = VenuePhotoForm
    extra = 1
    max_num = 12

    def get_formset(self, request, obj=None, **kwargs):
        # Django builds and cleans up to max_num + 1000 rows from a crafted TOTAL_FORMS, each
        # upload decoded; at most max_num rows are read and more are refused.
        kwargs.setdefault("validate_max", True)
        kwargs.setdefault("absolute_max", self.max_num)
        return super().get_formset(request, obj, **kwargs)

    # The venue around it is already scoped to the manager.
    def has_view_permission(self, request, obj=None) -> bool:
        return True

    def has_add_permission(self, request, obj=None) -> bool:
        return True

    def has_change_permission(self, request, obj=None) -> bool:
        return True

    def has_delete_permission(self, request, obj=None) -> bool:
        return True


@admin.register(Venue)
class VenueAdmin(ScopedAdmin):
    list_display = ["name", "unit", "kind", "capacity", "opening", "approval_required", "is_active"]
    list_filter = ["kind", "is_active", "approval_required", "unit__level"]
    search_fields = ["name", "address", "unit__name"]
    list_select_related = ["unit"]
    form = VenueAdminForm
    inlines = [VenuePhotoInline]
    fieldsets = [
        (None, {"fields": ["unit", "name", "kind", "address", "capacity", "facilities", "description", "is_active"]}),
        (_("Opening hours"), {"fields": ["open_weekdays", "opens_at", "closes_at"]}),
        (
            _("Booking rules"),
            {"fields": ["approval_required", "max_booking_minutes", "bookings_per_month", "advance_days"]},
        ),
    ]

    def scoped_queryset(self, request):
        return Venue.objects.managed_by(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        # A venue with bookings is protected; one without may go, by its own managers too.
        return self._allowed(request)

    @admin.display(description=_("opening hours"))
    def opening(self, venue: Venue) -> str:
        return f"{venue.opens_at:%H:%M}–{venue.closes_at:%H:%M}"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if "open_weekdays" in form.base_fields:
            form.base_fields["open_weekdays"].help_text = gettext(
                "Digits of the open weekdays, 1 = Monday … 7 = Sunday, e.g. 12345."
            )
        return form

    def save_model(self, request, obj, form, change) -> None:
        # Keep the digits once each and in order, whatever was typed ("5 3,1" → "135").
        obj.open_weekdays = tidy_weekdays(obj.open_weekdays)
        super().save_model(request, obj, form, change)


class RefuseForm(WorkflowForm):
    reason = forms.CharField(label=_("reason"), max_length=200, widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(Booking)
class BookingAdmin(WorkflowOnlyAdmin):
    list_display = ["venue", "starts_at", "ends_at", "booker", "team", "attendees", "status"]
    list_filter = ["status", "venue__kind", "is_public"]
    search_fields = ["venue__name", "purpose", "team__name"]
    list_select_related = ["venue", "booker", "team"]
    date_hierarchy = "starts_at"
    actions = ["approve_selected", "refuse_selected"]
    object_tools = {"approve": _("Approve"), "refuse": _("Refuse")}
    readonly_fields = [
        "venue",
        "booker",
        "team",
        "purpose",
        "attendees",
        "starts_at",
        "ends_at",
        "is_public",
        "status",
        "decided_by",
        "decided_at",
        "refuse_reason",
        "created_at",
    ]

    def scoped_queryset(self, request):
        return Booking.objects.managed_by(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._allowed(request)

    # One booking ----------------------------------------------------------------------

    def approve_view(self, request: AdminRequest, booking: Booking) -> HttpResponse:
        def perform(form: WorkflowForm) -> None:
            try:
                services.decide(booking, by=request.user, approve=True, at=timezone.now())
            except DomainError as error:
                form.add_error(None, error.detail)
                return None
            self.message_user(request, gettext("Booking approved."), messages.SUCCESS)
            return None

        return self.object_form(
            request, booking, WorkflowForm, title=gettext("Approve %(booking)s") % {"booking": booking}, perform=perform
        )

    def refuse_view(self, request: AdminRequest, booking: Booking) -> HttpResponse:
        def perform(form: RefuseForm) -> None:
            try:
                services.decide(
                    booking, by=request.user, approve=False, reason=form.cleaned_data["reason"], at=timezone.now()
                )
            except DomainError as error:
                form.add_error(None, error.detail)
                return None
            self.message_user(request, gettext("Booking refused."), messages.SUCCESS)
            return None

        return self.object_form(
            request, booking, RefuseForm, title=gettext("Refuse %(booking)s") % {"booking": booking}, perform=perform
        )

    # Many bookings --------------------------------------------------------------------

    @admin.action(description=_("Approve the selected bookings"))
    def approve_selected(self, request: HttpRequest, queryset) -> None:
        approved = 0
        for booking in queryset:
            try:
                services.decide(booking, by=request.user, approve=True, at=timezone.now())
            except DomainError as error:
                self.show_error(request, error, prefix=f"{booking}：")
                continue
            approved += 1
        self.message_user(
            request,
            ngettext("%d booking approved.", "%d bookings approved.", approved) % approved,
            messages.SUCCESS,
        )

    @admin.action(description=_("Refuse the selected bookings with a reason"))
    def refuse_selected(self, request: HttpRequest, queryset) -> HttpResponse | None:
        def perform(form: RefuseForm) -> None:
            refused = 0
            for booking in queryset:
                try:
                    services.decide(
                        booking, by=request.user, approve=False, reason=form.cleaned_data["reason"], at=timezone.now()
                    )
                except DomainError as error:
                    self.show_error(request, error, prefix=f"{booking}：")
                    continue
                refused += 1
            self.message_user(request, ngettext("%d booking refused.", "%d bookings refused.", refused) % refused)
            return None

        return self.form_action(
            request, queryset, RefuseForm, title=gettext("Refuse the selected bookings"), perform=perform
        )
