from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.admin import AdminRequest
from accounts.errors import DomainError
from accounts.models import User
from accounts.phones import mask_phone
from events.models import Project
from orders import services
from orders.models import (
    RUNNING,
    ContactView,
    MenuCategory,
    MenuItem,
    Order,
    OrderChange,
    OrderState,
    TeamDecline,
)
from stations.admin import ScopedAdmin, WorkflowForm, WorkflowOnlyAdmin
from stations.models import PATH_STEP, PracticeUnit
from stations.scoping import root_units
from volunteers.models import Team

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@admin.register(MenuCategory)
class MenuCategoryAdmin(ScopedAdmin):
    list_display = ["name", "center", "position"]
    list_filter = ["center"]
    search_fields = ["name"]
    list_select_related = ["center"]

    def scoped_queryset(self, request):
        return MenuCategory.objects.managed_by(request.user)


def categories_for(user: User) -> QuerySet[MenuCategory]:
    """Categories of the centers above (or at) the units the user manages."""
    if user.is_superuser:
        return MenuCategory.objects.all()
    centers = {unit.path[:PATH_STEP] for unit in root_units(user)}
    return MenuCategory.objects.filter(center__path__in=centers)


@admin.register(MenuItem)
class MenuItemAdmin(ScopedAdmin):
    list_display = [
        "name",
        "category",
        "unit",
        "center_teams",
        "institute_teams",
        "station_teams",
        "review_days",
        "dispatch_days",
        "accept_days",
        "complete_days",
        "is_active",
    ]
    list_filter = ["is_active", "category", "event_category"]
    search_fields = ["name", "description"]
    list_select_related = ["category", "unit"]
    fieldsets = [
        (None, {"fields": ["category", "unit", "name", "description", "event_category", "is_active"]}),
        (_("Teams that may take it"), {"fields": ["center_teams", "institute_teams", "station_teams"]}),
        (
            _("Default deadlines (working days)"),
            {"fields": ["review_days", "dispatch_days", "accept_days", "complete_days"]},
        ),
    ]

    def scoped_queryset(self, request):
        return MenuItem.objects.managed_by(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "category":
            kwargs["queryset"] = categories_for(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# Tuples: the same names fit both ``fields`` and ``readonly_fields`` as Django's stubs type them.
ORDER_CHANGE_FIELDS = ("changed_at", "action", "from_state", "to_state", "changed_by_name", "team", "unit", "reason")
TEAM_DECLINE_FIELDS = ("team", "reason", "declined_at")


class OrderChangeInline(admin.TabularInline):
    model = OrderChange
    fields = ORDER_CHANGE_FIELDS
    readonly_fields = ORDER_CHANGE_FIELDS
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("changed by"))
    def changed_by_name(self, change: OrderChange) -> str:
        return change.changed_by.name if change.changed_by is not None else gettext("the system")


CONTACT_VIEW_FIELDS = ("viewed_at", "viewer_name", "team", "state", "via")


class ContactViewInline(admin.TabularInline):
    """Who read the resident's contact as a team leader (the access log, services.note_contact_views)."""

    model = ContactView
    fields = CONTACT_VIEW_FIELDS
    readonly_fields = CONTACT_VIEW_FIELDS
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("viewed by"))
    def viewer_name(self, view: ContactView) -> str:
        return view.viewer.name


class TeamDeclineInline(admin.TabularInline):
    model = TeamDecline
    fields = TEAM_DECLINE_FIELDS
    readonly_fields = TEAM_DECLINE_FIELDS
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("On time"))]

    def queryset(self, request, queryset):
        overdue = Q(state__in=RUNNING, due_on__lt=timezone.localdate())
        if self.value() == "yes":
            return queryset.filter(overdue)
        if self.value() == "no":
            return queryset.exclude(overdue)
        return queryset


