from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypedDict, TypeVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from accounts.admin import AdminRequest, SuperuserOnlyMixin
from accounts.errors import DomainError
from stations import appointments, services
from stations.models import Level, PracticeUnit, UnitManager
from stations.scoping import is_manager

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise, WithAnnotations

# Fields whose values are personal numbers, or rebuild them (the birth date is digits
# 7-14 of the ID number): no lookups, filters or ordering on them for anyone but admins,
# or ``?id_number__startswith=3307`` would confirm a masked number digit by digit.
PERSONAL_FIELDS = frozenset({"id_number", "phone", "birth_date", "guardian_phone"})


def touches_personal_data(lookup: str) -> bool:
    return any(part in PERSONAL_FIELDS for part in lookup.split("__"))


def serializer_errors_to_form(form: forms.BaseForm, errors: dict) -> None:
    """Put an API serializer's field messages on an admin form, so both refuse input in the same words."""
    for field, field_errors in errors.items():
        target = field if field in form.fields else None
        for message in field_errors if isinstance(field_errors, list) else [field_errors]:
            form.add_error(target, str(message))


class WorkflowForm(forms.Form):
    """A form asking what a workflow needs (a reason, new times, a period)."""

    required_css_class = "required"


WorkflowFormT = TypeVar("WorkflowFormT", bound=forms.Form)


