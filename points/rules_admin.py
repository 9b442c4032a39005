"""Points rules, event coefficients and awards in the admin.

A center's rule is set by admins and the center's managers; a unit below sets its own
only where its center's rule lets units override. Awards are proposed here by one
manager and approved or declined by another, through ``points.awards``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.validators import MaxValueValidator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.admin import AdminRequest
from accounts.errors import DomainError
from accounts.models import AnyUser
from events.models import Event
from points.awards import approve_award, decline_award, propose_award
from points.earning import event_points_due
from points.ledger import center_of
from points.models import MAX_POINTS, AwardRequest, CategoryRate, EventCoefficient, PointsRule, RequestStatus
from stations.admin import SafeModelChoiceField, ScopedAdmin, WorkflowForm
from stations.models import Level, PracticeUnit
from stations.scoping import manages, root_units, scoped
from volunteers.models import Volunteer

# Rules --------------------------------------------------------------------------------------


def may_set_rule(user: AnyUser, unit: PracticeUnit) -> bool:
    """Admins and the center's managers set any rule of the center; a manager of a unit below
    sets that unit's rule only where the center's rule lets units override."""
    center = center_of(unit)
    if manages(user, center):
        return True
    if not manages(user, unit):
        return False
    return PointsRule.objects.filter(unit=center, units_may_override=True).exists()


def _ancestor_paths(units: list[PracticeUnit]) -> set[str]:
    return {unit.path[:end] for unit in units for end in range(1, len(unit.path)) if unit.path[end - 1] == "/"}


def rules_in_reach(user: AnyUser):
    """The rules a user sees: of the units they manage, and of the units above them (what applies to them)."""
    above = _ancestor_paths(root_units(user)) if user.is_authenticated else set()
    return scoped(PointsRule.objects.select_related("unit"), user, "unit__path", own=Q(unit__path__in=above))


# Far above any scheme in use (南京 1 point an hour, 海林 10); what the model's 12 digits hold
# would, times the hours and the coefficients, overflow one transfer's amount.
MAX_POINTS_PER_HOUR = Decimal(10000)


def bound_rate(form: forms.BaseForm) -> None:
    """Points per hour at most MAX_POINTS_PER_HOUR, said in the field's message and the input's max."""
    field = form.fields.get("points_per_hour")
    # Absent when the page shows the rule read-only.
    if field is not None:
        field.validators.append(MaxValueValidator(MAX_POINTS_PER_HOUR))
        field.widget.attrs["max"] = str(MAX_POINTS_PER_HOUR)


class PointsRuleForm(forms.ModelForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bound_rate(self)

    class Meta:
        model = PointsRule
        fields = [
            "unit",
            "points_per_hour",
            "leader_coefficient",
            "activity_hours_cap",
            "day_hours_cap",
            "cap",
            "cap_kind",
            "expiry_years",
            "referral_points",
            "gifts_allowed",
            "donations_allowed",
            "units_may_override",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = cast(dict[str, Any], super().clean())
        unit = cleaned.get("unit") or (self.instance.unit if self.instance.unit_id else None)
        if unit is not None and unit.level != Level.CENTER and cleaned.get("units_may_override"):
            self.add_error("units_may_override", gettext("Only a center's rule lets the units below set their own."))
        return cleaned


class RuleChildPermissions:
    """An inline of a rule is changed by whoever may change the rule."""

    def _may(self, request: HttpRequest, obj: PointsRule | None) -> bool:
        return obj is None or may_set_rule(request.user, obj.unit)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, obj)


class CategoryRateForm(forms.ModelForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bound_rate(self)

    class Meta:
        model = CategoryRate
        fields = ["category", "points_per_hour"]


class CategoryRateInline(RuleChildPermissions, admin.TabularInline):
    model = CategoryRate
    form = CategoryRateForm
    extra = 0


@admin.register(PointsRule)
class PointsRuleAdmin(ScopedAdmin):
    form = PointsRuleForm
    inlines = [CategoryRateInline]
    list_display = ["unit", "points_per_hour", "cap", "cap_kind", "expiry_years", "units_may_override", "updated_at"]
    list_filter = ["cap_kind", "units_may_override", "gifts_allowed", "donations_allowed"]
    search_fields = ["unit__name", "unit__code"]
    fieldsets = [
        (None, {"fields": ["unit", "points_per_hour", "leader_coefficient"]}),
        (_("Hours counted"), {"fields": ["activity_hours_cap", "day_hours_cap"]}),
        (_("Caps and expiry"), {"fields": ["cap", "cap_kind", "expiry_years"]}),
        (
            _("Referrals, transfers and donations"),
            {"fields": ["referral_points", "gifts_allowed", "donations_allowed", "units_may_override"]},
        ),
    ]

    def scoped_queryset(self, request):
        return rules_in_reach(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._allowed(request) and (obj is None or may_set_rule(request.user, obj.unit))

    def get_readonly_fields(self, request, obj=None):
        # A rule belongs to its unit: another unit's rule is a rule of its own.
        return ["unit"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "unit" and not request.user.is_superuser:
            overriding = PointsRule.objects.filter(units_may_override=True, unit__level=Level.CENTER)
            settable = Q(level=Level.CENTER)
            for path in overriding.values_list("unit__path", flat=True):
                settable |= Q(path__startswith=path)
            # A center's managers set every rule below it, overrides allowed or not.
            for root in root_units(request.user):
                if root.level == Level.CENTER:
                    settable |= Q(path__startswith=root.path)
            field.queryset = field.queryset.filter(settable)
        return field


# Event coefficients -------------------------------------------------------------------------------


@admin.register(EventCoefficient)
class EventCoefficientAdmin(ScopedAdmin):
    list_display = ["event", "coefficient", "reason"]
    search_fields = ["event__title"]
    list_select_related = ["event"]

    def scoped_queryset(self, request):
        return scoped(EventCoefficient.objects.all(), request.user, "event__unit__path")

    def get_readonly_fields(self, request, obj=None):
        # Moved to another event, the first event's points would keep a coefficient it no longer has.
        return ["event"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "event":
            kwargs["queryset"] = Event.objects.managed_by(request.user).order_by("-starts_at")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        event_points_due(obj.event_id)

    def delete_model(self, request, obj) -> None:
        event_id = obj.event_id
        super().delete_model(request, obj)
        event_points_due(event_id)

    def delete_queryset(self, request, queryset) -> None:
        event_ids = list(queryset.values_list("event_id", flat=True))
        super().delete_queryset(request, queryset)
        for event_id in event_ids:
            event_points_due(event_id)


# Awards (four eyes) -----------------------------------------------------------------------------------


class ProposeAwardForm(WorkflowForm):
    volunteer = SafeModelChoiceField(label=_("volunteer"), queryset=Volunteer.objects.none())
    unit = SafeModelChoiceField(
        label=_("unit"),
        queryset=PracticeUnit.objects.none(),
        help_text=_("The volunteer's home station or a unit above it that you manage."),
    )
    amount = forms.DecimalField(
        label=_("points"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_POINTS,
        required=False,
        help_text=_("For a referral, empty: the referral points of the rules."),
    )
    reason = forms.CharField(label=_("reason"), max_length=200, widget=forms.Textarea(attrs={"rows": 3}))
    is_referral = forms.BooleanField(label=_("referral"), required=False)

    def __init__(self, *args: Any, request: AdminRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["volunteer"]).queryset = Volunteer.objects.managed_by(request.user)
        cast(forms.ModelChoiceField, self.fields["unit"]).queryset = PracticeUnit.objects.managed_by(request.user)

    def clean(self) -> dict[str, Any]:
        cleaned = cast(dict[str, Any], super().clean())
        if cleaned.get("amount") is None and not cleaned.get("is_referral") and "amount" not in self.errors:
            self.add_error("amount", gettext("Give the points to award."))
        return cleaned


class DeclineForm(WorkflowForm):
    reason = forms.CharField(label=_("reason"), max_length=200, widget=forms.Textarea(attrs={"rows": 3}))


class ConfirmForm(WorkflowForm):
    pass


@admin.register(AwardRequest)
class AwardRequestAdmin(ScopedAdmin):
    """Awards are proposed here and decided through the object tools or the list's actions, never edited."""

    list_display = ["volunteer", "amount", "reason", "unit", "is_referral", "status", "proposed_by", "decided_by"]
    list_filter = ["status", "is_referral"]
    search_fields = ["volunteer__real_name", "volunteer__number", "reason"]
    list_select_related = ["volunteer", "unit", "proposed_by", "decided_by"]
    readonly_fields = ["proposed_by", "decided_by", "decided_at", "created_at"]
    actions = ["approve_selected", "decline_selected"]
    object_tools = {"approve": _("Approve"), "decline": _("Decline")}

    def scoped_queryset(self, request):
        return scoped(AwardRequest.objects.select_related("volunteer", "unit"), request.user, "unit__path")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def tool_links(self, request, obj):
        return super().tool_links(request, obj) if obj.status == RequestStatus.PENDING else []

    def add_view(self, request, form_url="", extra_context=None) -> HttpResponse:
        if not self.has_add_permission(request):
            return super().add_view(request, form_url, extra_context)

        def perform(form: ProposeAwardForm) -> HttpResponse | None:
            data = form.cleaned_data
            try:
                award = propose_award(
                    data["volunteer"],
                    data["amount"],
                    data["reason"],
                    by=request.user,
                    unit=data["unit"],
                    is_referral=data["is_referral"],
                )
            except DomainError as error:
                form.add_error(None, error.detail)
                return None
            self.log_addition(request, award, [{"added": {}}])
            self.message_user(request, gettext("Award proposed; another manager approves it."), messages.SUCCESS)
            return HttpResponseRedirect(self.change_url(award))

        return self.object_form(
            request,
            None,
            ProposeAwardForm,
            title=gettext("Propose an award of points"),
            perform=perform,
            form_kwargs={"request": request},
            intro=gettext("The points move once another manager of the unit approves."),
        )

    def _facts(self, award: AwardRequest) -> list[tuple[str, str]]:
        return [
            (gettext("volunteer"), award.volunteer.real_name),
            (gettext("points"), str(award.amount)),
            (gettext("reason"), award.reason),
            (gettext("proposed by"), award.proposed_by.get_short_name()),
            (gettext("proposed at"), date_format(timezone.localtime(award.created_at), "Y-m-d H:i")),
        ]

    def approve_view(self, request: AdminRequest, award: AwardRequest) -> HttpResponse:
        form = ConfirmForm(request.POST) if request.method == "POST" else ConfirmForm()
        if request.method == "POST" and form.is_valid():
            try:
                approve_award(award, by=request.user)
            except DomainError as error:
                form.add_error(None, error.detail)
            else:
                self.log_change(request, award, gettext("Approved"))
                self.message_user(request, gettext("Award approved; the points are credited."), messages.SUCCESS)
                return HttpResponseRedirect(self.change_url(award))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Approve %(award)s") % {"award": award},
            "facts": self._facts(award),
            "form": form,
            "object": award,
            "opts": self.model._meta,
            "change_url": self.change_url(award),
            "submit_label": gettext("Approve these points"),
        }
        return TemplateResponse(request, "admin/workflow_form.html", context)

    def decline_view(self, request: AdminRequest, award: AwardRequest) -> HttpResponse:
        def perform(form: DeclineForm) -> None:
            try:
                decline_award(award, by=request.user, reason=form.cleaned_data["reason"])
            except DomainError as error:
                form.add_error(None, error.detail)
                return None
            self.log_change(request, award, gettext("Declined: %(reason)s") % {"reason": form.cleaned_data["reason"]})
            self.message_user(request, gettext("Award declined."), messages.SUCCESS)
            return None

        return self.object_form(
            request, award, DeclineForm, title=gettext("Decline %(award)s") % {"award": award}, perform=perform
        )

    @admin.action(description=_("Approve the selected awards"))
    def approve_selected(self, request: AdminRequest, queryset) -> None:
        approved = 0
        for award in queryset:
            try:
                approve_award(award, by=request.user)
            except DomainError as error:
                self.show_error(request, error, prefix=f"{award}：")
                continue
            self.log_change(request, award, gettext("Approved"))
            approved += 1
        self.message_user(
            request, ngettext("%d award approved.", "%d awards approved.", approved) % approved, messages.SUCCESS
        )

    @admin.action(description=_("Decline the selected awards with a reason"))
    def decline_selected(self, request: AdminRequest, queryset) -> HttpResponse | None:
        def perform(form: DeclineForm) -> None:
            reason = form.cleaned_data["reason"]
            declined = 0
            for award in queryset:
                try:
                    decline_award(award, by=request.user, reason=reason)
                except DomainError as error:
                    self.show_error(request, error, prefix=f"{award}：")
                    continue
                self.log_change(request, award, gettext("Declined: %(reason)s") % {"reason": reason})
                declined += 1
            self.message_user(request, ngettext("%d award declined.", "%d awards declined.", declined) % declined)
            return None

        return self.form_action(
            request, queryset, DeclineForm, title=gettext("Decline the selected awards"), perform=perform
        )
