from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.exceptions import DisallowedModelAdminLookup, NotRegistered
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from accounts.admin import AdminRequest, SuperuserOnlyMixin
from accounts.bounded_fields import (
    EARLIEST_DATE,
    LATEST_DATE,
    BoundedFormDateField,
    date_in_range,
    out_of_range_message,
)
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


# An id as the API's and the admin URLs take it: ASCII digits, at most 18 (more overflow the
# database's integers: SQLite raises OverflowError, which nothing catches). Not ``str.isdigit``,
# which takes "²", and not ``int()``, which takes " 1", "+1" and "١".
PK_PATTERN = re.compile(r"[0-9]{1,18}")


def safe_pk(value: object) -> int | None:
    """An id from an address or a posted form as an int, or None for anything else."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 <= value < 10**18 else None
    if isinstance(value, str) and PK_PATTERN.fullmatch(value):
        return int(value)
    return None


def safe_pks(values: Iterable[object]) -> list[int]:
    """The ids among ``values`` that ``safe_pk`` takes, the others left out."""
    return [pk for pk in (safe_pk(value) for value in values) if pk is not None]


def _integer_key(field: forms.ModelChoiceField) -> bool:
    if field.queryset is None:
        return False
    meta = field.queryset.model._meta
    key = meta.pk if field.to_field_name is None else meta.get_field(field.to_field_name)
    return isinstance(key, models.IntegerField)


def _takes(field: forms.ModelChoiceField, value: object) -> bool:
    """Whether ``value`` may be looked up as the field's key: a row, an empty value or an id ``safe_pk`` takes."""
    if value in field.empty_values or hasattr(value, "_meta") or not _integer_key(field):
        return True
    return safe_pk(value) is not None


class SafeModelChoiceField(forms.ModelChoiceField):
    """A choice of a row whose id, whatever a crafted form or address carries, is a row or "not a valid choice".

    Django's ModelChoiceField turns a ValueError into that message but not an OverflowError
    (23 digits on SQLite); and the admin's search box looks the bound value up again to draw
    it, where "abc" raised ValueError.
    """

    def to_python(self, value: Any) -> Any:
        if not _takes(self, value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        try:
            return super().to_python(value)
        except OverflowError:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None

    def prepare_value(self, value: Any) -> Any:
        return super().prepare_value(value if _takes(self, value) else None)


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """SafeModelChoiceField's rule for a list of rows."""

    def _check_values(self, value: Any) -> Any:
        for pk in value:
            if not _takes(self, pk):
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": str(pk)}
                )
        return super()._check_values(value)  # type: ignore[misc]  # Django's, missing from the stubs

    def prepare_value(self, value: Any) -> Any:
        if hasattr(value, "__iter__") and not isinstance(value, str) and not hasattr(value, "_meta"):
            value = [item for item in value if _takes(self, item)]
        elif not _takes(self, value):
            value = None
        return super().prepare_value(value)


class BoundedSplitDateTimeField(forms.SplitDateTimeField):
    """The admin's date and time boxes, held between the platform's bounds as the API's date-times are."""

    def compress(self, data_list: Any) -> Any:
        value = super().compress(data_list)
        if value is not None and not date_in_range(value):
            raise ValidationError(out_of_range_message(time=True), code="out_of_range")
        return value


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
    # The dates the API takes (accounts/bounded_fields.py): 9999-12-31 saved here answered 500 on the list.
    formfield_overrides = {
        models.DateField: {"form_class": BoundedFormDateField},
        models.DateTimeField: {"form_class": BoundedSplitDateTimeField},
    }

    def scoped_queryset(self, request):
        raise NotImplementedError

    def get_queryset(self, request):
        offered = self.offered_to_search_box(request)
        return offered if offered is not None else self.scoped_queryset(request)

    def offered_to_search_box(self, request):
        """The rows a search box on another admin's form offers, when that admin says which (its
        ``search_box_choices(request, field_name)``): a form may take more than this list shows,
        as the evaluation form takes guest volunteers. None elsewhere."""
        match = getattr(request, "resolver_match", None)
        if match is None or match.url_name != "autocomplete":
            return None
        try:
            source = apps.get_model(request.GET["app_label"], request.GET["model_name"])
            source_admin = self.admin_site.get_model_admin(source)
        except (KeyError, LookupError, NotRegistered):
            return None
        choices = getattr(source_admin, "search_box_choices", None)
        return choices(request, request.GET.get("field_name", "")) if choices is not None else None

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
        if self.date_hierarchy:
            # Django's drill-down computes the next year, month or day of the one asked for:
            # ?awarded_on__year=9999 overflowed. Outside the bounds the list says the filter is wrong.
            # Huge numbers raised OverflowError, which Django does not catch either.
            bounds = {"year": (EARLIEST_DATE.year, LATEST_DATE.year), "month": (1, 12), "day": (1, 31)}
            for part, (low, high) in bounds.items():
                value = request.GET.get(f"{self.date_hierarchy}__{part}")
                number = safe_pk(value) if value is not None else low
                if number is None or not low <= number <= high:
                    raise IncorrectLookupParameters(part)
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

    def get_changeform_initial_data(self, request) -> dict:
        """The address's values, without ids that ``safe_pk`` refuses (they broke the search boxes)."""
        initial: dict[str, Any] = dict(super().get_changeform_initial_data(request))
        for name, value in list(initial.items()):
            try:
                field = self.opts.get_field(name)
            except FieldDoesNotExist:
                continue
            if not isinstance(field, models.ForeignKey | models.ManyToManyField):
                continue
            if not isinstance(field.target_field, models.IntegerField):
                continue
            if field.many_to_many:
                initial[name] = safe_pks(value)
            elif safe_pk(value) is None:
                del initial[name]
        return initial

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is PracticeUnit:
            kwargs["queryset"] = PracticeUnit.objects.managed_by(request.user).filter(**db_field.get_limit_choices_to())
        kwargs.setdefault("form_class", SafeModelChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", SafeModelMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


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