class ScopedAdmin(admin.ModelAdmin):
    """Admin pages a unit manager with admin-site access may use, scoped to their subtree.

    Subclasses say which rows the user may see in ``scoped_queryset``; foreign keys
    to units only offer units the user manages. Workflows run through the app's
    services: as actions on the list (``form_action``) or as buttons on a row's page
    (``object_tools``: name → label, handled by ``<name>_view(request, obj)``).
    """

    change_form_template = "admin/workflow_change_form.html"
    object_tools: dict[str, StrOrPromise] = {}

    def scoped_queryset(self, request):
        raise NotImplementedError

    def get_queryset(self, request):
        return self.scoped_queryset(request)

    # Personal numbers --------------------------------------------------------------

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        if touches_personal_data(lookup) and not (request is not None and request.user.is_superuser):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_ordering(self, request):
        ordering = super().get_ordering(request)
        if request.user.is_superuser:
            return ordering
        return [field for field in ordering if not touches_personal_data(field.lstrip("-"))]

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        if request.user.is_superuser:
            return fields
        return [field for field in fields if not touches_personal_data(field.lstrip("^=@"))]

    def get_changelist_instance(self, request):
        # Sorting by a column (?o=) is checked here too: a column backed by a personal
        # field would order rows by the hidden digits.
        changelist = super().get_changelist_instance(request)
        if not request.user.is_superuser:
            for field in changelist.get_ordering(request, changelist.root_queryset):
                if isinstance(field, str) and touches_personal_data(field.lstrip("-")):
                    raise DisallowedModelAdminLookup(field)
        return changelist

    # Workflows ------------------------------------------------------------------------

    def show_error(self, request: HttpRequest, error: DomainError, prefix: str = "") -> None:
        self.message_user(request, f"{prefix}{error.detail}", messages.ERROR)

    def form_action(
        self,
        request: HttpRequest,
        queryset,
        form_class: type[WorkflowFormT],
        *,
        title: str,
        perform: Callable[[WorkflowFormT], HttpResponse | None],
        form_kwargs: dict | None = None,
        intro: str = "",
    ) -> HttpResponse | None:
        """An action that first asks for a form (a reason, times, a period), then performs it.

        ``perform`` gets the valid form; it may add form errors (shown again) or return
        a response. Returning None goes back to the list.
        """
        form_kwargs = form_kwargs or {}
        if "apply" in request.POST:
            form = form_class(request.POST, **form_kwargs)
            if form.is_valid():
                response = perform(form)
                if not form.errors:
                    return response
        else:
            form = form_class(**form_kwargs)
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "form": form,
            "objects": queryset,
            "opts": self.model._meta,
            "action": request.POST.get("action", ""),
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/workflow_form.html", context)

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        tools = [
            path(
                f"<path:object_id>/{name}/",
                self.admin_site.admin_view(self.object_tool_view),
                {"tool": name},
                name=f"%s_%s_{name}" % info,
            )
            for name in self.object_tools
        ]
        return tools + super().get_urls()

    def may_use_workflows(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def object_tool_view(self, request: AdminRequest, object_id: str, tool: str) -> HttpResponse:
        if not self.may_use_workflows(request):
            raise PermissionDenied
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        return getattr(self, f"{tool}_view")(request, obj)

    def object_form(
        self,
        request: HttpRequest,
        obj,
        form_class: type[WorkflowFormT],
        *,
        title: str,
        perform: Callable[[WorkflowFormT], HttpResponse | None],
        form_kwargs: dict | None = None,
        intro: str = "",
    ) -> HttpResponse:
        """A row's workflow page: the form, then the service; its refusal shown as a form error."""
        form_kwargs = form_kwargs or {}
        if request.method == "POST":
            form = form_class(request.POST, request.FILES, **form_kwargs)
        else:
            form = form_class(**form_kwargs)
        back = self.change_url(obj) if obj is not None else self.changelist_url()
        if request.method == "POST" and form.is_valid():
            response = perform(form)
            if not form.errors:
                return response or HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "form": form,
            "object": obj,
            "opts": self.model._meta,
            "change_url": back,
        }
        return TemplateResponse(request, "admin/workflow_form.html", context)

    def changelist_url(self) -> str:
        info = self.model._meta.app_label, self.model._meta.model_name
        return reverse("admin:{}_{}_changelist".format(*info), current_app=self.admin_site.name)

    def change_url(self, obj) -> str:
        info = self.model._meta.app_label, self.model._meta.model_name
        return reverse("admin:{}_{}_change".format(*info), args=[obj.pk], current_app=self.admin_site.name)

    def tool_links(self, request: HttpRequest, obj) -> list[tuple[StrOrPromise, str]]:
        """(label, url) buttons on a row's page: its workflows and related pages."""
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            (label, reverse(f"admin:%s_%s_{name}" % info, args=[obj.pk], current_app=self.admin_site.name))
            for name, label in self.object_tools.items()
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        if obj is not None and self.may_use_workflows(request):
            extra_context["workflow_links"] = self.tool_links(request, obj)
        return super().change_view(request, object_id, form_url, extra_context)

    def _allowed(self, request) -> bool:
        return request.user.is_active and request.user.is_staff and is_manager(request.user)

    def has_module_permission(self, request) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is PracticeUnit:
            kwargs["queryset"] = PracticeUnit.objects.managed_by(request.user).filter(**db_field.get_limit_choices_to())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class WorkflowOnlyAdmin(ScopedAdmin):
    """Rows made and changed only through the workflows, never added, edited or deleted by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ChildCount(TypedDict):
    n_children: int


@admin.register(PracticeUnit)
class PracticeUnitAdmin(ScopedAdmin):
    list_display = ["code", "name", "level", "parent", "children_count", "contact_name", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["name", "code", "address", "contact_name"]
    list_select_related = ["parent"]
    fieldsets = [
        (None, {"fields": ["level", "parent", "code", "name", "population", "is_active"]}),
        (
            _("Contact"),
            {"fields": ["address", "latitude", "longitude", "contact_name", "contact_phone", "person_in_charge"]},
        ),
        (_("Certificates"), {"fields": ["handler_name", "seal"]}),
    ]

    def scoped_queryset(self, request):
        return PracticeUnit.objects.managed_by(request.user).annotate(n_children=Count("children")).order_by("path")

    @admin.display(description=_("child units"), ordering="n_children")
    def children_count(self, unit: WithAnnotations[PracticeUnit, ChildCount]) -> int:
        return unit.n_children

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None and obj.parent_id and "parent" in form.base_fields:
            # A manager's own unit keeps its parent, which lies above their reach.
            field = form.base_fields["parent"]
            field.queryset = field.queryset | PracticeUnit.objects.filter(pk=obj.parent_id)
        return form

    def get_readonly_fields(self, request, obj=None):
        # Changing a unit's level would break the three-level rule for its children.
        return ["level"] if obj is not None else []

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "level" and not request.user.is_superuser:
            kwargs["choices"] = [(Level.INSTITUTE, Level.INSTITUTE.label), (Level.STATION, Level.STATION.label)]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    # Appointing managers (stations/appointments.py) ---------------------------------------

    def get_urls(self):
        return appointments.urls(self) + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if services.appoints_anywhere(request.user):
            extra_context["appoint_managers_url"] = reverse("admin:stations_practiceunit_managers")
        return super().changelist_view(request, extra_context)

    def tool_links(self, request: HttpRequest, obj) -> list[tuple[StrOrPromise, str]]:
        links = super().tool_links(request, obj)
        if services.can_appoint_managers(request.user, obj):
            links.append((_("Managers"), reverse("admin:stations_practiceunit_unit_managers", args=[obj.pk])))
        elif services.appoints_anywhere(request.user) and obj.level != Level.STATION:
            links.append((_("Managers of the units below"), appointments.overview_url(parent=obj)))
        return links

    def delete_model(self, request, obj) -> None:
        services.delete_unit(obj)

    def delete_queryset(self, request, queryset) -> None:
        for unit in queryset:
            services.delete_unit(unit)


class SuperuserOnlyAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    pass


@admin.register(UnitManager)
class UnitManagerAdmin(SuperuserOnlyAdmin):
    """Every appointment, for admins. Rows are added and deleted through ``stations.services``
    (admin access and the log follow), never changed: a different person is a new appointment."""

    list_display = ["unit", "user", "created_at"]
    list_filter = ["unit__level"]
    search_fields = ["unit__name", "user__name", "user__phone"]
    autocomplete_fields = ["unit", "user"]
    list_select_related = ["unit", "user"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        role = services.appoint_manager(obj.unit, obj.user, by=request.user)
        obj.pk, obj.created_at = role.pk, role.created_at

    def delete_model(self, request, obj) -> None:
        services.remove_unit_manager(obj.unit, obj.user_id, by=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for role in queryset.select_related("unit"):
            services.remove_unit_manager(role.unit, role.user_id, by=request.user)

    # The services write the log entries.
    def log_addition(self, request, obj, message):
        return None

    def log_deletion(self, request, obj, object_repr):
        return None

    def log_deletions(self, request, queryset):
        return None
