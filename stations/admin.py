from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from accounts.admin import SuperuserOnlyMixin
from stations.models import Level, PracticeUnit, UnitManager, is_manager


class ScopedAdmin(admin.ModelAdmin):
    """Admin pages a unit manager with admin-site access may use, scoped to their subtree.

    Subclasses say which rows the user may see in ``scoped_queryset``; foreign keys
    to units only offer units the user manages.
    """

    def scoped_queryset(self, request):
        raise NotImplementedError

    def get_queryset(self, request):
        return self.scoped_queryset(request)

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


@admin.register(PracticeUnit)
class PracticeUnitAdmin(ScopedAdmin):
    list_display = ["code", "name", "level", "parent", "children_count", "contact_name", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["name", "code", "address", "contact_name"]
    list_select_related = ["parent"]
    fieldsets = [
        (None, {"fields": ["level", "parent", "code", "name", "is_active"]}),
        (
            _("Contact"),
            {"fields": ["address", "latitude", "longitude", "contact_name", "contact_phone", "person_in_charge"]},
        ),
        (_("Certificates"), {"fields": ["seal"]}),
    ]

    def scoped_queryset(self, request):
        return PracticeUnit.objects.managed_by(request.user).annotate(n_children=Count("children")).order_by("path")

    @admin.display(description=_("child units"), ordering="n_children")
    def children_count(self, unit: PracticeUnit) -> int:
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


class SuperuserOnlyAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    pass


@admin.register(UnitManager)
class UnitManagerAdmin(SuperuserOnlyAdmin):
    list_display = ["unit", "user", "created_at"]
    list_filter = ["unit__level"]
    search_fields = ["unit__name", "user__name", "user__phone"]
    autocomplete_fields = ["unit", "user"]
    list_select_related = ["unit", "user"]