class ProjectForm(WorkflowForm):
    project = forms.ModelChoiceField(label=_("brand project"), queryset=Project.objects.none(), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.managed_by(user).select_related("lead_unit")


class ReasonForm(WorkflowForm):
    reason = forms.CharField(label=_("reason"), max_length=200, widget=forms.Textarea(attrs={"rows": 3}))


class DispatchForm(WorkflowForm):
    team = forms.ModelChoiceField(label=_("team"), queryset=Team.objects.none(), required=False)
    claim_unit = forms.ModelChoiceField(
        label=_("or open for claiming within"), queryset=PracticeUnit.objects.none(), required=False
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.managed_by(user).select_related("unit")
        self.fields["claim_unit"].queryset = PracticeUnit.objects.managed_by(user)


ORDER_FIELDS = (
    "item",
    "station",
    "handling_unit",
    "state",
    "resident_masked",
    "contact",
    "description",
    "team",
    "claim_unit",
    "starts_at",
    "ends_at",
    "place",
    "event",
    "due_on",
    "escalation_level",
    "created_at",
    "accepted_at",
    "completed_at",
    "closed_at",
    "project",
)


@admin.register(Order)
class OrderAdmin(WorkflowOnlyAdmin):
    list_display = [
        "id",
        "item",
        "resident_masked",
        "station",
        "handling_unit",
        "state",
        "team",
        "due_on",
        "is_overdue",
        "created_at",
    ]
    list_filter = ["state", OverdueFilter, "item"]
    search_fields = ["item__name", "description"]
    list_select_related = ["item", "station", "handling_unit", "team"]
    date_hierarchy = "created_at"
    inlines = [TeamDeclineInline, OrderChangeInline, ContactViewInline]
    actions = ["accept_selected", "refuse_selected", "close_selected"]
    object_tools = {
        "review": _("Accept for dispatch"),
        "refuse": _("Refuse"),
        "dispatch": _("Dispatch"),
        "project": _("Brand project"),
    }
    fields = ORDER_FIELDS
    readonly_fields = ORDER_FIELDS

    def scoped_queryset(self, request):
        return Order.objects.visible_to(request.user).with_contact_visibility(request.user)

    def tool_links(self, request: HttpRequest, obj) -> list[tuple[StrOrPromise, str]]:
        """Only the steps the order's state allows: once dispatched, 改派 instead of a second 派单."""
        links = dict(zip(self.object_tools, super().tool_links(request, obj), strict=True))
        # A manager of the handling unit files the order under a brand project, in any state.
        project = [links["project"]] if Order.objects.managed_by(request.user).filter(pk=obj.pk).exists() else []
        if obj.state == OrderState.SUBMITTED:
            return [links["review"], links["refuse"], *project]
        if obj.state == OrderState.REVIEWED:
            return [links["dispatch"], *project]
        if obj.state in (OrderState.DISPATCHED, OrderState.OPEN):
            return [(gettext("Re-dispatch"), links["dispatch"][1]), *project]
        return project

    @admin.display(description=_("resident"))
    def resident_masked(self, order: Order) -> str:
        return order.masked_name

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            # The page shows ``contact`` in full to whom Order.objects.contact_visible_to allows: a
            # team leader (who may also manage a unit) reads it here as on the order's page, logged.
            services.note_contact_views([obj], request.user, via=ContactView.Via.ADMIN)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    @admin.display(description=_("contact"))
    def contact(self, order: Order) -> str:
        # 志愿服务条例 art. 21: the resident, whoever entered the order, the handling unit's own
        # managers, and the leader of the team it is dispatched to or accepted by until the service
        # is done (Order.objects.contact_visible_to); a leader's read is logged (render_change_form).
        if getattr(order, "contact_visible", False):
            return f"{order.contact_name} {order.contact_phone} {order.address}"
        return f"{order.masked_name} {mask_phone(order.contact_phone)}"

    @admin.display(description=_("overdue"), boolean=True)
    def is_overdue(self, order: Order) -> bool:
        return order.is_overdue

    def _each(self, request: HttpRequest, orders, work, done) -> None:
        """Run ``work`` on each order, showing refusals; ``done(count)`` is the success message."""
        count = 0
        for order in orders:
            try:
                work(order)
            except DomainError as error:
                self.show_error(request, error, prefix=f"{order}：")
                continue
            count += 1
        if count:
            self.message_user(request, done(count), messages.SUCCESS)

    @admin.action(description=_("Accept the selected orders for dispatch"))
    def accept_selected(self, request, queryset) -> None:
        self._each(
            request,
            queryset.filter(state=OrderState.SUBMITTED),
            lambda order: services.review_order(order, by=request.user, accept=True),
            lambda n: ngettext("%d order accepted.", "%d orders accepted.", n) % n,
        )

    @admin.action(description=_("Refuse the selected orders with a reason"))
    def refuse_selected(self, request, queryset) -> HttpResponse | None:
        def perform(form: ReasonForm) -> None:
            reason = form.cleaned_data["reason"]
            self._each(
                request,
                queryset,
                lambda order: services.review_order(order, by=request.user, accept=False, reason=reason),
                lambda n: ngettext("%d order refused.", "%d orders refused.", n) % n,
            )

        return self.form_action(
            request,
            queryset,
            ReasonForm,
            title=gettext("Refuse orders"),
            perform=perform,
            intro=gettext("The resident reads the reason."),
        )

    @admin.action(description=_("Close the selected orders"))
    def close_selected(self, request, queryset) -> None:
        self._each(
            request,
            queryset,
            lambda order: services.close_order(order, by=request.user),
            lambda n: ngettext("%d order closed.", "%d orders closed.", n) % n,
        )

    def review_view(self, request: AdminRequest, order: Order) -> HttpResponse:
        def perform(form: WorkflowForm) -> None:
            self._each(
                request,
                [order],
                lambda item: services.review_order(item, by=request.user, accept=True),
                lambda n: gettext("Order accepted for dispatch."),
            )

        return self.object_form(request, order, WorkflowForm, title=gettext("Accept for dispatch"), perform=perform)

    def refuse_view(self, request: AdminRequest, order: Order) -> HttpResponse:
        def perform(form: ReasonForm) -> None:
            reason = form.cleaned_data["reason"]
            self._each(
                request,
                [order],
                lambda item: services.review_order(item, by=request.user, accept=False, reason=reason),
                lambda n: gettext("Order refused."),
            )

        return self.object_form(request, order, ReasonForm, title=gettext("Refuse the order"), perform=perform)

    def project_view(self, request: AdminRequest, order: Order) -> HttpResponse:
        if not Order.objects.managed_by(request.user).filter(pk=order.pk).exists():
            raise Http404

        def perform(form: ProjectForm) -> None:
            Order.objects.filter(pk=order.pk).update(project=form.cleaned_data["project"])
            self.message_user(request, gettext("The order's brand project was saved."), messages.SUCCESS)

        return self.object_form(
            request,
            order,
            ProjectForm,
            title=gettext("File the order under a brand project"),
            perform=perform,
            form_kwargs={"user": request.user, "initial": {"project": order.project_id}},
        )

    def dispatch_view(self, request: AdminRequest, order: Order) -> HttpResponse:
        def perform(form: DispatchForm) -> None:
            try:
                services.dispatch_order(
                    order, by=request.user, team=form.cleaned_data["team"], claim_unit=form.cleaned_data["claim_unit"]
                )
            except DomainError as error:
                form.add_error(None, error.detail)
                return
            self.message_user(request, gettext("Order dispatched."), messages.SUCCESS)

        return self.object_form(
            request,
            order,
            DispatchForm,
            title=gettext("Dispatch the order"),
            perform=perform,
            form_kwargs={"user": request.user},
            intro=gettext("Choose one team, or a unit whose teams may claim the order. A team is never forced."),
        )
